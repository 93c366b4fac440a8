package headless

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"jarvis/app"
	"jarvis/crypto"
)

const waitTimeout = 20 * time.Second

// newCore makes a core on loopback with a cheap KDF; the caller starts it.
func newCore(t *testing.T, name string) *app.Core {
	t.Helper()
	acc, err := app.OpenAccount(app.AccountConfig{Path: filepath.Join(t.TempDir(), "jarvis.db"),
		KDF: crypto.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { acc.Close() })
	if err := acc.Create(context.Background(), name, []byte("pass "+name)); err != nil {
		t.Fatal(err)
	}
	core, err := app.NewCore(app.Config{Account: acc, Listen: "127.0.0.1:0", Tor: app.TorConfig{Mode: app.TorOff},
		Downloads: filepath.Join(t.TempDir(), "downloads")})
	if err != nil {
		t.Fatal(err)
	}
	return core
}

// peer is a bare core at the other end, driven by the test.
type peer struct {
	core   *app.Core
	events chan app.Event
}

// startPeer starts a core that accepts every contact request when accept
// is set.
func startPeer(t *testing.T, name string, accept bool) *peer {
	t.Helper()
	p := &peer{core: newCore(t, name), events: make(chan app.Event, 4096)}
	p.core.Start()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range p.core.Events() {
			if r, ok := ev.(app.ContactRequest); ok && accept {
				go p.core.Accept(context.Background(), r.Contact.ID)
			}
			select {
			case p.events <- ev:
			default: // the test looks only at the first few
			}
		}
	}()
	t.Cleanup(func() { p.core.Close(); <-done })
	return p
}

func (p *peer) await(t *testing.T, what string, ok func(app.Event) bool) {
	t.Helper()
	deadline := time.After(waitTimeout)
	for {
		select {
		case ev := <-p.events:
			if ok(ev) {
				return
			}
		case <-deadline:
			t.Fatalf("peer never saw %s", what)
		}
	}
}

// session is Run over a real core, fed and read through pipes.
type session struct {
	t    *testing.T
	in   *io.PipeWriter
	self app.Self
	done chan struct{} // closed when Run has returned err
	err  error
	refs int

	mu     sync.Mutex
	lines  []map[string]any
	notify chan struct{}
	ran    map[string]bool // commands that succeeded
}

func startSession(t *testing.T, name string) *session {
	t.Helper()
	core := newCore(t, name)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	s := &session{t: t, in: inW, self: core.Self(), done: make(chan struct{}), notify: make(chan struct{}, 1), ran: map[string]bool{}}
	go func() {
		defer close(s.done)
		s.err = Run(context.Background(), core, inR, outW)
		outW.Close()
	}()
	go s.read(outR)
	t.Cleanup(func() {
		inW.Close()
		<-s.done
		if s.err != nil {
			t.Errorf("Run: %v", s.err)
		}
	})
	s.wait("ready", nil)
	return s
}

func (s *session) read(out io.Reader) {
	sc := bufio.NewScanner(out)
	sc.Buffer(nil, maxCommandLine)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			s.t.Errorf("stdout line is not JSON: %q", sc.Text())
			continue
		}
		s.mu.Lock()
		s.lines = append(s.lines, m)
		s.mu.Unlock()
		select {
		case s.notify <- struct{}{}:
		default:
		}
	}
}

// wait returns the first line (from the start) with this event (any, if
// "") that satisfies match.
func (s *session) wait(event string, match func(map[string]any) bool) map[string]any {
	s.t.Helper()
	deadline := time.After(waitTimeout)
	for seen := 0; ; {
		s.mu.Lock()
		for ; seen < len(s.lines); seen++ {
			if l := s.lines[seen]; (event == "" || l["event"] == event) && (match == nil || match(l)) {
				s.mu.Unlock()
				return l
			}
		}
		s.mu.Unlock()
		select {
		case <-s.notify:
		case <-deadline:
			s.t.Fatalf("timed out waiting for %q", event)
		}
	}
}

