//go:build soak

package e2e

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flynn/noise"

	"jarvis/crypto"
	"jarvis/p2p"
	"jarvis/p2p/wire"
)

// floodHold is what the test's engines hold the node under.
const floodHold p2p.Holder = "flood"

// floodSrc is the loopback address attacker network i dials from: all of
// 127.0.0.0/8 is this host, so each i (up to 62,500) is a /24 of its own,
// which is how a botnet looks to the node's per-network admission.
func floodSrc(i int) *net.TCPAddr {
	return &net.TCPAddr{IP: net.IPv4(127, byte(20+i/250), byte(i%250), 1)}
}

// floodConnStats counts what a connection flood did.
type floodConnStats struct {
	dials    atomic.Int64 // connections the node accepted
	answered atomic.Int64 // ...that got a handshake reply (stalls only)
}

// floodConns keeps n connections to addr open until ctx ends, each from
// a network of its own; open says what each does once connected (nothing,
// or start a handshake) and stall reads until the node hangs up. After a
// hang-up the attacker waits a second and dials again.
func floodConns(ctx context.Context, addr string, n int, open func(net.Conn, *floodConnStats) error) (*floodConnStats, func()) {
	st := &floodConnStats{}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			d := net.Dialer{LocalAddr: floodSrc(i), Timeout: 5 * time.Second}
			for ctx.Err() == nil {
				if c, err := d.DialContext(ctx, "tcp", addr); err == nil {
					st.dials.Add(1)
					floodStall(ctx, c, st, open)
				}
				select {
				case <-ctx.Done():
				case <-time.After(time.Second):
				}
			}
		})
	}
	return st, wg.Wait
}

// floodStall runs open on c, then reads whatever comes until the node
// closes c or ctx ends; it never writes again.
func floodStall(ctx context.Context, c net.Conn, st *floodConnStats, open func(net.Conn, *floodConnStats) error) {
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	defer c.Close()
	if open(c, st) != nil {
		return
	}
	_, _ = io.Copy(io.Discard, c)
}

// floodSilent connects and says nothing.
func floodSilent(net.Conn, *floodConnStats) error { return nil }

// floodNoiseStart returns an opener that sends the first message of the
// Noise_IK handshake (PROTOCOL.md: prologue "jarvis/2", framed as
// [1][0][len16]) to the node's static key from a fresh key, and counts the
// node's reply; the attacker then never sends message 3 (the Hello).
func floodNoiseStart(nodeDH [32]byte) func(net.Conn, *floodConnStats) error {
	suite := noise.NewCipherSuite(noise.DH25519, noise.CipherChaChaPoly, noise.HashBLAKE2s)
	return func(c net.Conn, st *floodConnStats) error {
		static, err := suite.GenerateKeypair(rand.Reader)
		if err != nil {
			return fmt.Errorf("noise key: %w", err)
		}
		hs, err := noise.NewHandshakeState(noise.Config{
			CipherSuite: suite, Random: rand.Reader, Pattern: noise.HandshakeIK, Initiator: true,
			Prologue: []byte("jarvis/2"), StaticKeypair: static, PeerStatic: nodeDH[:],
		})
		if err != nil {
			return fmt.Errorf("noise state: %w", err)
		}
		msg, _, _, err := hs.WriteMessage(nil, nil)
		if err != nil {
			return fmt.Errorf("noise message 1: %w", err)
		}
		frame := append([]byte{1, 0, byte(len(msg) >> 8), byte(len(msg))}, msg...)
		if _, err := c.Write(frame); err != nil {
			return fmt.Errorf("write message 1: %w", err)
		}
		var hdr [4]byte
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			return fmt.Errorf("read message 2: %w", err)
		}
		if hdr[0] == 1 && hdr[1] == 0 {
			st.answered.Add(1)
		}
		return nil
	}
}

// floodEngine runs a p2p engine for the test: a real protocol speaker
// with its own identity and none of the app's manners.
type floodEngine struct {
	eng    *p2p.Engine
	cancel context.CancelFunc
	done   chan struct{}
}

func startFloodEngine(id *crypto.Identity, listen string, src *net.TCPAddr) (*floodEngine, error) {
	cfg := p2p.Config{Identity: id, ListenAddr: listen}
	if src != nil {
		d := net.Dialer{LocalAddr: src}
		cfg.Dial = func(ctx context.Context, addr string) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) }
	}
	eng, err := p2p.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("start engine: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &floodEngine{eng: eng, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(f.done)
		_ = eng.Run(ctx)
	}()
	return f, nil
}

func (f *floodEngine) stop() {
	f.cancel()
	<-f.done
}

// waitUp waits for a session with id, handing every other event to seen.
func (f *floodEngine) waitUp(ctx context.Context, id crypto.ID, seen func(p2p.Event)) error {
	for {
		select {
		case ev := <-f.eng.Events():
			if up, ok := ev.(p2p.PeerUp); ok && up.Peer.ID == id {
				return nil
			}
			seen(ev)
		case <-ctx.Done():
			return fmt.Errorf("no session with the node: %w", ctx.Err())
		}
	}
}

