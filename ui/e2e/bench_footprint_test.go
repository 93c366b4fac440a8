//go:build bench

// The footprint part of `make bench` (issue 11): what an idle jarvis costs
// a phone in memory and CPU, measured on real processes that unlocked with
// the production KDF, beside toxic when it is installed.

package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// bClockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat:
// 100 on every Linux kernel Jarvis runs on.
const bClockTicks = 100

// bCPU is what a process has used so far.
type bCPU struct {
	cpu      time.Duration // utime + stime
	switches int64         // voluntary + involuntary context switches, all threads
}

// bReadCPU reads a process's CPU time and sums the context switches of its
// threads: /proc/PID/status alone counts only the main thread's.
func bReadCPU(pid int) (bCPU, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return bCPU{}, err
	}
	// The command name may hold spaces; fields restart after its ')'.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return bCPU{}, fmt.Errorf("short /proc/%d/stat", pid)
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64) // field 14
	st, _ := strconv.ParseInt(f[12], 10, 64) // field 15
	c := bCPU{cpu: time.Duration(ut+st) * time.Second / bClockTicks}
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	for _, ts := range tasks {
		b, err := os.ReadFile(ts)
		if err != nil {
			continue // the thread has gone
		}
		for _, line := range strings.Split(string(b), "\n") {
			k, v, ok := strings.Cut(line, ":")
			if ok && (k == "voluntary_ctxt_switches" || k == "nonvoluntary_ctxt_switches") {
				n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				c.switches += n
			}
		}
	}
	return c, nil
}

// bIdleUse is one process's use over an idle window.
type bIdleUse struct {
	secPerHour float64 // CPU seconds per hour
	wakeups    float64 // context switches per second
	ok         bool
}

func bUseOf(before, after bCPU, d time.Duration) bIdleUse {
	return bIdleUse{
		secPerHour: (after.cpu - before.cpu).Seconds() / d.Hours(),
		wakeups:    float64(after.switches-before.switches) / d.Seconds(),
		ok:         true,
	}
}

// bMem is a process's memory at one instant, in kB.
type bMem struct{ rss, hwm int64 }

func bReadMem(t testing.TB, pid int) bMem {
	rss, err := bProcStatus(pid, "VmRSS")
	if err != nil {
		t.Logf("VmRSS of %d: %v", pid, err)
	}
	hwm, _ := bProcStatus(pid, "VmHWM")
	return bMem{rss: rss, hwm: hwm}
}

// bChildren lists a process's children: each thread has its own list, and
// Go starts a child from whichever thread runs the fork.
func bChildren(pid int) []int {
	files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	var out []int
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, w := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(w); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// bFootFigures are the footprint part of a run.
type bFootFigures struct {
	plan                               benchPlan
	empty, big                         bMem // 0 contacts; 1,000 contacts and the history
	emptyEnd, bigEnd                   bMem // the same at the end of the idle window
	toxic                              bMem
	toxicNote                          string // why toxic was not measured
	cpuEmpty, cpuHub                   bIdleUse
	cpuOffline                         bIdleUse // the big account: 1,000 contacts whose addresses refuse
	cpuPeers                           bSamples // s/h of each of the hub's peers: one contact connected
	wakePeers                          bSamples
	peers, peersOnline                 int
	profile                            bIdleProfile
	idleRate                           float64 // idle traffic, B/s
	idleBytes, idleSegs                int64
	idleConns                          int64
	idleDirect                         int
	byID, byName                       bSamples      // msg/s with one contact
	byID1, byName1                     bSamples      // msg/s with one contact, runs as short as those with 1,000
	byID1k, byName1k                   bSamples      // msg/s with 1,000 contacts
	resolve1k, resolveName1k, resolve1 time.Duration // ResolveContact: by ID and by name among 1,000, by ID among 1
	qemuReady, natReady                bSamples      // ns, exec → ready
	qemuInit, natInit                  time.Duration
	qemuNote                           string
	window, rssAfter                   time.Duration
	setup                              time.Duration // starting every idle process
}

// bHub is one node with n connected contacts, each a process of its own.
type bHub struct {
	hub    *bProc
	peers  []*bProc
	mu     sync.Mutex
	online map[string]bool
}

func bStartHub(t testing.TB, bin string, n int) *bHub {
	t.Helper()
	h := &bHub{online: map[string]bool{}}
	spec := func(name string) bNodeSpec {
		return bNodeSpec{bin: bin, name: name, dir: bNewDir(t, name), listen: bFreePort(t)}
	}
	hs := spec("Hub")
	bInitNode(t, hs)
	h.hub = bStartNode(t, hs)
	h.hub.setHandler(func(e bEvent) {
		if e.Event == "peer" {
			h.mu.Lock()
			h.online[e.ID] = e.Online
			h.mu.Unlock()
		}
	}, `"event":"peer"`)
	for i := range n {
		ps := spec(fmt.Sprintf("Peer%02d", i))
		bInitNode(t, ps)
		p := bStartNode(t, ps)
		bBefriend(t, h.hub, p)
		h.peers = append(h.peers, p)
	}
	return h
}

func (h *bHub) countOnline() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, on := range h.online {
		if on {
			n++
		}
	}
	return n
}

