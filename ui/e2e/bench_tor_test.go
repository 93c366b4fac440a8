//go:build bench

// The Tor figures of `make bench`: two jarvis processes over a private Tor
// network (p2p/tor/tornet, stock tor on loopback), each figure next to the
// same one measured over a direct connection in the same run.

package e2e

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"jarvis/p2p/tor/tornet"
)

// bOnionWait bounds one wait on the onion path: a tor bootstrap, publishing
// a descriptor and an onion handshake on a loaded machine take well under it.
const bOnionWait = 2 * time.Minute

// bPathFigures are one path's figures, onion or direct.
type bPathFigures struct {
	firstDelivered bSamples        // ns: both processes started → A sees delivered
	fromReady      bSamples        // ns: A's ready line → A sees delivered, the unlock left out
	roundTrips     []time.Duration // send line → delivered status, one at a time
	sessionP50s    []time.Duration // the round trips' p50 in each start's session
	msgsPerSec     float64         // throughput, acked; 0 if the run timed out
	node, tor      bMem            // A's jarvis and its own tor (children), after the round trips
}

// bTorFigures are the whole Tor part of a run.
type bTorFigures struct {
	plan          benchPlan
	onion, direct bPathFigures
	setup         time.Duration // building the tortest binary and starting the network, overlapped
	wall          time.Duration // the whole Tor part
}

// TestBenchTor measures only the Tor figures and logs their section of
// BENCHMARKS.md, for working on them without the whole report.
func TestBenchTor(t *testing.T) {
	f := bTorBench(t, bPlanFromEnv())
	r := &bReport{}
	f.section(r)
	f.shrunk(r)
	t.Logf("\n%s\n\n- %s", strings.Join(r.details, "\n\n"), strings.Join(r.notes, "\n- "))
}

// bTorBench runs in a subtest so that the private network and every process,
// tor included, are gone when it returns.
func bTorBench(t *testing.T, plan benchPlan) bTorFigures {
	f := bTorFigures{plan: plan}
	t.Run("over tor", func(t *testing.T) {
		began := time.Now()
		bin := bBuildTortest(t)
		var network tornet.Shared
		t.Cleanup(network.Close) // after the nodes' own cleanups: t.Cleanup runs last in, first out
		env := []string{"JARVIS_TEST_TORRC=" + strings.Join(network.Torrc(t), "\n")}
		path := bin()
		f.setup = time.Since(began)
		// Direct first, while the relays carry nothing but their own upkeep.
		f.direct = bMeasurePath(t, path, "off", nil, plan)
		f.onion = bMeasurePath(t, path, "only", env, plan)
		f.wall = time.Since(began)
	})
	return f
}

// bBuildTortest starts building, stripped, the binary that joins a private
// network when JARVIS_TEST_TORRC says so; the build overlaps the network's
// start. The function returned waits for it.
func bBuildTortest(t *testing.T) func() string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "jarvis-tortest")
	done := make(chan error, 1)
	var out []byte
	go func() {
		var err error
		out, err = bExecGo("build", "-tags", "tortest", "-ldflags", "-s -w", "-o", path, "jarvis")
		done <- err
	}()
	wait := sync.OnceValue(func() error { return <-done })
	t.Cleanup(func() { wait() }) // never remove the temp dir under a running build
	return func() string {
		t.Helper()
		if err := wait(); err != nil {
			t.Fatalf("go build -tags tortest: %v\n%s", err, out)
		}
		return path
	}
}

// bTorPath is the path a peer line names for each --tor mode measured.
var bTorPath = map[string]string{"off": "direct", "only": "onion"}

// bMeasurePath pairs two fresh nodes in --tor mode, then restarts them
// plan.torStarts times. Each restart times the first delivered message and
// its share of the round trips: over onion, the circuits a session gets
// decide its latency, so one session alone would say more about luck than
// about the path. The last restart's pair also runs the throughput.
func bMeasurePath(t *testing.T, bin, mode string, env []string, plan benchPlan) (f bPathFigures) {
	t.Helper()
	spec := func(name string) bNodeSpec {
		return bNodeSpec{bin: bin, name: name + "-" + mode, dir: bNewDir(t, name+"-"+mode), listen: bFreePort(t), tor: mode, env: env}
	}
	sa, sb := spec("A"), spec("B")
	bInitNode(t, sa)
	bInitNode(t, sb)
	aID, bID := bPairOver(t, sa, sb, bTorPath[mode])
	var p *bPair
	for i := range plan.torStarts {
		if p != nil {
			p.a.stop()
			p.b.stop()
		}
		var d time.Duration
		p, d = bFirstDelivered(t, sa, sb, aID, bID, bTorPath[mode])
		f.firstDelivered = append(f.firstDelivered, float64(d))
		f.fromReady = append(f.fromReady, float64(d-p.a.ready.At.Sub(p.a.started)))
		rt := bRoundTrips(t, p, plan.torRoundTrips/plan.torStarts)
		t.Logf("%s, session %d: round trip min %v, p50 %v, max %v", mode, i+1, slices.Min(rt), bPercentile(rt, 0.5), slices.Max(rt))
		f.roundTrips = append(f.roundTrips, rt...)
		f.sessionP50s = append(f.sessionP50s, bPercentile(rt, 0.5))
	}
	f.node = bReadMem(t, p.a.pid())
	for _, c := range bChildren(p.a.pid()) {
		m := bReadMem(t, c)
		f.tor.rss, f.tor.hwm = f.tor.rss+m.rss, f.tor.hwm+m.hwm
	}
	f.msgsPerSec, _, _ = bThroughputRun(t, p, plan.torMsgs)
	p.a.stop()
	p.b.stop()
	return f
}

