package app

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestClockJumpsKeepOrderAndDedup: A's wall clock jumps a day ahead, then a
// day back, while A and B write to each other and to a group; B restarts
// in the middle, so A's outbox is sent again. Every message arrives once,
// in the order it was written, on both sides. (CLOCK_REALTIME cannot be
// set for one process, so A's cores get an injected clock.)
func TestClockJumpsKeepOrderAndDedup(t *testing.T) {
	var offset atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	a := newNode(t, "A", t.TempDir(), "", func(c *Config) { c.Clock = clock })
	b := newNode(t, "B", t.TempDir(), "")
	befriend(t, a, b)
	group := inviteAll(t, a, b)
	ctx := context.Background()
	const n = 90
	jumps := map[int]time.Duration{n / 3: 24 * time.Hour, 2 * n / 3: -24 * time.Hour}
	for i := range n {
		if d, ok := jumps[i]; ok {
			offset.Store(int64(d))
		}
		if i == n/2 {
			b = b.restart()
		}
		for _, s := range []struct {
			from *node
			conv ConversationID
		}{{a, ContactChat(b.core.Self().ID)}, {b, ContactChat(a.core.Self().ID)}, {a, GroupChat(group)}, {b, GroupChat(group)}} {
			text := fmt.Sprintf("%s %03d", s.from.name, i)
			if _, err := s.from.core.Send(ctx, s.conv, text); err != nil {
				t.Fatalf("send %q: %v", text, err)
			}
		}
	}
	for _, c := range []struct {
		at   *node
		conv ConversationID
		from string
	}{{b, ContactChat(a.core.Self().ID), "A"}, {a, ContactChat(b.core.Self().ID), "B"}, {b, GroupChat(group), "A"}, {a, GroupChat(group), "B"}} {
		var got []string
		eventually(t, fmt.Sprintf("%s's %d messages at %s", c.from, n, c.at.name), func() bool {
			hist, err := c.at.core.History(ctx, c.conv, 0, 1000)
			if err != nil {
				t.Fatal(err)
			}
			got = got[:0]
			for _, m := range withoutSystem(hist) {
				if !m.Outgoing && strings.HasPrefix(m.Text, c.from+" ") {
					got = append(got, m.Text)
				}
			}
			return len(got) >= n
		})
		for i, text := range got {
			if want := fmt.Sprintf("%s %03d", c.from, i); text != want || len(got) != n {
				t.Fatalf("%s holds %d messages from %s in %v; #%d is %q, want %q (each once, in order)", c.at.name, len(got), c.from, c.conv, i, text, want)
			}
		}
	}
}
