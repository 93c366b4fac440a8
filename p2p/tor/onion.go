package tor

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"

	"github.com/cretz/bine/control"
	tored25519 "github.com/cretz/bine/torutil/ed25519"

	"jarvis/crypto"
)

// Addr is an onion service address.
type Addr struct {
	Host string // "….onion"
	Port int
}

func (Addr) Network() string  { return "onion" }
func (a Addr) String() string { return net.JoinHostPort(a.Host, strconv.Itoa(a.Port)) }

// Listener accepts the connections tor forwards to our onion service. They come from 127.0.0.1, like every onion
// connection: count them against onion limits, never a per-IP one.
type Listener struct {
	net.Listener
	t         *Tor
	addr      Addr
	serviceID string
	closeOnce sync.Once
	closeErr  error
}

// Listen publishes an onion service on virtual port port under key (the onion key, never the identity key) and
// accepts its connections on a fresh 127.0.0.1 listener. tor gets the key with Flags=DiscardPK on every call and
// never writes it to disk; the address is the same every time for the same key. The service lives as long as our
// control connection (no Detach), so it goes away with Close of the listener or of t.
// The first dials fail for a few seconds while tor uploads the descriptor.
func (t *Tor) Listen(ctx context.Context, key ed25519.PrivateKey, port int) (*Listener, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, errors.New("tor: onion key must be an Ed25519 private key")
	}
	if port <= 0 || port > 65535 {
		return nil, errors.New("tor: onion port out of range")
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("tor: listen for onion connections: %w", err)
	}
	want := crypto.OnionAddress(key.Public().(ed25519.PublicKey))
	req := &control.AddOnionRequest{
		// bine turns the seed into the 64-byte expanded secret key (SHA-512, clamped) that ADD_ONION takes.
		Key:   &control.ED25519Key{KeyPair: tored25519.FromCryptoPrivateKey(key)},
		Flags: []string{"DiscardPK"},
		Ports: []*control.KeyVal{{Key: strconv.Itoa(port), Val: ln.Addr().String()}},
	}
	var resp *control.AddOnionResponse
	err = t.ctrl.Do(func(c *control.Conn) (err error) { resp, err = c.AddOnion(req); return err })
	if err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("tor: publish onion service: %w", err)
	}
	l := &Listener{Listener: ln, t: t, addr: Addr{Host: want, Port: port}, serviceID: resp.ServiceID}
	if resp.ServiceID+".onion" != want {
		_ = l.Close()
		return nil, errors.New("tor: tor derived another onion address from our key")
	}
	return l, nil
}

// Addr is the onion address peers dial.
func (l *Listener) Addr() net.Addr { return l.addr }

// OnionAddr is Addr, typed.
func (l *Listener) OnionAddr() Addr { return l.addr }

// Close withdraws the onion service and closes the local listener.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() {
		// After t.Close the control connection is gone and with it the service; the error says nothing new then.
		_ = l.t.ctrl.Do(func(c *control.Conn) error { return c.DelOnion(l.serviceID) })
		l.closeErr = l.Listener.Close()
	})
	return l.closeErr
}
