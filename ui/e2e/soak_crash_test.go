//go:build soak

package e2e

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// relEnvInt reads a size from the environment (to shrink a run by hand),
// else def.
func relEnvInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// relCluster is a set of nodes whose streams a trial follows: every line
// of every life goes through see.
type relCluster struct {
	t     *testing.T
	specs []relSpec
	nodes []*relNode
	ids   []string
	group string // the group's ID, "" for 1:1 streams

	mu      sync.Mutex
	streams []*relStream
	offline []int // per node: "peer … offline" lines (a session lost)
}

// relStream is one sender's numbered messages in one trial, to one peer
// or to the group.
type relStream struct {
	prefix string // starts every text and ref: t03-A>B
	from   int
	to     []int // the receiving nodes
	n      int

	written   int            // lines flushed to the sender so far (the highest index + 1)
	onlyAcked bool           // only acked messages must arrive (a refused send is the person's to repeat)
	acked     map[int]bool   // "sent" answered: stored at the sender
	failed    map[int]string // the send was answered with an error
	shown     []map[int]int  // per receiver: index → times shown live
	last      []int          // per receiver: the last index shown live
	order     []int          // per receiver: shown live after a later one
}

func newRelStream(prefix string, from int, to []int, n int) *relStream {
	s := &relStream{prefix: prefix, from: from, to: to, n: n, acked: make(map[int]bool), failed: make(map[int]string)}
	for range to {
		s.shown = append(s.shown, make(map[int]int))
		s.last = append(s.last, -1)
		s.order = append(s.order, 0)
	}
	return s
}

// index parses a stream's text or ref, -1 if it is not this stream's.
func (s *relStream) index(text string) int {
	rest, ok := strings.CutPrefix(text, s.prefix+" ")
	if !ok {
		return -1
	}
	i, err := strconv.Atoi(rest)
	if err != nil {
		return -1
	}
	return i
}

func (s *relStream) text(i int) string { return fmt.Sprintf("%s %06d", s.prefix, i) }

// see records one line of node i.
func (c *relCluster) see(i int, e relEvent) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.Event == "peer" && !e.Online {
		c.offline[i]++
	}
	for _, s := range c.streams {
		switch {
		case (e.Event == "sent" || e.Event == "group_sent") && s.from == i:
			if k := s.index(e.Ref); k >= 0 {
				s.acked[k] = true
			}
		case e.Event == "error" && s.from == i:
			if k := s.index(e.Ref); k >= 0 {
				s.failed[k] = e.Error
			}
		case e.Event == "message" || e.Event == "group_message":
			if e.From != c.ids[s.from] || (e.Event == "group_message") != (c.group != "") {
				continue
			}
			k := s.index(e.Text)
			r := slicesIndex(s.to, i)
			if k < 0 || r < 0 {
				continue
			}
			if k <= s.last[r] {
				s.order[r]++
				c.t.Logf("%s: node %s shows %d after %d live", s.prefix, c.specs[i].name, k, s.last[r])
			}
			s.last[r] = k
			s.shown[r][k]++
		}
	}
}

func slicesIndex(xs []int, x int) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}

func (c *relCluster) start(i int) {
	c.nodes[i] = relStart(c.t, c.specs[i], func(e relEvent) { c.see(i, e) })
	c.ids[i] = c.nodes[i].ready.ID
}

// newRelCluster inits and starts the named nodes on loopback, all
// contacts of each other.
func newRelCluster(t *testing.T, bin string, names ...string) *relCluster {
	dirs := relDirs(t, names...)
	var specs []relSpec
	for i, name := range names {
		specs = append(specs, relSpec{bin: bin, name: name, dir: dirs[i], listen: freePort(t)})
	}
	return newRelClusterOf(t, specs)
}

// newRelClusterOf inits and starts nodes as specs say, all contacts of
// each other.
func newRelClusterOf(t *testing.T, specs []relSpec) *relCluster {
	c := &relCluster{t: t, specs: specs, nodes: make([]*relNode, len(specs)), ids: make([]string, len(specs)),
		offline: make([]int, len(specs))}
	for _, s := range specs {
		relInit(t, s)
	}
	for i := range specs {
		c.start(i)
	}
	for i := range specs {
		for j := i + 1; j < len(specs); j++ {
			relBefriend(t, c.nodes[i], c.nodes[j])
		}
	}
	return c
}

