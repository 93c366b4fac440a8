//go:build soak

package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The process harness of the reliability sections: real `jarvis --headless`
// processes that can be killed with SIGKILL and started again on the same
// data directory and port, their JSON lines recorded per life.

// relPass unlocks every data directory the soak creates (real Argon2id).
const relPass = "soak passphrase, four words"

// relWait bounds one wait for an event; a soak section that stalls this long
// has found a bug, not a slow machine.
const relWait = 90 * time.Second

// relEvent is one JSON line of a node, with the fields the sections read.
type relEvent struct {
	Event   string              `json:"event"`
	Ref     string              `json:"ref"`
	ID      string              `json:"id"`
	To      string              `json:"to"`
	From    string              `json:"from"`
	Group   json.RawMessage     `json:"group"` // an ID in messages, an object in group events
	Text    string              `json:"text"`
	State   string              `json:"state"`
	Code    string              `json:"code"`
	Online  bool                `json:"online"`
	Error   string              `json:"error"`
	Contact struct{ ID string } `json:"contact"`
	Msgs    []relHistoryMsg     `json:"messages"`
	Groups  json.RawMessage     `json:"groups"`
}

// groupID is the group a line names, whether as an ID or as an object.
func (e relEvent) groupID() string {
	var id string
	if json.Unmarshal(e.Group, &id) == nil {
		return id
	}
	var g struct{ ID string }
	json.Unmarshal(e.Group, &g)
	return g.ID
}

// relHistoryMsg is one entry of a history or group_history answer.
type relHistoryMsg struct {
	ID       string `json:"id"`
	From     string `json:"from"`
	Outgoing bool   `json:"outgoing"`
	Text     string `json:"text"`
	Cursor   int64  `json:"cursor"`
	System   bool   `json:"system"`
}

// relSpec says how to start a node: the same spec starts it again.
type relSpec struct {
	bin, name, dir, listen string
	wrap                   string   // a program that runs bin elsewhere (a network namespace), or ""
	env                    []string // added to the environment
}

func (s relSpec) command(args ...string) *exec.Cmd {
	all := append([]string{"--data", s.dir, "--listen", s.listen, "--tor", "off", "--no-lan"}, args...)
	cmd := exec.Command(s.bin, all...)
	if s.wrap != "" {
		cmd = exec.Command(s.wrap, append([]string{s.bin}, all...)...)
	}
	cmd.Env = append(append(os.Environ(), "JARVIS_PASSPHRASE="+relPass), s.env...)
	return cmd
}

// relInit creates the node's identity with the production KDF.
func relInit(t testing.TB, s relSpec) {
	t.Helper()
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := s.command("init", "--name", s.name).CombinedOutput(); err != nil {
		t.Fatalf("init %s: %v\n%s", s.name, err, out)
	}
}

// relNode is one life of a node: a process from start to exit.
type relNode struct {
	t     testing.TB
	spec  relSpec
	cmd   *exec.Cmd
	stdin io.WriteCloser
	w     *bufio.Writer
	done  chan struct{}
	ready relEvent

	wmu sync.Mutex // the stream writers and ask share stdin, line by line

	mu      sync.Mutex
	onEvent func(relEvent) // called on the reader goroutine, before waiters
	waiters []relWaiter
	stderr  syncBuffer
}

type relWaiter struct {
	match func(relEvent) bool
	ch    chan relEvent
}

// relStart starts a life of the node and waits for its ready line; onEvent
// sees every line (nil: none).
func relStart(t testing.TB, s relSpec, onEvent func(relEvent)) *relNode {
	t.Helper()
	n := &relNode{t: t, spec: s, done: make(chan struct{}), onEvent: onEvent}
	n.cmd = s.command("--headless")
	n.cmd.Stderr = &n.stderr
	var err error
	if n.stdin, err = n.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := n.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	n.w = bufio.NewWriterSize(n.stdin, 64<<10)
	ready := n.expect(func(e relEvent) bool { return e.Event == "ready" })
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go n.read(out)
	t.Cleanup(n.stop)
	n.ready = n.wait(ready, "ready")
	return n
}

func (n *relNode) read(r io.Reader) {
	defer close(n.done)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var e relEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			continue
		}
		n.mu.Lock()
		h := n.onEvent
		kept := n.waiters[:0]
		for _, w := range n.waiters {
			if w.match(e) {
				w.ch <- e
			} else {
				kept = append(kept, w)
			}
		}
		n.waiters = kept
		n.mu.Unlock()
		if h != nil {
			h(e)
		}
	}
	n.cmd.Wait()
}

