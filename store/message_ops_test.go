package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"jarvis/crypto"
)

// opsChat is a store with one contact and its message "original" (from
// the contact, sent at t0), plus helpers to store rows and fold them.
type opsChat struct {
	t       *testing.T
	s       *Store
	path    string
	contact crypto.ID
	target  Message
}

var t0 = time.UnixMilli(1_700_000_000_000)

func newOpsChat(t *testing.T) *opsChat {
	s, path := newAccount(t)
	c := putContact(t, s, "Bob")
	target := Message{ID: crypto.MessageID{0x50}, Contact: c.ID, Text: "original", SentAt: t0}
	return &opsChat{t: t, s: s, path: path, contact: c.ID, target: target}
}

// op is an incoming operation from the contact on the target.
func (o *opsChat) op(kind MessageKind, id byte, at time.Duration, text string) Message {
	return Message{ID: crypto.MessageID{id}, Contact: o.contact, Kind: kind, Target: o.target.ID, Text: text,
		SentAt: t0.Add(at), State: StateSeen}
}

// store stores incoming rows and folds what they touch, as the app does.
func (o *opsChat) store(rows ...Message) []Change {
	o.t.Helper()
	ctx := context.Background()
	if _, err := o.s.AddIncoming(ctx, rows); err != nil {
		o.t.Fatal(err)
	}
	var touched []crypto.MessageID
	for _, r := range rows {
		touched = append(touched, r.ID, r.Target)
	}
	changes, err := o.s.ApplyOps(ctx, ContactChat(o.contact), touched, nil)
	if err != nil {
		o.t.Fatal(err)
	}
	return changes
}

func (o *opsChat) shown() Message {
	o.t.Helper()
	found, err := o.s.MessagesByID(context.Background(), ContactChat(o.contact), []crypto.MessageID{o.target.ID})
	if err != nil {
		o.t.Fatal(err)
	}
	return found[o.target.ID]
}

func TestOperationsGiveTheSameResultInEveryOrderAndApplyOnce(t *testing.T) {
	orders := [][]int{{0, 1, 2, 3}, {3, 2, 1, 0}, {1, 3, 0, 2}, {2, 0, 3, 1}}
	for _, order := range orders {
		o := newOpsChat(t)
		// Two edits at the same clock: the larger ID wins; the earlier
		// edit and the reaction take no part in the text.
		rows := []Message{o.target, o.op(KindEdit, 0x02, time.Minute, "second"), o.op(KindEdit, 0x01, time.Minute, "first"),
			o.op(KindReaction, 0x03, 2*time.Minute, "👍")}
		for _, i := range order {
			o.store(rows[i])
		}
		o.store(rows...) // everything again: nothing new
		got := o.shown()
		if got.Text != "second" || !got.EditedAt.Equal(t0.Add(time.Minute)) || got.Deleted != NotDeleted {
			t.Fatalf("order %v: %+v", order, got)
		}
		if changes := o.store(rows[1]); len(changes) != 0 {
			t.Fatalf("order %v: an edit applied twice changed %+v", order, changes)
		}
		rs, err := o.s.Reactions(context.Background(), ContactChat(o.contact), []crypto.MessageID{o.target.ID})
		if err != nil || len(rs[o.target.ID]) != 1 || rs[o.target.ID][0].Emoji != "👍" || rs[o.target.ID][0].From != o.contact {
			t.Fatalf("order %v: reactions %+v %v", order, rs, err)
		}
	}
}

func TestOnlyTheAuthorsTimelyEditsAndDeletesCount(t *testing.T) {
	o := newOpsChat(t)
	o.store(o.target)
	ours := o.op(KindEdit, 0x01, time.Minute, "not ours to change")
	ours.Outgoing, ours.State = true, StateDelivered // our own row never edits the contact's message
	if err := o.s.AddOutgoing(context.Background(), []Message{ours}); err != nil {
		t.Fatal(err)
	}
	late := o.op(KindEdit, 0x02, EditWindow+time.Minute, "too late")
	if changes := o.store(late); len(changes) != 0 || o.shown().Text != "original" {
		t.Fatalf("changes %+v, shown %+v", changes, o.shown())
	}
	if changes := o.store(o.op(KindDelete, 0x03, time.Hour, "")); len(changes) != 1 || !changes[0].Deleted {
		t.Fatalf("delete: %+v", changes)
	}
	if changes := o.store(o.op(KindEdit, 0x04, 2*time.Hour, "after the delete")); len(changes) != 0 || o.shown().Text != "" {
		t.Fatalf("an edit revived a deleted message: %+v %+v", changes, o.shown())
	}
}