// makeGroup has node 0 create a group and every other node join it.
func (c *relCluster) makeGroup() {
	owner := c.nodes[0]
	c.group = owner.ask(map[string]any{"cmd": "group_create", "name": "soak"}, "group_created").groupID()
	for i := 1; i < len(c.nodes); i++ {
		inv := c.nodes[i].expect(func(e relEvent) bool { return e.Event == "group_invite" && e.groupID() == c.group })
		owner.send(map[string]any{"cmd": "group_invite", "id": c.group, "to": c.ids[i]})
		owner.flush()
		c.nodes[i].wait(inv, "group invite")
		c.nodes[i].send(map[string]any{"cmd": "group_accept", "id": c.group})
		c.nodes[i].flush()
	}
	for i := range c.nodes { // everyone sees everyone as a member
		for deadline := time.Now().Add(relWait); time.Now().Before(deadline); {
			g := c.nodes[i].ask(map[string]any{"cmd": "groups"}, "groups")
			if relGroupSize(g, c.group) == len(c.nodes) {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}

// relGroupSize counts the members of group id in a groups answer.
func relGroupSize(e relEvent, id string) int {
	var groups []struct {
		ID      string
		State   string
		Members []struct{ ID string }
	}
	if err := json.Unmarshal(e.Groups, &groups); err != nil {
		return 0
	}
	for _, g := range groups {
		if g.ID == id && g.State == "active" {
			return len(g.Members)
		}
	}
	return 0
}

// writer sends stream s from index next on, until done or the node dies.
func (c *relCluster) writer(s *relStream, next int, stop <-chan struct{}) {
	n := c.nodes[s.from]
	for i := next; i < s.n; i++ {
		if c.group != "" {
			n.send(map[string]any{"cmd": "group_send", "id": c.group, "text": s.text(i), "ref": s.text(i)})
		} else {
			n.send(map[string]any{"cmd": "send", "to": c.ids[s.to[0]], "text": s.text(i), "ref": s.text(i)})
		}
		if i%200 == 199 || i == s.n-1 {
			if n.flush() != nil {
				return
			}
			c.mu.Lock()
			s.written = i + 1
			c.mu.Unlock()
			select {
			case <-stop:
				return
			default:
			}
		}
	}
}

// stored is the highest index of s that its sender holds in its history
// (what a user restarting sees as already sent), -1 if none.
func (c *relCluster) stored(s *relStream) int {
	msgs := c.historyOf(s.from, s)
	best := -1
	for _, m := range msgs {
		if m.Outgoing {
			best = max(best, s.index(m.Text))
		}
	}
	return best
}

// historyOf pages node i's conversation back to the start of stream s's
// trial: the chat with the sender (or the group).
func (c *relCluster) historyOf(i int, s *relStream) []relHistoryMsg {
	trial, _, _ := strings.Cut(s.prefix, "-")
	older := func(m relHistoryMsg) bool { return !strings.HasPrefix(m.Text, trial+"-") }
	if c.group != "" {
		return c.nodes[i].history("group_history", c.group, older)
	}
	peer := s.to[0]
	if i != s.from {
		peer = s.from
	}
	return c.nodes[i].history("history", c.ids[peer], older)
}

// relTrialResult is what one trial counted.
type relTrialResult struct {
	victim        string
	at            int // messages of the first stream acked when the kill came
	acked         int
	lost, dup     int
	outOfOrder    int
	drain         time.Duration // restart to everything shown
	resent        int           // messages written but not stored before the kill, sent again
	notAtReceiver int           // stored at the sender but never shown (also counted in lost when acked)
}

// trial runs one crash trial: the streams start, victim is killed with
// SIGKILL once the first stream has killAt messages acked, restarted, and
// the streams finish.
func (c *relCluster) trial(streams []*relStream, victim, killAt int) relTrialResult {
	t := c.t
	c.mu.Lock()
	c.streams = streams
	c.mu.Unlock()
	res := relTrialResult{victim: c.specs[victim].name}
	began := time.Now()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	run := func(s *relStream, next int) {
		wg.Add(1)
		go func() { defer wg.Done(); c.writer(s, next, stop) }()
	}
	for _, s := range streams {
		run(s, 0)
	}
	for deadline := time.Now().Add(relWait); c.ackedCount(streams[0]) < killAt; {
		if time.Now().After(deadline) {
			t.Fatalf("%s: only %d of %d messages acked", streams[0].prefix, c.ackedCount(streams[0]), killAt)
		}
		time.Sleep(2 * time.Millisecond)
	}
	res.at = c.ackedCount(streams[0])
	t.Logf("%s: kill after %s", streams[0].prefix, time.Since(began))
	c.nodes[victim].kill()
	// The victim's writers end on a broken pipe; the others keep going.
	time.Sleep(time.Duration(rand.IntN(500)) * time.Millisecond)
	c.start(victim)
	restarted := time.Now()
	for _, s := range streams {
		if s.from != victim {
			continue
		}
		next := c.stored(s) + 1
		c.mu.Lock()
		for k := next; k < s.n; k++ {
			if s.acked[k] {
				t.Errorf("%s: message %d was acked as stored before the kill but is not in the sender's history", s.prefix, k)
				res.lost++
			}
		}
		res.resent += max(0, s.written-next)
		c.mu.Unlock()
		run(s, next)
	}
	c.drain(streams)
	res.drain = time.Since(restarted)
	close(stop)
	wg.Wait()
	t.Logf("%s: drained after %s", streams[0].prefix, time.Since(began))
	c.count(streams, &res)
	t.Logf("%s: counted after %s", streams[0].prefix, time.Since(began))
	return res
}

func (c *relCluster) ackedCount(s *relStream) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(s.acked)
}

// drain waits until every receiver has every message of every stream,
// live or (for one killed after storing but before printing) in history.
func (c *relCluster) drain(streams []*relStream) {
	deadline := time.Now().Add(4 * time.Minute)
	lastProgress, lastTotal := time.Now(), -1
	fromHistory := make(map[*relStream][]map[int]bool)
	for time.Now().Before(deadline) {
		total, complete := c.shownTotal(streams, fromHistory)
		if complete {
			return
		}
		if total != lastTotal {
			lastTotal, lastProgress = total, time.Now()
		} else if time.Since(lastProgress) > 5*time.Second {
			for _, s := range streams {
				fromHistory[s] = c.historySets(s)
			}
			lastProgress = time.Now()
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// shownTotal counts messages shown (live or in history) over all streams.
func (c *relCluster) shownTotal(streams []*relStream, hist map[*relStream][]map[int]bool) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	total, complete := 0, true
	for _, s := range streams {
		for r := range s.to {
			n, want := 0, 0
			for k := range s.n {
				if s.onlyAcked && !s.acked[k] {
					continue
				}
				want++
				if s.shown[r][k] > 0 || hist[s] != nil && hist[s][r][k] {
					n++
				}
			}
			total += n
			complete = complete && n == want
		}
	}
	return total, complete
}

// historySets is, per receiver, the indices of s in its history.
func (c *relCluster) historySets(s *relStream) []map[int]bool {
	out := make([]map[int]bool, len(s.to))
	for r, i := range s.to {
		out[r] = make(map[int]bool)
		for _, m := range c.historyOf(i, s) {
			if k := s.index(m.Text); k >= 0 && !m.Outgoing && (m.From == "" || m.From == c.ids[s.from]) {
				out[r][k] = true
			}
		}
	}
	return out
}

// count compares what was acked with what each receiver holds at the end.
func (c *relCluster) count(streams []*relStream, res *relTrialResult) {
	for _, s := range streams {
		for r, i := range s.to {
			seen := make(map[int]int)
			prev := -1
			for _, m := range c.historyOf(i, s) {
				k := s.index(m.Text)
				if k < 0 || m.Outgoing || m.From != "" && m.From != c.ids[s.from] {
					continue
				}
				seen[k]++
				if k <= prev {
					res.outOfOrder++
					c.t.Logf("%s: node %s holds %d after %d in history", s.prefix, c.specs[i].name, k, prev)
				}
				prev = k
			}
			c.mu.Lock()
			res.outOfOrder += s.order[r]
			for k := range s.n {
				res.dup += max(seen[k]-1, 0) + max(s.shown[r][k]-1, 0)
				if seen[k] == 0 && (!s.onlyAcked || s.acked[k]) {
					res.notAtReceiver++
					if s.acked[k] {
						res.lost++
					}
				}
			}
			if r == 0 {
				res.acked += len(s.acked)
			}
			c.mu.Unlock()
		}
	}
}

// TestSoakCrash: 1:1 streams A→B and B→A at once, A or B killed with
// SIGKILL (alternating) at a random moment and restarted; then the same in
// a group of three with one member killed, each member in turn.
func TestSoakCrash(t *testing.T) {
	trials := relEnvInt("SOAK_CRASH_TRIALS", 20)
	msgs := relEnvInt("SOAK_CRASH_MSGS", 10000)
	gTrials := relEnvInt("SOAK_GROUP_TRIALS", 20)
	gMsgs := relEnvInt("SOAK_GROUP_MSGS", 2500)
	sec := &relSection{title: "Crash trials"}
	bin := buildJarvis(t)
	started := time.Now()

	c := newRelCluster(t, bin, "A", "B")
	var one []relTrialResult
	for i := range trials {
		ab := newRelStream(fmt.Sprintf("t%02d-A>B", i), 0, []int{1}, msgs)
		ba := newRelStream(fmt.Sprintf("t%02d-B>A", i), 1, []int{0}, msgs)
		one = append(one, c.trial([]*relStream{ab, ba}, i%2, msgs/20+rand.IntN(msgs*9/10)))
		t.Logf("1:1 trial %d: %+v", i, one[i])
	}
	for _, n := range c.nodes {
		n.stop()
	}
	oneTook := time.Since(started)

	g := newRelCluster(t, bin, "A", "B", "C")
	g.makeGroup()
	t.Logf("group of three ready after %s", time.Since(started)-oneTook)
	var grp []relTrialResult
	for i := range gTrials {
		sa := newRelStream(fmt.Sprintf("g%02d-A", i), 0, []int{1, 2}, gMsgs)
		sb := newRelStream(fmt.Sprintf("g%02d-B", i), 1, []int{0, 2}, gMsgs)
		grp = append(grp, g.trial([]*relStream{sa, sb}, (i+2)%3, gMsgs/20+rand.IntN(gMsgs*9/10)))
		t.Logf("group trial %d: %+v", i, grp[i])
	}
	for _, n := range g.nodes {
		n.stop()
	}

	sec.para("Real `jarvis --headless` processes (production Argon2id, loopback TCP, each with its own data directory). **1:1:** A sends %d numbered messages to B while B sends %d to A, as fast as their stdin takes the `send` lines; once %s, the node killed in that trial (A and B alternate) gets SIGKILL, is started again on the same data directory and port 0–500 ms later, looks at its own history for the last message of its stream that it stored, and sends on from the next one (as a person whose send got no answer would); the other node sends on throughout. **Group:** A, B and C are contacts of each other and members of one group; A and B each send %d numbered messages to the group while C, A and B are killed in turn (C only receives, A and B both send and receive).", msgs, msgs, "a random number (5–95%) of A's messages are acked", gMsgs)
	sec.para("Counted per trial, by the test, from every line each life printed and from each receiver's history at the end: **lost** = acked to the user as stored (`sent` / `group_sent`) and not in the receiver's history once all is drained (or, stricter, acked and gone from the sender's own history after the restart); **duplicated** = a message shown live twice, or held twice in history; **out of order** = shown live, or held in history, after a later message of the same sender. **Written, not stored** = lines handed to the killed sender that it had not stored yet, sent again by the test after the restart (not a loss: never acked). **Drain** = from the restart until every receiver shows every message.")
	sec.columns("trial", "kind", "killed", "kill after (acked)", "acked in all", "lost", "duplicated", "out of order", "written, not stored", "drain")
	var lost, dup, ooo int
	for i, r := range append(one, grp...) {
		kind, n := "1:1", i
		if i >= len(one) {
			kind, n = "group", i-len(one)
		}
		sec.row(n+1, kind, r.victim, r.at, r.acked, r.lost, r.dup, r.outOfOrder, r.resent, r.drain.Round(10*time.Millisecond))
		lost, dup, ooo = lost+r.lost, dup+r.dup, ooo+r.outOfOrder
	}
	met := lost == 0 && dup == 0 && ooo == 0
	sec.row("**all**", fmt.Sprintf("%d + %d trials", len(one), len(grp)), "", "", "", lost, dup, ooo, "", relVerdict(met)+" (goal 0 / 0 / 0)")
	sec.note("The 1:1 part took %s, the group part %s.", oneTook.Round(time.Second), (time.Since(started) - oneTook).Round(time.Second))
	shrunk := "nothing for 1:1 (20 trials of 10,000 messages each way)."
	if trials != 20 || msgs != 10000 {
		shrunk = fmt.Sprintf("1:1 ran %d trials of %d messages each way (the issue asks 20 of 10,000).", trials, msgs)
	}
	sec.shrink("%s The group ran %d trials of %d messages from each of two senders (the issue asks 20 trials of 10,000): a group stream runs at about a tenth of the 1:1 rate here (every member checks a signature per message, and the killed member's gap comes back by sync), so 10,000 would take the group part alone past 15 minutes.", shrunk, len(grp), gMsgs)
	relWrite(t, "10-crash.md", sec)
	if !met {
		t.Errorf("crash trials: lost %d, duplicated %d, out of order %d; want 0 / 0 / 0", lost, dup, ooo)
	}
}
