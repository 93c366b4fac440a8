// Package app is Jarvis's core: it owns the contact manager and its
// goroutine, turns network and storage into typed events, and takes typed
// commands from a frontend. It knows nothing of widgets or sockets.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"jarvis/crypto"
	"jarvis/p2p"
	"jarvis/p2p/lan"
)

// ErrClosed is returned by commands after the core has stopped.
var ErrClosed = errors.New("jarvis is shutting down")

// DefaultPort is where Jarvis listens unless told otherwise.
const DefaultPort = 7420

// Config configures a Core.
type Config struct {
	// Account must be unlocked.
	Account *Account
	// Listen is the TCP address to listen on, e.g. "0.0.0.0:7420".
	Listen string
	// Advertise lists addresses to put first in our link code, for when
	// the reachable address is not one of this machine's own (port
	// forwarding, a VPN, a tunnel).
	Advertise []string
	// Logger receives diagnostics; never message text, names or keys.
	Logger *slog.Logger
	// Limits overrides network limits; zero fields keep the defaults.
	Limits p2p.Limits
	// Dial overrides how the engine dials (tests, proxies).
	Dial func(ctx context.Context, addr string) (net.Conn, error)
	// Tor says whether and how to use Tor; the zero value is auto.
	Tor TorConfig
	// LAN says whether to find contacts on the local network; the zero
	// value is on.
	LAN LANConfig
	// Downloads is where received files are saved; "" is DefaultDownloads().
	Downloads string
	// MaxFileSize caps files sent and accepted; 0 is DefaultMaxFileSize.
	MaxFileSize int64
	// AutoAcceptBelow accepts offers smaller than this many bytes from
	// verified contacts without asking; 0 (the default) never does.
	AutoAcceptBelow int64
	// Clock, when set, stands for time.Now wherever the managers stamp or
	// compare wall-clock times (tests make it jump; CLOCK_REALTIME cannot
	// be given to one process alone). Timeouts run on monotonic time.
	Clock func() time.Time
}

// Self describes the local identity.
type Self struct {
	ID         crypto.ID
	Name       string
	Keys       crypto.PublicIdentity
	ListenAddr string
	Addrs      []string // advertised, best first; our onion address last
	Onion      string   // our onion "host:port", "" without Tor
	Code       string   // our link code
}

// Core is a running Jarvis node.
type Core struct {
	account  *Account
	identity *crypto.Identity
	self     Self                  // what never changes; Self() adds reach
	reach    atomic.Pointer[reach] // our addresses and link code now
	engine   *p2p.Engine
	peers    *peers
	router   *router
	contacts *contactManager
	groups   *groupManager
	files    *fileManager
	addrs    *addrBook
	events   *eventQueue
	dir      *directory // names for the resolver, published by the managers
	search   *searchIndex
	log      *slog.Logger
	tor      *torPath       // nil when Tor is off or not installed
	lan      *lan.Discovery // nil when LAN discovery is off
	noTor    TorStatus      // what to report when tor is nil
	engineUp atomic.Bool    // for EngineStatus events sent on tor changes
	// elsewhere: the user was told that this identity is active on
	// another device (backup_devices.go).
	elsewhere atomic.Bool

	startOnce sync.Once
	cancel    context.CancelFunc
	runCtx    atomic.Pointer[context.Context] // set by Start

	pairMu     sync.Mutex
	pairCancel context.CancelFunc // the code this device shows, if any

	bgMu    sync.Mutex
	closing bool // set by Close: no goroutine may join wg after it
	wg      sync.WaitGroup
	stopped chan struct{}
}

