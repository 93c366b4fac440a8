package app

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"testing"
	"time"
)

type msgCount struct {
	mu sync.Mutex
	n  map[string]int
}

func (l *msgCount) Enabled(context.Context, slog.Level) bool { return true }
func (l *msgCount) WithAttrs([]slog.Attr) slog.Handler        { return l }
func (l *msgCount) WithGroup(string) slog.Handler             { return l }
func (l *msgCount) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	l.n[r.Message]++
	l.mu.Unlock()
	return nil
}

func TestTmp50(t *testing.T) {
	const size = 50
	lc := &msgCount{n: map[string]int{}}
	nodes := make([]*node, size)
	for i := range nodes {
		nodes[i] = newNode(t, fmt.Sprintf("m%02d", i), t.TempDir(), "", func(c *Config) { c.Logger = slog.New(lc) })
	}
	start := time.Now()
	ctx := context.Background()
	g, _ := nodes[0].core.CreateGroup(ctx, "team", "")
	for i, n := range nodes[1:] {
		t0 := time.Now()
		befriend(t, nodes[0], n)
		t1 := time.Now()
		nodes[0].core.Invite(ctx, g.ID, n.core.Self().ID)
		n.waitFor("group invite", func(e Event) bool { inv, ok := e.(GroupInvite); return ok && inv.Group.ID == g.ID })
		t2 := time.Now()
		n.core.AcceptInvite(ctx, g.ID)
		if i%7 == 0 {
			t.Logf("member %d: befriend %v invite %v", i, t1.Sub(t0), t2.Sub(t1))
		}
	}
	t.Logf("invites took %v", time.Since(start))
	for _, n := range nodes {
		waitGroupSize(t, n, g.ID, size)
	}
	t.Logf("forming took %v", time.Since(start))
	lc.mu.Lock()
	var keys []string
	for k := range lc.n {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("%6d %s", lc.n[k], k)
	}
	lc.mu.Unlock()
}
