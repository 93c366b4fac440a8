package app

import (
	"context"
	"slices"
	"testing"

	"jarvis/p2p/wire"
)

// A contact names where it listens in its Hello and in Address messages;
// a is to dial only ports on the IP the contact's session comes from, never
// a host it names elsewhere.
func TestAContactCannotPointUsAtOtherHosts(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	a := newNode(t, "a", t.TempDir(), "")
	b := newNode(t, "b", t.TempDir(), "", func(c *Config) {
		c.Advertise = []string{"198.51.100.1:22", "intranet.example:80"}
	})
	befriend(t, b, a) // b asks: a knows b only from what b says
	bID, aID := b.core.Self().ID, a.core.Self().ID
	if err := b.core.engine.Send(ctx, aID, wire.Address{Addrs: []string{"192.0.2.55:25", "127.0.0.1:1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.core.Send(ctx, ContactChat(aID), "barrier"); err != nil {
		t.Fatal(err)
	}
	a.waitFor("barrier", isReceived("barrier"))
	c, err := a.account.store.Contact(ctx, bID)
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range c.Addrs {
		if addr != b.listen && addr != "127.0.0.1:1" {
			t.Errorf("a learned %q for b", addr)
		}
	}
	if !slices.Contains(c.Addrs, "127.0.0.1:1") {
		t.Errorf("a port on b's own IP was not learned: %v", c.Addrs)
	}
}
