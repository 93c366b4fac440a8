package p2p

import (
	"context"
	"errors"
	"net"
	"strings"
	"time"

	"jarvis/crypto"
)

// ErrNoTransport means no configured transport handles an address, e.g. a
// .onion address while Tor is off.
var ErrNoTransport = errors.New("p2p: no transport for this address")

// Transport reaches peers at the addresses it handles. The engine runs the
// Noise handshake over whatever conn Dial returns, so a transport only
// carries bytes: peers are authenticated by their keys, never by how they
// were reached.
//
// Each Dial gets Limits.HandshakeTimeout unless the Transport also has a
// method DialTimeout() time.Duration: a slow path that retries inside Dial
// (Tor, after NEWNYM) says how long it needs.
type Transport interface {
	// Handles reports whether Dial can reach addr ("host:port").
	Handles(addr string) bool
	Dial(ctx context.Context, addr string) (net.Conn, error)
}

// Listener is an extra source of inbound connections, such as an onion
// service whose connections all arrive from 127.0.0.1.
type Listener struct {
	Listener net.Listener
	// Network names the admission bucket every connection from Listener
	// counts against (pending slots, handshake rate, stranger sessions)
	// instead of its remote IP's prefix, which says nothing about who is
	// behind a local proxy. Required; each Listener needs its own.
	Network string
}

// tcpTransport dials anything but .onion hosts directly: an onion name
// must never reach the system resolver (RFC 7686), where it would tell the
// network whom we are looking for.
type tcpTransport struct {
	dial func(ctx context.Context, addr string) (net.Conn, error)
}

func (tcpTransport) Handles(addr string) bool { return !isOnion(addr) }

func (t tcpTransport) Dial(ctx context.Context, addr string) (net.Conn, error) {
	return t.dial(ctx, addr)
}

func isOnion(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	return strings.HasSuffix(strings.ToLower(strings.TrimSuffix(host, ".")), crypto.OnionSuffix)
}

// transportFor returns the first transport that handles addr; the
// configured ones come before direct TCP.
func (e *Engine) transportFor(addr string) (Transport, error) {
	for _, t := range e.transports {
		if t.Handles(addr) {
			return t, nil
		}
	}
	return nil, ErrNoTransport
}

// admissionNetwork is the key a Listener's connections are admitted under.
// IP prefixes ("192.0.2.0/24") never contain a space, so no remote can
// pick an address that lands in a listener's bucket.
func admissionNetwork(name string) string { return "listener " + name }

type dialTimeouter interface{ DialTimeout() time.Duration }

// dialTimeout is how long t may take to connect.
func (e *Engine) dialTimeout(t Transport) time.Duration {
	if dt, ok := t.(dialTimeouter); ok {
		if d := dt.DialTimeout(); d > 0 {
			return d
		}
	}
	return e.limits.HandshakeTimeout
}
