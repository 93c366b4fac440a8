//go:build bench

package e2e

import (
	"fmt"
	"strings"
	"time"
)

// bResults are the raw figures of one run.
type bResults struct {
	plan   benchPlan
	gb     bGoBench
	size   int64
	static bool

	acked, persisted      bSamples // msg/s
	p50s, p99s            bSamples // ns
	recStart, recReady    bSamples // ns
	populate              time.Duration
	historyCold           time.Duration
	historyWarm           bSamples // ns
	historyRTT            []time.Duration
	readyCheap, readyReal bSamples // ns
	hwmCheap, rssCheap    bSamples // kB
	hwmReal               bSamples // kB
	idleRate              float64
	idleBytes, idleConns  int64
	idleSegs              int64
	profile               map[string]float64 // cum % of CPU in BenchmarkCoreThroughput
	idleDirect            int
	staticSize            int64
	staticOK              bool
	groupForm, groupSend  time.Duration
	fsync50, fsync99      time.Duration
	tor                   bTorFigures
	foot                  bFootFigures
}

func bSpread(s bSamples, f func(float64) string) string {
	if len(s) == 0 {
		return "—"
	}
	return fmt.Sprintf("%s – %s (n=%d)", f(s.min()), f(s.max()), len(s))
}

func bNsStr(v float64) string { return bFmtDur(time.Duration(v)) }

func (x bResults) fill(r *bReport) {
	x.throughput(r)
	x.latency(r)
	x.handshakes(r)
	x.reconnect(r)
	x.idle(r)
	x.start(r)
	x.memory(r)
	x.history(r)
	x.binary(r)
	x.group(r)
	x.foot.rows(r)
	x.whereTimeGoes(r)
	x.tor.section(r)
	x.foot.section(r)
	x.shrunk(r)
}

// bProfiledFuncs are the functions whose share of CPU the report shows.
var bProfiledFuncs = []string{
	"jarvis/app.(*contactManager).run",
	"jarvis/store.(*Store).writeTx",
	"jarvis/store.(*Store).writeTxRelaxed",
	"database/sql.(*Tx).Commit",
	"jarvis/store.(*Store).AddOutgoing",
	"jarvis/store.(*Store).AddIncoming",
	"jarvis/store.(*Store).AdvanceStates",
	"jarvis/store.(*Store).Outbox",
	"github.com/mattn/go-sqlite3.(*SQLiteStmt).exec.func1",
	"jarvis/p2p.(*session).writeLoop",
	"jarvis/p2p.(*session).readLoop",
	"runtime.gcBgMarkWorker",
}

var bProfiledWhat = map[string]string{
	"jarvis/app.(*contactManager).run":                     "both contact managers (one goroutine per node does all storage)",
	"jarvis/store.(*Store).writeTx":                        "durable write transactions (fsync before returning)",
	"jarvis/store.(*Store).writeTxRelaxed":                 "state-update transactions committed without waiting for the disk",
	"database/sql.(*Tx).Commit":                            "…of which COMMIT (WAL append, fsync with synchronous=FULL, checkpoints)",
	"jarvis/store.(*Store).AddOutgoing":                    "A: store the send (one message row; the outbox is a partial index)",
	"jarvis/store.(*Store).AddIncoming":                    "B: store the received message",
	"jarvis/store.(*Store).AdvanceStates":                  "A: mark delivered on the ack (one update, relaxed commit)",
	"jarvis/store.(*Store).Outbox":                         "A: read back the outbox page it has just written, to flush it",
	"github.com/mattn/go-sqlite3.(*SQLiteStmt).exec.func1": "SQLite executing statements; mattn/go-sqlite3 runs each on a new goroutine because the manager's context can be cancelled",
	"jarvis/p2p.(*session).writeLoop":                      "engine: pack, encrypt, write",
	"jarvis/p2p.(*session).readLoop":                       "engine: read, decrypt, decode",
	"runtime.gcBgMarkWorker":                               "garbage collector",
}

