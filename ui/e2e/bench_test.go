//go:build bench

// The whole-process benchmarks behind `make bench`: real jarvis processes
// on loopback plus the Go benchmarks of the inner loops, written to
// BENCHMARKS.md next to references measured in the same run.

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// benchPlan sizes the run. The defaults fit `make bench` in 10 minutes on
// two cores; JARVIS_BENCH_QUICK=1 shrinks everything for trying the code.
type benchPlan struct {
	throughputMsgs, throughputRuns int
	latencyRate                    int
	latencyFor                     time.Duration
	latencyRuns                    int
	reconnectMsgs, reconnectRuns   int
	contacts, history              int
	starts, startsRealKDF          int
	memoryIdle                     time.Duration
	historyCmds                    int
	idleFor                        time.Duration
	goCount                        string
	torStarts, torRoundTrips       int
	torMsgs                        int
	cpuFor, rssAfter               time.Duration // footprint: idle CPU window; memory read this long after ready
	hubPeers, qemuStarts           int
	throughputRuns1k, msgs1k       int // by ID and by name each, before and after A has 1,000 contacts
}

func bPlanFromEnv() benchPlan {
	p := benchPlan{
		throughputMsgs: 100_000, throughputRuns: 3,
		latencyRate: 1000, latencyFor: 10 * time.Second, latencyRuns: 5,
		reconnectMsgs: 1000, reconnectRuns: 3,
		contacts: 1000, history: 100_000,
		starts: 5, startsRealKDF: 3, memoryIdle: 3 * time.Second, historyCmds: 20,
		idleFor: 5 * time.Minute, goCount: "3",
		torStarts: 3, torRoundTrips: 210, torMsgs: 2000,
		cpuFor: 10 * time.Minute, rssAfter: 60 * time.Second, hubPeers: 10, qemuStarts: 3, throughputRuns1k: 4, msgs1k: 20_000,
	}
	if os.Getenv("JARVIS_BENCH_QUICK") != "" {
		p.throughputMsgs, p.throughputRuns = 20_000, 2
		p.latencyFor, p.latencyRuns = 2*time.Second, 2
		p.reconnectRuns = 2
		p.starts, p.startsRealKDF = 2, 1
		p.memoryIdle = time.Second
		p.idleFor = 20 * time.Second
		p.goCount = "1"
		p.torStarts, p.torRoundTrips, p.torMsgs = 2, 100, 1000
		p.cpuFor, p.rssAfter, p.hubPeers, p.qemuStarts, p.throughputRuns1k = 30*time.Second, 10*time.Second, 3, 1, 1
		p.msgs1k = 5000
	}
	return p
}

