package store

import (
	"context"
	"testing"
	"time"

	"jarvis/crypto"
)

func TestAGroupsHistoryHasTheShapeOfAChats(t *testing.T) {
	ctx := context.Background()
	s, _ := newAccount(t)
	gid := crypto.GroupID{4, 5, 6}
	now := time.Now()
	if err := s.PutGroup(ctx, Group{ID: gid, State: GroupActive, Version: 1, Joined: 1, Local: []byte("{}"), CreatedAt: now, LastActivity: now}); err != nil {
		t.Fatal(err)
	}
	me, them := crypto.ID{1}, crypto.ID{2}
	rows := []GroupMessage{
		{Group: gid, Author: me, AuthorSeq: 1, Epoch: 1, State: GroupMsgOwn, SentAt: now, Record: []byte{1}, Text: "mine"},
		{Group: gid, Author: them, AuthorSeq: 1, Epoch: 1, State: GroupMsgUnread, SentAt: now, Record: []byte{2}, Text: "theirs"},
		{Group: gid, Author: them, AuthorSeq: 2, Epoch: 1, State: GroupMsgPending, SentAt: now, Record: []byte{3}},
	}
	if _, err := s.AddGroupMessages(ctx, rows, nil); err != nil {
		t.Fatal(err)
	}
	conv := GroupChat(gid)
	hist, err := s.History(ctx, conv, 0, 10)
	if err != nil || len(hist) != 2 {
		t.Fatalf("history: %+v, %v; want the two readable messages", hist, err)
	}
	mine, theirs := hist[0], hist[1]
	if !mine.Outgoing || mine.State != StateSent || mine.Author != me || mine.Group != gid {
		t.Fatalf("own message: %+v", mine)
	}
	if theirs.Outgoing || theirs.State != StateUnread || theirs.Author != them || theirs.Text != "theirs" {
		t.Fatalf("their message: %+v", theirs)
	}
	h := crypto.GroupHeader{Group: gid, Author: them, Epoch: 1, Seq: 1}
	if theirs.ID != crypto.GroupMessageID(h) {
		t.Fatal("a group message's ID is not the one every member derives")
	}
	if n, err := s.UnreadCount(ctx, conv); err != nil || n != 1 {
		t.Fatalf("unread = %d, %v", n, err)
	}
	if ids, err := s.MarkSeen(ctx, conv); err != nil || ids != nil {
		t.Fatalf("MarkSeen = %v, %v; groups send no receipts", ids, err)
	}
	if n, _ := s.UnreadCount(ctx, conv); n != 0 {
		t.Fatalf("unread after MarkSeen = %d", n)
	}
	if older, err := s.History(ctx, conv, theirs.Seq, 10); err != nil || len(older) != 1 || older[0].ID != mine.ID {
		t.Fatalf("paging back from %d: %+v, %v", theirs.Seq, older, err)
	}
}

func TestConversationIDKeepsKindAndID(t *testing.T) {
	var cid crypto.ID
	cid[0] = 1
	var gid crypto.GroupID
	gid[0] = 1
	c, g := ContactChat(cid), GroupChat(gid)
	if c == g || c.IsGroup() || !g.IsGroup() || c.Contact() != cid || g.Group() != gid {
		t.Fatal("kinds or IDs mixed up")
	}
	if c.String() != cid.String() || g.String() != gid.String() {
		t.Fatal("String is not the ID's text")
	}
}
