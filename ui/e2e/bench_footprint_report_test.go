//go:build bench

package e2e

import (
	"fmt"
	"strings"
	"time"
)

// bToxicEarlier is toxic's idle RSS from the issue, quoted when toxic
// cannot run in this one.
const bToxicEarlier = 19.7 * 1024 // kB

func (f bFootFigures) toxicRef() (kb float64, label string) {
	if f.toxic.rss > 0 {
		return float64(f.toxic.rss), fmt.Sprintf("toxic %s (VmHWM %s), same run", bFmtMB(float64(f.toxic.rss)), bFmtMB(float64(f.toxic.hwm)))
	}
	return bToxicEarlier, fmt.Sprintf("toxic %s, measured earlier (%s)", bFmtMB(bToxicEarlier), f.toxicNote)
}

func bCPUStr(u bIdleUse) string {
	if !u.ok {
		return "—"
	}
	return fmt.Sprintf("%.2f s/h (%.1f wakeups/s)", u.secPerHour, u.wakeups)
}

// rows adds the footprint lines of the summary table.
func (f bFootFigures) rows(r *bReport) {
	after := fmt.Sprintf("%.0f s", f.rssAfter.Seconds())
	tox, toxLabel := f.toxicRef()
	mem := func(what string, kb int64, target float64) {
		v := float64(kb)
		r.add(bRow{"idle RSS " + after + " after unlock, " + what, bFmtMB(v), "one process", toxLabel,
			bRatio(v, tox, "of toxic"), fmt.Sprintf("≤ %.0f MB", target), bVerdict(kb > 0 && v <= target*1024)})
	}
	peak := func(what string, kb int64) {
		r.add(bRow{"…peak RSS (VmHWM, the unlock), " + what, bFmtMB(float64(kb)), "one process", "—", "—", "report", "reported"})
	}
	mem("0 contacts", f.empty.rss, 15)
	peak("0 contacts", f.empty.hwm)
	mem("1,000 contacts, 100k messages", f.big.rss, 40)
	peak("1,000 contacts, 100k messages", f.big.hwm)

	win := "one window of " + f.window.String()
	cpu := func(what string, u bIdleUse, ref string, target float64) {
		r.add(bRow{"idle CPU, " + what, bCPUStr(u), win, ref, "—", fmt.Sprintf("≤ %.0f s/h", target),
			bVerdict(u.ok && u.secPerHour <= target)})
	}
	cpu("0 contacts", f.cpuEmpty, "—", 1)
	cpu(fmt.Sprintf("%d contacts connected", f.peers), f.cpuHub,
		fmt.Sprintf("each of its peers (1 contact): median %.2f s/h, %.1f wakeups/s", f.cpuPeers.median(), f.wakePeers.median()), 3)
	cpu("1,000 contacts offline (refusing)", f.cpuOffline,
		fmt.Sprintf("in-process core under pprof: %.2f s/h", f.profile.secPerHour()), 5)

	tput := func(what string, v, ref bSamples, refLabel string) {
		m, rm := v.median(), ref.median()
		r.add(bRow{"1:1 throughput, " + what, bFmtRate(m) + " msg/s", bSpread(v, bFmtRate), refLabel + " " + bFmtRate(rm) + " msg/s",
			bRatio(m, rm, "of "+refLabel), "≥ 0.9× " + refLabel, bVerdict(len(v) > 0 && rm > 0 && m >= 0.9*rm)})
	}
	tput("1 contact, by name", f.byName, f.byID, "by ID")
	tput(fmt.Sprintf("1 contact, by name, runs of %d", f.plan.msgs1k), f.byName1, f.byID1, "by ID")
	tput("1,000 contacts, by ID", f.byID1k, f.byID1, "1 contact")
	tput("1,000 contacts, by name", f.byName1k, f.byID1k, "by ID")

	if f.qemuNote != "" {
		r.add(bRow{"unlock on arm64 (qemu), exec → ready", "skipped", "—", "—", "—", "report", f.qemuNote})
		return
	}
	q, n := f.qemuReady.median(), f.natReady.median()
	r.add(bRow{"unlock on arm64 (qemu-user), exec → ready", bNsStr(q), bSpread(f.qemuReady, bNsStr),
		"same build for this CPU " + bNsStr(n), bRatio(q, n, "of native"), "report", "reported"})
}