func (x bResults) throughput(r *bReport) {
	bare := x.gb.metric("BenchmarkBareNoise", "msgs/s").median()
	sess := x.gb.metric("BenchmarkSessionThroughput", "msgs/s").median()
	core := x.gb.metric("BenchmarkCoreThroughput", "msgs/s")
	v := x.acked.median()
	r.add(bRow{"1:1 throughput (A→B, acked)", bFmtRate(v) + " msg/s", bSpread(x.acked, bFmtRate),
		"bare Noise pipe " + bFmtRate(bare) + " msg/s", bRatio(v, bare, "of the bare Noise pipe"),
		"≥ 50,000 msg/s", bVerdict(len(x.acked) > 0 && v >= 50_000)})
	r.detail("**1:1 throughput.** A (a `jarvis --headless` process) is given %d `send` lines of 64-byte text as fast as its stdin takes them; "+
		"the clock stops when A prints the last `status … delivered` (B stored the message durably and acked it). "+
		"B stored them at %s msg/s (median, %s). Same run, same machine: the bare Noise pipe (64-byte records packed in 32 KiB "+
		"frames, no engine) moves %s msg/s; one engine session with no storage (`BenchmarkSessionThroughput`) %s msg/s; two "+
		"app cores in one process with storage but no JSON or pipes (`BenchmarkCoreThroughput`) %s msg/s (%s); A's real headless "+
		"frontend on in-process pipes to a bare core (`BenchmarkHeadlessThroughput`, no processes, no test harness parsing output) %s msg/s. "+
		"So the ceiling is not the network or Noise: storage dominates. `BenchmarkAddIncoming` (256 × 64 B per durable transaction) "+
		"costs %s per message. Where the CPU goes is in the section after the figures.",
		x.plan.throughputMsgs, bFmtRate(x.persisted.median()), bSpread(x.persisted, bFmtRate), bFmtRate(bare), bFmtRate(sess),
		bFmtRate(core.median()), bSpread(core, bFmtRate), bFmtRate(x.gb.metric("BenchmarkHeadlessThroughput", "msgs/s").median()), bNsStr(x.gb.metric("BenchmarkAddIncoming", "ns/msg").median()))
}

func (x bResults) latency(r *bReport) {
	ref50 := x.gb.metric("BenchmarkBareNoiseRoundTrip", "p50-ns").median()
	ref99 := x.gb.metric("BenchmarkBareNoiseRoundTrip", "p99-ns").median()
	s50 := x.gb.metric("BenchmarkSessionRoundTrip", "p50-ns").median()
	s99 := x.gb.metric("BenchmarkSessionRoundTrip", "p99-ns").median()
	v := x.p99s.median()
	r.add(bRow{"latency p99, send → delivered", bNsStr(v) + fmt.Sprintf(" (p50 %s)", bNsStr(x.p50s.median())), bSpread(x.p99s, bNsStr),
		fmt.Sprintf("bare Noise round trip p99 %s (p50 %s)", bNsStr(ref99), bNsStr(ref50)), bRatio(v, ref99, "of the bare Noise round trip"),
		"p99 ≤ 2 ms", bVerdict(len(x.p99s) > 0 && time.Duration(v) <= 2*time.Millisecond)})
	r.detail("**Latency.** A is sent %d msg/s for %s, paced; each message's latency runs from the test writing its `send` line to A's stdin "+
		"to the test reading A's `status … delivered` line, so it includes: JSON in and out of both processes, A's durable outbox write, "+
		"the network, B's durable write, B's ack, and A's state change. p50 per run: %s (median %s). "+
		"References in the same run: a bare Noise round trip (one Text frame out, one Ack frame back, no engine) p50 %s / p99 %s; "+
		"the same through two real engines with no storage p50 %s / p99 %s; one message at a time through two app cores in one "+
		"process, with storage but no JSON (`BenchmarkCoreRoundTrip`) p50 %s / p99 %s. The gap between the engine and the core is "+
		"storage: two fsync'd transactions lie on the path, one after the other (A's outbox insert, B's insert before its ack: "+
		"an ack must mean \"on disk\"); A's sent→delivered update commits without waiting for the disk (`writeTxRelaxed`). "+
		"On this machine, in this run, appending 4 KiB to a file and syncing it takes p50 %s / p99 %s, so the two syncs "+
		"alone put the p99 near %s before any JSON, scheduling or SQLite work.",
		x.plan.latencyRate, x.plan.latencyFor, bSpread(x.p50s, bNsStr), bNsStr(x.p50s.median()), bNsStr(ref50), bNsStr(ref99), bNsStr(s50), bNsStr(s99),
		bNsStr(x.gb.metric("BenchmarkCoreRoundTrip", "p50-ns").median()), bNsStr(x.gb.metric("BenchmarkCoreRoundTrip", "p99-ns").median()),
		bFmtDur(x.fsync50), bFmtDur(x.fsync99), bFmtDur(x.fsync99+x.fsync50))
}

