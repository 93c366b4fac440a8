package tui

import (
	"testing"

	"github.com/gdamore/tcell/v2"
)

func TestSentenceNeverEndsInTwoFullStops(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Renamed to Bobby B.", "Renamed to Bobby B."},
		{"Renamed to Bob", "Renamed to Bob."},
		{"Deleted #Wow!", "Deleted #Wow!"},
		{"You are now Al in #Team", "You are now Al in #Team."},
	} {
		if got := sentence(tc.in); got != tc.want {
			t.Errorf("sentence(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTheChatDrawsOnTheTerminalsOwnBackground(t *testing.T) {
	core, _, _ := teamCore()
	s := startWithCore(t, core, 60, 20)
	s.wait("#Team")
	var bg tcell.Color
	s.do(func(u *UI) {
		cells, w, _ := u.screen.(tcell.SimulationScreen).GetContents()
		_, bg, _ = cells[5*w+5].Style.Decompose() // inside the message view
	})
	if bg != tcell.ColorDefault {
		t.Fatalf("the message view's background is %v, not the terminal's own", bg)
	}
	s.quit()
}
