package tui

import (
	"testing"

	"github.com/gdamore/tcell/v2"
)

func TestUpAndDownWalkWhatWasSentInThisConversation(t *testing.T) {
	core, _, _ := teamCore()
	s := startWithCore(t, core, 100, 30)
	s.wait("#Team")
	s.screen.InjectKey(tcell.KeyRune, '1', tcell.ModAlt) // #Team
	s.wait("#Team · 2 members")
	s.enter("/topic") // fails: not remembered, kept on the line
	s.key(tcell.KeyCtrlU)
	s.enter("/nick Al") // runs
	s.wait("You are now Al")
	s.screen.InjectKey(tcell.KeyRune, '2', tcell.ModAlt) // Bob: a history of its own
	s.typeText("half typed")
	s.key(tcell.KeyUp)
	s.wait("> half typed") // nothing sent here yet
	s.key(tcell.KeyCtrlU)
	s.screen.InjectKey(tcell.KeyRune, '1', tcell.ModAlt)
	s.typeText("draft")
	s.key(tcell.KeyUp)
	s.wait("> /nick Al")
	s.key(tcell.KeyUp) // the oldest: stays
	s.wait("> /nick Al")
	s.key(tcell.KeyDown)
	s.wait("> draft")
	s.quit()
}

func TestAQuestionMarkAloneIsAMessageAndCtrlLDoesNotLock(t *testing.T) {
	core, _, _ := teamCore()
	s := startWithCore(t, core, 100, 30)
	s.wait("#Team")
	s.typeText("?")
	s.wait("> ?")
	s.key(tcell.KeyCtrlL)
	s.key(tcell.KeyF1)
	s.wait("Help — Esc closes")
	if s.seen("Jarvis is locked") {
		t.Fatal("Ctrl+L locked the screen")
	}
	s.key(tcell.KeyEsc)
	s.wait("> ?") // the draft stays
	s.quit()
}
