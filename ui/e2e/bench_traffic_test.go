//go:build bench

package e2e

import (
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// bText64 is the 64-byte body every benchmark message carries.
var bText64 = strings.Repeat("x", 64)

// bPair is two befriended headless nodes, A sending to B.
type bPair struct {
	a, b         *bProc
	aID, bID     string
	specA, specB bNodeSpec
}

func bNewPair(t testing.TB, bin string, advA, advB func(listen string) string) *bPair {
	t.Helper()
	sa := bNodeSpec{bin: bin, name: "A", dir: bNewDir(t, "a"), listen: bFreePort(t)}
	sb := bNodeSpec{bin: bin, name: "B", dir: bNewDir(t, "b"), listen: bFreePort(t)}
	if advA != nil {
		sa.advertise = advA(sa.listen)
	}
	if advB != nil {
		sb.advertise = advB(sb.listen)
	}
	bInitNode(t, sa)
	bInitNode(t, sb)
	p := &bPair{specA: sa, specB: sb, a: bStartNode(t, sa), b: bStartNode(t, sb)}
	p.aID, p.bID = bBefriend(t, p.a, p.b)
	return p
}

// bThroughputRun sends n messages from A as fast as the pipe takes them and
// returns messages per second as B stored them and as A saw them acked.
func bThroughputRun(t testing.TB, p *bPair, n int) (acked, persisted float64, ok bool) {
	t.Helper()
	return bThroughputRunTo(t, p, n, p.bID)
}

// bThroughputRunTo is bThroughputRun with B named by to in every `send`
// line: its ID, or its name to time the lookup by name.
func bThroughputRunTo(t testing.TB, p *bPair, n int, to string) (acked, persisted float64, ok bool) {
	t.Helper()
	var lastAck, lastRecv time.Time
	doneA, doneB := make(chan struct{}), make(chan struct{})
	delivered, received := 0, 0
	p.a.setHandler(func(e bEvent) {
		if e.Event == "status" && e.State == "delivered" && e.To == p.bID {
			if delivered++; delivered == n {
				lastAck = e.At
				close(doneA)
			}
		}
	}, `"state":"delivered"`)
	p.b.setHandler(func(e bEvent) {
		if e.Event == "message" && e.From == p.aID {
			if received++; received == n {
				lastRecv = e.At
				close(doneB)
			}
		}
	}, `"event":"message"`)
	defer p.a.setHandler(nil)
	defer p.b.setHandler(nil)
	cmd := map[string]string{"cmd": "send", "to": to, "text": bText64}
	t0 := time.Now()
	for range n {
		p.a.send(cmd)
	}
	p.a.flush()
	timeout := time.After(90 * time.Second)
	for _, ch := range []chan struct{}{doneA, doneB} {
		select {
		case <-ch:
		case <-timeout:
			t.Logf("throughput: timed out; %d of %d stored by B, %d acked to A", received, n, delivered)
			return 0, 0, false
		}
	}
	return float64(n) / lastAck.Sub(t0).Seconds(), float64(n) / lastRecv.Sub(t0).Seconds(), true
}

// bLatencyRun sends rate msg/s for d and returns each message's time from
// the send line leaving the test to the delivered status arriving back.
func bLatencyRun(t testing.TB, p *bPair, rate int, d time.Duration) []time.Duration {
	t.Helper()
	n := int(d.Seconds() * float64(rate))
	var mu sync.Mutex
	idOf := make(map[int]string, n)
	deliveredAt := make(map[string]time.Time, n)
	done := make(chan struct{})
	p.a.setHandler(func(e bEvent) {
		switch {
		case e.Event == "sent" && e.To == p.bID:
			if ref, err := strconv.Atoi(e.Ref); err == nil {
				mu.Lock()
				idOf[ref] = e.ID
				mu.Unlock()
			}
		case e.Event == "status" && e.State == "delivered" && e.To == p.bID:
			mu.Lock()
			deliveredAt[e.ID] = e.At
			if len(deliveredAt) == n {
				close(done)
			}
			mu.Unlock()
		}
	}, `"event":"sent"`, `"state":"delivered"`)
	defer p.a.setHandler(nil)
	sentAt := make([]time.Time, n)
	interval := time.Second / time.Duration(rate)
	t0 := time.Now()
	for i := range n {
		if w := time.Until(t0.Add(time.Duration(i) * interval)); w > 0 {
			time.Sleep(w)
		}
		sentAt[i] = time.Now()
		p.a.send(map[string]string{"cmd": "send", "ref": strconv.Itoa(i), "to": p.bID, "text": bText64})
		p.a.flush()
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Logf("latency: timed out waiting for acks")
	}
	mu.Lock()
	defer mu.Unlock()
	var lat []time.Duration
	for i := range n {
		if at, ok := deliveredAt[idOf[i]]; ok {
			lat = append(lat, at.Sub(sentAt[i]))
		}
	}
	return lat
}

// bReconnectRun stops B, queues n messages at A, restarts B and returns the
// time from B's process start (and from B's ready line) to A's last ack.
func bReconnectRun(t testing.TB, p *bPair, n int) (fromStart, fromReady time.Duration) {
	t.Helper()
	offline := p.a.expect(func(e bEvent) bool { return e.Event == "peer" && e.ID == p.bID && !e.Online })
	p.b.stop()
	p.a.wait(offline, 20*time.Second, "B offline")
	stored := make(chan struct{})
	sent, delivered := 0, 0
	var lastAck time.Time
	acked := make(chan struct{})
	p.a.setHandler(func(e bEvent) {
		switch {
		case e.Event == "sent" && e.To == p.bID:
			if sent++; sent == n {
				close(stored)
			}
		case e.Event == "status" && e.State == "delivered" && e.To == p.bID:
			if delivered++; delivered == n {
				lastAck = e.At
				close(acked)
			}
		}
	}, `"event":"sent"`, `"state":"delivered"`)
	defer p.a.setHandler(nil)
	for range n {
		p.a.send(map[string]string{"cmd": "send", "to": p.bID, "text": bText64})
	}
	p.a.flush()
	select {
	case <-stored:
	case <-time.After(30 * time.Second):
		t.Fatalf("reconnect: only %d of %d queued", sent, n)
	}
	p.b = bStartNode(t, p.specB)
	select {
	case <-acked:
	case <-time.After(60 * time.Second):
		t.Fatalf("reconnect: only %d of %d delivered after restart", delivered, n)
	}
	return lastAck.Sub(p.b.started), lastAck.Sub(p.b.ready.At)
}

// bCountingProxy forwards loopback TCP to target and counts the bytes it
// carries in each direction: what the peers put on the wire, TCP payload.
type bCountingProxy struct {
	ln       net.Listener
	target   string
	up, down atomic.Int64 // toward target, back from target
	conns    atomic.Int64
	segs     atomic.Int64 // reads that returned data: about one TCP segment each on an idle link
	wg       sync.WaitGroup
	mu       sync.Mutex
	open     []net.Conn
	dialed   map[int]bool // local ports of our connections to target
}

func bNewCountingProxy(t testing.TB, target string) *bCountingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &bCountingProxy{ln: ln, target: target, dialed: map[int]bool{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *bCountingProxy) addr() string { return p.ln.Addr().String() }

func (p *bCountingProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.conns.Add(1)
		p.mu.Lock()
		p.open = append(p.open, c, s)
		p.dialed[s.LocalAddr().(*net.TCPAddr).Port] = true
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(s, c, &p.up)
		go p.pipe(c, s, &p.down)
	}
}

func (p *bCountingProxy) pipe(dst, src net.Conn, n *atomic.Int64) {
	defer p.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		k, err := src.Read(buf)
		if k > 0 {
			n.Add(int64(k))
			p.segs.Add(1)
			if _, werr := dst.Write(buf[:k]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	dst.Close()
	src.Close()
}

func (p *bCountingProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.open {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// bIdlePair is two connected nodes whose only route to each other is a
// pair of counting proxies (each advertises its proxy first).
type bIdlePair struct {
	t       testing.TB
	p       *bPair
	proxies []*bCountingProxy
}

// bStartIdlePair starts the pair and lets the contact exchange and address
// updates settle; the caller reads count before and after its window.
func bStartIdlePair(t testing.TB, bin string) *bIdlePair {
	t.Helper()
	ip := &bIdlePair{t: t}
	adv := func(listen string) string {
		px := bNewCountingProxy(t, listen)
		ip.proxies = append(ip.proxies, px)
		return px.addr()
	}
	ip.p = bNewPair(t, bin, adv, adv)
	time.Sleep(3 * time.Second)
	return ip
}

// count sums bytes, segments and connections over both proxies so far.
func (ip *bIdlePair) count() (n, segs, conns int64) {
	for _, px := range ip.proxies {
		n += px.up.Load() + px.down.Load()
		segs += px.segs.Load()
		conns += px.conns.Load()
	}
	return n, segs, conns
}

// direct counts established connections that bypassed the proxies.
func (ip *bIdlePair) direct() int {
	return bDirectConns(ip.t, ip.proxies, ip.p.specA.listen, ip.p.specB.listen)
}

func (ip *bIdlePair) stop() {
	ip.p.a.stop()
	ip.p.b.stop()
}

// bDirectConns counts established connections to either node's listening
// port that did not come from a proxy, which the byte count would miss.
func bDirectConns(t testing.TB, proxies []*bCountingProxy, listens ...string) int {
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		t.Logf("read /proc/net/tcp: %v", err)
		return -1
	}
	ports := map[int]bool{}
	for _, l := range listens {
		_, ps, _ := net.SplitHostPort(l)
		n, _ := strconv.Atoi(ps)
		ports[n] = true
	}
	ours := map[int]bool{}
	for _, px := range proxies {
		px.mu.Lock()
		for port := range px.dialed {
			ours[port] = true
		}
		px.mu.Unlock()
	}
	n := 0
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 4 || f[3] != "01" { // 01 = ESTABLISHED
			continue
		}
		local, remote := bHexPort(f[1]), bHexPort(f[2])
		if ports[local] && !ours[remote] {
			n++
		}
	}
	return n
}

func bHexPort(addr string) int {
	_, h, _ := strings.Cut(addr, ":")
	v, _ := strconv.ParseInt(h, 16, 32)
	return int(v)
}
