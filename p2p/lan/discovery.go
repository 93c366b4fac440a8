// Package lan finds contacts on the local network and carries the beacons
// of pairing by short code. Announcements go out by UDP multicast (IPv4 and
// IPv6 link-local groups) and IPv4 broadcast on a fixed port; none names
// anyone, so a stranger on the network learns only that some Jarvis is
// there. Whether a sighting is really the contact is left to the Noise
// handshake that follows.
package lan

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/netip"
	"sync"
	"time"

	"jarvis/crypto"
)

// DefaultPort is the UDP port announcements use.
const DefaultPort = 7424

const (
	epochLength    = 5 * time.Minute
	changePoll     = 5 * time.Second
	pairingEvery   = time.Second
	sightingQuiet  = 30 * time.Second // the same contact at the same address is reported at most this often
	packetsPerSec  = 20               // received packets handled per second; the rest are dropped
	packetBurst    = 40
	rememberNonces = 1024
)

// burst is when announcements follow a start or a network change: more than
// one, because a datagram can be lost.
var burst = []time.Duration{0, time.Second, 3 * time.Second}

// Config sets up Discovery.
type Config struct {
	Identity *crypto.Identity
	// ListenPort is the TCP port our engine accepts sessions on: the port
	// announced.
	ListenPort uint16
	// Port is the UDP port of announcements (DefaultPort when zero).
	Port int
	// Interval is the mean time between announcements (45 s when zero);
	// each wait is drawn between 2/3 and 4/3 of it.
	Interval time.Duration
	Log      *slog.Logger
	Now      func() time.Time

	transport transport // tests swap the network out
}

// Sighting is a contact heard on the local network, at the address its
// announcement came from and the port it announced.
type Sighting struct {
	Keys crypto.PublicIdentity
	Addr string
}

// Discovery announces us to our contacts and reports the contacts it
// hears. Its state belongs to Run's goroutine; the methods send requests.
type Discovery struct {
	cfg       Config
	tr        transport
	sightings chan Sighting
	contacts  chan []crypto.PublicIdentity
	beacons   chan beaconReq
	finds     chan findReq
	done      chan struct{}
	closeOnce sync.Once
}

type beaconReq struct {
	ctx     context.Context
	locator byte
	port    uint16
}

type findReq struct {
	ctx     context.Context
	locator byte
	found   chan netip.AddrPort
}

// New opens the announcement sockets. Run starts the work.
func New(cfg Config) (*Discovery, error) {
	if cfg.Identity == nil || cfg.ListenPort == 0 {
		return nil, errors.New("lan: an identity and a listening port are needed")
	}
	if cfg.Port == 0 {
		cfg.Port = DefaultPort
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 45 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	tr := cfg.transport
	if tr == nil {
		var err error
		if tr, err = openUDP(cfg.Port, cfg.Log); err != nil {
			return nil, fmt.Errorf("lan discovery on UDP port %d: %w", cfg.Port, err)
		}
	}
	return &Discovery{
		cfg: cfg, tr: tr,
		sightings: make(chan Sighting, 16),
		contacts:  make(chan []crypto.PublicIdentity, 1),
		beacons:   make(chan beaconReq),
		finds:     make(chan findReq),
		done:      make(chan struct{}),
	}, nil
}

// Sightings reports contacts heard on the local network. A slow reader
// misses some: the next announcement repeats them.
func (d *Discovery) Sightings() <-chan Sighting { return d.sightings }

// SetContacts replaces the contacts we announce ourselves to and listen
// for. Only the newest list counts.
func (d *Discovery) SetContacts(keys []crypto.PublicIdentity) {
	select {
	case <-d.contacts: // an older list nobody took yet
	default:
	}
	select {
	case d.contacts <- keys:
	case <-d.done:
	}
}

// Beacon announces a pairing host for the code whose locator is given,
// every second, until ctx ends.
func (d *Discovery) Beacon(ctx context.Context, locator byte, port uint16) error {
	if locator > maxLocator || port == 0 {
		return errors.New("lan: bad pairing beacon")
	}
	select {
	case d.beacons <- beaconReq{ctx: ctx, locator: locator, port: port}:
		return nil
	case <-d.done:
		return errors.New("lan: discovery stopped")
	}
}

// FindPairing waits for a pairing beacon with this locator from another
// device and returns where its host listens.
func (d *Discovery) FindPairing(ctx context.Context, locator byte) (netip.AddrPort, error) {
	r := findReq{ctx: ctx, locator: locator, found: make(chan netip.AddrPort, 1)}
	select {
	case d.finds <- r:
	case <-d.done:
		return netip.AddrPort{}, errors.New("lan: discovery stopped")
	case <-ctx.Done():
		return netip.AddrPort{}, ctx.Err()
	}
	select {
	case ap := <-r.found:
		return ap, nil
	case <-ctx.Done():
		return netip.AddrPort{}, ctx.Err()
	}
}

// Run announces and listens until ctx ends, then closes the sockets.
func (d *Discovery) Run(ctx context.Context) error {
	defer close(d.done)
	defer d.Close()
	l := newLoop(d)
	return l.run(ctx)
}

// Close closes the sockets; Run does it on its way out, so only a
// Discovery that never ran needs it.
func (d *Discovery) Close() error {
	var err error
	d.closeOnce.Do(func() { err = d.tr.close() })
	return err
}

// jitter draws a wait between 2/3 and 4/3 of mean.
func jitter(mean time.Duration) time.Duration {
	n, err := rand.Int(rand.Reader, big.NewInt(int64(mean)*2/3+1))
	if err != nil {
		return mean
	}
	return mean*2/3 + time.Duration(n.Int64())
}
