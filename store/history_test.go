package store

import (
	"context"
	"errors"
	"fmt"
	"jarvis/crypto"
	"reflect"
	"strings"
	"testing"
)

func TestHistoryPagesBackwardsInChronologicalOrder(t *testing.T) {
	ctx := context.Background()
	s, _ := newAccount(t)
	a := putContact(t, s, "a")
	b := putContact(t, s, "b")
	const total = 1000
	// Interleave two conversations so Seq has gaps within each.
	var want []string
	for i := 0; i < total; i += 100 {
		in := messages(t, a.ID, 50, func(j int) string { return fmt.Sprintf("a-%04d", i+j) })
		out := messages(t, a.ID, 50, func(j int) string { return fmt.Sprintf("a-%04d", i+50+j) })
		if _, err := s.AddIncoming(ctx, in); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddIncoming(ctx, messages(t, b.ID, 7, func(int) string { return "b" })); err != nil {
			t.Fatal(err)
		}
		if err := s.AddOutgoing(ctx, out); err != nil {
			t.Fatal(err)
		}
		for j := range 100 {
			want = append(want, fmt.Sprintf("a-%04d", i+j))
		}
	}

	for _, pageSize := range []int{1, 7, 100, 999, 1000, 5000} {
		t.Run(fmt.Sprintf("page size %d", pageSize), func(t *testing.T) {
			var got []string
			var before int64
			pages := 0
			for {
				page, err := s.History(ctx, ContactChat(a.ID), before, pageSize)
				if err != nil {
					t.Fatal(err)
				}
				if len(page) == 0 {
					break
				}
				if len(page) > min(pageSize, MaxPage) {
					t.Fatalf("page of %d, asked for %d", len(page), pageSize)
				}
				for i := 1; i < len(page); i++ {
					if page[i].Seq <= page[i-1].Seq {
						t.Fatalf("page not in chronological order at %d", i)
					}
				}
				if before != 0 && page[len(page)-1].Seq >= before {
					t.Fatalf("page includes Seq %d >= cursor %d", page[len(page)-1].Seq, before)
				}
				texts := make([]string, len(page))
				for i, m := range page {
					if m.Contact != a.ID {
						t.Fatalf("history of a returned a message of another contact")
					}
					texts[i] = m.Text
				}
				got = append(texts, got...)
				before = page[0].Seq
				pages++
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("paged history has %d messages, want %d in order", len(got), len(want))
			}
			if wantPages := (total + min(pageSize, MaxPage) - 1) / min(pageSize, MaxPage); pages != wantPages {
				t.Fatalf("%d pages, want %d", pages, wantPages)
			}
		})
	}
	if _, err := s.History(ctx, ContactChat(a.ID), 0, 0); !errors.Is(err, ErrInvalid) {
		t.Fatalf("History(limit 0): %v, want ErrInvalid", err)
	}
}

func TestHistoryAndOutboxUseTheirIndexes(t *testing.T) {
	s, _ := newAccount(t)
	for _, tc := range []struct {
		q     string
		args  []any
		index string
	}{
		{historyQuery, []any{"x", 5, 10}, "messages_history"},
		{outboxQuery, []any{"x", 0, 10}, "messages_outbox"},
		{unreadQuery, []any{"x"}, "messages_unread"},
		{pendingReceiptsQuery, []any{"x"}, "messages_receipts"},
	} {
		q := tc.q
		rows, err := s.r.Query(`EXPLAIN QUERY PLAN `+q, tc.args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		joined := strings.Join(plan, "; ")
		if strings.Contains(joined, "SCAN") || strings.Contains(joined, "TEMP B-TREE") {
			t.Errorf("query plan scans or sorts: %s\nfor %s", joined, q)
		}
		if !strings.Contains(joined, tc.index) {
			t.Errorf("query plan does not use %s: %s", tc.index, joined)
		}
	}
}

func TestReadReceiptsFlow(t *testing.T) {
	ctx := context.Background()
	s, _ := newAccount(t)
	a := putContact(t, s, "a")
	b := putContact(t, s, "b")
	in := messages(t, a.ID, 3, func(int) string { return "in" })
	if _, err := s.AddIncoming(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddIncoming(ctx, messages(t, b.ID, 2, func(int) string { return "b" })); err != nil {
		t.Fatal(err)
	}
	if err := s.AddOutgoing(ctx, messages(t, a.ID, 2, func(int) string { return "out" })); err != nil {
		t.Fatal(err)
	}
	if n, err := s.UnreadCount(ctx, ContactChat(a.ID)); err != nil || n != 3 {
		t.Fatalf("UnreadCount = %d, %v; want 3 (outgoing not counted)", n, err)
	}

	seen, err := s.MarkSeen(ctx, ContactChat(a.ID))
	if err != nil {
		t.Fatal(err)
	}
	if !sameIDs(seen, ids(in)) {
		t.Fatalf("MarkSeen returned %d IDs, want the 3 incoming", len(seen))
	}
	if n, _ := s.UnreadCount(ctx, ContactChat(a.ID)); n != 0 {
		t.Fatalf("UnreadCount after MarkSeen = %d", n)
	}
	if n, _ := s.UnreadCount(ctx, ContactChat(b.ID)); n != 2 {
		t.Fatalf("MarkSeen touched another contact: UnreadCount(b) = %d", n)
	}
	if again, err := s.MarkSeen(ctx, ContactChat(a.ID)); err != nil || len(again) != 0 {
		t.Fatalf("second MarkSeen = %d IDs, %v", len(again), err)
	}

	pending, err := s.PendingReceipts(ctx, a.ID)
	if err != nil || !reflect.DeepEqual(pending, ids(in)) {
		t.Fatalf("PendingReceipts = %d IDs, %v; want the 3 in order", len(pending), err)
	}
	if err := s.ReceiptsSent(ctx, a.ID, ids(in[:2])); err != nil {
		t.Fatal(err)
	}
	pending, err = s.PendingReceipts(ctx, a.ID)
	if err != nil || !reflect.DeepEqual(pending, ids(in[2:])) {
		t.Fatalf("PendingReceipts after ReceiptsSent = %d IDs, %v; want 1", len(pending), err)
	}
	h, _ := s.History(ctx, ContactChat(a.ID), 0, 10)
	for _, m := range h {
		if !m.Outgoing && m.State != StateSeen {
			t.Fatalf("incoming message state %s after MarkSeen", m.State)
		}
		if m.Outgoing && m.State != StateQueued {
			t.Fatalf("MarkSeen changed an outgoing message to %s", m.State)
		}
	}
}

func sameIDs(a, b []crypto.MessageID) bool {
	if len(a) != len(b) {
		return false
	}
	set := map[crypto.MessageID]bool{}
	for _, id := range a {
		set[id] = true
	}
	for _, id := range b {
		if !set[id] {
			return false
		}
	}
	return true
}

func TestPartialIndexLiteralsMatchStates(t *testing.T) {
	if StateUnread != 6 || StateSeen != 7 {
		t.Fatal("history.go and migration 2 hard-code StateUnread=6 and StateSeen=7; update them together")
	}
}