func TestAReactionTakenBackLeavesNone(t *testing.T) {
	o := newOpsChat(t)
	o.store(o.target, o.op(KindReaction, 0x01, time.Minute, "👍"), o.op(KindReaction, 0x02, 2*time.Minute, ""))
	rs, err := o.s.Reactions(context.Background(), ContactChat(o.contact), []crypto.MessageID{o.target.ID})
	if err != nil || len(rs) != 0 {
		t.Fatalf("reactions %+v %v", rs, err)
	}
}

// TestDeleteLeavesNoCopyOfTheTextOnDisk greps the database and its WAL for
// the text and for the sealed bytes that held it: after a delete for
// everyone and a checkpoint, neither is anywhere.
func TestDeleteLeavesNoCopyOfTheTextOnDisk(t *testing.T) {
	o := newOpsChat(t)
	o.target.Text = "the launch code is 0000"
	edit := o.op(KindEdit, 0x01, time.Minute, "the launch code is 1234")
	o.store(o.target, edit)
	var sealed, sealedEdit []byte
	if err := o.s.r.QueryRow(`SELECT text FROM messages WHERE msg_id = ?`, o.target.ID[:]).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if err := o.s.r.QueryRow(`SELECT text FROM messages WHERE msg_id = ?`, edit.ID[:]).Scan(&sealedEdit); err != nil {
		t.Fatal(err)
	}
	o.store(o.op(KindDelete, 0x02, 2*time.Minute, ""))
	if err := o.s.CheckpointWAL(context.Background()); err != nil {
		t.Fatal(err)
	}
	o.s.Close()
	for _, b := range [][]byte{[]byte("launch code"), sealed, sealedEdit} {
		filepath.WalkDir(filepath.Dir(o.path), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(data, b) {
				t.Errorf("%s still holds %q", filepath.Base(path), b[:min(len(b), 16)])
			}
			return nil
		})
	}
}

func TestDeleteForMeKeepsTheRowSoACopyIsNotStoredAgain(t *testing.T) {
	o := newOpsChat(t)
	o.store(o.target)
	ctx := context.Background()
	if err := o.s.DeleteForMe(ctx, ContactChat(o.contact), o.target.ID); err != nil {
		t.Fatal(err)
	}
	if ins, err := o.s.AddIncoming(ctx, []Message{o.target}); err != nil || ins[0] {
		t.Fatalf("stored again: %v %v", ins, err)
	}
	if got := o.shown(); got.Deleted != DeletedForMe || got.Text != "" {
		t.Fatalf("shown %+v", got)
	}
	if err := o.s.DeleteForMe(ctx, ContactChat(o.contact), crypto.MessageID{0x77}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown message: %v", err)
	}
}

// A text flipped into an edit of another message on disk does not open:
// the kind and target are bound to the sealed text.
func TestAFlippedKindMakesTheTextFailToOpen(t *testing.T) {
	o := newOpsChat(t)
	other := Message{ID: crypto.MessageID{0x51}, Contact: o.contact, Text: "other words", SentAt: t0.Add(time.Minute)}
	o.store(o.target, other)
	if _, err := o.s.w.Exec(`UPDATE messages SET kind = 2, target = ? WHERE msg_id = ?`, o.target.ID[:], other.ID[:]); err != nil {
		t.Fatal(err)
	}
	if _, err := o.s.ApplyOps(context.Background(), ContactChat(o.contact), []crypto.MessageID{o.target.ID}, nil); err == nil {
		t.Fatalf("the flipped row was folded; shown %+v", o.shown())
	}
}

