package tui

import (
	"testing"

	"github.com/gdamore/tcell/v2"
)

func TestFocusScreenSwallowsFocusEventsAndTracksThem(t *testing.T) {
	sim := tcell.NewSimulationScreen("")
	if err := sim.Init(); err != nil {
		t.Fatal(err)
	}
	defer sim.Fini()
	s := &focusScreen{Screen: sim}
	if !s.focused() {
		t.Fatal("a new screen should count as focused")
	}
	sim.PostEvent(tcell.NewEventFocus(false))
	sim.PostEvent(tcell.NewEventKey(tcell.KeyRune, 'x', tcell.ModNone))
	ev := s.PollEvent()
	if k, ok := ev.(*tcell.EventKey); !ok || k.Rune() != 'x' {
		t.Fatalf("got %T, want the key event after the focus event", ev)
	}
	if s.focused() {
		t.Fatal("focus loss not recorded")
	}
	sim.PostEvent(tcell.NewEventFocus(true))
	sim.PostEvent(tcell.NewEventKey(tcell.KeyRune, 'y', tcell.ModNone))
	s.PollEvent()
	if !s.focused() {
		t.Fatal("focus gain not recorded")
	}
}
