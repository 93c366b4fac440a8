package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
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

const e2eTimeout = 30 * time.Second

// buildJarvis compiles the binary once per test into a temp dir, with
// extra go build flags (e.g. -tags tortest).
func buildJarvis(t *testing.T, flags ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "jarvis")
	cmd := exec.Command("go", append(append([]string{"build"}, flags...), "-o", bin, "jarvis")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// runCLI runs a one-shot subcommand and returns its combined output.
func runCLI(t *testing.T, bin, dir, pass string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--data", dir}, args...)...)
	cmd.Env = append(os.Environ(), "JARVIS_PASSPHRASE="+pass)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// headlessProc is one running `jarvis --headless`.
type headlessProc struct {
	t     *testing.T
	cmd   *exec.Cmd
	stdin io.WriteCloser

	mu      sync.Mutex
	lines   []map[string]any
	notify  chan struct{}
	exited  chan struct{}
	timeout time.Duration // for each wait; e2eTimeout unless set
	errs    *syncBuffer   // stderr
}

// stderr is what the process wrote to stderr so far.
func (p *headlessProc) stderr() string { return p.errs.String() }

// syncBuffer is a bytes.Buffer the process's stderr copier and the test
// can share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func startHeadless(t *testing.T, bin, dir, listen, pass string) *headlessProc {
	t.Helper()
	return startHeadlessWith(t, bin, dir, pass, nil, "--listen", listen, "--tor", "off")
}

// startHeadlessWith starts `jarvis --data dir ARGS --headless` with env
// added to the environment.
func startHeadlessWith(t *testing.T, bin, dir, pass string, env []string, args ...string) *headlessProc {
	t.Helper()
	cmd := exec.Command(bin, append(append([]string{"--data", dir}, args...), "--headless")...)
	cmd.Env = append(append(os.Environ(), "JARVIS_PASSPHRASE="+pass), env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &headlessProc{t: t, cmd: cmd, stdin: stdin, notify: make(chan struct{}, 1), exited: make(chan struct{}), timeout: e2eTimeout, errs: &stderr}
	go func() {
		defer close(p.exited)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Errorf("stdout line is not JSON: %q", sc.Text())
				continue
			}
			p.mu.Lock()
			p.lines = append(p.lines, m)
			p.mu.Unlock()
			select {
			case p.notify <- struct{}{}:
			default:
			}
		}
		cmd.Wait()
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.exited
		if t.Failed() {
			t.Logf("stderr of %s:\n%s", dir, stderr.String())
		}
	})
	return p
}

func (p *headlessProc) send(cmd map[string]any) {
	p.t.Helper()
	b, _ := json.Marshal(cmd)
	if _, err := p.stdin.Write(append(b, '\n')); err != nil {
		p.t.Fatalf("write command: %v", err)
	}
}

// waitEvent returns the first line (from the start) with event == name
// that satisfies match.
func (p *headlessProc) waitEvent(name string, match func(map[string]any) bool) map[string]any {
	p.t.Helper()
	return p.waitLine(fmt.Sprintf("%q", name), func(l map[string]any) bool {
		return l["event"] == name && (match == nil || match(l))
	})
}