func TestBenchmarkReport(t *testing.T) {
	plan := bPlanFromEnv()
	r := &bReport{started: time.Now()}
	goVersion, _ := bExecGo("version")

	bin, size, static := bBuildBinary(t)
	t.Logf("binary: %d bytes, static=%v", size, static)
	staticSize, staticOK := bBuildStatic(t)
	t.Logf("static pure-Go binary: %d bytes, static=%v", staticSize, staticOK)
	groupForm, groupSend := bGroupFifty(t)
	fsync50, fsync99 := bFsyncLatency(t, 2000)
	t.Logf("fsync of 4 KiB: p50 %v, p99 %v", fsync50, fsync99)
	t.Logf("group of 50: formed in %v, one message to all in %v", groupForm, groupSend)

	gb := bGoBench{}
	count := []string{"-count", plan.goCount}
	bRunGoBench(t, gb, "^(BenchmarkBareNoise|BenchmarkSessionThroughput|BenchmarkBareNoiseRoundTrip|BenchmarkSessionRoundTrip)$",
		append([]string{"-benchtime", "0.5s"}, count...), "./p2p")
	bRunGoBench(t, gb, "^BenchmarkHandshake$", append([]string{"-cpu", "1", "-benchtime", "0.5s"}, count...), "./p2p")
	bRunGoBench(t, gb, "^BenchmarkX25519$", append([]string{"-cpu", "1", "-benchtime", "0.5s"}, count...), "./crypto")
	bRunGoBench(t, gb, "^BenchmarkUnwrapDefaultKDF$", append([]string{"-benchtime", "5x"}, count...), "./crypto")
	bRunGoBench(t, gb, "^BenchmarkCoreThroughput$", append([]string{"-benchtime", "20000x"}, count...), "./app")
	bRunGoBench(t, gb, "^BenchmarkHeadlessThroughput$", append([]string{"-benchtime", "50000x"}, count...), "./ui/e2e")
	bRunGoBench(t, gb, "^BenchmarkCoreRoundTrip$", append([]string{"-benchtime", "2000x"}, count...), "./app")
	bRunGoBench(t, gb, "^(BenchmarkAddIncoming|BenchmarkAdvanceDelivered)$",
		append([]string{"-benchtime", "100x"}, count...), "./store")
	profile, profOut := bProfileShare(t, "./app", "^BenchmarkCoreThroughput$", "150000x", bProfiledFuncs)
	t.Logf("profile of BenchmarkCoreThroughput:\n%s%v", profOut, profile)

	// Traffic between two processes.
	foot := bFootFigures{plan: plan}
	p := bNewPair(t, bin, nil, nil)
	var acked, persisted bSamples
	for range plan.throughputRuns {
		a, s, ok := bThroughputRun(t, p, plan.throughputMsgs)
		if ok {
			acked, persisted = append(acked, a), append(persisted, s)
		}
		// B named by its name, interleaved so the growing history weighs on both.
		if a, _, ok := bThroughputRunTo(t, p, plan.throughputMsgs, p.specB.name); ok {
			foot.byName = append(foot.byName, a)
		}
	}
	foot.byID = acked
	var p50s, p99s bSamples
	for range plan.latencyRuns {
		lat := bLatencyRun(t, p, plan.latencyRate, plan.latencyFor)
		p50s = append(p50s, float64(bPercentile(lat, 0.50)))
		p99s = append(p99s, float64(bPercentile(lat, 0.99)))
	}
	var recStart, recReady bSamples
	for range plan.reconnectRuns {
		s, rd := bReconnectRun(t, p, plan.reconnectMsgs)
		recStart, recReady = append(recStart, float64(s)), append(recReady, float64(rd))
	}
	foot.byID1, foot.byName1 = bByName(t, p, plan.msgs1k, plan.throughputRuns1k)
	bWithContacts(t, p, plan.contacts-1)
	foot.byID1k, foot.byName1k = bByName(t, p, plan.msgs1k, plan.throughputRuns1k)
	p.a.stop()
	p.b.stop()
	foot.resolve1k, foot.resolveName1k = bResolveCost(t, plan.contacts)
	foot.resolve1, _ = bResolveCost(t, 1)

	// The same over Tor, on a private network that stops before what follows.
	tor := bTorBench(t, plan)

	// One node with a big account.
	acc := bPopulateAccount(t, plan.contacts, plan.history)
	t.Logf("populated %d contacts, %d messages in %v", plan.contacts, plan.history, acc.populate)
	cold, warm := bHistoryInProcess(t, acc, 5)
	var readyCheap, hwmCheap, rssCheap bSamples
	var rtts []time.Duration
	for range plan.starts {
		nr := bStartBig(t, bin, acc, plan.memoryIdle, plan.historyCmds)
		readyCheap = append(readyCheap, float64(nr.ready))
		hwmCheap, rssCheap = append(hwmCheap, float64(nr.hwmKB)), append(rssCheap, float64(nr.rssKB))
		rtts = append(rtts, nr.historyRTT...)
	}
	bSetRealKDF(t, acc)
	var readyReal, hwmReal bSamples
	for range plan.startsRealKDF {
		nr := bStartBig(t, bin, acc, plan.memoryIdle, 0)
		readyReal, hwmReal = append(readyReal, float64(nr.ready)), append(hwmReal, float64(nr.hwmKB))
	}

	// The unlock under an emulated arm64, then everything idle at once:
	// footprint and idle traffic.
	foot.qemuReady, foot.natReady, foot.qemuInit, foot.natInit, foot.qemuNote = bQemuUnlock(t, plan.qemuStarts)
	bFootprintIdle(t, bin, acc, plan, &foot)

	res := bResults{
		plan: plan, gb: gb, size: size, static: static,
		acked: acked, persisted: persisted, p50s: p50s, p99s: p99s,
		recStart: recStart, recReady: recReady,
		populate: acc.populate, historyCold: cold, historyWarm: warm, historyRTT: rtts,
		readyCheap: readyCheap, hwmCheap: hwmCheap, rssCheap: rssCheap, readyReal: readyReal, hwmReal: hwmReal,
		idleRate: foot.idleRate, idleBytes: foot.idleBytes, idleSegs: foot.idleSegs, idleConns: foot.idleConns, idleDirect: foot.idleDirect,
		profile: profile, staticSize: staticSize, staticOK: staticOK, groupForm: groupForm, groupSend: groupSend,
		fsync50: fsync50, fsync99: fsync99, tor: tor, foot: foot,
	}
	res.fill(r)
	bReleaseSection(t, r)
	bBackupSection(t, r, bin)
	bSearchSection(t, r, bin)
	bFilesSection(t, r, bin)
	md := r.markdown(strings.TrimSpace(string(goVersion)))
	if err := os.WriteFile(filepath.Join(moduleRoot, "BENCHMARKS.md"), []byte(md), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote BENCHMARKS.md\n%s", md)
}
