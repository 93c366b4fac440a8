package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"jarvis/crypto"
)

func TestGroupsStoreMessagesOnceAndDeleteEverything(t *testing.T) {
	ctx := context.Background()
	s, path := newAccount(t)
	gid := crypto.GroupID{1, 2, 3}
	now := time.Now()
	if err := s.PutGroup(ctx, Group{ID: gid, State: GroupActive, Version: 1, Joined: 1, Local: []byte("{}"), CreatedAt: now, LastActivity: now}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutRoster(ctx, gid, 1, []byte("roster v1 secret-group-name")); err != nil {
		t.Fatal(err)
	}
	author := crypto.ID{9}
	msg := func(seq uint64, st GroupMsgState, text string) GroupMessage {
		return GroupMessage{Group: gid, Author: author, AuthorSeq: seq, Epoch: 1, State: st, SentAt: now, Record: []byte{byte(seq)}, Text: text}
	}
	chain := GroupChain{Group: gid, Author: author, Epoch: 1, State: []byte("chain")}
	ins, err := s.AddGroupMessages(ctx, []GroupMessage{msg(1, GroupMsgUnread, "secret-group-text"), msg(2, GroupMsgPending, "")}, []GroupChain{chain})
	if err != nil || !ins[0] || !ins[1] {
		t.Fatalf("insert: %v %v", ins, err)
	}
	ins, err = s.AddGroupMessages(ctx, []GroupMessage{msg(1, GroupMsgUnread, "again")}, nil)
	if err != nil || ins[0] {
		t.Fatalf("duplicate inserted: %v %v", ins, err)
	}
	pend, err := s.PendingGroupMessages(ctx, gid, author, 1)
	if err != nil || len(pend) != 1 || pend[0].AuthorSeq != 2 {
		t.Fatalf("pending: %+v %v", pend, err)
	}
	pend[0].State, pend[0].Text = GroupMsgUnread, "later"
	if err := s.ResolveGroupMessages(ctx, pend, nil); err != nil {
		t.Fatal(err)
	}
	hist, err := s.History(ctx, GroupChat(gid), 0, 10)
	if err != nil || len(hist) != 2 || hist[0].Text != "secret-group-text" || hist[1].Text != "later" {
		t.Fatalf("history: %+v %v", hist, err)
	}
	if n, _ := s.UnreadCount(ctx, GroupChat(gid)); n != 2 {
		t.Fatalf("unread %d", n)
	}
	if _, err := s.MarkSeen(ctx, GroupChat(gid)); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.UnreadCount(ctx, GroupChat(gid)); n != 0 {
		t.Fatalf("unread after seen %d", n)
	}
	chains, err := s.GroupChains(ctx, gid)
	if err != nil || len(chains) != 1 || string(chains[0].State) != "chain" {
		t.Fatalf("chains: %+v %v", chains, err)
	}
	k := crypto.SenderKey{Group: gid, Epoch: 1, Author: author, Recipient: crypto.ID{7}, StartSeq: 2}
	k.Eph[0], k.Box[0], k.Sig[0] = 3, 4, 5
	if added, err := s.PutSenderKeys(ctx, []crypto.SenderKey{k, k}); err != nil || !added[0] || added[1] {
		t.Fatalf("PutSenderKeys twice: added %v, %v", added, err)
	}
	if keys, err := s.SenderKeysFor(ctx, gid, crypto.ID{7}); err != nil || len(keys) != 1 || keys[0] != k {
		t.Fatalf("sender keys %+v, %v; want the one put", keys, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Names and text are sealed on disk.
	filepath.WalkDir(filepath.Dir(path), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		for _, secret := range []string{"secret-group-text", "secret-group-name"} {
			if strings.Contains(string(b), secret) {
				t.Errorf("%s holds %q in plaintext", p, secret)
			}
		}
		return nil
	})
	s = openAt(t, path)
	if err := s.Unlock(ctx, testPass); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteGroup(ctx, gid); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Roster(ctx, gid, 1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("roster after delete: %v", err)
	}
	if hist, _ := s.History(ctx, GroupChat(gid), 0, 10); len(hist) != 0 {
		t.Fatal("history survives delete")
	}
}

func TestGroupSystemLinesStayInHistoryAndAreNoAuthorsMessages(t *testing.T) {
	ctx := context.Background()
	s, path := newAccount(t)
	gid := crypto.GroupID{4}
	now := time.Now()
	if err := s.PutGroup(ctx, Group{ID: gid, State: GroupActive, Version: 1, Joined: 1, Local: []byte("{}"), CreatedAt: now, LastActivity: now}); err != nil {
		t.Fatal(err)
	}
	g := Group{ID: gid, State: GroupActive, Version: 2, Joined: 1, Local: []byte("{}"), CreatedAt: now, LastActivity: now}
	if _, err := s.ApplyRoster(ctx, g, []byte("v2"), []string{"k is now called \"a\""}, now); err != nil {
		t.Fatal(err)
	}
	g.Version = 3
	lines, err := s.ApplyRoster(ctx, g, []byte("v3"), []string{"a removed k"}, now)
	if err != nil || len(lines) != 1 || lines[0].AuthorSeq != 2 || lines[0].Seq == 0 {
		t.Fatalf("second line: %+v %v", lines, err)
	}
	if enc, err := s.Roster(ctx, gid, 3); err != nil || string(enc) != "v3" {
		t.Fatalf("roster 3: %q %v", enc, err)
	}
	if rows, err := s.Groups(ctx); err != nil || len(rows) != 1 || rows[0].Version != 3 {
		t.Fatalf("group row: %+v %v", rows, err)
	}
	hist, err := s.History(ctx, GroupChat(gid), 0, 10)
	if err != nil || len(hist) != 2 || hist[0].Text != "k is now called \"a\"" || hist[1].Author != SystemAuthor || hist[1].Text != "a removed k" {
		t.Fatalf("history: %+v %v", hist, err)
	}
	if n, _ := s.UnreadCount(ctx, GroupChat(gid)); n != 0 {
		t.Fatalf("system lines count as %d unread", n)
	}
	if seqs, _ := s.GroupAuthorSeqs(ctx, gid); len(seqs) != 0 {
		t.Fatalf("system lines listed as an author's messages: %v", seqs)
	}
	if recs, _ := s.GroupRecords(ctx, gid, SystemAuthor, 0, 10); len(recs) != 0 {
		t.Fatal("system lines offered for relaying")
	}
	s.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "removed k") {
		t.Fatal("a system line is on disk in plaintext")
	}
}

func TestASenderKeyThatStartsLaterReplacesTheStoredOne(t *testing.T) {
	ctx := context.Background()
	s, _ := newAccount(t)
	gid := crypto.GroupID{5}
	now := time.Now()
	if err := s.PutGroup(ctx, Group{ID: gid, State: GroupActive, Version: 1, Joined: 1, Local: []byte("{}"), CreatedAt: now, LastActivity: now}); err != nil {
		t.Fatal(err)
	}
	key := func(start uint64) crypto.SenderKey {
		return crypto.SenderKey{Group: gid, Epoch: 3, Author: crypto.ID{1}, Recipient: crypto.ID{2}, StartSeq: start}
	}
	for _, c := range []struct {
		start uint64
		added bool
		want  uint64
	}{{5, true, 5}, {5, false, 5}, {300, true, 300}, {7, false, 300}} {
		added, err := s.PutSenderKeys(ctx, []crypto.SenderKey{key(c.start)})
		if err != nil || added[0] != c.added {
			t.Fatalf("start %d: added %v, %v", c.start, added, err)
		}
		got, err := s.SenderKeysFor(ctx, gid, crypto.ID{2})
		if err != nil || len(got) != 1 || got[0].StartSeq != c.want {
			t.Fatalf("after start %d: %+v %v", c.start, got, err)
		}
	}
}

func TestApplyRosterDropsTheVersionsBuiltOnALosingFork(t *testing.T) {
	ctx := context.Background()
	s, _ := newAccount(t)
	gid := crypto.GroupID{6}
	now := time.Now()
	g := Group{ID: gid, State: GroupActive, Version: 1, Joined: 1, Local: []byte("{}"), CreatedAt: now, LastActivity: now}
	if err := s.PutGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	for v := uint64(1); v <= 3; v++ {
		g.Version = v
		if _, err := s.ApplyRoster(ctx, g, []byte{byte(v)}, nil, now); err != nil {
			t.Fatal(err)
		}
	}
	g.Version = 2
	if _, err := s.ApplyRoster(ctx, g, []byte("winner"), []string{"two changes crossed"}, now); err != nil {
		t.Fatal(err)
	}
	encs, err := s.Rosters(ctx, gid, 0)
	if err != nil || len(encs) != 2 || string(encs[1]) != "winner" {
		t.Fatalf("rosters: %q, %v", encs, err)
	}
}

func TestPruneDeletesOnlyOldUnreadableGroupRecords(t *testing.T) {
	ctx := context.Background()
	s, _ := newAccount(t)
	gid := crypto.GroupID{7}
	now := time.Now()
	if err := s.PutGroup(ctx, Group{ID: gid, State: GroupActive, Version: 1, Joined: 1, Local: []byte("{}"), CreatedAt: now, LastActivity: now}); err != nil {
		t.Fatal(err)
	}
	old, cutoff := now.Add(-40*24*time.Hour), now.Add(-30*24*time.Hour)
	author := crypto.ID{9}
	msg := func(seq uint64, st GroupMsgState, at time.Time, text string) GroupMessage {
		return GroupMessage{Group: gid, Author: author, AuthorSeq: seq, Epoch: 1, State: st, SentAt: at, StoredAt: at, Record: []byte{byte(seq)}, Text: text}
	}
	rows := []GroupMessage{
		msg(1, GroupMsgUnread, old, "old but read"),
		msg(2, GroupMsgPending, old, ""),
		msg(3, GroupMsgForeign, old, ""),
		msg(4, GroupMsgPending, now, ""),
		msg(5, GroupMsgForeign, now, ""),
	}
	if _, err := s.AddGroupMessages(ctx, rows, nil); err != nil {
		t.Fatal(err)
	}
	n, err := s.PruneUnreadableGroupRecords(ctx, cutoff)
	if err != nil || n != 2 {
		t.Fatalf("pruned %d, %v; want the old pending and the old foreign record", n, err)
	}
	seqs, err := s.GroupAuthorSeqs(ctx, gid)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(seqs[author]); got != "[1 4 5]" {
		t.Fatalf("left: %s, want [1 4 5]", got)
	}
}