func (x bResults) handshakes(r *bReport) {
	hs := x.gb.metric("BenchmarkHandshake", "ns/op")
	var hps bSamples
	for _, ns := range hs {
		hps = append(hps, 1e9/ns)
	}
	xo := x.gb.metric("BenchmarkX25519", "ops/s").median()
	v := hps.median()
	r.add(bRow{"handshakes, one core", bFmtRate(v) + " /s", bSpread(hps, bFmtRate),
		fmt.Sprintf("X25519 %s ops/s → ceiling %s handshakes/s", bFmtRate(xo), bFmtRate(xo/12)),
		bRatio(v, xo/12, "of the X25519 ceiling"), "report", "reported"})
	r.detail("**Handshakes.** `BenchmarkHandshake` with `-cpu 1`: Noise_IK_25519_ChaChaPoly_BLAKE2s plus the signed Hello exchange, " +
		"both ends in one process over loopback TCP, so one op is both sides' work. Each side does 5 X25519 operations (ephemeral " +
		"key generation, es, ss, ee, se) and one more to check the peer's DH key is not of small order, 12 in all, so X25519 alone " +
		"(`BenchmarkX25519`, the curve25519 that flynn/noise calls, one core) caps handshakes at X25519 ops/s ÷ 12. The rest is the " +
		"Ed25519 key check (math/big), Ed25519 signing and verifying the Hello, BLAKE2s, and socket round trips.")
}

func (x bResults) reconnect(r *bReport) {
	med, _, _ := bDurs(x.recStart)
	kdf := x.gb.metric("BenchmarkUnwrapDefaultKDF", "ns/op").median()
	r.add(bRow{"reconnect, 1,000 queued", bFmtDur(med), bSpread(x.recStart, bNsStr), "—", "—", "report", "reported"})
	r.detail("**Reconnect.** B quits; A queues %d messages (the test waits until A has stored them all); B is restarted. Measured from "+
		"B's process start to A's `status … delivered` for the last one. It includes B's passphrase KDF (Argon2id, %s alone) and start-up; "+
		"from B's `ready` line to the last ack it is %s (%s). B dials A as soon as it starts, so A's redial back-off does not count.",
		x.plan.reconnectMsgs, bNsStr(kdf), bNsStr(x.recReady.median()), bSpread(x.recReady, bNsStr))
}

func (x bResults) idle(r *bReport) {
	r.add(bRow{"idle traffic", fmt.Sprintf("%.2f B/s", x.idleRate), fmt.Sprintf("one run of %s", x.plan.idleFor), "—", "—",
		"≤ 100 B/s", bVerdict(x.idleRate <= 100)})
	r.detail("**Idle traffic.** Two connected contacts, doing nothing, whose only route to each other is a byte-counting TCP proxy in "+
		"the test (each advertises its proxy first, so every dial goes through one). After 3 s to settle, %d bytes crossed in %s "+
		"in both directions together, TCP payload only (keep-alive pings and their pongs; IP/TCP headers and bare ACKs not counted, "+
		"they add about 52–66 bytes per segment: with the %d segments seen and an ACK for each, about %.1f B/s on the wire). "+
		"Proxied connections: %d; established connections that bypassed the proxies: %d. "+
		"It was measured in the footprint's idle window (below), beside idle nodes only.",
		x.idleBytes, x.plan.idleFor, x.idleSegs, float64(x.idleBytes+x.idleSegs*2*66)/x.plan.idleFor.Seconds(), x.idleConns, x.idleDirect)
}

func (x bResults) start(r *bReport) {
	kdf := x.gb.metric("BenchmarkUnwrapDefaultKDF", "ns/op")
	v := x.readyCheap.median()
	r.add(bRow{"start to ready, 100k history, KDF excluded", bNsStr(v), bSpread(x.readyCheap, bNsStr),
		"Argon2id unlock " + bNsStr(kdf.median()), bRatio(v, kdf.median(), "of one KDF"), "≤ 100 ms",
		bVerdict(len(x.readyCheap) > 0 && time.Duration(v) <= 100*time.Millisecond)})
	r.detail("**Start.** A data directory with %d contacts and %d messages in one conversation, written through `jarvis/store` in %s. "+
		"Measured from `exec` of `jarvis --headless` to its `ready` line. To exclude the KDF exactly, the account's key is wrapped "+
		"with a nearly free Argon2id (t=1, 64 KiB); the production KDF (t=3, 64 MiB, p=4) costs %s on its own (`BenchmarkUnwrapDefaultKDF`, %s), "+
		"and a start with it takes %s (%s).",
		x.plan.contacts, x.plan.history, x.populate.Round(time.Millisecond), bNsStr(kdf.median()), bSpread(kdf, bNsStr),
		bNsStr(x.readyReal.median()), bSpread(x.readyReal, bNsStr))
}