// bPairOver makes the two nodes contacts over path, then stops them, leaving
// the state a user has on disk before a restart.
func bPairOver(t *testing.T, sa, sb bNodeSpec, path string) (aID, bID string) {
	t.Helper()
	a, readyA := bLaunchNode(t, sa)
	b, readyB := bLaunchNode(t, sb)
	upA, upB := a.expect(bOnionUp), b.expect(bOnionUp) // at once: an onion can be up before the other node is ready
	a.ready = a.wait(readyA, bOnionWait, "ready")
	b.ready = b.wait(readyB, bOnionWait, "ready")
	if path == "onion" { // until the onion is published, the add would only wait for it
		a.wait(upA, bOnionWait, "onion service")
		b.wait(upB, bOnionWait, "onion service")
	}
	online := a.expect(func(e bEvent) bool { return e.Event == "peer" && e.ID == b.ready.ID && e.Online })
	aID, bID = bBefriend(t, a, b)
	if e := a.wait(online, bOnionWait, "B online"); e.Path != path {
		t.Fatalf("paired over %q, want %s", e.Path, path)
	}
	a.stop()
	b.stop()
	return aID, bID
}

func bOnionUp(e bEvent) bool {
	return e.Event == "engine" && e.Tor.State == "ready" && e.Tor.Onion != ""
}

// bFirstDelivered starts both nodes at one instant; A sends one message the
// moment its ready line arrives. It returns the running pair and the time
// from A's process start to A's delivered status for that message.
func bFirstDelivered(t *testing.T, sa, sb bNodeSpec, aID, bID, path string) (*bPair, time.Duration) {
	t.Helper()
	a, readyA := bLaunchNode(t, sa)
	b, readyB := bLaunchNode(t, sb)
	sent := a.expect(func(e bEvent) bool { return e.Event == "sent" && e.Ref == "first" })
	delivered := a.expect(func(e bEvent) bool { return e.Event == "status" && e.To == bID && e.State == "delivered" })
	online := a.expect(func(e bEvent) bool { return e.Event == "peer" && e.ID == bID && e.Online })
	a.ready = a.wait(readyA, bOnionWait, "ready")
	a.send(map[string]string{"cmd": "send", "to": bID, "ref": "first", "text": bText64})
	a.flush()
	id := a.wait(sent, bOnionWait, "sent").ID
	d := a.wait(delivered, bOnionWait, "first message delivered")
	if d.ID != id {
		t.Fatalf("delivered %s, sent %s", d.ID, id)
	}
	b.ready = b.wait(readyB, bOnionWait, "ready")
	if e := a.wait(online, bOnionWait, "B online"); e.Path != path {
		t.Fatalf("first message went over %q, want %s", e.Path, path)
	}
	return &bPair{a: a, b: b, aID: aID, bID: bID, specA: sa, specB: sb}, d.At.Sub(a.started)
}

// bRoundTrips sends n messages one at a time, each when the previous one is
// delivered, and returns each one's time from its send line leaving the test
// to A's delivered status arriving back: one application-level round trip.
func bRoundTrips(t *testing.T, p *bPair, n int) []time.Duration {
	t.Helper()
	lat := make([]time.Duration, 0, n)
	for i := range n {
		ref := fmt.Sprint("rt", i)
		sent := p.a.expect(func(e bEvent) bool { return e.Event == "sent" && e.Ref == ref })
		delivered := p.a.expect(func(e bEvent) bool { return e.Event == "status" && e.To == p.bID && e.State == "delivered" })
		t0 := time.Now()
		p.a.send(map[string]string{"cmd": "send", "to": p.bID, "ref": ref, "text": bText64})
		p.a.flush()
		id := p.a.wait(sent, bOnionWait, "sent").ID
		d := p.a.wait(delivered, bOnionWait, "delivered")
		if d.ID != id {
			t.Fatalf("round trip %d: delivered %s, sent %s", i, d.ID, id)
		}
		lat = append(lat, d.At.Sub(t0))
	}
	return lat
}

