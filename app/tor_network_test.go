//go:build tortest

// Scenarios over a private Tor network run by the stock tor binary (see
// p2p/tor/tornet). They need `-tags tortest`; `make test` runs them after
// the rest, one package at a time, so that only one network runs at once.

package app

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"jarvis/crypto"
	"jarvis/p2p/tor/tornet"
)

var torNetwork tornet.Shared

func TestMain(m *testing.M) { os.Exit(torNetwork.Run(m)) }

const torWaitTimeout = tornet.WaitLimit

// torNode starts a node whose core runs its own tor on the private network
// in mode; tweaks adjust the config further.
func torNode(t *testing.T, name, dir string, mode TorMode, tweaks ...func(*Config)) *node {
	t.Helper()
	rc := torNetwork.Torrc(t)
	tweaks = append([]func(*Config){func(c *Config) {
		c.Tor = TorConfig{Mode: mode, Dir: dir, TestOnlyTorrc: rc}
	}}, tweaks...)
	n := newNode(t, name, dir, "", tweaks...)
	n.waitWithin(torWaitTimeout, "onion ready", func(e Event) bool {
		es, ok := e.(EngineStatus)
		return ok && es.Tor.State == TorStateReady
	})
	return n
}

// befriendSlowly is befriend with Tor's patience.
func befriendSlowly(t *testing.T, a, b *node) {
	t.Helper()
	ctx := context.Background()
	if _, err := a.core.AddContact(ctx, b.core.Self().Code); err != nil {
		t.Fatal(err)
	}
	aID, bID := a.core.Self().ID, b.core.Self().ID
	b.waitWithin(torWaitTimeout, "contact request", func(e Event) bool {
		r, ok := e.(ContactRequest)
		return ok && r.Contact.ID == aID
	})
	if err := b.core.Accept(ctx, aID); err != nil {
		t.Fatal(err)
	}
	a.waitWithin(torWaitTimeout, "contact added", func(e Event) bool {
		r, ok := e.(ContactAdded)
		return ok && r.Contact.ID == bID
	})
}