func (s *session) write(cmd map[string]any) {
	s.t.Helper()
	b, _ := json.Marshal(cmd)
	if _, err := s.in.Write(append(b, '\n')); err != nil {
		s.t.Fatalf("write command: %v", err)
	}
}

// do sends cmd and waits for its answer: the line with event reply and the
// same ref, or, for a command that answers only on failure, the reply to a
// "code" sent after it. An error line with cmd's ref fails the test.
func (s *session) do(cmd map[string]any, reply string) map[string]any {
	s.t.Helper()
	s.refs++
	ref := fmt.Sprint(s.refs)
	cmd["ref"] = ref
	s.write(cmd)
	if reply == "" {
		s.write(map[string]any{"cmd": "code", "ref": ref + "."})
		ref, reply = ref+".", "code"
	}
	l := s.wait("", func(l map[string]any) bool {
		return l["event"] == "error" && l["ref"] == cmd["ref"] || l["event"] == reply && l["ref"] == ref
	})
	if l["event"] == "error" {
		s.t.Fatalf("%v: %v", cmd, l["error"])
	}
	s.ran[cmd["cmd"].(string)] = true
	return l
}

// refused sends cmd and waits for the error answering it, which must
// contain want: a command that works only elsewhere still says why here.
func (s *session) refused(cmd map[string]any, want string) {
	s.t.Helper()
	s.refs++
	cmd["ref"] = fmt.Sprint(s.refs)
	s.write(cmd)
	l := s.wait("error", func(l map[string]any) bool { return l["ref"] == cmd["ref"] })
	if msg, _ := l["error"].(string); !strings.Contains(msg, want) {
		s.t.Fatalf("%v: %q, want it to say %q", cmd, msg, want)
	}
	s.ran[cmd["cmd"].(string)] = true
}

// quit sends "quit" and waits for Run to return.
func (s *session) quit() {
	s.t.Helper()
	s.write(map[string]any{"cmd": "quit"})
	select {
	case <-s.done:
		s.ran["quit"] = true
	case <-time.After(waitTimeout):
		s.t.Fatal("quit did not end the session")
	}
}

// TestEveryCommandWorksAgainstARealCore walks the whole table in one
// session: ann runs headless; bob accepts her request, cat and dan ask to
// be her contacts, cat invites her into two groups.
func TestEveryCommandWorksAgainstARealCore(t *testing.T) {
	ann := startSession(t, "ann")
	bob, cat, dan := startPeer(t, "bob", true), startPeer(t, "cat", false), startPeer(t, "dan", false)
	ctx := context.Background()
	bobID := bob.core.Self().ID.String()

	ann.do(map[string]any{"cmd": "help"}, "help")
	if code := ann.do(map[string]any{"cmd": "code"}, "code"); code["code"] != ann.self.Code {
		t.Errorf("code %v, want %q", code["code"], ann.self.Code)
	}
	ann.do(map[string]any{"cmd": "add", "code": bob.core.Self().Code}, "contact_pending")
	ann.wait("contact_added", func(l map[string]any) bool { return contactField(l, "id") == bobID })
	for _, p := range []*peer{cat, dan} {
		if _, err := p.core.AddContact(ctx, ann.self.Code); err != nil {
			t.Fatal(err)
		}
	}
	ann.wait("contact_request", func(l map[string]any) bool { return contactField(l, "name") == "cat" })
	ann.wait("contact_request", func(l map[string]any) bool { return contactField(l, "name") == "dan" })
	ann.do(map[string]any{"cmd": "accept", "id": "cat"}, "")
	ann.do(map[string]any{"cmd": "reject", "id": "dan"}, "")
	ann.do(map[string]any{"cmd": "contacts"}, "contacts")

	chatCommands(t, ann, bobID)
	searchCommands(t, ann, bobID)
	messageOpCommands(t, ann, bob)
	fileCommands(t, ann, bob)
	groupCommands(t, ann, bobID, cat)
	// Ann listens on loopback, where LAN discovery is off: pairing says so
	// (ui/e2e pairs for real, in network namespaces).
	ann.refused(map[string]any{"cmd": "pair_start"}, "local network")
	ann.refused(map[string]any{"cmd": "pair_join", "code": "1234 5678"}, "local network")
	ann.refused(map[string]any{"cmd": "pair_join", "code": "12"}, "8 digits")
	ann.do(map[string]any{"cmd": "pair_cancel"}, "")

	ann.do(map[string]any{"cmd": "remove", "id": bobID[:8]}, "")
	ann.quit()
	for _, c := range commandTable() {
		if !ann.ran[c.name] {
			t.Errorf("%q was never run; add it to this walk", c.name)
		}
	}
}

