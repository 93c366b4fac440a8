//go:build bench

package e2e

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// benchPass unlocks every data directory the benchmark creates.
const benchPass = "bench passphrase"

// bEvent is one JSON line from a headless node, stamped when it was read.
type bEvent struct {
	At      time.Time
	Event   string          `json:"event"`
	Ref     string          `json:"ref"`
	ID      string          `json:"id"`
	To      string          `json:"to"`
	From    string          `json:"from"`
	State   string          `json:"state"`
	Code    string          `json:"code"`
	Listen  string          `json:"listen"`
	Online  bool            `json:"online"`
	Path    string          `json:"path"` // peer: direct | onion
	Tor     bTorState       `json:"tor"`  // engine
	Error   string          `json:"error"`
	Contact json.RawMessage `json:"contact"`
	Msgs    json.RawMessage `json:"messages"`

	// search
	Ready   bool            `json:"ready"`    // search_index, search_results
	Results json.RawMessage `json:"results"`  // search_results
	File    json.RawMessage `json:"transfer"` // file events (bench_files_test.go)
}

// bTorState is the tor part of an engine line.
type bTorState struct {
	State string `json:"state"`
	Onion string `json:"onion"`
}

func (e bEvent) contactID() string {
	var c struct {
		ID string `json:"id"`
	}
	json.Unmarshal(e.Contact, &c)
	return c.ID
}

// bProc is one running `jarvis --headless` process.
type bProc struct {
	t       testing.TB
	name    string
	dir     string
	listen  string
	cmd     *exec.Cmd
	stdin   *bufio.Writer
	stdinW  io.WriteCloser
	started time.Time

	mu      sync.Mutex
	handler func(bEvent) // called on the reader goroutine, for hot paths
	keep    [][]byte     // with a handler and no waiters, only lines holding one of these are parsed
	waiters []bWaiter
	ready   bEvent
	done    chan struct{}
}

type bWaiter struct {
	match func(bEvent) bool
	ch    chan bEvent
}

// bNodeSpec says how to start a node.
type bNodeSpec struct {
	bin, name, dir, listen string
	advertise              string
	tor                    string   // --tor mode; off when empty
	env                    []string // added to the environment
	emu                    string   // an emulator to run bin under (qemu-aarch64-static)
}

// bInitNode creates an identity in dir with the real KDF.
func bInitNode(t testing.TB, s bNodeSpec) {
	t.Helper()
	out, err := s.command("init", "--name", s.name).CombinedOutput()
	if err != nil {
		t.Fatalf("init %s: %v\n%s", s.name, err, out)
	}
}

func (s bNodeSpec) command(args ...string) *exec.Cmd {
	all := []string{"--data", s.dir, "--listen", s.listen, "--tor", cmp.Or(s.tor, "off")}
	if s.advertise != "" {
		all = append(all, "--advertise", s.advertise)
	}
	cmd := exec.Command(s.bin, append(all, args...)...)
	if s.emu != "" {
		cmd = exec.Command(s.emu, append([]string{s.bin}, append(all, args...)...)...)
	}
	cmd.Env = append(append(os.Environ(), "JARVIS_PASSPHRASE="+benchPass), s.env...)
	return cmd
}

// bStartNode starts a headless node and waits for its ready line.
func bStartNode(t testing.TB, s bNodeSpec) *bProc {
	t.Helper()
	p, ready := bLaunchNode(t, s)
	p.ready = p.wait(ready, 60*time.Second, "ready")
	return p
}

// bLaunchNode starts a headless node without waiting, so that two can start
// at the same instant; the channel yields its ready line.
func bLaunchNode(t testing.TB, s bNodeSpec) (*bProc, chan bEvent) {
	t.Helper()
	p := &bProc{t: t, name: s.name, dir: s.dir, listen: s.listen, done: make(chan struct{})}
	p.cmd = s.command("--headless")
	p.cmd.Stderr = os.Stderr
	var err error
	if p.stdinW, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.stdin = bufio.NewWriterSize(p.stdinW, 256<<10)
	readyCh := p.expect(func(e bEvent) bool { return e.Event == "ready" })
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go p.read(out)
	t.Cleanup(p.stop)
	return p, readyCh
}

