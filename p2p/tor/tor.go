// Package tor gives Jarvis a Tor client: it runs the system tor as a child process it owns (or attaches to a tor the
// user runs), publishes an onion service under a caller-supplied key and dials onion addresses through tor's SOCKS port.
package tor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/cretz/bine/control"

	"jarvis/p2p/tor/internal/torproc"
)

// ErrNotInstalled means no tor binary was found on PATH.
var ErrNotInstalled = errors.New("tor is not installed: install the tor package (Debian/Ubuntu: apt install tor; " +
	"Termux: pkg install tor; macOS: brew install tor)")

// DefaultDialTimeout bounds one onion dial before the NEWNYM retry; see Tor.DialContext.
const DefaultDialTimeout = 10 * time.Second

// Config says how to reach tor.
type Config struct {
	// Dir is the Jarvis data directory; an owned tor keeps its DataDirectory in Dir/tor (0700).
	Dir string
	// ControlAddr, when set, attaches to a tor the user already runs ("host:port" or "unix:/path") instead of
	// starting one. That tor must offer cookie (or no) authentication and a SocksPort.
	ControlAddr string
	// DialTimeout bounds each onion dial attempt; 0 means DefaultDialTimeout.
	DialTimeout time.Duration
	// Log receives state changes; nil discards them. Nothing logged names an address or a key.
	Log *slog.Logger
	// TestOnlyTorrc lines are appended to the torrc of an owned tor. Tests use it to join a private network;
	// no flag, environment variable or file sets it, and the product must never do so.
	TestOnlyTorrc []string
}

// Tor is a running, controlled tor. Close it exactly once.
type Tor struct {
	cfg   Config
	log   *slog.Logger
	proc  *torproc.Process // nil when attached
	ctrl  *torproc.Control
	socks string // host:port of tor's SOCKS listener

	status *statusFeed
	cancel context.CancelFunc
	wg     sync.WaitGroup // the watcher
	closed sync.Once
	newnym chan struct{} // one token per NEWNYM sent by the dialer; tests read it to see the retry happen
}

// Start starts tor (or attaches to one) and returns once its control port answers; bootstrapping goes on in the
// background and is reported by Status. ctx bounds the start only.
func Start(ctx context.Context, cfg Config) (*Tor, error) {
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t := &Tor{cfg: cfg, log: log, status: newStatusFeed(), newnym: make(chan struct{}, 16)}
	t.status.set(Status{State: StateStarting})
	if err := t.open(ctx); err != nil {
		t.status.set(Status{State: StateUnavailable, Err: err})
		t.status.close()
		return nil, err
	}
	wctx, cancel := context.WithCancel(context.Background())
	t.cancel = cancel
	t.wg.Add(1)
	go func() { // owner: t; stopped by Close (cancel, then wg.Wait)
		defer t.wg.Done()
		t.watch(wctx)
	}()
	return t, nil
}

// Installed reports ErrNotInstalled when no tor binary is on PATH, so a
// caller can say "direct only" before starting anything.
func Installed() error {
	if _, err := exec.LookPath("tor"); err != nil {
		return ErrNotInstalled
	}
	return nil
}

func (t *Tor) open(ctx context.Context) error {
	addr := t.cfg.ControlAddr
	if addr == "" {
		bin, err := exec.LookPath("tor")
		if err != nil {
			return ErrNotInstalled
		}
		if t.cfg.Dir == "" {
			return errors.New("tor: no data directory given")
		}
		lines := append([]string{"SocksPort 127.0.0.1:auto", "ClientOnly 1", "AvoidDiskWrites 1"}, t.cfg.TestOnlyTorrc...)
		t.proc, err = torproc.Start(ctx, torproc.Options{Binary: bin, DataDir: filepath.Join(t.cfg.Dir, "tor"), Torrc: lines})
		if err != nil {
			return fmt.Errorf("tor: %w", err)
		}
		addr = t.proc.ControlAddr()
	}
	var err error
	if t.ctrl, err = torproc.DialControl(ctx, addr); err != nil {
		_ = t.stopProcess()
		return fmt.Errorf("tor: %w", err)
	}
	if t.proc != nil {
		// With ownership taken, tor exits as soon as this connection closes: if Jarvis dies, so does its tor,
		// without waiting for the __OwningControllerProcess poll.
		if err := t.ctrl.Do(func(c *control.Conn) error { return c.TakeOwnership() }); err != nil {
			_ = t.shutdown()
			return fmt.Errorf("tor: take ownership: %w", err)
		}
	}
	socks, err := t.ctrl.GetInfo("net/listeners/socks")
	if err != nil {
		_ = t.shutdown()
		return fmt.Errorf("tor: find the SOCKS port: %w", err)
	}
	// A list of quoted addresses; the first IPv4 loopback one is ours (an owned tor has exactly one).
	for _, f := range strings.Fields(socks) {
		if a := strings.Trim(f, `"`); strings.HasPrefix(a, "127.") {
			t.socks = a
			break
		}
	}
	if t.socks == "" {
		_ = t.shutdown()
		return errors.New("tor: that tor has no SOCKS port on 127.0.0.1; add SocksPort to its torrc")
	}
	return nil
}

// Status is a feed of state changes, newest wins: a reader that falls behind sees the latest state, never a stale
// queue, and the watcher never blocks on it. It is closed after Close.
func (t *Tor) Status() <-chan Status { return t.status.ch }

// Current is the latest state.
func (t *Tor) Current() Status { return t.status.current() }

// Ready is closed when tor first reports bootstrap 100 %.
func (t *Tor) Ready() <-chan struct{} { return t.status.ready }

// ControlAddr is where tor's control port listens (for an owned tor: 127.0.0.1 and a port tor chose).
func (t *Tor) ControlAddr() string {
	if t.proc != nil {
		return t.proc.ControlAddr()
	}
	return t.cfg.ControlAddr
}

// Owned reports whether Jarvis started this tor (false when attached to the user's).
func (t *Tor) Owned() bool { return t.proc != nil }

// Close removes our onion services (by closing the control connection), stops an owned tor (SIGTERM, SIGKILL after
// 10 s) and joins every goroutine. An attached tor keeps running.
func (t *Tor) Close() error {
	var err error
	t.closed.Do(func() {
		t.cancel()
		t.wg.Wait()
		err = t.shutdown()
		t.status.set(Status{State: StateUnavailable, Err: errClosed})
		t.status.close()
	})
	return err
}

var errClosed = errors.New("tor stopped")

// shutdown closes the control connection, then stops an owned tor.
func (t *Tor) shutdown() error {
	if t.ctrl != nil {
		_ = t.ctrl.Close()
	}
	return t.stopProcess()
}

func (t *Tor) stopProcess() error {
	if t.proc == nil {
		return nil
	}
	return t.proc.Stop()
}