// bFootprintIdle starts every idle process at once and watches them for one
// window: a node with no contacts and the big account (1,000 contacts whose
// addresses refuse, the long history), both unlocking with the production
// KDF; a node with connected contacts; toxic; the idle-traffic pair; and an
// in-process core with 1,000 offline contacts under the CPU profiler.
func bFootprintIdle(t *testing.T, bin string, acc *bBigAccount, plan benchPlan, f *bFootFigures) {
	began := time.Now()
	f.window = max(plan.cpuFor, plan.idleFor)
	f.rssAfter = plan.rssAfter
	hub := bStartHub(t, bin, plan.hubPeers)
	f.peers = len(hub.peers)
	pair := bStartIdlePair(t, bin)
	prof := bStartIdleCore(t, plan.contacts)
	toxicPid, note := bStartToxic(t)
	f.toxicNote = note

	es := bNodeSpec{bin: bin, name: "Empty", dir: bNewDir(t, "empty"), listen: bFreePort(t)}
	bInitNode(t, es)
	bs := bNodeSpec{bin: bin, name: "Big", dir: acc.dir, listen: bFreePort(t)}
	empty, emptyReady := bLaunchNode(t, es)
	big, bigReady := bLaunchNode(t, bs)
	empty.ready = empty.wait(emptyReady, 60*time.Second, "ready")
	big.ready = big.wait(bigReady, 60*time.Second, "ready")
	f.setup = time.Since(began)
	defer empty.stop()
	defer big.stop()

	first, second := empty, big
	if big.ready.At.Before(empty.ready.At) {
		first, second = big, empty
	}
	time.Sleep(time.Until(first.ready.At.Add(plan.rssAfter)))
	mFirst := bReadMem(t, first.pid())
	time.Sleep(time.Until(second.ready.At.Add(plan.rssAfter)))
	mSecond := bReadMem(t, second.pid())
	if first == empty {
		f.empty, f.big = mFirst, mSecond
	} else {
		f.empty, f.big = mSecond, mFirst
	}
	if toxicPid > 0 {
		f.toxic = bReadMem(t, toxicPid)
	}

	procs := []*bProc{empty, big, hub.hub}
	procs = append(procs, hub.peers...)
	before := make([]bCPU, len(procs))
	for i, p := range procs {
		before[i], _ = bReadCPU(p.pid())
	}
	bytes0, segs0, _ := pair.count()
	prof.start(t)
	t0 := time.Now()
	if plan.idleFor < f.window {
		time.Sleep(plan.idleFor)
	} else {
		time.Sleep(f.window)
	}
	bytes1, segs1, conns := pair.count()
	f.idleBytes, f.idleSegs, f.idleConns = bytes1-bytes0, segs1-segs0, conns
	f.idleRate = float64(f.idleBytes) / plan.idleFor.Seconds()
	f.idleDirect = pair.direct()
	time.Sleep(time.Until(t0.Add(f.window)))
	d := time.Since(t0)
	uses := make([]bIdleUse, len(procs))
	for i, p := range procs {
		after, err := bReadCPU(p.pid())
		if err != nil {
			t.Logf("%s: %v", p.name, err)
			continue
		}
		uses[i] = bUseOf(before[i], after, d)
	}
	f.emptyEnd, f.bigEnd = bReadMem(t, empty.pid()), bReadMem(t, big.pid())
	f.profile = prof.stop(t, d)
	f.cpuEmpty, f.cpuOffline, f.cpuHub = uses[0], uses[1], uses[2]
	for _, u := range uses[3:] {
		f.cpuPeers = append(f.cpuPeers, u.secPerHour)
		f.wakePeers = append(f.wakePeers, u.wakeups)
	}
	f.peersOnline = hub.countOnline()
	pair.stop()
	for _, p := range append(hub.peers, hub.hub) {
		p.stop()
	}
}

// TestBenchFootprint measures only the footprint figures and logs their
// rows and section of BENCHMARKS.md, for working on them without the whole
// report: JARVIS_BENCH_QUICK=1 shrinks the windows.
func TestBenchFootprint(t *testing.T) {
	plan := bPlanFromEnv()
	f := bFootFigures{plan: plan}
	bin, _, _ := bBuildBinary(t)
	f.qemuReady, f.natReady, f.qemuInit, f.natInit, f.qemuNote = bQemuUnlock(t, plan.qemuStarts)
	p := bNewPair(t, bin, nil, nil)
	f.byID, f.byName = bByName(t, p, plan.throughputMsgs, plan.throughputRuns)
	f.byID1, f.byName1 = bByName(t, p, plan.msgs1k, plan.throughputRuns1k)
	bWithContacts(t, p, plan.contacts-1)
	f.byID1k, f.byName1k = bByName(t, p, plan.msgs1k, plan.throughputRuns1k)
	t.Logf("throughput msg/s: by ID %v, by name %v; short runs: by ID %v, by name %v; with 1,000: by ID %v, by name %v",
		f.byID, f.byName, f.byID1, f.byName1, f.byID1k, f.byName1k)
	p.a.stop()
	f.resolve1k, f.resolveName1k = bResolveCost(t, plan.contacts)
	f.resolve1, _ = bResolveCost(t, 1)
	p.b.stop()
	acc := bPopulateAccount(t, plan.contacts, plan.history)
	bSetRealKDF(t, acc)
	bFootprintIdle(t, bin, acc, plan, &f)
	r := &bReport{}
	f.rows(r)
	f.section(r)
	f.shrunk(r)
	var b strings.Builder
	for _, x := range r.rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", x.figure, x.value, x.spread, x.reference, x.ratio, x.target, x.verdict)
	}
	t.Logf("idle traffic: %.2f B/s (%d bytes, %d segments, %d proxied connections, %d direct)",
		f.idleRate, f.idleBytes, f.idleSegs, f.idleConns, f.idleDirect)
	t.Logf("\n%s\n%s\n\n- %s", b.String(), strings.Join(r.details, "\n\n"), strings.Join(r.notes, "\n- "))
}
