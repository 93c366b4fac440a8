//go:build soak

package e2e

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// floodPhase is one flood: what it does and how to run it.
type floodPhase struct {
	name, attack string
	run          func(context.Context) (detail string, err error)
	messages     int // the phase's disk cap grows floodMsgDiskCap for each
}

// floodFigures is what was measured during one phase.
type floodFigures struct {
	floodPhase
	detail          string
	err             error
	took            time.Duration
	rssPeak, fdPeak int64
	lat             []time.Duration // the contact's messages, sent → acked
	lost            int             // ...never acked within e2eTimeout
	keys            []time.Duration // keypress → shown
	keyMiss         int             // ...not shown within 5 s
	diskGrowth      int64
	load            string  // the machine's 1-minute load average at the end
	cpu             float64 // the node's CPU time over the phase's wall time
}

// runFloodPhase runs ph while sampling the node and probing it.
func runFloodPhase(n *floodNode, c *headlessProc, ph floodPhase) floodFigures {
	f := floodFigures{floodPhase: ph}
	before, cpu := floodDirSize(n.dir), floodCPU(n.pid)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { f.rssPeak, f.fdPeak = floodSample(ctx, n.pid) })
	wg.Go(func() { f.lat, f.lost = floodProbeMessages(ctx, c, n.keys.ID().String()) })
	wg.Go(func() { f.keys, f.keyMiss = floodProbeKeys(ctx, n.tmux) })
	start := time.Now()
	runCtx, stop := context.WithTimeout(ctx, 5*time.Minute)
	f.detail, f.err = ph.run(runCtx)
	stop()
	f.took = time.Since(start)
	cancel()
	wg.Wait()
	f.diskGrowth = floodDirSize(n.dir) - before
	f.load = floodLoad()
	f.cpu = (floodCPU(n.pid) - cpu).Seconds() / f.took.Seconds()
	return f
}

// floodSample polls the node's resident set and open descriptors every
// 50 ms and returns their peaks.
func floodSample(ctx context.Context, pid int) (rss, fds int64) {
	for {
		rss = max(rss, floodRSS(pid))
		if ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid)); err == nil {
			fds = max(fds, int64(len(ents)))
		}
		select {
		case <-ctx.Done():
			return rss, fds
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// floodRSS is pid's resident set in bytes (VmRSS), 0 if unknown.
func floodRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// floodCPU is the user and system time pid has used (from /proc, in
// clock ticks of 10 ms), 0 if unknown.
func floodCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces): state is
	// field 3, utime 14 and stime 15.
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// floodLoad is the 1-minute load average, "?" if unknown: the machine is
// shared, and the figures mean little without it.
func floodLoad() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