// waitPath waits until n reaches peer by path.
func waitPath(t *testing.T, n *node, peer crypto.ID, path string) {
	t.Helper()
	deadline := time.Now().Add(torWaitTimeout)
	for {
		if pr, ok := n.core.Presence(peer); ok && pr.Path == path {
			return
		}
		if time.Now().After(deadline) {
			pr, _ := n.core.Presence(peer)
			t.Fatalf("%s: peer still on %q, want %q", n.name, pr.Path, path)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// receivedCounts counts the texts n received in conv.
func receivedCounts(n *node, conv ConversationID) map[string]int {
	n.mu.Lock()
	defer n.mu.Unlock()
	got := make(map[string]int)
	for _, e := range n.events {
		if m, ok := e.(MessageReceived); ok && m.Message.Conversation == conv {
			got[m.Message.Text]++
		}
	}
	return got
}

// waitAllOnce waits until n has received each of texts in conv, then
// checks none came twice.
func waitAllOnce(t *testing.T, n *node, conv ConversationID, texts []string) {
	t.Helper()
	deadline := time.Now().Add(torWaitTimeout)
	for {
		got := receivedCounts(n, conv)
		missing := 0
		for _, s := range texts {
			if got[s] == 0 {
				missing++
			}
		}
		for s, c := range got {
			if c > 1 {
				t.Fatalf("%s: %q shown %d times", n.name, s, c)
			}
		}
		if missing == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d of %d messages never arrived", n.name, missing, len(texts))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestTorOnlyNodesPairChatQueueAndRestart(t *testing.T) {
	ctx := context.Background()
	adir, bdir := t.TempDir(), t.TempDir()
	a := torNode(t, "alice", adir, TorOnly)
	b := torNode(t, "bob", bdir, TorOnly)
	for _, n := range []*node{a, b} {
		lc, err := crypto.ParseLinkCode(n.core.Self().Code)
		if err != nil {
			t.Fatal(err)
		}
		if len(lc.Addrs) != 1 || !isOnionAddr(lc.Addrs[0]) || n.core.Self().ListenAddr != "" {
			t.Fatalf("%s: --tor only code holds %d addresses (onion: %v), listens on %q", n.name, len(lc.Addrs), isOnionAddr(lc.Addrs[0]), n.core.Self().ListenAddr)
		}
	}
	befriendSlowly(t, a, b)
	aID, bID := a.core.Self().ID, b.core.Self().ID
	waitPath(t, a, bID, PathOnion)
	waitPath(t, b, aID, PathOnion)

	if _, err := a.core.Send(ctx, ContactChat(bID), "over tor"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.core.Send(ctx, ContactChat(aID), "and back"); err != nil {
		t.Fatal(err)
	}
	waitAllOnce(t, b, ContactChat(aID), []string{"over tor"})
	waitAllOnce(t, a, ContactChat(bID), []string{"and back"})

	// Bob goes offline; Alice's messages wait in her outbox and reach him
	// when he is back, at the same onion address.
	onion := b.core.Self().Onion
	b.stop()
	queued := []string{"queued 1", "queued 2", "queued 3"}
	for _, s := range queued {
		if _, err := a.core.Send(ctx, ContactChat(bID), s); err != nil {
			t.Fatal(err)
		}
	}
	b = torNode(t, "bob", bdir, TorOnly)
	if b.core.Self().Onion != onion {
		t.Fatal("onion address changed across a restart")
	}
	waitAllOnce(t, b, ContactChat(aID), queued)
	eventuallyWithin(t, torWaitTimeout, "alice's outbox drained", func() bool { return outboxLen(ctx, a, bID) == 0 })
}

// directLink is the direct path between test nodes: every direct dial goes
// through it, and cut closes those conns and refuses new ones, as when a
// phone leaves the Wi-Fi both were on. Onion dials go through tor and
// never come here.
type directLink struct {
	mu    sync.Mutex
	down  bool
	conns map[net.Conn]struct{}
}

var errLinkDown = errors.New("direct path cut by the test")

func (l *directLink) dial(ctx context.Context, addr string) (net.Conn, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.down {
		return nil, errLinkDown
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if l.conns == nil {
		l.conns = make(map[net.Conn]struct{})
	}
	l.conns[c] = struct{}{}
	return c, nil
}

func (l *directLink) set(up bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down = !up
	if up {
		return
	}
	for c := range l.conns {
		_ = c.Close()
	}
	clear(l.conns)
}

func TestTorCarriesTheChatWhenTheDirectPathIsCutAndGivesItBack(t *testing.T) {
	ctx := context.Background()
	var link directLink
	viaLink := func(c *Config) {
		c.Dial = link.dial
		c.Limits.UpgradeMin = time.Second // try direct again soon after the cut heals
	}
	a := torNode(t, "alice", t.TempDir(), TorOn, viaLink)
	b := torNode(t, "bob", t.TempDir(), TorOn, viaLink)
	befriendSlowly(t, a, b)
	aID, bID := a.core.Self().ID, b.core.Self().ID
	waitPath(t, a, bID, PathDirect)
	waitPath(t, b, aID, PathDirect)

	var toB, toA []string
	send := func(phase string, n int) {
		for i := range n {
			s := phase + " " + msgText(i)
			if _, err := a.core.Send(ctx, ContactChat(bID), "a: "+s); err != nil {
				t.Fatal(err)
			}
			if _, err := b.core.Send(ctx, ContactChat(aID), "b: "+s); err != nil {
				t.Fatal(err)
			}
			toB, toA = append(toB, "a: "+s), append(toA, "b: "+s)
		}
	}
	send("direct", 20)
	link.set(false)
	send("cut", 20) // sent while the direct session dies under them
	waitPath(t, a, bID, PathOnion)
	send("onion", 20)
	waitAllOnce(t, b, ContactChat(aID), toB)
	waitAllOnce(t, a, ContactChat(bID), toA)

	link.set(true)
	send("restored", 20)
	waitPath(t, a, bID, PathDirect)
	waitPath(t, b, aID, PathDirect)
	send("direct again", 20)
	waitAllOnce(t, b, ContactChat(aID), toB)
	waitAllOnce(t, a, ContactChat(bID), toA)
	eventuallyWithin(t, torWaitTimeout, "outboxes drained", func() bool { return outboxLen(ctx, a, bID) == 0 && outboxLen(ctx, b, aID) == 0 })
}

func TestTorGroupOfThreeWithAnOnionOnlyMember(t *testing.T) {
	a := torNode(t, "alice", t.TempDir(), TorOn)
	b := torNode(t, "bob", t.TempDir(), TorOn)
	c := torNode(t, "carol", t.TempDir(), TorOnly)
	ctx := context.Background()
	g, err := a.core.CreateGroup(ctx, "trip", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []*node{b, c} {
		befriendSlowly(t, a, m)
		if err := a.core.Invite(ctx, g.ID, m.core.Self().ID); err != nil {
			t.Fatal(err)
		}
		m.waitWithin(torWaitTimeout, "group invite", func(e Event) bool {
			inv, ok := e.(GroupInvite)
			return ok && inv.Group.ID == g.ID
		})
		if err := m.core.AcceptInvite(ctx, g.ID); err != nil {
			t.Fatal(err)
		}
	}
	nodes := []*node{a, b, c}
	for _, n := range nodes {
		eventuallyWithin(t, torWaitTimeout, n.name+" sees three members", func() bool {
			gv, err := n.core.Group(ctx, g.ID)
			return err == nil && len(gv.Members) == 3 && gv.State == GroupActive
		})
	}
	texts := map[*node][]string{}
	for _, n := range nodes {
		for i := range 5 {
			s := n.name + " " + msgText(i)
			sendGroup(t, n, g.ID, s)
			for _, other := range nodes {
				if other != n {
					texts[other] = append(texts[other], s)
				}
			}
		}
	}
	for _, n := range nodes {
		waitAllOnce(t, n, GroupChat(g.ID), texts[n])
	}
	// Carol is reachable only by onion: Bob, no contact of hers, reached her there.
	waitPath(t, b, c.core.Self().ID, PathOnion)
}

// killTor kills n's own tor with SIGKILL, as a phone's low-memory killer
// would: it is the process whose command line names n's torrc.
func killTor(t *testing.T, n *node) {
	t.Helper()
	torrc := filepath.Join(n.dir, "tor", "torrc")
	procs, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil || !bytes.Contains(b, []byte(torrc)) {
			continue
		}
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		if err != nil {
			t.Fatal(err)
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("%s: no tor process runs with %s", n.name, torrc)
}

func TestTorThatDiesIsStartedAgainAndTheChatGoesOn(t *testing.T) {
	ctx := context.Background()
	a := torNode(t, "alice", t.TempDir(), TorOnly)
	b := torNode(t, "bob", t.TempDir(), TorOnly)
	befriendSlowly(t, a, b)
	aID, bID := a.core.Self().ID, b.core.Self().ID
	waitPath(t, a, bID, PathOnion)

	before := a.count(func(e Event) bool { es, ok := e.(EngineStatus); return ok && es.Tor.State == TorStateReady })
	killTor(t, a)
	a.waitWithin(torWaitTimeout, "tor reported down", func(e Event) bool {
		es, ok := e.(EngineStatus)
		return ok && es.Tor.State == TorStateUnavailable
	})
	eventuallyWithin(t, torWaitTimeout, "tor ready again", func() bool {
		return a.count(func(e Event) bool { es, ok := e.(EngineStatus); return ok && es.Tor.State == TorStateReady }) > before
	})
	if _, err := a.core.Send(ctx, ContactChat(bID), "after tor came back"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.core.Send(ctx, ContactChat(aID), "to the new tor"); err != nil {
		t.Fatal(err)
	}
	waitAllOnce(t, b, ContactChat(aID), []string{"after tor came back"})
	waitAllOnce(t, a, ContactChat(bID), []string{"to the new tor"})
}
