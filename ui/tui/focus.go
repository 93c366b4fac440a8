package tui

import (
	"fmt"
	"os"
	"sync/atomic"

	"github.com/gdamore/tcell/v2"
)

// focusScreen is the terminal screen with focus tracking. tview drops
// tcell's focus events, so this wrapper takes them out of the event stream
// before tview sees them and remembers whether the window has focus: a
// message in the open conversation still deserves a notification when the
// person is looking at another window.
type focusScreen struct {
	tcell.Screen
	unfocused atomic.Bool // the zero value means focused: terminals that never report stay "focused"
}

// PollEvent returns the next event other than a focus change.
func (s *focusScreen) PollEvent() tcell.Event {
	for {
		ev := s.Screen.PollEvent()
		f, ok := ev.(*tcell.EventFocus)
		if !ok {
			return ev
		}
		s.unfocused.Store(!f.Focused)
	}
}

// focused reports whether the terminal window has focus, as far as the
// terminal has told us.
func (s *focusScreen) focused() bool { return !s.unfocused.Load() }

// openTerminal makes the real terminal screen with focus reporting on. The
// caller hands it to tview, which initialises it.
func openTerminal() (*focusScreen, error) {
	// tview's SetScreen initialises the screen but drops Init's error, so
	// check first that there is a terminal to open.
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("no terminal (run Jarvis in one, or use --headless): %w", err)
	}
	tty.Close()
	useLenientUTF8()
	s, err := tcell.NewScreen()
	if err != nil {
		return nil, err
	}
	return &focusScreen{Screen: s}, nil
}
