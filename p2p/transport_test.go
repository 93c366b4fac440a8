package p2p

import (
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"jarvis/p2p/wire"
)

// onionHost is a well-formed v3 onion name; the fakes never resolve it.
const onionHost = "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion"

// pipeNet is an in-memory stand-in for Tor: its transport dials .onion
// addresses by handing one end of a net.Pipe to its listener, as an onion
// service hands tor's streams to a local socket.
type pipeNet struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once

	mu    sync.Mutex
	dials []string
}

func newPipeNet() *pipeNet {
	return &pipeNet{conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (p *pipeNet) Handles(addr string) bool {
	host, _, _ := net.SplitHostPort(addr)
	return strings.HasSuffix(host, ".onion")
}

func (p *pipeNet) Dial(ctx context.Context, addr string) (net.Conn, error) {
	p.mu.Lock()
	p.dials = append(p.dials, addr)
	p.mu.Unlock()
	near, far := net.Pipe()
	select {
	case p.conns <- far:
		return near, nil
	case <-p.closed:
	case <-ctx.Done():
	}
	near.Close()
	far.Close()
	return nil, errors.New("pipenet: no listener")
}

func (p *pipeNet) dialled() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.dials...)
}

func (p *pipeNet) Accept() (net.Conn, error) {
	select {
	case c := <-p.conns:
		return c, nil
	case <-p.closed:
		return nil, net.ErrClosed
	}
}

func (p *pipeNet) Close() error {
	p.once.Do(func() { close(p.closed) })
	return nil
}

func (p *pipeNet) Addr() net.Addr { return pipeAddr{} }

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return onionHost + ":7420" }

// recordingTransport handles every address and only records it.
type recordingTransport struct {
	name  string
	got   *[]string
	match func(string) bool
}

func (r recordingTransport) Handles(addr string) bool { return r.match(addr) }

func (r recordingTransport) Dial(_ context.Context, addr string) (net.Conn, error) {
	*r.got = append(*r.got, r.name+" "+addr)
	return nil, errors.New("recorded")
}

