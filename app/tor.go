package app

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"jarvis/crypto"
	"jarvis/p2p"
	"jarvis/p2p/tor"
)

// TorMode says whether Jarvis uses Tor.
type TorMode uint8

const (
	TorAuto TorMode = iota // use tor when it is installed (or --tor-control is given), else direct only
	TorOn                  // tor or nothing: fail at start when it cannot be used
	TorOff                 // never touch tor
	TorOnly                // tor or nothing, and nothing else: no direct listener, no direct dials
)

// Required reports whether the core must fail without a usable tor.
func (m TorMode) Required() bool { return m == TorOn || m == TorOnly }

// ParseTorMode reads --tor's value.
func ParseTorMode(s string) (TorMode, error) {
	switch s {
	case "auto", "":
		return TorAuto, nil
	case "on":
		return TorOn, nil
	case "off":
		return TorOff, nil
	case "only":
		return TorOnly, nil
	}
	return 0, fmt.Errorf("--tor %q: use auto, on, off or only", s)
}

// TorConfig says how the core reaches Tor.
type TorConfig struct {
	Mode TorMode
	// Dir is the data directory; an owned tor keeps its state in Dir/tor.
	Dir string
	// ControlAddr attaches to a tor the user runs ("host:port" or
	// "unix:/path") instead of starting one.
	ControlAddr string
	// TestOnlyTorrc is appended to an owned tor's torrc; only tests set it.
	TestOnlyTorrc []string
}

// TorState is where our tor stands, as the status bar shows it.
type TorState string

const (
	TorStateOff           TorState = "off"
	TorStateStarting      TorState = "starting"
	TorStateBootstrapping TorState = "bootstrapping"
	TorStateReady         TorState = "ready"
	TorStateUnavailable   TorState = "unavailable"
)

// TorStatus is one report of our Tor path.
type TorStatus struct {
	State    TorState
	Progress int    // bootstrap percentage
	Onion    string // our onion address ("<56>.onion:port") once the service is published
	Err      error  // why, when unavailable
}

// errTorDown is what an onion dial gets while tor cannot be used.
var errTorDown = errors.New("tor is not running")

// torPath is the core's Tor: it starts (or attaches to) tor in the
// background, publishes our onion service and reports progress, while the
// engine already runs. The engine gets an onion transport and listener at
// construction that wait for tor behind the scenes.
type torPath struct {
	cfg   TorConfig
	port  int
	key   ed25519.PrivateKey // cleared once tor has it
	onion string             // our onion "host:port"
	log   *slog.Logger
	emit  func(TorStatus)

	status   atomic.Pointer[TorStatus]
	started  chan struct{} // closed once t is set or tor failed to start
	t        *tor.Tor      // set before started closes; nil if tor failed
	listener *lateListener
}

// torEnabled decides at construction whether this core uses Tor. The
// error says why not when tor was wanted: --tor on fails with it, auto
// shows it in the status bar and runs direct only.
func torEnabled(cfg TorConfig) (bool, error) {
	switch {
	case cfg.Mode == TorOff:
		return false, nil
	case cfg.ControlAddr != "":
		return true, nil
	}
	if err := tor.Installed(); err != nil {
		return false, err
	}
	return true, nil
}

// newTorPath prepares the onion path for a node listening on port; nothing
// starts until run.
func newTorPath(cfg TorConfig, key ed25519.PrivateKey, port int, log *slog.Logger, emit func(TorStatus)) *torPath {
	onion := onionAddrFor(key, port)
	p := &torPath{cfg: cfg, port: port, key: key, onion: onion, log: log, emit: emit, started: make(chan struct{})}
	p.listener = newLateListener(onionNetAddr(onion))
	p.status.Store(&TorStatus{State: TorStateStarting}) // reported with the engine's first status
	return p
}

// onionAddrFor is the "host:port" peers dial to reach the onion service
// of key on port.
func onionAddrFor(key ed25519.PrivateKey, port int) string {
	return net.JoinHostPort(crypto.OnionAddress(key.Public().(ed25519.PublicKey)), strconv.Itoa(port))
}

// current is the latest status, for /info.
func (p *torPath) current() TorStatus { return *p.status.Load() }

func (p *torPath) set(s TorStatus) {
	if prev := p.status.Load(); prev != nil && *prev == s {
		return
	}
	p.status.Store(&s)
	if p.emit != nil {
		p.emit(s)
	}
}

// run starts tor, publishes the onion service and relays tor's progress
// until ctx ends; then it withdraws the service and stops tor.
func (p *torPath) run(ctx context.Context) {
	t, ln, err := p.start(ctx)
	clear(p.key)
	if err != nil {
		close(p.started)
		p.listener.fail(err)
		if ctx.Err() == nil {
			p.log.Warn("tor unavailable", "err", err)
			p.set(TorStatus{State: TorStateUnavailable, Err: err})
		}
		return
	}
	p.t = t
	close(p.started)
	p.listener.set(ln)
	defer func() { _ = t.Close() }()
	for {
		select {
		case <-ctx.Done():
			return
		case st, ok := <-t.Status():
			if !ok {
				return
			}
			p.set(p.report(st))
			if st.State == tor.StateUnavailable {
				p.log.Warn("tor stopped", "err", st.Err)
				return
			}
		}
	}
}

