//go:build bench

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"jarvis/app"
	"jarvis/crypto"
	"jarvis/store"
)

// bStartToxic runs toxic (the Tox client in Debian) in a detached tmux pane
// of its own server, with a fresh profile and no network (-o: no DHT, -L: no
// LAN discovery), and returns its pid; 0 and the reason if it cannot.
func bStartToxic(t testing.TB) (pid int, note string) {
	t.Helper()
	if _, err := exec.LookPath("toxic"); err != nil {
		return 0, "toxic is not installed (`apt-get install toxic`)"
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		return 0, "tmux is not installed"
	}
	home := t.TempDir()
	sock := fmt.Sprintf("jarvis-bench-toxic-%d", os.Getpid())
	tmux := func(args ...string) ([]byte, error) {
		cmd := exec.Command("tmux", append([]string{"-L", sock}, args...)...)
		cmd.Env = append(os.Environ(), "HOME="+home)
		return cmd.CombinedOutput()
	}
	run := fmt.Sprintf("exec toxic -o -L -f %s", filepath.Join(home, "profile.tox"))
	if out, err := tmux("new-session", "-d", "-x", "120", "-y", "40", run); err != nil {
		return 0, fmt.Sprintf("tmux: %v: %s", err, out)
	}
	t.Cleanup(func() { tmux("kill-server") })
	time.Sleep(2 * time.Second)
	tmux("send-keys", "n", "Enter") // "Would you like to encrypt it?" for a new profile
	out, err := tmux("list-panes", "-F", "#{pane_pid}")
	if err != nil {
		return 0, fmt.Sprintf("tmux list-panes: %v", err)
	}
	pid, _ = strconv.Atoi(strings.TrimSpace(string(out)))
	comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if strings.TrimSpace(string(comm)) != "toxic" {
		return 0, "toxic did not start in its tmux pane"
	}
	return pid, ""
}

// bIdleCore is an app.Core in the test process holding 1,000 contacts
// whose addresses refuse, idle under the CPU profiler: the binary serves no
// pprof, and this is the same code path as the big account's node.
type bIdleCore struct {
	core *app.Core
	acc  *app.Account
	prof *os.File
	done chan struct{}
}

func bStartIdleCore(t testing.TB, contacts int) *bIdleCore {
	t.Helper()
	dir := bPopulateAccount(t, contacts, 0).dir
	acc, err := app.OpenAccount(app.AccountConfig{Path: filepath.Join(dir, "jarvis.db")})
	if err != nil {
		t.Fatal(err)
	}
	if err := acc.Unlock(context.Background(), []byte(benchPass)); err != nil {
		t.Fatal(err)
	}
	core, err := app.NewCore(app.Config{Account: acc, Listen: "127.0.0.1:0", Tor: app.TorConfig{Mode: app.TorOff}})
	if err != nil {
		t.Fatal(err)
	}
	c := &bIdleCore{core: core, acc: acc, done: make(chan struct{})}
	core.Start()
	go func() {
		defer close(c.done)
		for range core.Events() {
		}
	}()
	t.Cleanup(c.close)
	return c
}

// bIdleProfileHz samples more often than pprof's 100 Hz: an idle core uses
// a few milliseconds a second, too few samples at 100 Hz for a short window.
const bIdleProfileHz = 1000

func (c *bIdleCore) start(t testing.TB) {
	f, err := os.Create(filepath.Join(t.TempDir(), "idle.prof"))
	if err != nil {
		t.Fatal(err)
	}
	c.prof = f
	// StartCPUProfile then complains that the rate is already set, and keeps it.
	runtime.SetCPUProfileRate(bIdleProfileHz)
	if err := pprof.StartCPUProfile(f); err != nil {
		t.Fatal(err)
	}
}

// bIdleProfile is what the profiler saw over the window.
type bIdleProfile struct {
	total   time.Duration // CPU sampled in the test process, harness included
	window  time.Duration
	top     []bProfLine // by cumulative share, jarvis and runtime entry points
	flat    []bProfLine // by flat share
	rawTop  string
	rawFlat string
}

type bProfLine struct {
	name      string
	flat, cum float64 // % of all samples
}

func (c *bIdleCore) stop(t testing.TB, window time.Duration) bIdleProfile {
	pprof.StopCPUProfile()
	runtime.SetCPUProfileRate(0)
	c.prof.Close()
	c.close()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := bIdleProfile{window: window}
	cum, err := bExecGo("tool", "pprof", "-top", "-cum", "-nodecount", "40", exe, c.prof.Name())
	if err != nil {
		t.Logf("pprof: %v\n%s", err, cum)
		return p
	}
	flat, _ := bExecGo("tool", "pprof", "-top", "-nodecount", "25", exe, c.prof.Name())
	p.rawTop, p.rawFlat = string(cum), string(flat)
	p.top, p.total = bParseTop(cum)
	p.flat, _ = bParseTop(flat)
	return p
}

func (c *bIdleCore) close() {
	if c.core == nil {
		return
	}
	c.core.Close()
	<-c.done
	c.acc.Close()
	c.core = nil
}

