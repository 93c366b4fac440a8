package tui

import (
	"io"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
)

// pipeTty is a terminal whose input the test writes; output is discarded.
type pipeTty struct {
	in  *io.PipeReader
	out *io.PipeWriter // the test types here
}

func newPipeTty() *pipeTty {
	r, w := io.Pipe()
	return &pipeTty{in: r, out: w}
}

func (p *pipeTty) Start() error        { return nil }
func (p *pipeTty) Stop() error         { return nil }
func (p *pipeTty) Drain() error        { return p.in.Close() }
func (p *pipeTty) NotifyResize(func()) {}
func (p *pipeTty) WindowSize() (tcell.WindowSize, error) {
	return tcell.WindowSize{Width: 80, Height: 24}, nil
}
func (p *pipeTty) Read(b []byte) (int, error)  { return p.in.Read(b) }
func (p *pipeTty) Write(b []byte) (int, error) { return len(b), nil }
func (p *pipeTty) Close() error                { return p.in.Close() }

// A byte that is not UTF-8 arrives from the terminal (tmux send-keys of a
// raw byte did this by hand): it is dropped and the keys around it arrive.
// With tcell's own decoder the input loop spun on that byte forever and
// the keyboard was dead.
func TestAByteThatIsNotUTF8LeavesTheKeyboardWorking(t *testing.T) {
	t.Setenv("TERM", "xterm-256color")
	t.Setenv("LC_ALL", "en_US.UTF-8")
	useLenientUTF8()
	tty := newPipeTty()
	s, err := tcell.NewTerminfoScreenFromTty(tty)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Init(); err != nil {
		t.Fatal(err)
	}
	go tty.out.Write([]byte("é\xffab\xc3"))
	keys := make(chan rune)
	go func() {
		defer close(keys)
		for ev := s.PollEvent(); ev != nil; ev = s.PollEvent() {
			if k, ok := ev.(*tcell.EventKey); ok && k.Key() == tcell.KeyRune {
				keys <- k.Rune()
			}
		}
	}()
	var got []rune
	for len(got) < 3 {
		select {
		case r := <-keys:
			got = append(got, r)
		case <-time.After(10 * time.Second):
			// The input loop is stuck; Fini would wait for it forever.
			t.Fatalf("keys after a broken byte never arrived: got %q", got)
		}
	}
	s.Fini()
	for range keys {
	}
	if string(got) != "éab" {
		t.Fatalf("keys %q, want é, a and b, the broken bytes dropped", string(got))
	}
}
