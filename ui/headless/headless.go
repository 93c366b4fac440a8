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
	"jarvis/crypto"
)

// maxCommandLine bounds one JSON command line (a message is at most 16 KiB,
// escaping may grow it).
const maxCommandLine = 1 << 20

// headlessCommand is one line on stdin. Ref, if given, is echoed in the
// reply so a script can match answers to questions.
type headlessCommand struct {
	Cmd      string `json:"cmd"`
	Ref      string `json:"ref,omitempty"`
	Code     string `json:"code,omitempty"`
	ID       string `json:"id,omitempty"`
	To       string `json:"to,omitempty"`
	With     string `json:"with,omitempty"`
	Text     string `json:"text,omitempty"`
	Name     string `json:"name,omitempty"`
	Limit    int    `json:"limit,omitempty"`
	Before   int64  `json:"before,omitempty"`
	Active   bool   `json:"active,omitempty"`
	Verified *bool  `json:"verified,omitempty"`
}

// headless runs the JSON lines frontend.
type headless struct {
	core *app.Core
	out  *jsonWriter
	// replies carries pending send results in command order, so "sent"
	// lines come out in the order the sends went in.
	replies chan func()
}

// Run starts core and serves JSON lines until stdin closes, a quit command
// arrives or ctx ends.
func Run(ctx context.Context, core *app.Core, stdin io.Reader, stdout io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	h := &headless{core: core, out: newJSONWriter(stdout), replies: make(chan func(), 4096)}
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
	var cmd headlessCommand
	if len(line) == 0 {
		return false
	}
	if err := json.Unmarshal(line, &cmd); err != nil {
		h.fail("", errors.New("not a JSON object; send one command per line, like {\"cmd\":\"contacts\"}"))
		return false
	}
	if cmd.Cmd == "quit" {
		return true
	}
	if err := h.dispatch(ctx, cmd); err != nil {
		h.fail(cmd.Ref, err)
	}
	return false
}

func (h *headless) fail(ref string, err error) {
	h.out.write(errorLine{Event: "error", Ref: ref, Error: err.Error()})
}

func (h *headless) dispatch(ctx context.Context, cmd headlessCommand) error {
	switch cmd.Cmd {
	case "code":
		h.out.write(codeLine{Event: "code", Ref: cmd.Ref, Code: h.core.Self().Code})
	case "add":
		c, err := h.core.AddContact(ctx, cmd.Code)
		if err != nil {
			return err
		}
		h.out.write(contactLine{Event: "contact_pending", Ref: cmd.Ref, Contact: contactJSON(c)})
	case "accept", "reject":
		id, err := h.resolve(ctx, cmd.ID)
		if err != nil {
			return err
		}
		if cmd.Cmd == "accept" {
			return h.core.Accept(ctx, id)
		}
		return h.core.Reject(ctx, id)
	case "contacts":
		list, err := h.core.Contacts(ctx)
		if err != nil {
			return err
		}
		h.out.write(contactsLine{Event: "contacts", Ref: cmd.Ref, Contacts: contactsJSON(list)})
	case "send":
		to, err := h.resolve(ctx, cmd.To)
		if err != nil {
			return err
		}
		return h.send(ctx, app.ContactChat(to), cmd)
	case "read":
		id, err := h.resolve(ctx, cmd.ID)
		if err != nil {
			return err
		}
		return h.core.MarkRead(ctx, app.ContactChat(id))
	case "typing":
		id, err := h.resolve(ctx, cmd.To)
		if err != nil {
			return err
		}
		return h.core.SetTyping(ctx, id, cmd.Active)
	case "history":
		who := cmd.With
		if who == "" {
			who = cmd.ID
		}
		id, err := h.resolve(ctx, who)
		if err != nil {
			return err
		}
		return h.history(ctx, app.ContactChat(id), cmd)
	case "rename":
		id, err := h.resolve(ctx, cmd.ID)
		if err != nil {
			return err
		}
		return h.core.Rename(ctx, id, cmd.Name)
	case "verify":
		id, err := h.resolve(ctx, cmd.ID)
		if err != nil {
			return err
		}
		return h.core.SetVerified(ctx, id, cmd.Verified == nil || *cmd.Verified)
	case "remove":
		id, err := h.resolve(ctx, cmd.ID)
		if err != nil {
			return err
		}
		return h.core.Remove(ctx, id)
	case "":
		return errors.New("missing \"cmd\"; try {\"cmd\":\"contacts\"}")
	default:
		if handled, err := h.dispatchGroup(ctx, cmd); handled {
			return err
		}
		return fmt.Errorf("unknown command %q; see the README's headless section", cmd.Cmd)
	}
	return nil
}

// resolve finds a contact by full ID, name or ID prefix.
func (h *headless) resolve(ctx context.Context, who string) (crypto.ID, error) {
	if who == "" {
		return crypto.ID{}, errors.New("missing contact: give \"id\" (or \"to\"/\"with\") as an ID or name")
	}
	return h.core.ResolveContact(ctx, who)
}

// jsonWriter writes one JSON object per line from many goroutines, and
// flushes when it has nothing more to write so a burst costs few syscalls.
type jsonWriter struct {
	lines chan any
	done  chan struct{}
}

func newJSONWriter(w io.Writer) *jsonWriter {
	j := &jsonWriter{lines: make(chan any, 1024), done: make(chan struct{})}
	go func() {
		defer close(j.done)
		bw := bufio.NewWriterSize(w, 64<<10)
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		for v := range j.lines {
			enc.Encode(v)
			if len(j.lines) == 0 {
				bw.Flush()
			}
		}
		bw.Flush()
	}()
	return j
}

func (j *jsonWriter) write(v any) { j.lines <- v }

// close flushes everything written so far and stops the writer.
func (j *jsonWriter) close() {
	close(j.lines)
	<-j.done
}
