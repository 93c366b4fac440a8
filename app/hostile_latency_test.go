package app

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"jarvis/crypto"
	"jarvis/p2p/wire"
)

// maxAttackDelay is the bound issue 9 sets on how long a hostile peer may
// delay a 1:1 message between two others.
const maxAttackDelay = 200 * time.Millisecond

// latencyProbes is how many 1:1 messages are timed during an attack; the
// median is judged, so a scheduler hiccup on a busy machine is not.
const latencyProbes = 9

// measureLatency times texts between a and b, alternating direction, each
// from Send until the other side shows it.
func measureLatency(t *testing.T, a, b *node, tag string) []time.Duration {
	t.Helper()
	ctx := context.Background()
	var out []time.Duration
	for i := range latencyProbes {
		from, to := a, b
		if i%2 == 1 {
			from, to = b, a
		}
		text := fmt.Sprintf("%s probe %d", tag, i)
		start := time.Now()
		if _, err := from.core.Send(ctx, ContactChat(to.core.Self().ID), text); err != nil {
			t.Fatal(err)
		}
		to.waitFor(text, isReceived(text))
		out = append(out, time.Since(start))
		time.Sleep(20 * time.Millisecond)
	}
	return out
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// attack runs flood from h at victim while a and b exchange probes, and
// judges the median latency.
func attack(t *testing.T, a, b *node, h *hostile, batch []wire.Message) {
	t.Helper()
	calm := measureLatency(t, a, b, "calm")
	ctx, cancel := context.WithCancel(context.Background())
	wait := h.flood(ctx, a.core.Self().ID, batch)
	time.Sleep(300 * time.Millisecond) // let the flood fill every queue it can
	hit := measureLatency(t, a, b, "attack")
	cancel()
	sent := wait()
	t.Logf("batches of %d records sent: %d; median latency calm %v, under attack %v (all: %v)",
		len(batch), sent, median(calm), median(hit), hit)
	if sent == 0 {
		t.Fatal("the flood sent nothing: the test proves nothing")
	}
	if m := median(hit); m > maxAttackDelay {
		t.Fatalf("under attack the median 1:1 latency is %v, over %v", m, maxAttackDelay)
	}
}

// An accepted contact that repeats ContactRequest as fast as a takes it,
// and never reads a's answers, cannot hold up a's messages with b.
func TestAContactRepeatingRequestsCannotDelayOthersMessages(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	a := newNode(t, "a", t.TempDir(), "")
	b := newNode(t, "b", t.TempDir(), "")
	befriend(t, a, b)
	h := newHostile(t, "")
	aID := a.core.Self().ID
	since := h.mark()
	if _, err := a.core.AddContact(ctx, h.code()); err != nil {
		t.Fatal(err)
	}
	h.waitUp(since, aID)
	h.send(aID, wire.ContactAccept{Name: "h"})
	a.waitFor("h added", func(e Event) bool { c, ok := e.(ContactAdded); return ok && c.Contact.ID == h.ID() })

	batch := make([]wire.Message, 256)
	for i := range batch {
		batch[i] = wire.ContactRequest{Name: "h"}
	}
	attack(t, a, b, h, batch)
}

// A stranger that knows only a group's ID floods a with forged "future"
// rosters and syncs, never reading a's side, and cannot hold up a's
// messages with b.
func TestAStrangerFloodingGroupRecordsCannotDelayOthersMessages(t *testing.T) {
	checkGoroutines(t)
	a := newNode(t, "a", t.TempDir(), "")
	b := newNode(t, "b", t.TempDir(), "")
	gid := makeGroup(t, a, b)
	var forged []byte
	h := newHostile(t, "")
	onManager(t, a, func(_ context.Context, m *groupManager) {
		r := m.groups[gid].roster.Clone()
		r.Version += 1000
		enc, err := crypto.SignRoster(r, h.id)
		if err != nil {
			t.Fatal(err)
		}
		forged = enc
	})
	h.dial(a)
	var batch []wire.Message
	for i := range 64 {
		batch = append(batch, wire.GroupRoster{Roster: forged},
			wire.GroupSync{Group: gid, Version: uint64(1_000_000 + i)})
	}
	attack(t, a, b, h, batch)
}