// expect registers interest in the next matching line; register before
// causing it.
func (n *relNode) expect(match func(relEvent) bool) chan relEvent {
	ch := make(chan relEvent, 1)
	n.mu.Lock()
	n.waiters = append(n.waiters, relWaiter{match, ch})
	n.mu.Unlock()
	return ch
}

func (n *relNode) wait(ch chan relEvent, what string) relEvent {
	n.t.Helper()
	select {
	case e := <-ch:
		return e
	case <-n.done:
		n.t.Fatalf("%s exited while waiting for %s:\n%s", n.spec.name, what, n.stderr.String())
	case <-time.After(relWait):
		n.t.Fatalf("%s: timed out waiting for %s", n.spec.name, what)
	}
	return relEvent{}
}

// send writes one command line (buffered; flush sends it).
func (n *relNode) send(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		n.t.Fatal(err)
	}
	n.wmu.Lock()
	n.w.Write(append(b, '\n'))
	n.wmu.Unlock()
}

// flush pushes buffered commands; a node being killed may have gone, which
// the caller learns from done.
func (n *relNode) flush() error {
	n.wmu.Lock()
	defer n.wmu.Unlock()
	return n.w.Flush()
}

// ask sends one command and waits for the answer event carrying ref.
func (n *relNode) ask(v map[string]any, answer string) relEvent {
	n.t.Helper()
	ref := fmt.Sprintf("ask-%d", time.Now().UnixNano())
	v["ref"] = ref
	ch := n.expect(func(e relEvent) bool { return e.Ref == ref && (e.Event == answer || e.Event == "error") })
	n.send(v)
	n.flush()
	e := n.wait(ch, answer)
	if e.Event == "error" {
		n.t.Fatalf("%s: %v: %s", n.spec.name, v["cmd"], e.Error)
	}
	return e
}

// kill ends the life with SIGKILL: no shutdown code runs.
func (n *relNode) kill() {
	n.cmd.Process.Signal(syscall.SIGKILL)
	<-n.done
}

// alive reports whether the process has not exited yet.
func (n *relNode) alive() bool {
	select {
	case <-n.done:
		return false
	default:
		return true
	}
}

// stop asks the node to quit and waits; safe to repeat, and after kill.
func (n *relNode) stop() {
	if !n.alive() {
		return
	}
	n.send(map[string]string{"cmd": "quit"})
	n.flush()
	n.wmu.Lock()
	n.stdin.Close()
	n.wmu.Unlock()
	select {
	case <-n.done:
	case <-time.After(20 * time.Second):
		n.kill()
	}
}

// relBefriend makes a and b accepted contacts.
func relBefriend(t testing.TB, a, b *relNode) {
	t.Helper()
	aID, bID := a.ready.ID, b.ready.ID
	req := b.expect(func(e relEvent) bool { return e.Event == "contact_request" && e.Contact.ID == aID })
	added := a.expect(func(e relEvent) bool { return e.Event == "contact_added" && e.Contact.ID == bID })
	a.send(map[string]string{"cmd": "add", "code": b.ready.Code})
	a.flush()
	b.wait(req, "contact request from "+a.spec.name)
	b.send(map[string]string{"cmd": "accept", "id": aID})
	b.flush()
	a.wait(added, "contact added")
}

// history pages back through a conversation, oldest first: "history" with
// a contact ID, "group_history" with a group ID; it stops after a page
// holding a message older than wanted (enough reports that, nil: all).
func (n *relNode) history(cmd, with string, enough func(relHistoryMsg) bool) []relHistoryMsg {
	n.t.Helper()
	key, answer := "with", "history"
	if cmd == "group_history" {
		key, answer = "id", "group_history"
	}
	var all []relHistoryMsg
	before := int64(0)
	for {
		e := n.ask(map[string]any{"cmd": cmd, key: with, "limit": 1000, "before": before}, answer)
		all = append(e.Msgs, all...)
		if len(e.Msgs) < 1000 || enough != nil && slices.ContainsFunc(e.Msgs, enough) {
			return all
		}
		before = e.Msgs[0].Cursor
	}
}

// relDirs makes one data directory per name under a fresh temp dir.
func relDirs(t testing.TB, names ...string) []string {
	t.Helper()
	root := t.TempDir()
	out := make([]string, len(names))
	for i, name := range names {
		out[i] = filepath.Join(root, name)
	}
	return out
}
