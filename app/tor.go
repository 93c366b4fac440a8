package app

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net"
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
// background, publishes our onion service, reports progress and starts tor
// again when it dies, while the engine runs. The engine gets an onion
// transport and listener at construction that wait for tor behind the
// scenes.
type torPath struct {
	cfg   TorConfig
	port  int
	key   ed25519.PrivateKey // kept for restarts; cleared when run returns
	onion string             // our onion "host:port"
	log   *slog.Logger
	emit  func(TorStatus)

	status   atomic.Pointer[TorStatus]
	listener *lateListener

	mu      sync.Mutex
	t       *tor.Tor      // the running tor; nil between runs
	changed chan struct{} // closed and replaced whenever t changes
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
	addr := onionAddrFor(key, port)
	onion := addr.String()
	p := &torPath{cfg: cfg, port: port, key: key, onion: onion, log: log, emit: emit, changed: make(chan struct{})}
	p.listener = newLateListener(addr)
	p.status.Store(&TorStatus{State: TorStateStarting}) // reported with the engine's first status
	return p
}

// onionAddrFor is the address peers dial to reach the onion service of
// key on port ("<56>.onion:port" as text).
func onionAddrFor(key ed25519.PrivateKey, port int) tor.Addr {
	return tor.Addr{Host: crypto.OnionAddress(key.Public().(ed25519.PublicKey)), Port: port}
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

// run keeps tor running until ctx ends: it starts tor, publishes the onion
// service and relays tor's progress; when tor dies (a phone's low-memory
// killer picks the biggest child first) or cannot start, it says why and
// tries again, sooner after a tor that had worked. At the end it withdraws
// the service and stops tor. The onion key stays in memory for the
// restarts and is cleared when run returns.
func (p *torPath) run(ctx context.Context) {
	defer clear(p.key)
	delay := torRestartMin
	for {
		if p.runOnce(ctx) {
			delay = torRestartMin
		}
		if !sleepCtx(ctx, delay) {
			return
		}
		delay = min(2*delay, torRestartMax)
	}
}

// runOnce runs one tor until it stops or ctx ends, reporting whether it
// was ever ready.
func (p *torPath) runOnce(ctx context.Context) (wasReady bool) {
	p.set(TorStatus{State: TorStateStarting})
	t, ln, err := p.start(ctx)
	if err != nil {
		if ctx.Err() == nil {
			p.log.Warn("tor unavailable", "err", err)
			p.set(TorStatus{State: TorStateUnavailable, Err: err})
		}
		return false
	}
	p.use(t)
	p.listener.set(ln)
	defer func() {
		p.listener.unset(ln)
		p.use(nil)
		_ = ln.Close()
		_ = t.Close()
	}()
	for {
		select {
		case <-ctx.Done():
			return wasReady
		case st, ok := <-t.Status():
			if !ok {
				return wasReady
			}
			p.set(p.report(st))
			switch st.State {
			case tor.StateReady:
				wasReady = true
			case tor.StateUnavailable:
				p.log.Warn("tor stopped; starting it again", "err", st.Err)
				return wasReady
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

// torRestartMin and torRestartMax bound the wait before tor is started
// again: soon after one that worked, less and less often while it keeps
// failing (a missing binary, a broken --tor-control).
const (
	torRestartMin = 5 * time.Second
	torRestartMax = 5 * time.Minute
)

// sleepCtx waits d, reporting false if ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// use makes t the tor dials go through (nil between runs) and wakes the
// dials waiting for one.
func (p *torPath) use(t *tor.Tor) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.t = t
	close(p.changed)
	p.changed = make(chan struct{})
}

// running returns the current tor (nil between runs) and a channel closed
// when that changes.
func (p *torPath) running() (*tor.Tor, <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.t, p.changed
}

// Dial waits for a bootstrapped tor (bounded by ctx) and dials through it.
// While tor is known to be down it fails at once, so the direct path's
// dial is not held up by it.
func (o onionTransport) Dial(ctx context.Context, addr string) (net.Conn, error) {
	for {
		t, changed := o.p.running()
		if t == nil && o.p.current().State == TorStateUnavailable {
			return nil, errTorDown
		}
		var ready <-chan struct{}
		if t != nil {
			ready = t.Ready()
		}
		select {
		case <-ready:
			return t.Transport().Dial(ctx, addr)
		case <-changed:
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for tor: %w", ctx.Err())
		}
	}
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

// lateListener is the engine's onion listener: a net.Listener whose real
// listener comes later and changes (each tor run publishes the service
// anew). Accept waits across the gaps; only Close ends it.
type lateListener struct {
	addr net.Addr

	mu      sync.Mutex
	cur     net.Listener
	changed chan struct{} // closed and replaced on every change
	closed  bool
}

func newLateListener(addr net.Addr) *lateListener {
	return &lateListener{addr: addr, changed: make(chan struct{})}
}

func (l *lateListener) notifyLocked() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// set hands over the listener of a new tor run; after Close it is closed
// at once.
func (l *lateListener) set(ln net.Listener) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		_ = ln.Close()
		return
	}
	l.cur = ln
	l.notifyLocked()
}

// unset withdraws ln when its tor run ends.
func (l *lateListener) unset(ln net.Listener) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cur == ln {
		l.cur = nil
		l.notifyLocked()
	}
}

// Accept returns the next onion connection. When the current listener
// fails because its tor went away, it waits for the next one rather than
// return net.ErrClosed, which would end the engine's accept loop for good.
func (l *lateListener) Accept() (net.Conn, error) {
	for {
		l.mu.Lock()
		cur, changed, closed := l.cur, l.changed, l.closed
		l.mu.Unlock()
		if closed {
			return nil, net.ErrClosed
		}
		if cur == nil {
			<-changed
			continue
		}
		c, err := cur.Accept()
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, net.ErrClosed) {
			return nil, err // transient (out of file descriptors): the engine retries
		}
		<-changed // closed by runOnce, which unsets it next, or by Close
	}
}

func (l *lateListener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	l.notifyLocked()
	if l.cur != nil {
		return l.cur.Close()
	}
	return nil
}

func (l *lateListener) Addr() net.Addr { return l.addr }
