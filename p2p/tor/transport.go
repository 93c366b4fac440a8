package tor

import (
	"context"
	"net"
	"time"

	"jarvis/crypto"
	"jarvis/p2p"
	"jarvis/p2p/tor/internal/torproc"
)

// Transport returns t as the p2p transport for v3 onion addresses; the
// engine sends every other address elsewhere.
func (t *Tor) Transport() p2p.Transport { return transport{t} }

type transport struct{ t *Tor }

// Handles takes only well-formed v3 onion addresses: a malformed one is
// refused here rather than sent to a SOCKS port that would fail it later.
func (transport) Handles(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	_, err = crypto.ParseOnionHost(host)
	return err == nil
}

func (tr transport) Dial(ctx context.Context, addr string) (net.Conn, error) {
	return tr.t.DialContext(ctx, "tcp", addr)
}

// DialTimeout leaves room for what DialContext may do in one call: an
// attempt that times out, the NEWNYM request, and the retry.
func (tr transport) DialTimeout() time.Duration {
	return 2*tr.t.cfg.DialTimeout + torproc.RequestTimeout
}