// bPerMsg turns a rate into the time per message.
func bPerMsg(rate float64) time.Duration {
	if rate == 0 {
		return 0
	}
	return time.Duration(float64(time.Second) / rate)
}

func (p bIdleProfile) secPerHour() float64 {
	if p.window == 0 {
		return 0
	}
	return p.total.Seconds() / p.window.Hours()
}

// section writes the Footprint section.
func (f bFootFigures) section(r *bReport) {
	tox, _ := f.toxicRef()
	toxic := fmt.Sprintf("toxic (Debian's package, a fresh unencrypted profile, `-o -L`: no DHT, no LAN discovery, in a detached "+
		"tmux pane) started before the nodes and was read at the same moment: VmRSS %s, VmHWM %s.",
		bFmtMB(float64(f.toxic.rss)), bFmtMB(float64(f.toxic.hwm)))
	if f.toxic.rss == 0 {
		toxic = fmt.Sprintf("toxic could not be measured in this run (%s); the reference is the %s the issue measured.", f.toxicNote, bFmtMB(tox))
	}
	var b strings.Builder
	b.WriteString("## Footprint\n\n")
	fmt.Fprintf(&b, "All of this runs at once, after everything above has stopped, on a machine otherwise left alone: it took %s to start. "+
		"Every jarvis here is the stripped release binary, `--headless --tor off`, unlocking with the production Argon2id.\n\n",
		f.setup.Round(time.Second))
	fmt.Fprintf(&b, "**Memory.** Two nodes are started at the same instant: one with a fresh account (`jarvis init`, no contacts), "+
		"one with the big account of the start benchmark (%d contacts whose addresses refuse, %d messages). %s after each printed "+
		"`ready`, /proc/PID/status gives VmRSS, what the process holds now and what the user pays, and VmHWM, its peak, which the "+
		"unlock sets (Argon2id needs 64 MiB). No contacts: VmRSS %s, VmHWM %s. 1,000 contacts and the history: VmRSS %s, VmHWM %s. "+
		"At the end of the CPU window below (%s later), VmRSS is %s with no contacts and %s with 1,000. %s\n\n",
		f.plan.contacts, f.plan.history, f.rssAfter, bFmtMB(float64(f.empty.rss)), bFmtMB(float64(f.empty.hwm)),
		bFmtMB(float64(f.big.rss)), bFmtMB(float64(f.big.hwm)), f.window, bFmtMB(float64(f.emptyEnd.rss)), bFmtMB(float64(f.bigEnd.rss)), toxic)
	fmt.Fprintf(&b, "**Idle CPU.** Right after the memory reading, utime+stime from /proc/PID/stat and the voluntary plus involuntary "+
		"context switches of every thread (/proc/PID/task/*/status) are read, and again %s later; the difference is given as CPU "+
		"seconds per hour and wakeups (context switches) per second. The nodes: the fresh account (0 contacts); a node with %d "+
		"contacts, each a `jarvis` process of its own, befriended one by one and connected (%d of %d online at the end of the "+
		"window), so the window holds their keep-alives; the big account, whose %d contacts are all offline at 127.0.0.1:9, which "+
		"refuses, so it keeps redialing them. Its peers, with one contact each, used %s s/h (median; %s).\n\n",
		f.window, f.peers, f.peersOnline, f.peers, f.plan.contacts, fmt.Sprintf("%.2f", f.cpuPeers.median()), bSpread(f.cpuPeers, func(v float64) string { return fmt.Sprintf("%.2f", v) }))
	f.profileText(&b)
	fmt.Fprintf(&b, "**Sending by name.** On the throughput pair, runs of %d `send` lines naming B by its ID alternate with runs "+
		"naming it by its name (`\"to\": \"B\"`), %d of each. Then %d runs of each with %d messages; then A is stopped, given %d "+
		"more contacts (addresses that refuse, so A redials them meanwhile) through `jarvis/store`, started again, and once B is "+
		"back online the same %d short runs of each are repeated: the rows with 1,000 contacts compare with those short runs. "+
		"The history grows run to run, which is why the runs alternate. What the name costs: `app.Core.ResolveContact`, "+
		"which every `send` calls first, takes %s among %d contacts by full ID (%s by name) against %s among 1 (`testing.Benchmark` "+
		"on an in-process core; the contacts are indexed by ID text and folded name once per change), while the whole send "+
		"path costs about %s per message at the one-contact rate.\n\n",
		f.plan.throughputMsgs, f.plan.throughputRuns, f.plan.throughputRuns1k, f.plan.msgs1k, f.plan.contacts-1, f.plan.throughputRuns1k,
		bFmtDur(f.resolve1k), f.plan.contacts, bFmtDur(f.resolveName1k), bFmtDur(f.resolve1), bFmtDur(bPerMsg(f.byID1.median())))
	if f.qemuNote == "" {
		fmt.Fprintf(&b, "**Unlock on a slow CPU.** `GOARCH=arm64 CGO_ENABLED=0 go build -tags purego` (the static build for phones) run under "+
			"`qemu-aarch64-static`, user-mode emulation of an arm64 CPU on this one: a fresh account, `init` (which derives the key once) took %s, "+
			"then exec → `ready` of `--headless` %s (%s); the same build for this machine: `init` %s, exec → `ready` %s (%s). "+
			"qemu translates every instruction, so this is a slow arm64, not a phone: real phones differ (they run arm64 natively, "+
			"with less memory bandwidth and thermal limits), so treat it as an order of magnitude.\n\n",
			bFmtDur(f.qemuInit), bNsStr(f.qemuReady.median()), bSpread(f.qemuReady, bNsStr),
			bFmtDur(f.natInit), bNsStr(f.natReady.median()), bSpread(f.natReady, bNsStr))
	} else {
		fmt.Fprintf(&b, "**Unlock on a slow CPU.** Skipped: %s.\n\n", f.qemuNote)
	}
	r.detail("%s", strings.TrimSpace(b.String()))
}

