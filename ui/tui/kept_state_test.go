package tui

import (
	"testing"

	"github.com/gdamore/tcell/v2"
)

func TestARestartKeepsDraftsAndReopensTheLastConversation(t *testing.T) {
	core, _, _ := teamCore()
	s := startWithCore(t, core, 100, 30)
	s.wait("#Team")
	s.typeText("for the team")
	s.screen.InjectKey(tcell.KeyRune, '2', tcell.ModAlt) // Bob
	s.wait("Bob unverified")
	s.typeText("half a thought")
	s.wait("> half a thought")
	s.quit()

	again := startWithCore(t, core, 100, 30)
	again.wait("Bob unverified") // not #Team, the first in the list
	again.wait("> half a thought")
	again.screen.InjectKey(tcell.KeyRune, '1', tcell.ModAlt)
	again.wait("> for the team")
	again.quit()
}