func contactField(l map[string]any, key string) any {
	c, _ := l["contact"].(map[string]any)
	return c[key]
}

// chatCommands runs the commands of a 1:1 chat with bob.
func chatCommands(t *testing.T, ann *session, bob string) {
	sent := ann.do(map[string]any{"cmd": "send", "to": "bob", "text": "hi"}, "sent")
	if sent["to"] != bob {
		t.Errorf("sent to %v, want %s", sent["to"], bob)
	}
	ann.do(map[string]any{"cmd": "typing", "to": "bob", "active": true}, "")
	ann.do(map[string]any{"cmd": "read", "id": "bob"}, "")
	h := ann.do(map[string]any{"cmd": "history", "with": "bob"}, "history")
	if msgs, _ := h["messages"].([]any); h["with"] != bob || len(msgs) != 1 {
		t.Errorf("history %v, want one message with %s", h, bob)
	}
	ann.do(map[string]any{"cmd": "history", "id": bob, "limit": 5}, "history")
	file := filepath.Join(t.TempDir(), "chat.json")
	if e := ann.do(map[string]any{"cmd": "export", "with": "bob", "file": file}, "exported"); e["count"] != 1.0 {
		t.Errorf("export %v, want one message", e)
	}
	ann.do(map[string]any{"cmd": "rename", "id": "bob", "name": "Bobby"}, "")
	ann.do(map[string]any{"cmd": "verify", "id": "Bobby", "verified": false}, "")
}

