package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"jarvis/crypto"
)

// groupWorld is an account in an active group at roster version 2 (joined
// at 1), with one message from another member seen, one unread and one
// pending its key.
type groupWorld struct {
	path   string
	gid    crypto.GroupID
	author crypto.ID
}

func newGroupWorld(t *testing.T) groupWorld {
	t.Helper()
	ctx := context.Background()
	s, path := newAccount(t)
	w := groupWorld{path: path, gid: crypto.GroupID{1, 2, 3}, author: crypto.ID{9}}
	now := time.Now()
	if err := s.PutGroup(ctx, Group{ID: w.gid, State: GroupActive, Version: 2, Joined: 1, Local: []byte("{}"),
		CreatedAt: now, LastActivity: now}); err != nil {
		t.Fatal(err)
	}
	for v := uint64(1); v <= 2; v++ {
		if err := s.PutRoster(ctx, w.gid, v, []byte{byte(v)}); err != nil {
			t.Fatal(err)
		}
	}
	msg := func(seq uint64, st GroupMsgState) GroupMessage {
		return GroupMessage{Group: w.gid, Author: w.author, AuthorSeq: seq, Epoch: 1, State: st, SentAt: now,
			Record: []byte{byte(seq)}, Text: "group text"}
	}
	if _, err := s.AddGroupMessages(ctx, []GroupMessage{msg(1, GroupMsgUnread)}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MarkSeen(ctx, GroupChat(w.gid)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddGroupMessages(ctx, []GroupMessage{msg(2, GroupMsgUnread), msg(3, GroupMsgPending)}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return w
}

// TestTamperedGroupMetadataIsRefused is TestTamperedMetadataIsRefused for
// the group tables: this device's state in a group, the roster version
// (which decides every member's role), the version it joined at, and a
// message's author, number, epoch, state and place.
func TestTamperedGroupMetadataIsRefused(t *testing.T) {
	ctx := context.Background()
	groups := func(s *Store, _ groupWorld) error { _, err := s.Groups(ctx); return err }
	history := func(s *Store, w groupWorld) error { _, err := s.History(ctx, GroupChat(w.gid), 0, 10); return err }
	tests := []struct {
		name  string
		sql   []string
		table string
		read  func(*Store, groupWorld) error
	}{
		{"group state changed", []string{`UPDATE groups SET state = 3`}, "groups", groups},
		{"roster version rolled back (older roles)", []string{`UPDATE groups SET version = 1`}, "groups", groups},
		{"joined earlier", []string{`UPDATE groups SET joined = 0`}, "groups", groups},
		{"group MAC removed", []string{`UPDATE groups SET mac = NULL`}, "groups", groups},
		{"message given another author", []string{`UPDATE group_messages SET author = zeroblob(20) WHERE aseq = 2`}, "group_messages", history},
		{"message number changed", []string{`UPDATE group_messages SET aseq = 7 WHERE aseq = 2`}, "group_messages", history},
		{"message epoch changed", []string{`UPDATE group_messages SET epoch = 2 WHERE aseq = 1`}, "group_messages", history},
		{"seen message unread again", []string{`UPDATE group_messages SET state = 2 WHERE state = 3`}, "group_messages", history},
		{"someone's message shown as ours", []string{`UPDATE group_messages SET state = 4 WHERE aseq = 2`}, "group_messages", history},
		{"messages reordered", []string{`UPDATE group_messages SET seq = -1 WHERE seq = 1`,
			`UPDATE group_messages SET seq = 1 WHERE seq = 2`, `UPDATE group_messages SET seq = 2 WHERE seq = -1`}, "group_messages", history},
		{"mark seen on a row given another author", []string{`UPDATE group_messages SET state = 2, author = zeroblob(20) WHERE aseq = 1`}, "group_messages",
			func(s *Store, w groupWorld) error { _, err := s.MarkSeen(ctx, GroupChat(w.gid)); return err }},
		{"pending message resolved after a tamper", []string{`UPDATE group_messages SET epoch = 5 WHERE aseq = 3`}, "group_messages",
			func(s *Store, w groupWorld) error {
				m := GroupMessage{Seq: 3, Group: w.gid, Author: w.author, AuthorSeq: 3, Epoch: 1, State: GroupMsgUnread, Text: "x"}
				return s.ResolveGroupMessages(ctx, []GroupMessage{m}, nil)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newGroupWorld(t)
			if err := tt.read(reopen(t, w.path), w); err != nil {
				t.Fatalf("before tampering: %v", err)
			}
			tamperFile(t, w.path, tt.sql...)
			wantTampered(t, tt.read(reopen(t, w.path), w), tt.table)
		})
	}
}

// TestSwappedRosterIsRefused: roles live inside the sealed roster, bound to
// its group and version, so an older roster copied over the current one
// does not open.
func TestSwappedRosterIsRefused(t *testing.T) {
	w := newGroupWorld(t)
	tamperFile(t, w.path, `UPDATE group_rosters SET roster = (SELECT roster FROM group_rosters WHERE version = 1) WHERE version = 2`)
	if _, err := reopen(t, w.path).Roster(context.Background(), w.gid, 2); !errors.Is(err, crypto.ErrSealCorrupt) {
		t.Fatalf("swapped roster: %v, want crypto.ErrSealCorrupt", err)
	}
}

// TestUpgradeComputesGroupMACs: the one-time upgrade covers the group tables.
func TestUpgradeComputesGroupMACs(t *testing.T) {
	ctx := context.Background()
	w := newGroupWorld(t)
	tamperFile(t, w.path, `UPDATE groups SET mac = NULL`, `UPDATE group_messages SET mac = NULL`)
	legacify(t, w.path)
	s := reopen(t, w.path)
	if gs, err := s.Groups(ctx); err != nil || len(gs) != 1 {
		t.Fatalf("groups after the upgrade: %d, %v", len(gs), err)
	}
	if h, err := s.History(ctx, GroupChat(w.gid), 0, 10); err != nil || len(h) != 2 {
		t.Fatalf("history after the upgrade: %d, %v", len(h), err)
	}
}