// bParseTop reads `go tool pprof -top`: its "Total samples = 80ms" header,
// then rows of flat flat% sum% cum cum% name.
func bParseTop(out []byte) (lines []bProfLine, total time.Duration) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		s := sc.Text()
		if _, rest, ok := strings.Cut(s, "Total samples = "); ok {
			total, _ = time.ParseDuration(strings.Fields(rest)[0])
			continue
		}
		f := strings.Fields(s)
		if len(f) < 6 || !strings.HasSuffix(f[1], "%") || !strings.HasSuffix(f[4], "%") {
			continue
		}
		flat, _ := strconv.ParseFloat(strings.TrimSuffix(f[1], "%"), 64)
		cum, _ := strconv.ParseFloat(strings.TrimSuffix(f[4], "%"), 64)
		lines = append(lines, bProfLine{name: strings.Join(f[5:], " "), flat: flat, cum: cum})
	}
	return lines, total
}

// bByName interleaves throughput runs that name B by ID and by name, so
// that the history growing run to run weighs on both alike.
func bByName(t testing.TB, p *bPair, msgs, runs int) (byID, byName bSamples) {
	t.Helper()
	for range runs {
		if a, _, ok := bThroughputRunTo(t, p, msgs, p.bID); ok {
			byID = append(byID, a)
		}
		if a, _, ok := bThroughputRunTo(t, p, msgs, p.specB.name); ok {
			byName = append(byName, a)
		}
	}
	return byID, byName
}

// bWithContacts stops A, gives it n more contacts whose addresses refuse,
// and starts it again, back once B is online.
func bWithContacts(t testing.TB, p *bPair, n int) {
	t.Helper()
	p.a.stop()
	ctx := context.Background()
	s, err := store.Open(filepath.Join(p.specA.dir, "jarvis.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Unlock(ctx, []byte(benchPass)); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i := range n {
		id, err := crypto.GenerateIdentity(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		keys := id.Public()
		c := store.Contact{ID: keys.ID(), Keys: keys, Name: fmt.Sprintf("contact %04d", i),
			Addrs: []string{"127.0.0.1:9"}, State: store.ContactAccepted, CreatedAt: now, LastActivity: now}
		if err := s.PutContact(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	a, ready := bLaunchNode(t, p.specA)
	online := a.expect(func(e bEvent) bool { return e.Event == "peer" && e.ID == p.bID && e.Online })
	a.ready = a.wait(ready, 60*time.Second, "ready")
	a.wait(online, 60*time.Second, "B online")
	p.a = a
}

// bQemuUnlock times exec → ready of the static arm64 build under
// qemu-aarch64-static (production KDF, a fresh account), next to the same
// build for this machine; init is timed once each.
func bQemuUnlock(t testing.TB, runs int) (qemu, native bSamples, qemuInit, nativeInit time.Duration, note string) {
	t.Helper()
	emu, err := exec.LookPath("qemu-aarch64-static")
	if err != nil {
		return nil, nil, 0, 0, "qemu-aarch64-static is not installed (`apt-get install qemu-user-static`)"
	}
	build := func(arch string) string {
		path := filepath.Join(t.TempDir(), "jarvis-"+arch)
		cmd := exec.Command("go", "build", "-tags", "purego", "-trimpath", "-ldflags", "-s -w", "-o", path, "jarvis")
		cmd.Dir = moduleRoot
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOARCH="+arch)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", arch, err, out)
		}
		return path
	}
	time1 := func(s bNodeSpec) (init time.Duration, ready bSamples) {
		t0 := time.Now()
		bInitNode(t, s)
		init = time.Since(t0)
		for range runs {
			p := bStartNode(t, s)
			ready = append(ready, float64(p.ready.At.Sub(p.started)))
			p.stop()
		}
		return init, ready
	}
	arm := build("arm64")
	nat := build(runtime.GOARCH)
	nativeInit, native = time1(bNodeSpec{bin: nat, name: "Native", dir: bNewDir(t, "native"), listen: bFreePort(t)})
	qemuInit, qemu = time1(bNodeSpec{bin: arm, emu: emu, name: "Arm64", dir: bNewDir(t, "arm64"), listen: bFreePort(t)})
	return qemu, native, qemuInit, nativeInit, ""
}

// bResolveCost times app.Core.ResolveContact among contacts contacts, by
// full ID and by name: the lookup every headless `send` makes first.
func bResolveCost(t testing.TB, contacts int) (byID, byName time.Duration) {
	t.Helper()
	c := bStartIdleCore(t, contacts)
	defer c.close()
	ctx := context.Background()
	list, err := c.core.Contacts(ctx)
	if err != nil || len(list) == 0 {
		t.Fatalf("contacts: %d, %v", len(list), err)
	}
	last := list[len(list)-1]
	time1 := func(who string) time.Duration {
		res := testing.Benchmark(func(b *testing.B) {
			for range b.N {
				if _, err := c.core.ResolveContact(ctx, who); err != nil {
					b.Fatal(err)
				}
			}
		})
		return time.Duration(res.NsPerOp())
	}
	return time1(last.ID.String()), time1(last.Name)
}