// groupCommands runs the group commands: on a group ann owns with bob in
// it (named in the ways the resolver allows), and on two invites from cat.
func groupCommands(t *testing.T, ann *session, bob string, cat *peer) {
	ann.do(map[string]any{"cmd": "group_create", "name": "team", "text": "plans"}, "group_created")
	ann.do(map[string]any{"cmd": "group_invite", "id": "team", "to": "Bobby"}, "")
	ann.do(map[string]any{"cmd": "group_promote", "id": "team", "to": "bobby"}, "") // ann's label for him, the name she sees
	ann.do(map[string]any{"cmd": "group_demote", "id": "team", "to": bob[:6]}, "")
	ann.do(map[string]any{"cmd": "group_rename", "id": "team", "name": "crew"}, "")
	ann.do(map[string]any{"cmd": "group_topic", "id": "crew"}, "")
	ann.do(map[string]any{"cmd": "group_nick", "id": "crew", "name": "Annie"}, "")
	renamed := ann.wait("group_system", func(l map[string]any) bool { return strings.Contains(l["text"].(string), "Annie") })
	sent := ann.do(map[string]any{"cmd": "group_send", "id": "crew", "text": "hi all"}, "group_sent")
	ann.do(map[string]any{"cmd": "group_read", "id": "crew"}, "")
	h := ann.do(map[string]any{"cmd": "group_history", "id": "crew"}, "group_history")
	var texts []any
	msgs, _ := h["messages"].([]any)
	for _, m := range msgs {
		if line, _ := m.(map[string]any); line["system"] != true {
			texts = append(texts, m)
		}
	}
	if h["group"] != sent["group"] || len(texts) != 1 || len(msgs) < 2 {
		t.Errorf("group_history %v, want the roster lines and the one message sent to %v", h, sent["group"])
	}
	if !holdsSystemLine(msgs, renamed) {
		t.Errorf("group_history %v lacks the rename line %v with its id and cursor", msgs, renamed)
	}
	ann.do(map[string]any{"cmd": "group_export", "id": "crew", "file": filepath.Join(t.TempDir(), "crew.txt")}, "exported")
	ann.do(map[string]any{"cmd": "group_kick", "id": "crew", "to": bob}, "")
	ann.do(map[string]any{"cmd": "groups"}, "groups")
	ann.do(map[string]any{"cmd": "group_delete", "id": "crew"}, "")

	ctx := context.Background()
	annID := ann.self.ID
	cat.await(t, "ann's acceptance", func(ev app.Event) bool { a, ok := ev.(app.ContactAdded); return ok && a.Contact.ID == annID })
	for _, name := range []string{"cats", "dogs"} {
		g, err := cat.core.CreateGroup(ctx, name, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := cat.core.Invite(ctx, g.ID, annID); err != nil {
			t.Fatal(err)
		}
		ann.wait("group_invite", func(l map[string]any) bool { return l["group"].(map[string]any)["name"] == name })
	}
	ann.do(map[string]any{"cmd": "group_accept", "id": "cats"}, "")
	groupFileCommands(t, ann, cat)
	ann.do(map[string]any{"cmd": "group_decline", "id": "dogs"}, "")
	ann.do(map[string]any{"cmd": "group_leave", "id": "cats"}, "")
}

// holdsSystemLine says whether a history page holds the live group_system
// line ev: the same id, cursor and text, marked system.
func holdsSystemLine(msgs []any, ev map[string]any) bool {
	for _, m := range msgs {
		l, _ := m.(map[string]any)
		if l["system"] == true && l["id"] == ev["id"] && l["cursor"] == ev["cursor"] && l["text"] == ev["text"] {
			return ev["id"] != nil && ev["cursor"] != nil
		}
	}
	return false
}

func TestAFailedCommandAnswersWithAnErrorCarryingItsRef(t *testing.T) {
	s := startSession(t, "ann")
	tests := []struct {
		line string
		want string
	}{
		{`{"cmd":"send","to":"nobody","text":"hi","ref":"1"}`, "no such contact"},
		{`{"cmd":"group_send","id":"nothing","text":"hi","ref":"2"}`, "no such group"},
		{`{"cmd":"send","text":"hi","ref":"3"}`, `send needs "to"; send {"cmd":"send","to":"…","text":"…"}`},
		{`{"cmd":"dance","ref":"4"}`, `unknown command "dance"`},
		{`{"cmd":"group_nick","id":"nothing","name":"ann","ref":"5"}`, "no such group"},
		{`{"cmd":"group_nick","id":"nothing","ref":"6"}`, `group_nick needs "name"`},
	}
	for _, tt := range tests {
		if _, err := io.WriteString(s.in, tt.line+"\n"); err != nil {
			t.Fatal(err)
		}
		var line map[string]any
		if err := json.Unmarshal([]byte(tt.line), &line); err != nil {
			t.Fatal(err)
		}
		l := s.wait("error", func(l map[string]any) bool { return l["ref"] == line["ref"] })
		if msg, _ := l["error"].(string); !strings.Contains(msg, tt.want) {
			t.Errorf("%s: error %q, want it to contain %q", tt.line, msg, tt.want)
		}
	}
	if _, err := io.WriteString(s.in, "send hi\n"); err != nil {
		t.Fatal(err)
	}
	s.wait("error", func(l map[string]any) bool {
		return l["ref"] == nil && strings.Contains(l["error"].(string), "not a JSON object")
	})
}