// waitLine returns the first line (from the start) that match accepts;
// what names it in failures.
func (p *headlessProc) waitLine(what string, match func(map[string]any) bool) map[string]any {
	p.t.Helper()
	deadline := time.After(p.timeout)
	for seen := 0; ; {
		p.mu.Lock()
		for ; seen < len(p.lines); seen++ {
			if l := p.lines[seen]; match(l) {
				p.mu.Unlock()
				return l
			}
		}
		p.mu.Unlock()
		select {
		case <-p.notify:
		case <-p.exited:
			p.t.Fatalf("process exited while waiting for %s", what)
		case <-deadline:
			p.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func (p *headlessProc) count(name string, match func(map[string]any) bool) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, l := range p.lines {
		if l["event"] == name && (match == nil || match(l)) {
			n++
		}
	}
	return n
}

func (p *headlessProc) quit() {
	p.t.Helper()
	p.send(map[string]any{"cmd": "quit"})
	select {
	case <-p.exited:
	case <-time.After(e2eTimeout):
		p.t.Fatal("process did not quit")
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		p.t.Fatalf("exit code %d after quit", code)
	}
}

func textIs(s string) func(map[string]any) bool {
	return func(m map[string]any) bool { return m["text"] == s }
}

const (
	aliceName = "Zanzibar-Alice"
	bobName   = "Quixotic-Bob"
	firstText = "the eagle lands at dawn"
	awayText  = "sent while you were gone"
	passA     = "alice passphrase"
	passB     = "bob passphrase"
	rightPass = "right passphrase"
	portPass  = "port test passphrase"
)

func TestHeadlessTwoProcessesSurviveKill9(t *testing.T) {
	bin := buildJarvis(t)
	dirA, dirB := t.TempDir(), t.TempDir()
	addrA, addrB := freePort(t), freePort(t)
	for _, c := range []struct{ dir, name, pass string }{{dirA, aliceName, passA}, {dirB, bobName, passB}} {
		if out, err := runCLI(t, bin, c.dir, c.pass, "init", "--name", c.name); err != nil {
			t.Fatalf("init: %v\n%s", err, out)
		}
	}
	a := startHeadless(t, bin, dirA, addrA, passA)
	b := startHeadless(t, bin, dirB, addrB, passB)
	readyA := a.waitEvent("ready", nil)
	readyB := b.waitEvent("ready", nil)
	aID, bID := readyA["id"].(string), readyB["id"].(string)

	a.send(map[string]any{"cmd": "add", "code": readyB["code"]})
	req := b.waitEvent("contact_request", nil)
	contact := req["contact"].(map[string]any)
	if contact["id"] != aID || contact["name"] != aliceName {
		t.Fatalf("request from %v", contact)
	}
	b.send(map[string]any{"cmd": "accept", "id": aID})
	a.waitEvent("contact_added", nil)
	a.waitEvent("peer", func(m map[string]any) bool { return m["id"] == bID && m["online"] == true })

	a.send(map[string]any{"cmd": "send", "to": bobName, "text": firstText, "ref": "r1"})
	sent := a.waitEvent("sent", func(m map[string]any) bool { return m["ref"] == "r1" })
	b.waitEvent("message", textIs(firstText))
	a.waitEvent("status", func(m map[string]any) bool { return m["id"] == sent["id"] && m["state"] == "delivered" })

	// Bad input gets an error line, never a crash.
	a.send(map[string]any{"cmd": "frobnicate"})
	a.stdin.Write([]byte("this is not json\n"))
	a.send(map[string]any{"cmd": "send", "to": "nobody", "text": "x"})
	a.waitEvent("error", func(m map[string]any) bool { return strings.Contains(fmt.Sprint(m["error"]), "no such contact") })

	// kill -9 the receiver, send while it is down, bring it back.
	b.cmd.Process.Kill()
	<-b.exited
	a.waitEvent("peer", func(m map[string]any) bool { return m["id"] == bID && m["online"] == false })
	a.send(map[string]any{"cmd": "send", "to": bID, "text": awayText, "ref": "r2"})
	away := a.waitEvent("sent", func(m map[string]any) bool { return m["ref"] == "r2" })

	b = startHeadless(t, bin, dirB, addrB, passB)
	b.waitEvent("message", textIs(awayText))
	a.waitEvent("status", func(m map[string]any) bool { return m["id"] == away["id"] && m["state"] == "delivered" })

	b.send(map[string]any{"cmd": "history", "with": aID, "limit": 10, "ref": "h"})
	hist := b.waitEvent("history", nil)
	msgs := hist["messages"].([]any)
	if len(msgs) != 2 || msgs[0].(map[string]any)["text"] != firstText || msgs[1].(map[string]any)["text"] != awayText {
		t.Fatalf("history after restart: %v", msgs)
	}
	if n := b.count("message", textIs(firstText)); n != 0 {
		t.Fatalf("the first message was delivered again after restart (%d times)", n)
	}
	a.quit()
	b.quit()

	// Nothing readable at rest: not the texts, not the names.
	for _, dir := range []string{dirA, dirB} {
		assertNotOnDisk(t, dir, firstText, awayText, aliceName, bobName)
	}
}

// assertNotOnDisk reads every file under dir and fails if any needle appears.
func assertNotOnDisk(t *testing.T, dir string, needles ...string) {
	t.Helper()
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range needles {
			if bytes.Contains(data, []byte(n)) {
				t.Errorf("%s contains %q in plaintext", path, n)
			}
		}
		return nil
	})
}

func TestSecondInstanceAndWrongPassphrase(t *testing.T) {
	bin := buildJarvis(t)
	dir := t.TempDir()
	if out, err := runCLI(t, bin, dir, rightPass, "init", "--name", "Ada"); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	if out, err := runCLI(t, bin, dir, rightPass, "init", "--name", "Ada"); err == nil || !strings.Contains(out, "already holds an identity") {
		t.Fatalf("second init: %v %s", err, out)
	}
	out, err := runCLI(t, bin, dir, "wrong passphrase", "code")
	if err == nil || !strings.Contains(out, "wrong passphrase") {
		t.Fatalf("wrong passphrase: err=%v out=%s", err, out)
	}
	code, err := runCLI(t, bin, dir, rightPass, "code")
	if err != nil || !strings.HasPrefix(code, "jarvis://") {
		t.Fatalf("right passphrase after a wrong one: %v %s", err, code)
	}

	p := startHeadless(t, bin, dir, freePort(t), rightPass)
	p.waitEvent("ready", nil)
	out, err = runCLI(t, bin, dir, rightPass, "code")
	if err == nil || !strings.Contains(out, "already running") {
		t.Fatalf("second instance: err=%v out=%s", err, out)
	}
	p.quit()

	if out, err := runCLI(t, bin, dir, rightPass, "add", "jarvis://garbage"); err == nil || !strings.Contains(out, "link code") {
		t.Fatalf("bad code: err=%v out=%s", err, out)
	}
	info, err := os.Stat(dir)
	if err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("data dir mode %v", info.Mode().Perm())
	}
}

func TestPortInUseNamesTheFlag(t *testing.T) {
	bin := buildJarvis(t)
	dir := t.TempDir()
	if out, err := runCLI(t, bin, dir, portPass, "init", "--name", "Ada"); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cmd := exec.Command(bin, "--data", dir, "--listen", l.Addr().String(), "--tor", "off", "--headless")
	cmd.Env = append(os.Environ(), "JARVIS_PASSPHRASE="+portPass)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "--listen") {
		t.Fatalf("port in use: err=%v out=%s", err, out)
	}
}