// bTorMethod says how the Tor figures were measured, and what they are not.
const bTorMethod = "Both nodes are `jarvis --headless` processes of one binary built with `-tags tortest` (the only build that reads " +
	"`JARVIS_TEST_TORRC`), each with its own data directory and the production Argon2id. Onion is `--tor only` on both: no direct " +
	"listener, no direct dials, each node runs its own tor, whose torrc joins a private network (p2p/tor/tornet: one directory " +
	"authority and four relays, stock tor, on 127.0.0.1) started for this part. Direct is `--tor off` on loopback, measured first, " +
	"while the relays idled. Each pair became contacts once and was stopped, so every start finds the state a user has on disk " +
	"after a restart (tor's cached directory included); the round trips are shared among the sessions of those starts, as a " +
	"session's onion circuits set its latency (hence each session's p50 in the table), " +
	"and the throughput runs on the last one. " +
	"Loopback has no propagation delay: on the real Tor network each of the six relays between two onion services adds internet " +
	"latency, so these figures are the cost of Tor and Jarvis themselves, a floor, not what two people across the internet see."

// section is the report's part on Tor: each figure over onion beside the
// same figure direct, then how they were measured.
func (f bTorFigures) section(r *bReport) {
	var b strings.Builder
	b.WriteString("## Over Tor (private network)\n\n")
	if len(f.onion.firstDelivered) == 0 || len(f.direct.firstDelivered) == 0 {
		b.WriteString("Not measured in this run: the Tor part failed (see the test log).")
		r.detail("%s", b.String())
		return
	}
	p := f.plan
	b.WriteString("| figure | onion | direct | notes |\n|---|---|---|---|\n")
	row := func(figure, onion, direct, notes string) {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", figure, onion, direct, notes)
	}
	row("start → first message delivered", bFirstStr(f.onion.firstDelivered), bFirstStr(f.direct.firstDelivered),
		fmt.Sprintf("median (worst) of %d starts of both processes at once, from `exec` to A's `delivered`: both Argon2id unlocks; "+
			"over onion also each node's own tor starting and bootstrapping on a private network of 5 relays on loopback, "+
			"publishing its descriptor, and the onion handshake", p.torStarts))
	row("…of which after A's `ready`", bFirstStr(f.onion.fromReady), bFirstStr(f.direct.fromReady),
		"the same starts from A's `ready` line (its own unlock done, B's maybe not) to its `delivered`: mostly what the path costs")
	rtNotes := fmt.Sprintf("%d messages one at a time, shared among the %d sessions of the starts: `send` line in → A's `delivered` "+
		"out (B stored it durably and acked)", len(f.onion.roundTrips), p.torStarts)
	row("round trip p50", bFmtDur(bPercentile(f.onion.roundTrips, 0.5)), bFmtDur(bPercentile(f.direct.roundTrips, 0.5)), rtNotes)
	row("round trip p99", bFmtDur(bPercentile(f.onion.roundTrips, 0.99)), bFmtDur(bPercentile(f.direct.roundTrips, 0.99)), rtNotes)
	row("…p50 of each session", bDursStr(f.onion.sessionP50s), bDursStr(f.direct.sessionP50s), "one start's session each")
	row("throughput", bTputStr(f.onion.msgsPerSec), bTputStr(f.direct.msgsPerSec),
		fmt.Sprintf("%d messages of 64 bytes of text given to A at once, until the last is delivered; KiB/s of text. "+
			"A run this short is not comparable with the 1:1 throughput above", p.torMsgs))
	row("memory (VmRSS)", fmt.Sprintf("jarvis %s + its tor %s", bFmtMB(float64(f.onion.node.rss)), bFmtMB(float64(f.onion.tor.rss))),
		"jarvis "+bFmtMB(float64(f.direct.node.rss)),
		fmt.Sprintf("A's processes after the round trips of the last start (not idle, not 60 s after unlock); VmHWM: jarvis %s, tor %s "+
			"(direct: %s). The tor is a user's own, joined to the private network: its directory is tiny next to the real network's",
			bFmtMB(float64(f.onion.node.hwm)), bFmtMB(float64(f.onion.tor.hwm)), bFmtMB(float64(f.direct.node.hwm))))
	b.WriteString("\n" + bTorMethod)
	r.detail("%s", b.String())
}

func bFirstStr(s bSamples) string {
	med, _, worst := bDurs(s)
	return fmt.Sprintf("%s (%s)", bFmtDur(med), bFmtDur(worst))
}

func bDursStr(d []time.Duration) string {
	s := make([]string, len(d))
	for i, v := range d {
		s[i] = bFmtDur(v)
	}
	return strings.Join(s, ", ")
}

func bTputStr(msgsPerSec float64) string {
	if msgsPerSec == 0 {
		return "timed out"
	}
	return fmt.Sprintf("%s msg/s, %.0f KiB/s", bFmtRate(msgsPerSec), msgsPerSec*float64(len(bText64))/1024)
}

// shrunk is the Tor part's line in the notes on the run's size.
func (f bTorFigures) shrunk(r *bReport) {
	if f.wall == 0 {
		return // failed; the section says so
	}
	r.note("Over Tor: %d starts, %d round trips and %d messages of throughput per path; the Tor part took %s, of which %s "+
		"building the tortest binary while the private network started.",
		f.plan.torStarts, f.plan.torRoundTrips, f.plan.torMsgs, f.wall.Round(time.Second), f.setup.Round(time.Second))
}