// NewCore loads the identity from an unlocked account and binds the
// listener, so a port already in use is reported before anything starts.
func NewCore(cfg Config) (*Core, error) {
	id, name, err := cfg.Account.store.Identity(context.Background())
	if err != nil {
		return nil, fmt.Errorf("load identity: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	listen, err := listenAddr(cfg)
	if err != nil {
		return nil, err
	}
	c := &Core{
		account:  cfg.Account,
		identity: id,
		events:   newEventQueue(),
		dir:      newDirectory(),
		search:   newSearchIndex(),
		log:      log,
		stopped:  make(chan struct{}),
	}
	if err := c.prepareTor(cfg, listen); err != nil {
		return nil, err
	}
	bind := listen
	if cfg.Tor.Mode == TorOnly {
		bind = "" // no direct listener: our IP is in nobody's hands
	}
	peers := newPeers(log.With("room", "peers"), holdContacts, holdGroups, holdFiles)
	engine, addrs, err := bindEngine(cfg, id, log, bind, peers, c.tor)
	if err != nil {
		return nil, err
	}
	self, err := newSelf(id, name, engine, addrs, c.tor)
	if err != nil {
		engine.Close()
		return nil, err
	}
	c.engine, c.peers, c.self = engine, peers, self
	c.reach.Store(&reach{addrs: self.Addrs, code: self.Code})
	c.self.Addrs, c.self.Code = nil, "" // they live in reach
	peers.net = engine
	peers.addrs = policyFor(engine.Addr())
	peers.addrs.onionOnly = cfg.Tor.Mode == TorOnly
	if c.lan = newLAN(cfg, id, engine.Addr(), log.With("room", "lan")); c.lan != nil {
		peers.lan = c.lan
	}
	c.router = newRouter(engine, peers)
	c.contacts = newContactManager(c, c.router.add(isContactMessage))
	c.groups = newGroupManager(c, c.router.add(isGroupMessage))
	c.addrs = newAddrBook(c, cfg.Advertise, c.router.add(isAddrRecord))
	c.files = newFileManager(c, c.router.add(isFileMessage), cfg.Downloads, cfg.MaxFileSize)
	c.files.autoBelow = cfg.AutoAcceptBelow
	if cfg.Clock != nil {
		peers.now, c.contacts.now, c.groups.now, c.addrs.now = cfg.Clock, cfg.Clock, cfg.Clock, cfg.Clock
	}
	return c, nil
}

// listenAddr is the address to bind. It also checks the advertised
// addresses first, so a bad one is reported before anything is bound; the
// real list needs the bound port and is built by bindEngine.
func listenAddr(cfg Config) (string, error) {
	listen := cfg.Listen
	if listen == "" {
		listen = fmt.Sprintf("0.0.0.0:%d", DefaultPort)
	}
	if cfg.Tor.Mode == TorOnly && len(cfg.Advertise) > 0 {
		return "", errors.New("--advertise names direct addresses, which --tor only never uses; drop one of them")
	}
	if _, err := advertisedAddrs(cfg.Advertise, listen); err != nil {
		return "", err
	}
	return listen, nil
}

// prepareTor decides whether this core uses Tor and, if so, readies the
// onion path (started by Start). --tor on without a usable tor fails here.
func (c *Core) prepareTor(cfg Config, listen string) error {
	on, why := torEnabled(cfg.Tor)
	switch {
	case why != nil && cfg.Tor.Mode.Required():
		return why
	case why != nil:
		c.noTor = TorStatus{State: TorStateUnavailable, Err: why}
		return nil
	case !on:
		c.noTor = TorStatus{State: TorStateOff}
		return nil
	}
	key, err := cfg.Account.store.OnionKey(context.Background())
	if err != nil {
		return fmt.Errorf("load onion key: %w", err)
	}
	c.tor = newTorPath(cfg.Tor, key, onionPort(listen), c.log.With("room", "tor"), c.torChanged)
	return nil
}

// onionPort is our onion service's port: the listening port, or the
// default one when the listener takes any free port.
func onionPort(listen string) int {
	_, p, err := net.SplitHostPort(listen)
	if err != nil {
		return DefaultPort
	}
	n, err := strconv.Atoi(p)
	if err != nil || n <= 0 || n > 65535 {
		return DefaultPort
	}
	return n
}

// torChanged tells the frontend about a change in our Tor path.
func (c *Core) torChanged(st TorStatus) {
	c.events.emit(EngineStatus{Up: c.engineUp.Load(), Tor: st})
}

// TorStatus is the current state of our Tor path, for /info.
func (c *Core) TorStatus() TorStatus {
	if c.tor == nil {
		return c.noTor
	}
	return c.tor.current()
}

// bindEngine binds the listener and sets what the engine advertises, which
// it returns. With port 0 the real port is known only once bound.
func bindEngine(cfg Config, id *crypto.Identity, log *slog.Logger, listen string, peers *peers, tp *torPath) (*p2p.Engine, []string, error) {
	inst, err := cfg.Account.store.Instance(context.Background())
	if err != nil {
		return nil, nil, err
	}
	pc := p2p.Config{
		Instance:   inst,
		Identity:   id,
		ListenAddr: listen,
		Logger:     log,
		Limits:     cfg.Limits,
		Dial:       cfg.Dial,
		OnWritable: peers.writable,
	}
	if tp != nil {
		// Direct first; the onion starts this much later unless direct
		// fails sooner, and direct is tried again while on onion.
		pc.Transports = []p2p.Transport{p2p.Fallback(tp.transport(), onionDelay)}
		pc.Listeners = []p2p.Listener{{Listener: tp.listener, Network: PathOnion}}
	}
	engine, err := p2p.New(pc)
	if err != nil {
		return nil, nil, err
	}
	addrs, err := ourAddrs(cfg.Advertise, engine.Addr(), tp)
	if err != nil {
		engine.Close()
		return nil, nil, err
	}
	if err := engine.SetAdvertise(addrs); err != nil {
		engine.Close()
		return nil, nil, err
	}
	return engine, addrs, nil
}

// ourAddrs is what we advertise: the direct addresses of our listener
// (none without one, as with --tor only), then our onion address.
func ourAddrs(advertise []string, listener net.Addr, tp *torPath) ([]string, error) {
	var addrs []string
	if listener != nil {
		var err error
		if addrs, err = advertisedAddrs(advertise, listener.String()); err != nil {
			return nil, err
		}
	}
	if tp != nil {
		addrs = withOnion(addrs, tp.onion)
	}
	return addrs, nil
}

// newSelf describes us as bound to engine, with our link code.
func newSelf(id *crypto.Identity, name string, engine *p2p.Engine, addrs []string, tp *torPath) (Self, error) {
	code, err := crypto.EncodeLinkCode(crypto.LinkCode{Name: name, Keys: id.Public(), Addrs: addrs})
	if err != nil {
		return Self{}, fmt.Errorf("make link code: %w", err)
	}
	self := Self{ID: id.ID(), Name: name, Keys: id.Public(), Addrs: addrs, Code: code}
	if a := engine.Addr(); a != nil {
		self.ListenAddr = a.String()
	}
	if tp != nil {
		self.Onion = tp.onion
	}
	return self, nil
}

// withOnion puts our onion address last in addrs, where peers try it
// after the direct ones, making room for it if the list is full.
func withOnion(addrs []string, onion string) []string {
	if len(addrs) >= crypto.MaxAddrs {
		addrs = addrs[:crypto.MaxAddrs-1]
	}
	return append(slices.Clone(addrs), onion)
}

// Start runs the engine and the contact manager until Close.
func (c *Core) Start() {
	c.startOnce.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		c.cancel = cancel
		c.runCtx.Store(&ctx)
		c.wg.Add(6)
		go func() {
			defer c.wg.Done()
			c.events.run(c.stopped)
		}()
		// Up before tor's goroutine can report: its events carry it.
		c.engineUp.Store(true)
		c.events.emit(EngineStatus{Up: true, Tor: c.TorStatus()})
		if c.tor != nil {
			c.wg.Add(1)
			go func() {
				defer c.wg.Done()
				c.tor.run(ctx)
			}()
		}
		go func() {
			defer c.wg.Done()
			err := c.engine.Run(ctx)
			if err != nil && ctx.Err() == nil {
				// Not the error itself: a network error names addresses,
				// which the log must not hold. The frontend shows it.
				c.log.Error("engine stopped")
				c.engineUp.Store(false)
				c.events.emit(EngineStatus{Up: false, Err: err, Tor: c.TorStatus()})
			}
		}()
		go func() {
			defer c.wg.Done()
			c.router.run(ctx)
		}()
		go func() {
			defer c.wg.Done()
			c.contacts.run(ctx)
		}()
		go func() {
			defer c.wg.Done()
			c.groups.run(ctx)
		}()
		go func() {
			defer c.wg.Done()
			c.addrs.run(ctx)
		}()
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			c.files.run(ctx)
		}()
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			c.checkStore(ctx)
		}()
		if c.lan != nil {
			c.wg.Add(1)
			go func() {
				defer c.wg.Done()
				c.runLAN(ctx)
			}()
		}
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			c.buildSearchIndex(ctx)
		}()
	})
}