func (x bResults) memory(r *bReport) {
	v := x.hwmCheap.median()
	r.add(bRow{"memory: peak RSS, idle, KDF excluded", bFmtMB(v), bSpread(x.hwmCheap, bFmtMB), "—", "—", "≤ 40 MB",
		bVerdict(len(x.hwmCheap) > 0 && v <= 40*1024)})
	w := x.hwmReal.median()
	r.add(bRow{"memory: peak RSS, idle, with the real KDF", bFmtMB(w), bSpread(x.hwmReal, bFmtMB), "—", "—", "≤ 40 MB",
		bVerdict(len(x.hwmReal) > 0 && w <= 40*1024)})
	r.detail("**Memory.** VmHWM from /proc/PID/status of the start benchmark's node (%d contacts, all offline at a port that "+
		"refuses, so 1,000 dialers are backing off; %d messages), read after %s idle, after %d `history` commands. Its current RSS then "+
		"is %s. The production Argon2id needs 64 MiB by design (RFC 9106's second recommended setting), so any process that unlocks "+
		"with it peaks above 64 MiB for the instant of the unlock; that memory is freed afterwards, but VmHWM remembers it. The "+
		"KDF-excluded figure is the one that says what Jarvis itself costs.",
		x.plan.contacts, x.plan.history, x.plan.memoryIdle, x.plan.historyCmds, bFmtMB(x.rssCheap.median()))
}

func (x bResults) history(r *bReport) {
	v := x.historyWarm.median()
	r.add(bRow{"history page: newest 100 of 100k (store)", bNsStr(v), bSpread(x.historyWarm, bNsStr), "—", "—", "≤ 5 ms",
		bVerdict(len(x.historyWarm) > 0 && time.Duration(v) <= 5*time.Millisecond)})
	rt := bPercentile(x.historyRTT, 0.5)
	r.add(bRow{"history page: headless `history` round trip", bFmtDur(rt) + " (p50)",
		fmt.Sprintf("p99 %s (n=%d)", bFmtDur(bPercentile(x.historyRTT, 0.99)), len(x.historyRTT)), "—", "—", "≤ 5 ms",
		bVerdict(len(x.historyRTT) > 0 && rt <= 5*time.Millisecond)})
	r.detail("**History page.** `store.History(contact, 0, 100)` on the conversation of %d messages, timed with `testing.Benchmark` "+
		"in the test process (5 runs); the very first call after opening and unlocking the database (cold cache) took %s. "+
		"The round trip is `{\"cmd\":\"history\",\"with\":ID,\"limit\":100}` written to a running node until its `history` line "+
		"is read back, JSON both ways.", x.plan.history, bFmtDur(x.historyCold))
}

func (x bResults) binary(r *bReport) {
	mb := float64(x.size) / (1 << 20)
	linking := "static"
	if !x.static {
		linking = "dynamically linked to libc (cgo SQLite), not static"
	}
	r.add(bRow{"binary size", fmt.Sprintf("%.1f MiB", mb), "—", "—", "—", "≤ 15 MB", bVerdict(x.size <= 15_000_000)})
	r.detail("**Binary.** `go build -ldflags \"-s -w\"`: %d bytes, %s.", x.size, linking)
	smb := float64(x.staticSize) / (1 << 20)
	r.add(bRow{"binary size, static pure-Go build", fmt.Sprintf("%.1f MiB", smb), "—", "—", "—", "≤ 15 MB",
		bVerdict(x.staticOK && x.staticSize <= 15_000_000)})
	r.detail("**Static binary.** `CGO_ENABLED=0 go build -tags purego -ldflags \"-s -w\"` (`make build-purego`, the build "+
		"for Termux, modernc.org/sqlite): %d bytes, static: %v.", x.staticSize, x.staticOK)
}

