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
// (Tor, after NEWNYM) says how long it needs. A Transport with a method
// FallbackDelay() time.Duration is a fallback path; see Fallback.
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

// fallbacker is the optional method that makes a Transport a fallback
// path: a slower or costlier way to a peer (Tor), raced after the direct
// addresses and left again once direct works (see dialTarget and
// watchSession).
type fallbacker interface{ FallbackDelay() time.Duration }

// Fallback marks t as a fallback path: its addresses are dialled only
// delay after a dial to the peer's direct addresses began (at once when
// those have all failed, or there are none), and while a session runs over
// it the engine keeps trying direct with backoff and moves there when it
// works. t keeps its own DialTimeout, if it has one.
//
// The engine counts every session from a Config.Listeners entry as a
// fallback path too, so wrap exactly the transports whose peers answer on
// such a listener (Tor's onion transport for the onion listener): both
// ends then agree which of two racing sessions is the direct one.
func Fallback(t Transport, delay time.Duration) Transport {
	return fallbackTransport{Transport: t, delay: max(0, delay)}
}

type fallbackTransport struct {
	Transport
	delay time.Duration
}

func (f fallbackTransport) FallbackDelay() time.Duration { return f.delay }

// DialTimeout passes on the wrapped transport's; zero means the default.
func (f fallbackTransport) DialTimeout() time.Duration {
	if dt, ok := f.Transport.(dialTimeouter); ok {
		return dt.DialTimeout()
	}
	return 0
}

// fallbackDelay reports whether addr is on a fallback path and, if so,
// how long after the direct addresses it may be dialled. An address no
// transport handles is not a fallback: it fails at once like any bad
// direct address.
func (e *Engine) fallbackDelay(addr string) (time.Duration, bool) {
	t, err := e.transportFor(addr)
	if err != nil {
		return 0, false
	}
	fb, ok := t.(fallbacker)
	if !ok {
		return 0, false
	}
	return max(0, fb.FallbackDelay()), true
}

// splitPaths divides addrs, keeping their order, into the direct ones and
// the fallback ones.
func (e *Engine) splitPaths(addrs []string) (direct, fallback []string) {
	for _, a := range addrs {
		if _, fb := e.fallbackDelay(a); fb {
			fallback = append(fallback, a)
		} else {
			direct = append(direct, a)
		}
	}
	return direct, fallback
}

// upgradeAddrs are the addresses worth leaving a fallback path for: the
// direct ones some transport can dial.
func (e *Engine) upgradeAddrs(addrs []string) []string {
	var out []string
	for _, a := range addrs {
		_, fb := e.fallbackDelay(a)
		if _, err := e.transportFor(a); err == nil && !fb {
			out = append(out, a)
		}
	}
	return out
}
