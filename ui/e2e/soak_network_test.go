//go:build soak

package e2e

import (
	"fmt"
	"testing"
	"time"
)

// TestSoakNetwork: two nodes, each in its own network namespace, joined by
// a userspace link with 10% loss, 200 ms ± 50 ms delay, 1% reordering and
// 0.1% corruption; 1,000 messages each way, with the link cut for 30 s
// once half of A's have arrived.
func TestSoakNetwork(t *testing.T) {
	msgs := relEnvInt("SOAK_NET_MSGS", 1000)
	cut := time.Duration(relEnvInt("SOAK_NET_CUT_S", 30)) * time.Second
	im := relImpair{loss: 0.10, delay: 200 * time.Millisecond, jitter: 50 * time.Millisecond, reorder: 0.01, corrupt: 0.001}
	sec := &relSection{title: "A bad network"}
	bin := buildJarvis(t)
	link := newRelBadLink(t, im)
	dirs := relDirs(t, "A", "B")
	specs := []relSpec{
		{bin: bin, name: "A", dir: dirs[0], listen: link.addr[0] + ":41410", wrap: link.wrap(0)},
		{bin: bin, name: "B", dir: dirs[1], listen: link.addr[1] + ":41411", wrap: link.wrap(1)},
	}
	t0 := time.Now()
	c := newRelClusterOf(t, specs)
	befriended := time.Since(t0)

	ab := newRelStream("net-A>B", 0, []int{1}, msgs)
	ba := newRelStream("net-B>A", 1, []int{0}, msgs)
	streams := []*relStream{ab, ba}
	c.mu.Lock()
	c.streams = streams
	c.mu.Unlock()
	stop := make(chan struct{})
	done := make(chan struct{}, 2)
	started := time.Now()
	for _, s := range streams {
		go func() { c.writer(s, 0, stop); done <- struct{}{} }()
	}
	for deadline := time.Now().Add(5 * time.Minute); c.shownOf(ab) < msgs/2 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	half := time.Since(started)
	atCut := c.shownOf(ab) + c.shownOf(ba)
	link.down.Store(true)
	time.Sleep(cut)
	link.down.Store(false)
	healed := time.Now()
	duringCut := c.shownOf(ab) + c.shownOf(ba) - atCut
	c.drain(streams)
	drain := time.Since(healed)
	close(stop)
	<-done
	<-done
	var res relTrialResult
	c.count(streams, &res)
	delivered := c.shownOf(ab) + c.shownOf(ba)
	offline := c.offline[0] + c.offline[1]
	for _, n := range c.nodes {
		n.stop()
	}

	sec.para("Two `jarvis --headless` processes, each in a network namespace of its own (`ip netns`), listening on 10.232.0.1 and 10.232.0.2. **This kernel has no `netem` qdisc** (`tc qdisc add … netem` answers \"Specified qdisc kind is unknown\", and there are no modules to load), and CI runs on the same kind of machine, so the link is made in userspace instead: each namespace holds a TUN device, and a forwarder in the test process reads every IP packet from one device and writes it into the other after dropping %.0f%%, holding each %s ± %s (uniform), sending %.0f%% at once so that they overtake the held ones (what netem's `reorder` does), and flipping one random bit in %.1f%% (the kernel's IP or TCP checksum then refuses the packet, as it would a packet netem corrupted). Both TCP stacks are the kernels' own, so retransmission, congestion control and timeouts are real. The partition drops every packet both ways in the forwarder for %s while both interfaces stay up (a cable cut between two routers, not an interface going down).", im.loss*100, im.delay, im.jitter, im.reorder*100, im.corrupt*100, cut)
	sec.para("The two became contacts over the bad link (%s). Then A sends %d numbered messages to B while B sends %d to A, as fast as their stdin takes them; once half of A's have reached B the link is cut for %s, the senders going on meanwhile (their messages queue in the outbox), then healed.", befriended.Round(time.Second), msgs, msgs, cut)
	sec.columns("figure", "value", "goal")
	sec.row("messages sent (both ways)", 2*msgs, "")
	sec.row("delivered (shown at the receiver)", delivered, relVerdict(delivered == 2*msgs)+": all")
	sec.row("acked to the user and lost", res.lost, relVerdict(res.lost == 0)+": 0")
	sec.row("duplicated", res.dup, relVerdict(res.dup == 0)+": 0")
	sec.row("out of order", res.outOfOrder, relVerdict(res.outOfOrder == 0)+": 0")
	sec.row("start to half of A's messages at B", half.Round(100*time.Millisecond), "report")
	sec.row("shown during the cut (in flight when it began)", duringCut, "report")
	sec.row("drain: heal to every message shown", drain.Round(100*time.Millisecond), "report")
	sec.row("sessions lost (peer offline lines, both nodes)", offline, "report")
	st := &link.stats
	sec.row("packets through the forwarder", st.packets.Load(), "")
	sec.row("…lost / reordered / corrupted / dropped by the cut", fmt.Sprintf("%d / %d / %d / %d", st.lost.Load(), st.reordered.Load(), st.corrupted.Load(), st.cut.Load()), "")
	if offline > 0 {
		sec.note("The sessions ended during the cut (the `peer … offline` lines): after the heal the queued messages waited for a redial, and the redial backoff had grown through the failed dials of the cut, so it, not the link, set most of the drain time.")
	}
	sec.note("The 50 MB file the issue asks for over the same link is not sent: the files issue (13) has not landed in this tree. Once it has, a file offer belongs in this section with its time and a hash check.")
	shrunk := "nothing in the messages part."
	if msgs != 1000 || cut != 30*time.Second {
		shrunk = fmt.Sprintf("%d messages each way and a %s cut (the issue asks 1,000 and 30 s).", msgs, cut)
	}
	sec.shrink("%s No 50 MB file is sent: through 10%% loss and a 400 ms round trip TCP moves about 15 KB/s, so it would take about an hour (file transfers over a clean link are in BENCHMARKS.md); the impairment is a userspace forwarder, not netem (unavailable here).", shrunk)
	relWrite(t, "20-network.md", sec)
	if delivered != 2*msgs || res.lost != 0 || res.dup != 0 || res.outOfOrder != 0 {
		t.Errorf("bad network: delivered %d of %d, lost %d, duplicated %d, out of order %d", delivered, 2*msgs, res.lost, res.dup, res.outOfOrder)
	}
}

// shownOf counts the distinct messages of s shown at its first receiver.
func (c *relCluster) shownOf(s *relStream) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(s.shown[0])
}