func (p *bProc) read(r io.Reader) {
	defer close(p.done)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		at := time.Now()
		line := sc.Bytes()
		if p.skip(line) {
			continue
		}
		var e bEvent
		if err := json.Unmarshal(line, &e); err != nil {
			continue
		}
		e.At = at
		p.mu.Lock()
		h := p.handler
		kept := p.waiters[:0]
		for _, w := range p.waiters {
			if w.match(e) {
				w.ch <- e
			} else {
				kept = append(kept, w)
			}
		}
		p.waiters = kept
		p.mu.Unlock()
		if h != nil {
			h(e)
		}
		if e.Event == "error" && !strings.Contains(e.Error, "offline") {
			p.t.Logf("%s: error event: %s", p.name, e.Error)
		}
	}
}

// skip spares the test's CPU, which the nodes share, from parsing the
// hundreds of thousands of lines a throughput run prints.
func (p *bProc) skip(line []byte) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.handler == nil || len(p.keep) == 0 || len(p.waiters) > 0 || bytes.Contains(line, []byte(`"event":"error"`)) {
		return false
	}
	for _, k := range p.keep {
		if bytes.Contains(line, k) {
			return false
		}
	}
	return true
}

// expect registers interest in the next event matching match; register
// before causing it.
func (p *bProc) expect(match func(bEvent) bool) chan bEvent {
	ch := make(chan bEvent, 1)
	p.mu.Lock()
	p.waiters = append(p.waiters, bWaiter{match: match, ch: ch})
	p.mu.Unlock()
	return ch
}

func (p *bProc) wait(ch chan bEvent, d time.Duration, what string) bEvent {
	p.t.Helper()
	select {
	case e := <-ch:
		return e
	case <-p.done:
		p.t.Fatalf("%s exited while waiting for %s", p.name, what)
	case <-time.After(d):
		p.t.Fatalf("%s: timed out waiting for %s", p.name, what)
	}
	return bEvent{}
}

// setHandler routes events to h; keep, if given, names substrings of the
// only lines h needs.
func (p *bProc) setHandler(h func(bEvent), keep ...string) {
	p.mu.Lock()
	p.handler = h
	p.keep = nil
	for _, k := range keep {
		p.keep = append(p.keep, []byte(k))
	}
	p.mu.Unlock()
}

// send writes one command line; flush pushes buffered lines to the node.
func (p *bProc) send(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		p.t.Fatal(err)
	}
	p.stdin.Write(b)
	p.stdin.WriteByte('\n')
}

func (p *bProc) flush() {
	if err := p.stdin.Flush(); err != nil {
		p.t.Fatalf("%s: write stdin: %v", p.name, err)
	}
}

func (p *bProc) pid() int { return p.cmd.Process.Pid }

// stop asks the node to quit and waits for it; safe to repeat.
func (p *bProc) stop() {
	if p.cmd.ProcessState != nil {
		return
	}
	p.send(map[string]string{"cmd": "quit"})
	p.stdin.Flush()
	p.stdinW.Close()
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
	}
	p.cmd.Wait()
}

// bFreePort returns a loopback address nobody listens on right now.
func bFreePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// bBefriend makes a and b accepted contacts and waits until both are online.
func bBefriend(t testing.TB, a, b *bProc) (aID, bID string) {
	t.Helper()
	aID, bID = a.ready.ID, b.ready.ID
	req := b.expect(func(e bEvent) bool { return e.Event == "contact_request" && e.contactID() == aID })
	addedA := a.expect(func(e bEvent) bool { return e.Event == "contact_added" && e.contactID() == bID })
	onlineA := a.expect(func(e bEvent) bool { return e.Event == "peer" && e.ID == bID && e.Online })
	a.send(map[string]string{"cmd": "add", "code": b.ready.Code})
	a.flush()
	b.wait(req, 30*time.Second, "contact request")
	b.send(map[string]string{"cmd": "accept", "id": aID})
	b.flush()
	a.wait(addedA, 30*time.Second, "contact added")
	select { // the peer line may have come before contact_added
	case <-onlineA:
	case <-time.After(2 * time.Second):
	}
	return aID, bID
}

func bNewDir(t testing.TB, name string) string {
	t.Helper()
	d := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(d, 0o700); err != nil {
		t.Fatal(err)
	}
	return d
}
