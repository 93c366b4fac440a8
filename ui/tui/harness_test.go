package tui

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"jarvis/app"
	"jarvis/crypto"
)

const (
	testPass = "correct horse battery staple"
	waitFor  = 15 * time.Second
)

var cheapKDF = crypto.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}

// openAccount opens a fresh account in a temporary directory.
func openAccount(t *testing.T, dir string) *app.Account {
	t.Helper()
	acc, err := app.OpenAccount(app.AccountConfig{Path: filepath.Join(dir, "jarvis.db"), KDF: cheapKDF})
	if err != nil {
		t.Fatal(err)
	}
	return acc
}

func coreMaker(acc *app.Account) func() (*app.Core, error) {
	return func() (*app.Core, error) {
		return app.NewCore(app.Config{Account: acc, Listen: "127.0.0.1:0", Tor: app.TorConfig{Mode: app.TorOff}})
	}
}

// peer is a core driven directly by the test, standing in for the person
// at the other end.
type peer struct {
	core   *app.Core
	events chan app.Event
}

func newPeer(t *testing.T, name string) *peer {
	t.Helper()
	dir := t.TempDir()
	acc := openAccount(t, dir)
	if err := acc.Create(context.Background(), name, []byte(testPass)); err != nil {
		t.Fatal(err)
	}
	core, err := coreMaker(acc)()
	if err != nil {
		t.Fatal(err)
	}
	core.Start()
	p := &peer{core: core, events: make(chan app.Event, 1024)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range core.Events() {
			select {
			case p.events <- ev:
			default: // tests look only at recent events
			}
		}
	}()
	t.Cleanup(func() {
		core.Close()
		<-done
		acc.Close()
	})
	return p
}

// await returns the first event matching ok.
func (p *peer) await(t *testing.T, what string, ok func(app.Event) bool) app.Event {
	t.Helper()
	deadline := time.After(waitFor)
	for {
		select {
		case ev := <-p.events:
			if ok(ev) {
				return ev
			}
		case <-deadline:
			t.Fatalf("peer never saw %s", what)
		}
	}
}

// screenUI runs Run on a simulation screen and records what it draws.
type screenUI struct {
	t      *testing.T
	screen tcell.SimulationScreen
	done   chan error

	mu     sync.Mutex
	text   string
	cells  [][]string // the last screen drawn, one string per cell
	frames []string   // every distinct screen drawn, oldest first
	mark   int        // wait looks at frames from here on
	self   app.Self

	finished bool // Run has returned (test goroutine only)
	ui       *UI  // set by startWithCore, for do
}

// do runs f on the UI goroutine, as an event would, and redraws.
func (s *screenUI) do(f func(u *UI)) {
	done := make(chan struct{})
	s.ui.app.QueueUpdateDraw(func() {
		f(s.ui)
		close(done)
	})
	<-done
}

func startUI(t *testing.T, acc *app.Account, w, h int) *screenUI {
	t.Helper()
	s := &screenUI{t: t, screen: tcell.NewSimulationScreen("UTF-8"), done: make(chan error, 1)}
	cfg := Config{
		Account:   acc,
		NewCore:   coreMaker(acc),
		Screen:    s.screen,
		Bell:      true,
		afterDraw: s.capture,
		coreStarted: func(c appCore) {
			s.mu.Lock()
			s.self = c.Self()
			s.mu.Unlock()
		},
		screenReady: func(sc tcell.Screen) { sc.(tcell.SimulationScreen).SetSize(w, h) },
	}
	go func() { s.done <- Run(cfg) }()
	t.Cleanup(func() {
		if s.finished {
			return
		}
		s.screen.InjectKey(tcell.KeyCtrlQ, 0, tcell.ModNone)
		select {
		case err := <-s.done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(waitFor):
			t.Errorf("Run did not return after Ctrl+Q")
		}
	})
	return s
}

// capture runs on the UI goroutine after each draw.
func (s *screenUI) capture(sc tcell.Screen) {
	sc.Show() // tview calls afterDraw just before Show
	cells, w, h := sc.(tcell.SimulationScreen).GetContents()
	var b strings.Builder
	grid := make([][]string, h)
	for y := 0; y < h; y++ {
		grid[y] = make([]string, w)
		for x := 0; x < w; x++ {
			c := cells[y*w+x]
			grid[y][x] = string(c.Runes)
			if len(c.Runes) == 0 {
				b.WriteByte(' ')
				continue
			}
			b.WriteString(string(c.Runes))
		}
		b.WriteByte('\n')
	}
	s.mu.Lock()
	s.cells = grid
	if text := b.String(); text != s.text {
		s.text = text
		s.frames = append(s.frames, text)
	}
	s.mu.Unlock()
}

// seen looks for want in the frames drawn since the last wait matched,
// so a screen that lasted only a moment still counts.
func (s *screenUI) seen(want string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := s.mark; i < len(s.frames); i++ {
		if strings.Contains(s.frames[i], want) {
			s.mark = i
			return true
		}
	}
	return false
}

func (s *screenUI) contents() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.text
}

// wait polls until the screen shows want, or showed it since the last
// wait.
func (s *screenUI) wait(want string) {
	s.t.Helper()
	deadline := time.Now().Add(waitFor)
	for !s.seen(want) {
		if time.Now().After(deadline) {
			s.t.Fatalf("screen never showed %q; it shows:\n%s", want, s.contents())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitGone polls until the screen no longer shows text.
func (s *screenUI) waitGone(text string) {
	s.t.Helper()
	deadline := time.Now().Add(waitFor)
	for strings.Contains(s.contents(), text) {
		if time.Now().After(deadline) {
			s.t.Fatalf("screen still shows %q:\n%s", text, s.contents())
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.mu.Lock()
	s.mark = max(s.mark, len(s.frames)-1)
	s.mu.Unlock()
}

func (s *screenUI) typeText(text string) {
	for _, r := range text {
		s.screen.InjectKey(tcell.KeyRune, r, tcell.ModNone)
	}
}

// key presses k. An Enter waits pasteGap twice first, as fingers do, so
// it is not taken for a line break inside a paste.
func (s *screenUI) key(k tcell.Key) {
	if k == tcell.KeyEnter {
		time.Sleep(2 * pasteGap)
	}
	s.screen.InjectKey(k, 0, tcell.ModNone)
}

func (s *screenUI) enter(text string) {
	s.typeText(text)
	s.key(tcell.KeyEnter)
}

// quit presses Ctrl+Q and checks that Run returns cleanly.
func (s *screenUI) quit() {
	s.t.Helper()
	s.key(tcell.KeyCtrlQ)
	select {
	case err := <-s.done:
		s.finished = true
		if err != nil {
			s.t.Fatalf("Run: %v", err)
		}
	case <-time.After(waitFor):
		s.t.Fatal("Run did not return after Ctrl+Q")
	}
}

// unlockedUI makes an identity called name and shows its main screen.
func unlockedUI(t *testing.T, name string) (*screenUI, *app.Account) {
	t.Helper()
	acc := openAccount(t, t.TempDir())
	t.Cleanup(func() { acc.Close() })
	if err := acc.Create(context.Background(), name, []byte(testPass)); err != nil {
		t.Fatal(err)
	}
	s := startUI(t, acc, 100, 30)
	s.wait("online")
	return s, acc
}

// code returns the link code of the UI's core once it runs.
func (s *screenUI) code() string {
	s.t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		s.mu.Lock()
		c := s.self.Code
		s.mu.Unlock()
		if c != "" {
			return c
		}
		if time.Now().After(deadline) {
			s.t.Fatal("the UI never started a core")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
