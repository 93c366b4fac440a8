// Package headless is Jarvis's JSON-lines frontend: one command per line on
// stdin, one event or answer per line on stdout, for scripts and tests.
package headless

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"jarvis/app"
)

// maxCommandLine bounds one JSON command line (a message is at most 16 KiB,
// escaping may grow it).
const maxCommandLine = 1 << 20

// headless runs the JSON lines frontend.
type headless struct {
	core     *app.Core
	commands *commands
	out      *jsonWriter
	// replies carries pending send results in command order, so "sent"
	// lines come out in the order the sends went in.
	replies chan func()
}

// Run starts core and serves JSON lines until stdin closes, a quit command
// arrives or ctx ends.
func Run(ctx context.Context, core *app.Core, stdin io.Reader, stdout io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	h := &headless{core: core, commands: newCommands(), out: newJSONWriter(stdout), replies: make(chan func(), 4096)}
	core.Start()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // the event pump
		defer wg.Done()
		for ev := range core.Events() {
			if line := eventJSON(ev); line != nil {
				h.out.write(line)
			}
		}
	}()
	go func() { // send replies, in order
		defer wg.Done()
		for reply := range h.replies {
			reply()
		}
	}()
	lines := make(chan []byte)
	readErr := make(chan error, 1)
	go readLines(stdin, lines, readErr) // ends when stdin ends; not joined, as a blocked Read cannot be interrupted
	err := h.loop(ctx, lines, readErr)
	close(h.replies)
	core.Close() // closes Events, ending the pump
	wg.Wait()
	h.out.close()
	return err
}

func readLines(r io.Reader, lines chan<- []byte, errc chan<- error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxCommandLine)
	for sc.Scan() {
		lines <- append([]byte(nil), sc.Bytes()...)
	}
	errc <- sc.Err()
	close(lines)
}

func (h *headless) loop(ctx context.Context, lines <-chan []byte, readErr <-chan error) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case line, ok := <-lines:
			if !ok {
				if err := <-readErr; err != nil {
					return fmt.Errorf("read commands: %w", err)
				}
				return nil // end of input means quit
			}
			if quit := h.handleLine(ctx, line); quit {
				return nil
			}
		}
	}
}

func (h *headless) handleLine(ctx context.Context, line []byte) (quit bool) {
	if len(line) == 0 {
		return false
	}
	var r request
	if err := json.Unmarshal(line, &r); err != nil {
		h.fail("", errors.New(`not a JSON object; send one command per line, like {"cmd":"help"}`))
		return false
	}
	err := h.dispatch(ctx, r)
	if errors.Is(err, errQuit) {
		return true
	}
	if err != nil {
		h.fail(r.Ref, err)
	}
	return false
}

func (h *headless) fail(ref string, err error) {
	h.out.write(errorLine{Event: "error", Ref: ref, Error: err.Error()})
}
