package app

import (
	"context"
	"crypto/rand"
	"path/filepath"
	"testing"
	"time"

	"jarvis/crypto"
	"jarvis/p2p"
	"jarvis/p2p/wire"
)

func TestTwoCoresAddAcceptChatWithReceipts(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	a := newNode(t, "alice", t.TempDir(), "")
	b := newNode(t, "bob", t.TempDir(), "")
	befriend(t, a, b)
	aID, bID := a.core.Self().ID, b.core.Self().ID

	req := b.waitFor("request", func(e Event) bool { _, ok := e.(ContactRequest); return ok }).(ContactRequest)
	if req.Contact.Name != "alice" || req.Contact.SafetyNumber != crypto.SafetyNumber(a.core.Self().Keys, b.core.Self().Keys) {
		t.Fatalf("request shows %q / %q", req.Contact.Name, req.Contact.SafetyNumber)
	}

	id, err := a.core.Send(ctx, ContactChat(bID), "hello bob")
	if err != nil {
		t.Fatal(err)
	}
	got := b.waitFor("message", isReceived("hello bob")).(MessageReceived)
	if got.Message.Conversation != ContactChat(aID) || got.Message.ID != id || got.Message.Outgoing {
		t.Fatalf("received %+v", got.Message)
	}
	a.waitFor("delivered", isStatus(id, StateDelivered))
	if err := b.core.MarkRead(ctx, ContactChat(aID)); err != nil {
		t.Fatal(err)
	}
	a.waitFor("read", isStatus(id, StateRead))

	back, err := b.core.Send(ctx, ContactChat(aID), "hi alice")
	if err != nil {
		t.Fatal(err)
	}
	a.waitFor("reply", isReceived("hi alice"))
	b.waitFor("reply delivered", isStatus(back, StateDelivered))

	hist, err := a.core.History(ctx, ContactChat(bID), 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[0].Text != "hello bob" || !hist[0].Outgoing || hist[0].State != StateRead || hist[1].Text != "hi alice" {
		t.Fatalf("history = %+v", hist)
	}
}

func TestTypingIndicatorReachesContact(t *testing.T) {
	a := newNode(t, "alice", t.TempDir(), "")
	b := newNode(t, "bob", t.TempDir(), "")
	befriend(t, a, b)
	if err := a.core.SetTyping(context.Background(), b.core.Self().ID, true); err != nil {
		t.Fatal(err)
	}
	b.waitFor("typing", func(e Event) bool {
		ty, ok := e.(Typing)
		return ok && ty.Active && ty.Contact == a.core.Self().ID
	})
}

func TestRejectTellsTheRequester(t *testing.T) {
	ctx := context.Background()
	a := newNode(t, "alice", t.TempDir(), "")
	b := newNode(t, "bob", t.TempDir(), "")
	if _, err := a.core.AddContact(ctx, b.core.Self().Code); err != nil {
		t.Fatal(err)
	}
	aID := a.core.Self().ID
	b.waitFor("request", func(e Event) bool { _, ok := e.(ContactRequest); return ok })
	if err := b.core.Reject(ctx, aID); err != nil {
		t.Fatal(err)
	}
	a.waitFor("rejected", func(e Event) bool { r, ok := e.(ContactRejected); return ok && r.ID == b.core.Self().ID })
	list, _ := a.core.Contacts(ctx)
	if len(list) != 0 {
		t.Fatalf("rejected contact still listed: %+v", list)
	}
}

func TestOfflineQueueFlushedInOrderOnReconnect(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	a := newNode(t, "alice", t.TempDir(), "")
	b := newNode(t, "bob", t.TempDir(), "")
	befriend(t, a, b)
	bID := b.core.Self().ID
	b.stop()
	a.waitFor("offline", func(e Event) bool { p, ok := e.(PeerStatus); return ok && p.ID == bID && !p.Online })

	const n = 100
	for i := 0; i < n; i++ {
		if _, err := a.core.Send(ctx, ContactChat(bID), msgText(i)); err != nil {
			t.Fatal(err)
		}
	}
	if c := outboxLen(ctx, a, bID); c != n {
		t.Fatalf("outbox holds %d, want %d before the peer returns", c, n)
	}

	b = b.restart()
	b.waitFor("last message", isReceived(msgText(n-1)))
	eventually(t, "outbox empty", func() bool {
		return outboxLen(ctx, a, bID) == 0
	})
	assertHistory(t, b, a.core.Self().ID, n)
}

func TestRestartMidStreamLosesAndDuplicatesNothing(t *testing.T) {
	ctx := context.Background()
	a := newNode(t, "alice", t.TempDir(), "")
	b := newNode(t, "bob", t.TempDir(), "")
	befriend(t, a, b)
	bID, aID := b.core.Self().ID, a.core.Self().ID

	const n = 600
	for i := 0; i < n/2; i++ {
		if _, err := a.core.Send(ctx, ContactChat(bID), msgText(i)); err != nil {
			t.Fatal(err)
		}
	}
	b = b.restart() // receiver restarts while messages are in flight
	for i := n / 2; i < n; i++ {
		if _, err := a.core.Send(ctx, ContactChat(bID), msgText(i)); err != nil {
			t.Fatal(err)
		}
		if i == n*3/4 {
			a = a.restart() // and so does the sender
		}
	}
	eventually(t, "all delivered", func() bool {
		return outboxLen(ctx, a, bID) == 0
	})
	assertHistory(t, b, aID, n)
}

// assertHistory checks that b holds exactly n messages from a, once each,
// in sending order.
func assertHistory(t *testing.T, b *node, from crypto.ID, n int) {
	t.Helper()
	hist, err := b.core.History(context.Background(), ContactChat(from), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != n {
		t.Fatalf("history holds %d messages, want %d", len(hist), n)
	}
	for i, m := range hist {
		if m.Text != msgText(i) {
			t.Fatalf("message %d is %q, want %q", i, m.Text, msgText(i))
		}
	}
}

// rawPeer is a bare engine that speaks the wire protocol directly, to play
// a stranger or a misbehaving contact.
// impersonate stops a and connects to b with a's keys from a raw engine,
// which a test drives by hand.
func impersonate(t *testing.T, a, b *node) (*p2p.Engine, *crypto.Identity) {
	t.Helper()
	id, _, err := a.account.store.Identity(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	a.stop()
	e, _ := rawPeer(t, id)
	self := b.core.Self()
	e.Connect(p2p.Target{Keys: self.Keys, Addrs: []string{self.ListenAddr}}, "test")
	waitPeerUp(t, e, self.ID)
	return e, id
}

func rawPeer(t *testing.T, id *crypto.Identity) (*p2p.Engine, func()) {
	t.Helper()
	e, err := p2p.New(p2p.Config{Identity: id, ListenAddr: "127.0.0.1:0", Limits: fastLimits})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); e.Run(ctx) }()
	stop := func() { cancel(); <-done }
	t.Cleanup(stop)
	return e, stop
}

func waitPeerUp(t *testing.T, e *p2p.Engine, id crypto.ID) {
	t.Helper()
	timeout := time.After(waitTimeout)
	for {
		select {
		case ev := <-e.Events():
			if up, ok := ev.(p2p.PeerUp); ok && up.Peer.ID == id {
				return
			}
		case <-timeout:
			t.Fatal("raw peer never connected")
		}
	}
}

func TestStrangerCanOnlyAskToBeAContact(t *testing.T) {
	b := newNode(t, "bob", t.TempDir(), "")
	stranger, _ := crypto.GenerateIdentity(rand.Reader)
	e, _ := rawPeer(t, stranger)
	self := b.core.Self()
	e.Connect(p2p.Target{Keys: self.Keys, Addrs: []string{self.ListenAddr}}, "test")
	waitPeerUp(t, e, self.ID)
	var mid crypto.MessageID
	rand.Read(mid[:])
	e.Send(context.Background(), self.ID, wire.Text{ID: mid, SentAt: time.Now().UnixMilli(), Body: "buy my coins"})
	e.Send(context.Background(), self.ID, wire.ContactRequest{Name: "mallory"})
	// Either the request is seen or the session is cut for the text; the
	// text must never be stored or shown.
	time.Sleep(300 * time.Millisecond)
	if n := b.count(isReceived("buy my coins")); n != 0 {
		t.Fatal("a stranger's text was shown")
	}
	hist, _ := b.core.History(context.Background(), ContactChat(stranger.ID()), 0, 10)
	if len(hist) != 0 {
		t.Fatal("a stranger's text was stored")
	}
}

func TestDuplicateMessageIDIsShownOnce(t *testing.T) {
	ctx := context.Background()
	dirA := t.TempDir()
	a := newNode(t, "alice", dirA, "")
	b := newNode(t, "bob", t.TempDir(), "")
	befriend(t, a, b)
	// Alice's own keys, driven by hand, replay one message ID three times.
	e, aIdentity := impersonate(t, a, b)
	self := b.core.Self()
	var mid crypto.MessageID
	rand.Read(mid[:])
	text := wire.Text{ID: mid, SentAt: time.Now().UnixMilli(), Body: "only once"}
	for i := 0; i < 3; i++ {
		if err := e.Send(ctx, self.ID, text); err != nil {
			t.Fatal(err)
		}
	}
	b.waitFor("message", isReceived("only once"))
	time.Sleep(200 * time.Millisecond)
	if n := b.count(isReceived("only once")); n != 1 {
		t.Fatalf("shown %d times", n)
	}
	hist, _ := b.core.History(ctx, ContactChat(aIdentity.ID()), 0, 10)
	if len(hist) != 1 {
		t.Fatalf("stored %d times", len(hist))
	}
}

func TestRemovedContactCannotTalk(t *testing.T) {
	ctx := context.Background()
	a := newNode(t, "alice", t.TempDir(), "")
	b := newNode(t, "bob", t.TempDir(), "")
	befriend(t, a, b)
	aID, bID := a.core.Self().ID, b.core.Self().ID
	if err := b.core.Remove(ctx, aID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.core.Send(ctx, ContactChat(bID), "are you there"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if b.count(isReceived("are you there")) != 0 {
		t.Fatal("a removed contact's message was shown")
	}
}

func TestWrongPassphraseChangesNothing(t *testing.T) {
	dir := t.TempDir()
	acc, err := OpenAccount(AccountConfig{Path: filepath.Join(dir, "jarvis.db"), KDF: testKDF})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := acc.Create(ctx, "alice", []byte("right")); err != nil {
		t.Fatal(err)
	}
	acc.Close()
	acc, _ = OpenAccount(AccountConfig{Path: filepath.Join(dir, "jarvis.db"), KDF: testKDF})
	defer acc.Close()
	if err := acc.Unlock(ctx, []byte("wrong")); err == nil {
		t.Fatal("wrong passphrase accepted")
	}
	if acc.Unlocked() {
		t.Fatal("account unlocked by a wrong passphrase")
	}
	if err := acc.Unlock(ctx, []byte("right")); err != nil {
		t.Fatalf("right passphrase after a wrong one: %v", err)
	}
}

func TestAddingOwnOrBadCodeFails(t *testing.T) {
	a := newNode(t, "alice", t.TempDir(), "")
	if _, err := a.core.AddContact(context.Background(), a.core.Self().Code); err != ErrOwnCode {
		t.Fatalf("own code: err = %v", err)
	}
	if _, err := a.core.AddContact(context.Background(), "jarvis://nonsense"); err == nil {
		t.Fatal("bad code accepted")
	}
}

func TestAcceptAndMessageWhileRequesterOffline(t *testing.T) {
	ctx := context.Background()
	a := newNode(t, "alice", t.TempDir(), "")
	b := newNode(t, "bob", t.TempDir(), "")
	if _, err := a.core.AddContact(ctx, b.core.Self().Code); err != nil {
		t.Fatal(err)
	}
	aID, bID := a.core.Self().ID, b.core.Self().ID
	b.waitFor("request", func(e Event) bool { _, ok := e.(ContactRequest); return ok })
	a.stop()
	if err := b.core.Accept(ctx, aID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.core.Send(ctx, ContactChat(aID), "welcome aboard"); err != nil {
		t.Fatal(err)
	}
	a = a.restart()
	a.waitFor("added", func(e Event) bool { c, ok := e.(ContactAdded); return ok && c.Contact.ID == bID })
	a.waitFor("welcome", isReceived("welcome aboard"))
}

func TestContactAndResolveFindOnePerson(t *testing.T) {
	ctx := context.Background()
	a := newNode(t, "alice", t.TempDir(), "")
	b := newNode(t, "bob", t.TempDir(), "")
	befriend(t, a, b)
	bID := b.core.Self().ID
	c, err := a.core.Contact(ctx, bID)
	if err != nil || c.Name != "bob" || !c.Online {
		t.Fatalf("Contact(bob) = %+v, %v", c, err)
	}
	if _, err := a.core.Contact(ctx, a.core.Self().ID); err != ErrUnknownContact {
		t.Fatalf("Contact(self) err = %v, want ErrUnknownContact", err)
	}
	for _, who := range []string{"BOB", bID.String(), bID.String()[:6]} {
		if id, err := a.core.ResolveContact(ctx, who); err != nil || id != bID {
			t.Fatalf("Resolve(%q) = %v, %v", who, id, err)
		}
	}
	if _, err := a.core.ResolveContact(ctx, "carol"); err != ErrUnknownContact {
		t.Fatalf("Resolve(carol) err = %v", err)
	}
}