func TestGroupRowsStoredBeforeIDsGetThemAtUnlock(t *testing.T) {
	ctx := context.Background()
	s, path := newAccount(t)
	gid := crypto.GroupID{7}
	if err := s.PutGroup(ctx, Group{ID: gid, State: GroupActive, Version: 1, Joined: 1, Local: []byte("{}"), CreatedAt: t0, LastActivity: t0}); err != nil {
		t.Fatal(err)
	}
	m := GroupMessage{Group: gid, Author: crypto.ID{9}, AuthorSeq: 1, Epoch: 1, State: GroupMsgUnread, SentAt: t0, Record: []byte{1}, Text: "old"}
	if _, err := s.AddGroupMessages(ctx, []GroupMessage{m}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.Exec(`UPDATE group_messages SET msg_id = NULL`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openAt(t, path)
	if err := s.Unlock(ctx, testPass); err != nil {
		t.Fatal(err)
	}
	found, err := s.MessagesByID(ctx, GroupChat(gid), []crypto.MessageID{m.ID()})
	if err != nil || found[m.ID()].Text != "old" {
		t.Fatalf("found %+v %v", found, err)
	}
	conv, ok, err := s.FindMessage(ctx, m.ID())
	if err != nil || !ok || conv != GroupChat(gid) {
		t.Fatalf("find: %v %v %v", conv, ok, err)
	}
}

func TestOurEditKeepsItsTextUntilAcked(t *testing.T) {
	o := newOpsChat(t)
	ctx := context.Background()
	mine := Message{ID: crypto.MessageID{0x60}, Contact: o.contact, Text: "mine", SentAt: t0}
	edit := Message{ID: crypto.MessageID{0x61}, Contact: o.contact, Kind: KindEdit, Target: mine.ID, Text: "mine, fixed",
		SentAt: t0.Add(time.Minute)}
	if err := o.s.AddOutgoing(ctx, []Message{mine, edit}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.s.ApplyOps(ctx, ContactChat(o.contact), []crypto.MessageID{mine.ID}, nil); err != nil {
		t.Fatal(err)
	}
	text := func() string {
		out, err := o.s.Outbox(ctx, o.contact, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out {
			if m.ID == edit.ID {
				return m.Text
			}
		}
		return "(not in the outbox)"
	}
	if got := text(); got != "mine, fixed" {
		t.Fatalf("queued edit carries %q", got)
	}
	if _, err := o.s.AdvanceStates(ctx, o.contact, []crypto.MessageID{edit.ID}, StateDelivered); err != nil {
		t.Fatal(err)
	}
	if err := o.s.ClearAckedEdits(ctx, o.contact, []crypto.MessageID{edit.ID}); err != nil {
		t.Fatal(err)
	}
	var sealed []byte
	if err := o.s.r.QueryRow(`SELECT text FROM messages WHERE msg_id = ?`, edit.ID[:]).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	plain, err := openCol(o.s.sealer, "messages", "text", opRowAD(messageRow(o.contact, edit.ID), KindEdit, mine.ID), sealed)
	if err != nil || len(plain) != 0 {
		t.Fatalf("acked edit keeps %q (%v)", plain, err)
	}
	found, err := o.s.MessagesByID(ctx, ContactChat(o.contact), []crypto.MessageID{mine.ID})
	if err != nil || found[mine.ID].Text != "mine, fixed" {
		t.Fatalf("our message shows %+v (%v)", found[mine.ID], err)
	}
}

func TestHeldTargetsAreWhatStoredEditsAndDeletesWaitFor(t *testing.T) {
	o := newOpsChat(t)
	ctx := context.Background()
	held := func() []crypto.MessageID {
		ids, err := o.s.HeldTargets(ctx, ContactChat(o.contact))
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	o.store(o.op(KindReaction, 0x01, time.Minute, "👍"))
	if got := held(); len(got) != 0 {
		t.Fatalf("a reaction is folded when read, never held: %x", got)
	}
	o.store(o.op(KindEdit, 0x02, time.Minute, "later"))
	if got := held(); len(got) != 1 || got[0] != o.target.ID {
		t.Fatalf("held %x, want the target", got)
	}
	o.store(o.target)
	if got := held(); len(got) != 0 || o.shown().Text != "later" {
		t.Fatalf("held %x after the target came; shown %+v", got, o.shown())
	}
}