// bProfileShown are how many profile rows the report shows.
const bProfileShown = 12

func (f bFootFigures) profileText(b *strings.Builder) {
	p := f.profile
	fmt.Fprintf(b, "**Where the idle CPU of 1,000 offline contacts goes.** The binary serves no pprof, so the same scenario runs in the "+
		"test process during the same window: an `app.Core` holding %d contacts whose addresses refuse (cheap KDF, no history), "+
		"profiled with `runtime/pprof` at %d Hz. The profiler saw %s of CPU in %s (%.2f s/h, the idle harness included).",
		f.plan.contacts, bIdleProfileHz, p.total, p.window.Round(time.Second), p.secPerHour())
	if len(p.top) == 0 {
		b.WriteString(" No samples.\n\n")
		return
	}
	b.WriteString(" Cumulative share:\n\n| function | flat | cum |\n|---|---|---|\n")
	for _, l := range p.top[:min(len(p.top), bProfileShown)] {
		fmt.Fprintf(b, "| `%s` | %.1f%% | %.1f%% |\n", l.name, l.flat, l.cum)
	}
	b.WriteString("\nFlat share (where the instructions are):\n\n| function | flat | cum |\n|---|---|---|\n")
	for _, l := range p.flat[:min(len(p.flat), bProfileShown)] {
		fmt.Fprintf(b, "| `%s` | %.1f%% | %.1f%% |\n", l.name, l.flat, l.cum)
	}
	b.WriteString("\n")
}

func (f bFootFigures) shrunk(r *bReport) {
	r.note("Footprint: memory read %s after `ready`; one idle window of %s for CPU (the issue asks for 10 minutes), holding "+
		"the idle-traffic window; %d peers for the connected case (one process each); %d unlocks under qemu; "+
		"by-name throughput %d + %d runs of %d with one contact (interleaved with by ID), then %d + %d runs of %d before and "+
		"after A has 1,000 contacts.",
		f.rssAfter, f.window, f.peers, f.plan.qemuStarts, f.plan.throughputRuns, f.plan.throughputRuns, f.plan.throughputMsgs,
		f.plan.throughputRuns1k, f.plan.throughputRuns1k, f.plan.msgs1k)
}