func (x bResults) group(r *bReport) {
	r.add(bRow{"group of 50: one message reaches the 49 others", bFmtDur(x.groupSend), "one run", "—", "—", "report", "reported"})
	r.detail("**Group of 50.** `TestFiftyMembersOneMessageReachesAll` (app/group_sync_test.go) without the race detector: 50 "+
		"full cores in one process on loopback; forming the group (49 contacts, invites, accepts) took %s; then one "+
		"message from the owner was stored and shown by all 49 other members in %s, sender keys included.",
		bFmtDur(x.groupForm), bFmtDur(x.groupSend))
}

func (x bResults) whereTimeGoes(r *bReport) {
	var missed []string
	if x.acked.median() < 50_000 {
		missed = append(missed, "throughput")
	}
	if time.Duration(x.p99s.median()) > 2*time.Millisecond {
		missed = append(missed, "latency")
	}
	head := "## Where the time goes"
	if len(missed) > 0 {
		head += " (missed: " + strings.Join(missed, ", ") + ")"
	}
	text := head + "\n\n" +
		"CPU profile of `BenchmarkCoreThroughput` (two app cores in one process, 64-byte messages, no JSON), taken in this run " +
		"with `go test -cpuprofile`; cumulative share of all CPU samples:\n\n| function | share | what it is |\n|---|---|---|\n"
	for _, f := range bProfiledFuncs {
		if x.profile[f] == 0 {
			continue // no samples: not on this path
		}
		text += fmt.Sprintf("| `%s` | %.1f%% | %s |\n", f, x.profile[f], bProfiledWhat[f])
	}
	addIn := x.gb.metric("BenchmarkAddIncoming", "ns/msg").median()
	adv := x.gb.metric("BenchmarkAdvanceDelivered", "ns/msg").median()
	text += fmt.Sprintf("\nPer message, A stores it (durable), hands it straight to the session, and marks it delivered on the ack "+
		"(relaxed commit); B stores it (durable) and acks. In this run `BenchmarkAddIncoming` costs %s per message and "+
		"`BenchmarkAdvanceDelivered` %s, so storage needs very roughly %s of CPU per message across both nodes (2 × insert + "+
		"1 × update, an estimate), all of it on each node's single manager goroutine; the engine's session loops are a few percent.\n\n",
		bNsStr(addIn), bNsStr(adv), bNsStr(2*addIn+adv))
	text += "Already done to reach these figures (the first runs gave about 10k msg/s and a p99 of 9 ms): time-ordered message IDs " +
		"(48-bit milliseconds + 80 random bits) so the unique (contact, ID) index grows at its edge instead of dirtying a random page " +
		"per message; the outbox table replaced by a partial index over messages; `sent` reported but not stored; fresh messages " +
		"sent from memory instead of read back; a fair manager loop; relaxed commits for delivered/read/seen marks; batch writes " +
		"without per-statement cancellation. Tried and reverted: WAL checkpoints in a background goroutine " +
		"(`wal_autocheckpoint=0` plus a periodic PASSIVE checkpoint) made the p99 worse here, most likely because a WAL that is rarely reset keeps " +
		"growing the file and every fsync then also syncs its new size.\n\n" +
		"Headroom left, in order of payoff: statements prepared once at Open instead of per transaction; messages keyed by a small " +
		"integer contact number instead of the 32-character ID in every row and index. " +
		"synchronous=FULL stays for the inserts: an ack promises the message is on disk."
	r.detail("%s", text)
}

func (x bResults) shrunk(r *bReport) {
	p := x.plan
	r.note("Throughput: %d runs of %d messages on one pair of processes (the history grows run to run).", p.throughputRuns, p.throughputMsgs)
	r.note("Latency: %d runs of %s at %d msg/s, on the same pair.", p.latencyRuns, p.latencyFor, p.latencyRate)
	r.note("Reconnect: %d runs of %d queued messages.", p.reconnectRuns, p.reconnectMsgs)
	r.note("Start and memory: %d starts with the cheap KDF, %d with the real one, %s idle each.", p.starts, p.startsRealKDF, p.memoryIdle)
	r.note("Idle traffic: one %s window (the issue asks for 5 minutes), inside the footprint's idle window.", p.idleFor)
	r.note("Go benchmarks: `-count %s`, `-benchtime 0.5s` (KDF `5x`, core throughput `20000x`, core round trip `2000x`, store `100x`); "+
		"the profile is one extra `BenchmarkCoreThroughput -benchtime 150000x`.", p.goCount)
	x.tor.shrunk(r)
	x.foot.shrunk(r)
}