// floodStranger is one fresh identity from network net that asks the
// node to be its contact. It returns once the request is queued, with a
// wait that keeps the session until the node ends it (it keeps a
// stranger's session until newer strangers push it out) or for
// floodLinger, so the request is never cut off by our own hang-up.
func floodStranger(ctx context.Context, node crypto.PublicIdentity, addr string, i, net int) (wait func(), err error) {
	id, err := crypto.GenerateIdentity(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	f, err := startFloodEngine(id, "", floodSrc(net))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, e2eTimeout)
	defer cancel()
	f.eng.Connect(p2p.Target{Keys: node, Addrs: []string{addr}}, floodHold)
	err = f.waitUp(ctx, node.ID(), func(p2p.Event) {})
	if err == nil {
		err = f.eng.Send(ctx, node.ID(), wire.ContactRequest{Name: fmt.Sprintf("stranger %d", i)})
	}
	if err != nil {
		f.stop()
		return nil, fmt.Errorf("request %d: %w", i, err)
	}
	return func() {
		defer f.stop()
		linger := time.After(floodLinger)
		for {
			select {
			case ev := <-f.eng.Events():
				if _, ok := ev.(p2p.PeerDown); ok {
					return
				}
			case <-linger:
				return
			}
		}
	}, nil
}

// floodLinger is how long a stranger keeps its session after sending.
const floodLinger = 3 * time.Second

// floodStrangers sends n requests from n fresh identities, workers at a
// time, spread over nets networks; it returns how many were sent.
func floodStrangers(ctx context.Context, node crypto.PublicIdentity, addr string, n, nets, workers int) (int64, error) {
	var next, ok atomic.Int64
	var mu sync.Mutex
	var firstErr error
	var wg, lingering sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n && ctx.Err() == nil; i = int(next.Add(1)) - 1 {
				wait, err := floodStranger(ctx, node, addr, i, 1000+i%nets)
				if err != nil {
					mu.Lock()
					firstErr = cmpOr(firstErr, err)
					mu.Unlock()
					continue
				}
				ok.Add(1)
				lingering.Go(wait)
			}
		})
	}
	wg.Wait()
	lingering.Wait()
	return ok.Load(), firstErr
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// floodContact is a contact of the node that floods it with messages.
type floodContact struct {
	*floodEngine
	id   *crypto.Identity
	node crypto.PublicIdentity

	acked    atomic.Int64
	accepted chan struct{} // closed when the node accepts our request
	pump     chan struct{} // closed when the event pump ends
}

// startFloodContact listens on loopback and asks the node to be its
// contact under name; the caller has the node accept.
func startFloodContact(node crypto.PublicIdentity, addr, name string) (*floodContact, error) {
	id, err := crypto.GenerateIdentity(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	f, err := startFloodEngine(id, "127.0.0.1:0", nil)
	if err != nil {
		return nil, err
	}
	fc := &floodContact{floodEngine: f, id: id, node: node, accepted: make(chan struct{}), pump: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	defer cancel()
	f.eng.Connect(p2p.Target{Keys: node, Addrs: []string{addr}}, floodHold)
	if err := f.waitUp(ctx, node.ID(), func(p2p.Event) {}); err != nil {
		f.stop()
		return nil, err
	}
	go fc.run()
	req := wire.ContactRequest{Name: name, Addrs: []string{f.eng.Addr().String()}}
	if err := f.eng.Send(ctx, node.ID(), req); err != nil {
		fc.stop()
		return nil, fmt.Errorf("send request: %w", err)
	}
	return fc, nil
}

// run counts the node's acks and notes its acceptance until the engine
// stops.
func (fc *floodContact) run() {
	defer close(fc.pump)
	var once sync.Once
	for {
		select {
		case ev := <-fc.eng.Events():
			r, ok := ev.(p2p.Received)
			if !ok {
				continue
			}
			for _, m := range r.Msgs {
				switch m := m.(type) {
				case wire.Ack:
					fc.acked.Add(int64(len(m.IDs)))
				case wire.ContactAccept:
					once.Do(func() { close(fc.accepted) })
				}
			}
		case <-fc.done:
			return
		}
	}
}

func (fc *floodContact) stop() {
	fc.floodEngine.stop()
	<-fc.pump
}

// flood sends n texts as fast as the node takes them, in batches, and
// waits until the node has acked them all; it returns the time that took.
func (fc *floodContact) flood(ctx context.Context, n, batch int) (time.Duration, error) {
	start := time.Now()
	base := fc.acked.Load()
	msgs := make([]wire.Message, 0, batch)
	for i := 0; i < n; {
		msgs = msgs[:0]
		for ; len(msgs) < batch && i < n; i++ {
			now := time.Now()
			msgs = append(msgs, wire.Text{ID: crypto.NewMessageID(now), SentAt: now.UnixMilli(), Body: fmt.Sprintf("flood message %06d", i)})
		}
		if err := fc.eng.Send(ctx, fc.node.ID(), msgs...); err != nil {
			return time.Since(start), fmt.Errorf("send: %w", err)
		}
	}
	for fc.acked.Load()-base < int64(n) {
		select {
		case <-ctx.Done():
			return time.Since(start), fmt.Errorf("%d of %d acked: %w", fc.acked.Load()-base, n, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return time.Since(start), nil
}

var errFloodNotAccepted = errors.New("the node never accepted the flooding contact")