// checkStore looks over the whole database once per start, after the fact
// so that a large one does not delay it: damage from outside Jarvis is
// reported, never left to show as missing messages.
func (c *Core) checkStore(ctx context.Context) {
	if err := c.account.store.CheckIntegrity(ctx); err != nil && ctx.Err() == nil {
		c.events.emit(Failure{Op: "check the database", Err: err})
	}
}

// Close stops every goroutine of the core and waits for them. The account
// stays open; the caller closes it.
func (c *Core) Close() error {
	c.startOnce.Do(func() {}) // a never-started core has nothing to stop
	c.bgMu.Lock()
	c.closing = true
	c.bgMu.Unlock()
	if c.cancel != nil {
		c.cancel()
	}
	c.events.close()
	select {
	case <-c.stopped:
	default:
		close(c.stopped)
	}
	c.wg.Wait()
	if c.cancel == nil {
		if c.lan != nil {
			c.lan.Close() // never run: its sockets are still open
		}
		return c.engine.Close()
	}
	return nil
}

// Events delivers what happens, in order. It is closed after Close.
func (c *Core) Events() <-chan Event { return c.events.out }

// Self returns the local identity's public description, with the addresses
// and link code of the moment (they follow our network).
func (c *Core) Self() Self { return c.reach.Load().self(c.self) }

// Presence reports whether id is online, since when and by which path,
// from the table the peers component publishes; it never waits.
func (c *Core) Presence(id crypto.ID) (Presence, bool) { return c.peers.get(id) }

// CheckPassphrase checks pass against the account, for the lock screen.
func (c *Core) CheckPassphrase(ctx context.Context, pass []byte) error {
	return c.account.CheckPassphrase(ctx, pass)
}

// emit queues e for the frontend; the search index sees it first, so a
// message is searchable by the time the frontend shows it.
func (c *Core) emit(e Event) {
	c.search.follow(e)
	c.events.emit(e)
}
