package app

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"jarvis/crypto"
	"jarvis/p2p"
)

// testKDF keeps Argon2id cheap in tests; production never uses it.
var testKDF = crypto.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}

// fastLimits shrink the backoff so restarts reconnect within a test. Every
// node here dials from 127.0.0.1, which real peers on their own hosts do
// not share: the per-network inbound cap and handshake rate are lifted so
// that fifty nodes on one /24 do not lock each other out (the engine's own
// tests cover those limits).
var fastLimits = p2p.Limits{
	BackoffMax:     200 * time.Millisecond,
	BackoffNever:   200 * time.Millisecond,
	MaxPerPrefix:   1024,
	HandshakeRate:  1000,
	HandshakeBurst: 1000,
	DialsPerMinute: 100000, // restarts redial at once; p2p tests the ceiling
}

const waitTimeout = 20 * time.Second

// node is one full Jarvis core over loopback, with its events recorded.
type node struct {
	t       *testing.T
	name    string
	dir     string
	listen  string
	account *Account
	core    *Core

	mu     sync.Mutex
	events []Event
	notify chan struct{}
	pumped chan struct{}
}

// newNode creates (or, if dir holds one, unlocks) an identity and starts a
// core on 127.0.0.1. An empty listen picks a free port; tweaks adjust the
// core's config (a counting or freezable Dial, smaller limits).
func newNode(t *testing.T, name, dir, listen string, tweaks ...func(*Config)) *node {
	t.Helper()
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	acc, err := OpenAccount(AccountConfig{Path: filepath.Join(dir, "jarvis.db"), KDF: testKDF})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	exists, err := acc.Exists(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if exists {
		err = acc.Unlock(ctx, []byte("pass "+name))
	} else {
		err = acc.Create(ctx, name, []byte("pass "+name))
	}
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Account: acc, Listen: listen, Limits: fastLimits, Tor: TorConfig{Mode: TorOff}}
	for _, tweak := range tweaks {
		tweak(&cfg)
	}
	core, err := NewCore(cfg)
	if err != nil {
		acc.Close()
		t.Fatal(err)
	}
	n := &node{t: t, name: name, dir: dir, account: acc, core: core, notify: make(chan struct{}, 1), pumped: make(chan struct{})}
	n.listen = core.Self().ListenAddr
	core.Start()
	go n.pump()
	t.Cleanup(n.stop)
	n.waitFor("ready", func(e Event) bool { _, ok := e.(Ready); return ok })
	return n
}

func (n *node) pump() {
	defer close(n.pumped)
	for ev := range n.core.Events() {
		n.mu.Lock()
		n.events = append(n.events, ev)
		n.mu.Unlock()
		select {
		case n.notify <- struct{}{}:
		default:
		}
	}
}

// stop shuts the core down cleanly and closes the account; safe to repeat.
func (n *node) stop() {
	if n.core == nil {
		return
	}
	n.core.Close()
	<-n.pumped
	n.account.Close()
	n.core = nil
}

// restart stops the node and starts it again on the same directory and port.
func (n *node) restart() *node {
	n.stop()
	return newNode(n.t, n.name, n.dir, n.listen)
}

// waitFor returns the first recorded event (from the start) matching ok.
func (n *node) waitFor(what string, ok func(Event) bool) Event {
	n.t.Helper()
	return n.waitWithin(waitTimeout, what, ok)
}

// waitWithin is waitFor with its own deadline, for slow paths (Tor).
func (n *node) waitWithin(d time.Duration, what string, ok func(Event) bool) Event {
	n.t.Helper()
	deadline := time.After(d)
	seen := 0
	for {
		n.mu.Lock()
		for ; seen < len(n.events); seen++ {
			if ok(n.events[seen]) {
				e := n.events[seen]
				n.mu.Unlock()
				return e
			}
		}
		n.mu.Unlock()
		select {
		case <-n.notify:
		case <-deadline:
			n.t.Fatalf("%s: timed out waiting for %s", n.name, what)
		}
	}
}

// count returns how many recorded events match ok.
func (n *node) count(ok func(Event) bool) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	c := 0
	for _, e := range n.events {
		if ok(e) {
			c++
		}
	}
	return c
}

// eventually polls cond until it holds or the test times out.
// outboxLen is how many of n's messages to a contact wait for an ack, or -1
// if the store cannot say (so a poll for 0 does not pass on an error).
func outboxLen(ctx context.Context, n *node, contact crypto.ID) int {
	msgs, err := n.account.store.Outbox(ctx, contact, 0, 1<<20)
	if err != nil {
		return -1
	}
	return len(msgs)
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	eventuallyWithin(t, waitTimeout, what, cond)
}

// eventuallyWithin is eventually with its own deadline, for slow paths (Tor).
func eventuallyWithin(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// befriend makes a and b contacts through the real request flow.
func befriend(t *testing.T, a, b *node) {
	t.Helper()
	ctx := context.Background()
	if _, err := a.core.AddContact(ctx, b.core.Self().Code); err != nil {
		t.Fatal(err)
	}
	bID, aID := b.core.Self().ID, a.core.Self().ID
	b.waitFor("contact request", func(e Event) bool {
		r, ok := e.(ContactRequest)
		return ok && r.Contact.ID == aID
	})
	if err := b.core.Accept(ctx, aID); err != nil {
		t.Fatal(err)
	}
	a.waitFor("contact added", func(e Event) bool {
		r, ok := e.(ContactAdded)
		return ok && r.Contact.ID == bID
	})
	a.waitFor("peer online", func(e Event) bool {
		p, ok := e.(PeerStatus)
		return ok && p.ID == bID && p.Online
	})
}

func isReceived(text string) func(Event) bool {
	return func(e Event) bool {
		m, ok := e.(MessageReceived)
		return ok && m.Message.Text == text
	}
}

func isStatus(id crypto.MessageID, st MessageState) func(Event) bool {
	return func(e Event) bool {
		s, ok := e.(MessageStatus)
		return ok && s.ID == id && s.State == st
	}
}

// checkGoroutines fails the test if goroutines started during it linger.
func checkGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<16)
				n := runtime.Stack(buf, true)
				t.Errorf("leaked goroutines: %d before, %d after\n%s", before, runtime.NumGoroutine(), buf[:n])
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

func msgText(i int) string { return fmt.Sprintf("message %03d", i) }
