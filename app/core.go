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
	"sync"

	"jarvis/crypto"
	"jarvis/p2p"
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
}

// Self describes the local identity.
type Self struct {
	ID         crypto.ID
	Name       string
	Keys       crypto.PublicIdentity
	ListenAddr string
	Addrs      []string // advertised, best first
	Code       string   // our link code
}

// Core is a running Jarvis node.
type Core struct {
	account  *Account
	identity *crypto.Identity
	self     Self
	engine   *p2p.Engine
	peers    *peers
	router   *router
	contacts *contactManager
	groups   *groupManager
	events   *eventQueue
	dir      *directory // names for the resolver, published by the managers
	log      *slog.Logger

	startOnce sync.Once
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	stopped   chan struct{}
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
	peers := newPeers(log.With("room", "peers"), holdContacts, holdGroups)
	engine, addrs, err := bindEngine(cfg, id, log, listen, peers)
	if err != nil {
		return nil, err
	}
	self, err := newSelf(id, name, engine, addrs)
	if err != nil {
		engine.Close()
		return nil, err
	}
	c := &Core{
		account:  cfg.Account,
		identity: id,
		engine:   engine,
		peers:    peers,
		events:   newEventQueue(),
		dir:      newDirectory(),
		log:      log,
		stopped:  make(chan struct{}),
		self:     self,
	}
	peers.net = engine
	peers.addrs = policyFor(engine.Addr())
	c.router = newRouter(engine, peers)
	c.contacts = newContactManager(c, c.router.add(isContactMessage))
	c.groups = newGroupManager(c, c.router.add(isGroupMessage))
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
	if _, err := advertisedAddrs(cfg.Advertise, listen); err != nil {
		return "", err
	}
	return listen, nil
}

// bindEngine binds the listener and sets what the engine advertises, which
// it returns. With port 0 the real port is known only once bound.
func bindEngine(cfg Config, id *crypto.Identity, log *slog.Logger, listen string, peers *peers) (*p2p.Engine, []string, error) {
	engine, err := p2p.New(p2p.Config{
		Identity:   id,
		ListenAddr: listen,
		Logger:     log,
		Limits:     cfg.Limits,
		Dial:       cfg.Dial,
		OnWritable: peers.writable,
	})
	if err != nil {
		return nil, nil, err
	}
	addrs, err := advertisedAddrs(cfg.Advertise, engine.Addr().String())
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

// newSelf describes us as bound to engine, with our link code.
func newSelf(id *crypto.Identity, name string, engine *p2p.Engine, addrs []string) (Self, error) {
	code, err := crypto.EncodeLinkCode(crypto.LinkCode{Name: name, Keys: id.Public(), Addrs: addrs})
	if err != nil {
		return Self{}, fmt.Errorf("make link code: %w", err)
	}
	return Self{
		ID: id.ID(), Name: name, Keys: id.Public(),
		ListenAddr: engine.Addr().String(), Addrs: addrs, Code: code,
	}, nil
}

// Start runs the engine and the contact manager until Close.
func (c *Core) Start() {
	c.startOnce.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		c.cancel = cancel
		c.wg.Add(5)
		go func() {
			defer c.wg.Done()
			c.events.run(c.stopped)
		}()
		go func() {
			defer c.wg.Done()
			c.events.emit(EngineStatus{Up: true})
			err := c.engine.Run(ctx)
			if err != nil && ctx.Err() == nil {
				// Not the error itself: a network error names addresses,
				// which the log must not hold. The frontend shows it.
				c.log.Error("engine stopped")
				c.events.emit(EngineStatus{Up: false, Err: err})
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
	})
}

// Close stops every goroutine of the core and waits for them. The account
// stays open; the caller closes it.
func (c *Core) Close() error {
	c.startOnce.Do(func() {}) // a never-started core has nothing to stop
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
		return c.engine.Close()
	}
	return nil
}

// Events delivers what happens, in order. It is closed after Close.
func (c *Core) Events() <-chan Event { return c.events.out }

// Self returns the local identity's public description.
func (c *Core) Self() Self { return c.self }

// Presence reports whether id is online, since when and by which path,
// from the table the peers component publishes; it never waits.
func (c *Core) Presence(id crypto.ID) (Presence, bool) { return c.peers.get(id) }

// CheckPassphrase checks pass against the account, for the lock screen.
func (c *Core) CheckPassphrase(ctx context.Context, pass []byte) error {
	return c.account.CheckPassphrase(ctx, pass)
}

func (c *Core) emit(e Event) { c.events.emit(e) }