// start starts tor and publishes our service; a start that fails is
// cleaned up here.
func (p *torPath) start(ctx context.Context) (*tor.Tor, *tor.Listener, error) {
	t, err := tor.Start(ctx, tor.Config{Dir: p.cfg.Dir, ControlAddr: p.cfg.ControlAddr, Log: p.log, TestOnlyTorrc: p.cfg.TestOnlyTorrc})
	if err != nil {
		return nil, nil, torStartError(err)
	}
	ln, err := t.Listen(ctx, p.key, p.port)
	if err != nil {
		_ = t.Close()
		return nil, nil, err
	}
	return t, ln, nil
}

// torStartError turns bine's wording for a tor that wants a password into
// advice; Jarvis authenticates with the cookie only.
func torStartError(err error) error {
	if errors.Is(err, tor.ErrNotInstalled) {
		return err
	}
	return fmt.Errorf("%w (for --tor-control, the tor needs CookieAuthentication 1 and a SocksPort)", err)
}

// report maps tor's state to ours; the onion address is shown once tor
// can publish it.
func (p *torPath) report(st tor.Status) TorStatus {
	switch st.State {
	case tor.StateStarting:
		return TorStatus{State: TorStateStarting}
	case tor.StateBootstrapping:
		return TorStatus{State: TorStateBootstrapping, Progress: st.Progress}
	case tor.StateReady:
		return TorStatus{State: TorStateReady, Progress: 100, Onion: p.onion}
	}
	return TorStatus{State: TorStateUnavailable, Err: st.Err}
}

// transport is the engine's way to onion addresses: each dial waits for
// tor to be up (bounded by the dial's context).
func (p *torPath) transport() p2p.Transport { return onionTransport{p} }

type onionTransport struct{ p *torPath }

func (onionTransport) Handles(addr string) bool { return isOnionAddr(addr) }

// onionDelay is how long a dial gives the direct addresses before it
// starts on the onion one too: a direct path answers within tens of
// milliseconds when it works, while an onion dial takes seconds anyway.
const onionDelay = 2 * time.Second

// torWait bounds how long a dial waits for tor to start and bootstrap
// before it counts as failed and backs off.
const torWait = 60 * time.Second

func (o onionTransport) DialTimeout() time.Duration {
	return torWait + 2*tor.DefaultDialTimeout + 10*time.Second
}

func (o onionTransport) Dial(ctx context.Context, addr string) (net.Conn, error) {
	select {
	case <-o.p.started:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	t := o.p.t
	if t == nil {
		return nil, errTorDown
	}
	select {
	case <-t.Ready():
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return t.Transport().Dial(ctx, addr)
}

// isOnionAddr reports whether addr is a well-formed v3 "<56>.onion:port".
func isOnionAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	_, err = crypto.ParseOnionHost(host)
	return err == nil
}

// onionNetAddr is our onion address as a net.Addr.
type onionNetAddr string

func (onionNetAddr) Network() string  { return "onion" }
func (a onionNetAddr) String() string { return string(a) }

// lateListener is a net.Listener whose real listener arrives later (the
// onion service, once tor runs). Accept waits for it; Close works before
// and after.
type lateListener struct {
	addr  net.Addr
	ready chan struct{} // closed once ln or err is set
	done  chan struct{} // closed by Close

	mu     sync.Mutex
	ln     net.Listener
	err    error
	closed bool
}

func newLateListener(addr net.Addr) *lateListener {
	return &lateListener{addr: addr, ready: make(chan struct{}), done: make(chan struct{})}
}

// set hands over the real listener; after Close it is closed at once.
func (l *lateListener) set(ln net.Listener) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		_ = ln.Close()
		return
	}
	l.ln = ln
	close(l.ready)
}

// fail makes Accept return err: there will be no listener.
func (l *lateListener) fail(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	l.err = fmt.Errorf("onion service: %w", err)
	close(l.ready)
}

func (l *lateListener) Accept() (net.Conn, error) {
	select {
	case <-l.ready:
	case <-l.done:
		return nil, net.ErrClosed
	}
	if l.err != nil {
		// Block until Close: returning an error would end the engine's
		// accept loop for this listener, which is what we want, but
		// quietly; the status bar already says why.
		<-l.done
		return nil, net.ErrClosed
	}
	return l.ln.Accept()
}

func (l *lateListener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	close(l.done)
	if l.ln != nil {
		return l.ln.Close()
	}
	return nil
}

func (l *lateListener) Addr() net.Addr { return l.addr }