// floodDirSize is the bytes of every file under dir.
func floodDirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// floodProbeMessages has c send the node a message every 100 ms, one at
// a time, and times each from the send line to its "delivered" status
// (the node stored it and acked).
func floodProbeMessages(ctx context.Context, c *headlessProc, to string) (lat []time.Duration, lost int) {
	c.mu.Lock()
	seen := len(c.lines) // an earlier phase's lines carry the same refs
	c.mu.Unlock()
	for k := 0; ctx.Err() == nil; k++ {
		ref := fmt.Sprintf("flood-probe-%d", k)
		start, from := time.Now(), seen
		c.send(map[string]any{"cmd": "send", "to": to, "text": ref, "ref": ref})
		sent, ok := floodNextLine(c, &seen, func(l map[string]any) bool { return l["event"] == "sent" && l["ref"] == ref })
		if ok {
			// The status may come before the reply to the send line.
			seen = from
			_, ok = floodNextLine(c, &seen, func(l map[string]any) bool {
				return l["event"] == "status" && l["id"] == sent["id"] && l["state"] == "delivered"
			})
		}
		if !ok {
			lost++
			continue
		}
		lat = append(lat, time.Since(start))
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	return lat, lost
}

// floodNextLine waits up to e2eTimeout for a line of p from *seen on that
// match accepts, and moves *seen past it.
func floodNextLine(p *headlessProc, seen *int, match func(map[string]any) bool) (map[string]any, bool) {
	deadline := time.After(e2eTimeout)
	for {
		p.mu.Lock()
		for ; *seen < len(p.lines); *seen++ {
			if l := p.lines[*seen]; match(l) {
				p.mu.Unlock()
				*seen++
				return l, true
			}
		}
		p.mu.Unlock()
		select {
		case <-p.notify:
		case <-p.exited:
			return nil, false
		case <-deadline:
			return nil, false
		}
	}
}

// floodKeyWait is how long a keypress may take before it counts as missed.
const floodKeyWait = 5 * time.Second

// floodProbeKeys types "~" into the node's input line every 250 ms and
// erases it again, timing each key until the pane shows its effect. The
// time includes tmux's send-keys and capture-pane (a few ms each here).
func floodProbeKeys(ctx context.Context, s *tmuxSession) (keys []time.Duration, miss int) {
	press := func(want string, args ...string) {
		start := time.Now()
		if floodTmux(s, append([]string{"send-keys", "-t", s.name}, args...)...) != nil {
			miss++
			return
		}
		for time.Since(start) < floodKeyWait {
			if floodInput(s) == want {
				keys = append(keys, time.Since(start))
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
		miss++
	}
	for ctx.Err() == nil {
		press("~", "-l", "~")
		press("", "BSpace")
		select {
		case <-ctx.Done():
		case <-time.After(250 * time.Millisecond):
		}
	}
	return keys, miss
}

func floodTmux(s *tmuxSession, args ...string) error {
	cmd := exec.Command("tmux", append([]string{"-L", s.socket, "-f", "/dev/null"}, args...)...)
	cmd.Env = s.env
	return cmd.Run()
}

// floodInput is the text in the TUI's input line (the row above the
// status bar, after its "> " prompt); "?" if the pane cannot be read.
func floodInput(s *tmuxSession) string {
	cmd := exec.Command("tmux", "-L", s.socket, "-f", "/dev/null", "capture-pane", "-p", "-t", s.name)
	cmd.Env = s.env
	out, err := cmd.Output()
	if err != nil {
		return "?"
	}
	rows := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(rows) < 2 {
		return "?"
	}
	row := rows[len(rows)-2] // capture-pane drops trailing blanks: an empty line ends in ">"
	i := strings.LastIndex(row, ">")
	if i < 0 {
		return "?"
	}
	return strings.TrimSpace(row[i+1:])
}

// floodPct is the p-th percentile of ds (nearest rank), 0 if empty.
func floodPct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(ds))
	i := int(float64(len(s))*p+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// diskCap is how much the phase may grow the node's directory.
func (f floodFigures) diskCap() int64 {
	return floodDiskCap + int64(f.messages)*floodMsgDiskCap
}

// misses lists the goals the phase missed.
func (f floodFigures) misses() []string {
	var m []string
	if f.err != nil {
		m = append(m, fmt.Sprintf("the flood failed: %v", f.err))
	}
	if f.rssPeak > floodRSSCap {
		m = append(m, fmt.Sprintf("node RSS peaked at %s, over %s", floodMiB(f.rssPeak), floodMiB(floodRSSCap)))
	}
	if f.lost > 0 || len(f.lat) == 0 {
		m = append(m, fmt.Sprintf("%d of the contact's messages were not acked within %s (%d were)", f.lost, e2eTimeout, len(f.lat)))
	}
	if p := floodPct(f.lat, 0.99); p > floodLatencyCap {
		m = append(m, fmt.Sprintf("p99 of the contact's messages %s, over %s", floodMs(p), floodMs(floodLatencyCap)))
	}
	if p := floodPct(f.keys, 0.99); p > floodKeyCap || f.keyMiss > 0 {
		m = append(m, fmt.Sprintf("keypress p99 %s (%d not shown within %s), goal %s", floodMs(p), f.keyMiss, floodKeyWait, floodMs(floodKeyCap)))
	}
	if c := f.diskCap(); f.diskGrowth > c {
		m = append(m, fmt.Sprintf("the data directory grew %s, over its cap %s", floodMiB(f.diskGrowth), floodMiB(c)))
	}
	return m
}

func (f floodFigures) summary() string {
	return fmt.Sprintf("%s; CPU %.2f, RSS %s, fds %d, msg p50/p99 %s/%s (%d, %d lost), key p50/p99/max %s/%s/%s (%d, %d missed), disk %+d B",
		f.detail, f.cpu, floodMiB(f.rssPeak), f.fdPeak, floodMs(floodPct(f.lat, 0.5)), floodMs(floodPct(f.lat, 0.99)), len(f.lat), f.lost,
		floodMs(floodPct(f.keys, 0.5)), floodMs(floodPct(f.keys, 0.99)), floodMs(floodPct(f.keys, 1)), len(f.keys), f.keyMiss, f.diskGrowth)
}

func floodMiB(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func floodMs(d time.Duration) string {
	if d < 10*time.Millisecond {
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%d ms", d.Milliseconds())
}

// floodSection renders the Markdown section.
func floodSection(figs []floodFigures, stored int, storedErr error, shrunk string, hold time.Duration) string {
	var b strings.Builder
	b.WriteString("## Floods\n\n")
	b.WriteString("The node under test is the real binary with its TUI in a tmux pane (`--tor off --no-lan`). " +
		"Its contact `prober` (a `jarvis --headless` process) sends it a message every 100 ms throughout, one at a time; " +
		"latency runs from the `send` line to the `status … delivered` line (the node stored it durably and acked). " +
		"Every 250 ms the test types `~` into the node's input line and erases it, timing each key from `tmux send-keys` " +
		"until `capture-pane` shows it (so tmux's own few milliseconds are in it). RSS and open descriptors are sampled from " +
		"/proc every 50 ms; disk is the node's data directory, before and after the phase. The attackers are Go code in the " +
		"test process speaking the protocol (the p2p engine, or raw Noise for the stalls), dialling from 127.x.y.1 addresses " +
		"so that each /24 is its own network to the node's admission; they share the machine's cores with the node. " +
		"Node CPU is its user and system time over the phase's wall time (1.0 = one core); load is the machine's " +
		"1-minute load average at the end of the phase.\n\n")
	fmt.Fprintf(&b, "Goals: RSS ≤ %s, every probe acked with p99 ≤ %s, keypress p99 ≤ %s, disk growth ≤ %s in a phase "+
		"(plus %d B per message in the contact's flood, which is kept: they are a contact's messages), "+
		"≤ %d requests from strangers stored.\n\n", floodMiB(floodRSSCap), floodMs(floodLatencyCap), floodMs(floodKeyCap),
		floodMiB(floodDiskCap), floodMsgDiskCap, floodRequestCap)
	b.WriteString("| flood | what the attacker did | outcome | node RSS peak | node fds peak | prober p50 / p99 (n) | keypress p50 / p99 / max (n) | disk growth (cap) | node CPU | load | goals |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, f := range figs {
		goals := "met"
		if m := f.misses(); len(m) > 0 {
			goals = "**missed**: " + strings.Join(m, "; ")
		}
		outcome := f.detail
		if outcome == "" {
			outcome = fmt.Sprintf("%s quiet", f.took.Round(time.Second))
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %d | %s / %s (%d) | %s / %s / %s (%d) | %s (%s) | %.2f | %s | %s |\n",
			f.name, f.attack, outcome, floodMiB(f.rssPeak), f.fdPeak,
			floodMs(floodPct(f.lat, 0.5)), floodMs(floodPct(f.lat, 0.99)), len(f.lat),
			floodMs(floodPct(f.keys, 0.5)), floodMs(floodPct(f.keys, 0.99)), floodMs(floodPct(f.keys, 1)), len(f.keys),
			floodSignedMiB(f.diskGrowth), floodMiB(f.diskCap()), f.cpu, f.load, goals)
	}
	if storedErr != nil {
		fmt.Fprintf(&b, "\nRequests from strangers stored after the floods: unknown (%v).\n", storedErr)
	} else {
		fmt.Fprintf(&b, "\nRequests from strangers stored after the floods (counted by starting the node headless): %d (cap %d; the oldest make room).\n", stored, floodRequestCap)
	}
	fmt.Fprintf(&b, "\nShrunk to fit: %s; each connection flood lasts %s.\n", shrunk, hold)
	return b.String()
}

func floodSignedMiB(b int64) string {
	if b < 0 {
		return "−" + floodMiB(-b)
	}
	return "+" + floodMiB(b)
}
