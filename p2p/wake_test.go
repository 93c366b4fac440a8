package p2p

import (
	"context"
	"net"
	"testing"
	"time"
)

// A dial stuck on an address that swallows SYNs must not hold up the
// address the peer was just heard at (LAN discovery, an address record).
func TestNewAddressesCutADialThatHangs(t *testing.T) {
	checkLeaks(t)
	lim := fastLimits()
	lim.HandshakeTimeout = 5 * time.Minute // the hanging dial would wait this long
	b := startNode(t, newIdentity(t), "127.0.0.1:0", lim, nil)
	const stale = "192.0.2.1:7420"
	hanging := make(chan struct{}, 1)
	dial := func(ctx context.Context, addr string) (net.Conn, error) {
		if addr == stale {
			hanging <- struct{}{}
			<-ctx.Done()
			return nil, ctx.Err()
		}
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	}
	a := startNode(t, newIdentity(t), "127.0.0.1:0", lim, dial)
	stuck := b.target()
	stuck.Addrs = []string{stale}
	a.e.Connect(stuck, "test")
	select {
	case <-hanging:
	case <-time.After(10 * time.Second):
		t.Fatal("A never dialled the stale address")
	}
	heard := b.target()
	heard.Addrs = append(heard.Addrs, stale)
	a.e.Connect(heard, "test")
	waitFor(t, a, 30*time.Second, "a session at the new address", isUp(b.id.ID()))
}