func TestEachAddressIsDialledByTheFirstTransportThatHandlesIt(t *testing.T) {
	var got []string
	onion := recordingTransport{name: "onion", got: &got, match: func(a string) bool { return strings.Contains(a, ".onion:") }}
	lan := recordingTransport{name: "lan", got: &got, match: func(a string) bool { return strings.HasPrefix(a, "192.168.") }}
	direct := func(_ context.Context, addr string) (net.Conn, error) {
		got = append(got, "tcp "+addr)
		return nil, errors.New("recorded")
	}
	tests := []struct {
		name       string
		transports []Transport
		addr       string
		want       string // "" when no transport may dial it
	}{
		{"an onion address goes to the onion transport", []Transport{onion}, onionHost + ":7420", "onion " + onionHost + ":7420"},
		{"an IP address goes to direct TCP", []Transport{onion}, "192.0.2.7:7420", "tcp 192.0.2.7:7420"},
		{"a host name goes to direct TCP", []Transport{onion}, "example.org:7420", "tcp example.org:7420"},
		{"the first matching transport wins", []Transport{lan, onion}, "192.168.1.2:7420", "lan 192.168.1.2:7420"},
		{"a configured transport comes before direct TCP", []Transport{lan}, "192.168.1.2:7420", "lan 192.168.1.2:7420"},
		{"without an onion transport an onion address is not dialled", nil, onionHost + ":7420", ""},
		{"direct TCP refuses onion names in any case", nil, "ABC.ONION.:7420", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got = nil
			e, err := New(Config{Identity: newIdentity(t), ListenAddr: "127.0.0.1:0", Transports: tt.transports, Dial: direct})
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			tr, err := e.transportFor(tt.addr)
			if tt.want == "" {
				if !errors.Is(err, ErrNoTransport) {
					t.Fatalf("transportFor: %v %v, want ErrNoTransport", tr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, _ = tr.Dial(context.Background(), tt.addr)
			if len(got) != 1 || got[0] != tt.want {
				t.Fatalf("dialled %q, want %q", got, tt.want)
			}
		})
	}
}

func TestASessionComesUpOverAnExtraListenerReachedByItsTransport(t *testing.T) {
	checkLeaks(t)
	pn := newPipeNet()
	b := startNodeCfg(t, Config{Limits: fastLimits(), Listeners: []Listener{{Listener: pn, Network: "onion"}}})
	var direct atomic.Int32
	a := startNodeCfg(t, Config{Limits: fastLimits(), Transports: []Transport{pn},
		Dial: func(context.Context, string) (net.Conn, error) {
			direct.Add(1)
			return nil, errors.New("no direct path")
		}})
	addr := onionHost + ":7420"
	a.e.Connect(Target{Keys: b.id.Public(), Addrs: []string{addr}}, testHolder)

	upA := waitFor(t, a, 5*time.Second, "PeerUp on A", isUp(b.id.ID())).(PeerUp)
	upB := waitFor(t, b, 5*time.Second, "PeerUp on B", isUp(a.id.ID())).(PeerUp)
	if upA.Peer.Dialed != addr || upA.Peer.Network != "" {
		t.Fatalf("A's PeerInfo: dialled %q, network %q", upA.Peer.Dialed, upA.Peer.Network)
	}
	if upB.Peer.Network != "onion" || upB.Peer.Dialed != "" || upB.Peer.Outbound {
		t.Fatalf("B's PeerInfo: network %q, dialled %q, outbound %v", upB.Peer.Network, upB.Peer.Dialed, upB.Peer.Outbound)
	}
	if got := pn.dialled(); len(got) != 1 || got[0] != addr {
		t.Fatalf("onion transport dialled %q", got)
	}
	if n := direct.Load(); n != 0 {
		t.Fatalf("direct TCP dialled %d times", n)
	}
	m := text("over the pipe")
	if err := a.e.Send(context.Background(), b.id.ID(), m); err != nil {
		t.Fatal(err)
	}
	got := waitFor(t, b, 5*time.Second, "Text on B", func(ev Event) bool { _, ok := ev.(Received); return ok }).(Received)
	if got.From != a.id.ID() || !reflect.DeepEqual(got.Msgs, []wire.Message{m}) {
		t.Fatalf("B received %#v", got)
	}
}

func TestAHandshakeFloodOnTheLoopbackPrefixDoesNotKeepOutAnExtraListener(t *testing.T) {
	checkLeaks(t)
	// The extra listener is a loopback socket, as an onion service's is:
	// everything it accepts comes from 127.0.0.1, like the flood.
	onionLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lim := fastLimits()
	lim.HandshakeRate, lim.HandshakeBurst = 0.01, 3 // a spent bucket stays spent for the whole test
	b := startNodeCfg(t, Config{Limits: lim, Listeners: []Listener{{Listener: onionLn, Network: "onion"}}})

	// Spend 127.0.0.0/24's burst, then show a direct newcomer from there is refused.
	for range lim.HandshakeBurst {
		c, err := dialFrom(context.Background(), "127.0.0.1", b.e.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	time.Sleep(100 * time.Millisecond) // let the accept loop take them all
	refused, err := dialFrom(context.Background(), "127.0.0.1", b.e.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer refused.Close()
	assertClosed(t, refused, 2*time.Second)

	onion := loopbackOnion{addr: onionLn.Addr().String()}
	a := startNodeCfg(t, Config{Limits: fastLimits(), Transports: []Transport{onion}})
	a.e.Connect(Target{Keys: b.id.Public(), Addrs: []string{onionHost + ":7420"}}, testHolder)
	up := waitFor(t, b, 5*time.Second, "the onion contact's session despite the flood", isUp(a.id.ID())).(PeerUp)
	if up.Peer.Network != "onion" {
		t.Fatalf("session came in on network %q", up.Peer.Network)
	}
	if !strings.HasPrefix(up.Peer.Remote, "127.0.0.1:") {
		t.Fatalf("remote %q: the test needs the onion conn to share the flood's prefix", up.Peer.Remote)
	}
}

// loopbackOnion dials every .onion address to one loopback socket, from
// 127.0.0.1, as tor does when it hands a stream to an onion service.
type loopbackOnion struct{ addr string }

func (loopbackOnion) Handles(addr string) bool { return isOnion(addr) }

func (l loopbackOnion) Dial(ctx context.Context, _ string) (net.Conn, error) {
	return dialFrom(ctx, "127.0.0.1", l.addr)
}

func TestNewRefusesExtraListenersItCouldNotTellApart(t *testing.T) {
	ln := newPipeNet()
	tests := []struct {
		name string
		ls   []Listener
	}{
		{"a nil listener", []Listener{{Network: "onion"}}},
		{"a listener without a network", []Listener{{Listener: ln}}},
		{"two listeners on one network", []Listener{{Listener: ln, Network: "onion"}, {Listener: newPipeNet(), Network: "onion"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := New(Config{Identity: newIdentity(t), ListenAddr: "127.0.0.1:0", Listeners: tt.ls})
			if err == nil {
				e.Close()
				t.Fatal("New accepted it")
			}
		})
	}
}

func TestTheEngineClosesItsExtraListeners(t *testing.T) {
	checkLeaks(t)
	t.Run("when closed before Run", func(t *testing.T) {
		pn := newPipeNet()
		e, err := New(Config{Identity: newIdentity(t), ListenAddr: "127.0.0.1:0", Listeners: []Listener{{Listener: pn, Network: "onion"}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := pn.Accept(); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Accept after Close: %v", err)
		}
	})
	t.Run("when Run ends", func(t *testing.T) {
		pn := newPipeNet()
		n := startNodeCfg(t, Config{Listeners: []Listener{{Listener: pn, Network: "onion"}}})
		n.stop(t)
		if _, err := pn.Accept(); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Accept after Run: %v", err)
		}
	})
}

// slowTransport wants more time than the handshake timeout for its dials.
type slowTransport struct{ recordingTransport }

func (slowTransport) DialTimeout() time.Duration { return time.Minute }

func TestATransportMayAskForMoreTimeToDial(t *testing.T) {
	var got []string
	all := func(string) bool { return true }
	e, err := New(Config{Identity: newIdentity(t), ListenAddr: "127.0.0.1:0", Limits: fastLimits()})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if d := e.dialTimeout(recordingTransport{got: &got, match: all}); d != fastLimits().HandshakeTimeout {
		t.Fatalf("plain transport: %v, want the handshake timeout", d)
	}
	if d := e.dialTimeout(slowTransport{recordingTransport{got: &got, match: all}}); d != time.Minute {
		t.Fatalf("slow transport: %v, want its own minute", d)
	}
}

func TestFallbackMarksATransportAndKeepsItsDialTimeout(t *testing.T) {
	var got []string
	onion := slowTransport{recordingTransport{name: "onion", got: &got, match: isOnion}}
	e, err := New(Config{Identity: newIdentity(t), ListenAddr: "127.0.0.1:0", Limits: fastLimits(),
		Transports: []Transport{Fallback(onion, 2*time.Second)}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	o1, o2 := onionHost+":1", onionHost+":2"
	direct, fallback := e.splitPaths([]string{o1, "192.0.2.1:7420", o2, "192.0.2.2:7420"})
	if fmt.Sprint(direct) != "[192.0.2.1:7420 192.0.2.2:7420]" || fmt.Sprint(fallback) != fmt.Sprint([]string{o1, o2}) {
		t.Fatalf("split into %q and %q", direct, fallback)
	}
	tr, err := e.transportFor(o1)
	if err != nil {
		t.Fatal(err)
	}
	if d := e.dialTimeout(tr); d != time.Minute {
		t.Fatalf("dial timeout %v, want the wrapped transport's minute", d)
	}
	if d, fb := e.fallbackDelay(o1); !fb || d != 2*time.Second {
		t.Fatalf("fallback delay %v %v", d, fb)
	}
	if d := e.dialTimeout(Fallback(recordingTransport{got: &got, match: isOnion}, 0)); d != fastLimits().HandshakeTimeout {
		t.Fatalf("wrapping a plain transport: dial timeout %v, want the default", d)
	}
}

func TestAnOnionAddressWithoutATransportIsNotAnUpgradeTarget(t *testing.T) {
	e, err := New(Config{Identity: newIdentity(t), ListenAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	got := e.upgradeAddrs([]string{onionHost + ":1", "192.0.2.1:7420"})
	if fmt.Sprint(got) != "[192.0.2.1:7420]" {
		t.Fatalf("upgrade addresses %q", got)
	}
}
