package tui

import (
	"testing"
	"time"

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

	// By activity Bob would come first now; his number stays 2.
	core.contacts[0].LastActivity = time.Now()
	core.groups[0].LastActivity = time.Now().Add(-time.Hour)
	again := startWithCore(t, core, 100, 30)
	again.wait("Bob unverified") // not #Team, the first in the list
	again.wait("> half a thought")
	again.wait("2 ○ Bob")
	again.screen.InjectKey(tcell.KeyRune, '1', tcell.ModAlt)
	again.wait("> for the team")
	again.quit()
}
