package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	"jarvis/crypto"
)

// GroupMsgState is where a stored group message stands.
type GroupMsgState uint8

const (
	GroupMsgPending GroupMsgState = 1 // stored, its key has not arrived yet
	GroupMsgUnread  GroupMsgState = 2
	GroupMsgSeen    GroupMsgState = 3
	GroupMsgOwn     GroupMsgState = 4 // written here
	GroupMsgForeign GroupMsgState = 5 // from before we joined: kept for relaying, never readable here
	// GroupMsgSystem is a line this device wrote about a roster change
	// (joins, removals, renames). Its author is SystemAuthor, its aseq a
	// local counter; it is never relayed.
	GroupMsgSystem GroupMsgState = 6
)

// SystemAuthor is the author of system lines: no identity hashes to zero.
var SystemAuthor crypto.ID

// GroupMessage is one stored group message: the signed record (kept for
// relaying) and, once decrypted, its text (sealed).
type GroupMessage struct {
	Seq       int64 // local first-seen order
	Group     crypto.GroupID
	Author    crypto.ID
	AuthorSeq uint64
	Epoch     uint64
	State     GroupMsgState
	SentAt    time.Time
	StoredAt  time.Time
	Record    []byte
	Text      string
	// Kind, Target, EditedAt and Deleted are as in Message.
	Kind     MessageKind
	Target   crypto.MessageID
	EditedAt time.Time
	Deleted  DeleteState
}

// ID is the message ID every member derives from the header.
func (m GroupMessage) ID() crypto.MessageID {
	return crypto.GroupMessageID(crypto.GroupHeader{Group: m.Group, Author: m.Author, Epoch: m.Epoch, Seq: m.AuthorSeq})
}

// Message is the row as History shows it, in the shape a chat's has: our
// own messages are outgoing and stand at sent (stored and handed to every
// member online; there is no ack), others' are unread or seen. The ID is
// the one every member derives from (group, author, epoch, seq).
func (m GroupMessage) Message() Message {
	out := Message{Seq: m.Seq, ID: m.ID(), Group: m.Group, Author: m.Author,
		Text: m.Text, SentAt: m.SentAt, StoredAt: m.StoredAt, State: StateUnread,
		Kind: m.Kind, Target: m.Target, EditedAt: m.EditedAt, Deleted: m.Deleted}
	switch m.State {
	case GroupMsgOwn:
		out.Outgoing, out.State = true, StateSent
	case GroupMsgSeen, GroupMsgSystem:
		out.State = StateSeen
	}
	return out
}

// Readable reports whether a message in this state has been decrypted
// here (or written here).
func (st GroupMsgState) Readable() bool { return st.readable() }

func (st GroupMsgState) readable() bool {
	return st == GroupMsgUnread || st == GroupMsgSeen || st == GroupMsgOwn || st == GroupMsgSystem
}

// addSystemLines stores lines about a roster change in the group's
// history, sealed like message text, numbered after the last system line.
func addSystemLines(ctx context.Context, tx *sql.Tx, sl *crypto.Sealer, rm *rowMACer, id crypto.GroupID, texts []string, at time.Time) ([]GroupMessage, error) {
	if len(texts) == 0 {
		return nil, nil
	}
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(aseq), 0) FROM group_messages WHERE grp = ? AND author = ?`,
		id[:], SystemAuthor[:]).Scan(&last); err != nil {
		return nil, err
	}
	seq, err := nextGroupMessageSeq(ctx, tx)
	if err != nil {
		return nil, err
	}
	out := make([]GroupMessage, 0, len(texts))
	for i, text := range texts {
		m := GroupMessage{Seq: seq + int64(i), Group: id, Author: SystemAuthor, AuthorSeq: uint64(last) + uint64(i) + 1,
			State: GroupMsgSystem, SentAt: at, StoredAt: at, Text: text}
		sealed := sealCol(sl, "group_messages", "text", groupTextRow(id, m.Author, m.AuthorSeq), []byte(text))
		mid := m.ID()
		if _, err := tx.ExecContext(ctx, `INSERT INTO group_messages
			(seq, grp, author, aseq, epoch, state, sent_at, stored_at, record, text, mac, msg_id) VALUES (?, ?, ?, ?, 0, ?, ?, ?, x'', ?, ?, ?)`,
			m.Seq, id[:], m.Author[:], int64(m.AuthorSeq), int(m.State), toMillis(at), toMillis(at), sealed,
			rm.groupMsgMAC(&m), mid[:]); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// PendingUse is how many stored messages of one author wait for a key,
// and how many bytes their records take.
type PendingUse struct {
	Count int
	Bytes int64
}

// GroupPendingUse returns, per author, the stored messages that wait for
// a key: what the app caps so no member fills the disk with records no one
// can read.
func (s *Store) GroupPendingUse(ctx context.Context, id crypto.GroupID) (map[crypto.ID]PendingUse, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT author, count(*), coalesce(sum(length(record)), 0)
		FROM group_messages WHERE grp = ? AND state = 1 GROUP BY author`, id[:])
	if err != nil {
		return nil, fmt.Errorf("store: group pending use: %w", err)
	}
	defer rows.Close()
	out := make(map[crypto.ID]PendingUse)
	for rows.Next() {
		var a []byte
		var u PendingUse
		if err := rows.Scan(&a, &u.Count, &u.Bytes); err != nil {
			return nil, fmt.Errorf("store: group pending use: %w", err)
		}
		var author crypto.ID
		copy(author[:], a)
		out[author] = u
	}
	return out, rows.Err()
}

func groupTextRow(g crypto.GroupID, author crypto.ID, aseq uint64) []byte {
	row := append(append([]byte(nil), g[:]...), author[:]...)
	return binary.BigEndian.AppendUint64(row, aseq)
}

// AddGroupMessages stores messages and chain states in one durable
// transaction. inserted[i] is false for a (group, author, seq) already
// stored. The Seq of each inserted message is filled in place.
func (s *Store) AddGroupMessages(ctx context.Context, msgs []GroupMessage, chains []GroupChain) ([]bool, error) {
	_, rm, err := s.keys()
	if err != nil {
		return nil, fmt.Errorf("store: add group messages: %w", err)
	}
	inserted := make([]bool, len(msgs))
	now := time.Now()
	err = s.writeMessages(ctx, "add group messages", func(ctx context.Context, tx *sql.Tx, sl *crypto.Sealer) error {
		seq, err := nextGroupMessageSeq(ctx, tx)
		if err != nil {
			return err
		}
		for i := range msgs {
			m := &msgs[i]
			if m.StoredAt.IsZero() {
				m.StoredAt = now
			}
			row := *m
			row.Seq = seq
			var text any
			if m.State.readable() {
				text = sealCol(sl, "group_messages", "text", opRowAD(groupTextRow(m.Group, m.Author, m.AuthorSeq), m.Kind, m.Target),
					[]byte(m.Text))
			}
			id := m.ID()
			res, err := tx.ExecContext(ctx, `INSERT INTO group_messages
				(seq, grp, author, aseq, epoch, state, sent_at, stored_at, record, text, mac, msg_id, kind, target)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (grp, author, aseq) DO NOTHING`,
				seq, m.Group[:], m.Author[:], int64(m.AuthorSeq), int64(m.Epoch), int(m.State),
				toMillis(m.SentAt), toMillis(m.StoredAt), m.Record, text, rm.groupMsgMAC(&row),
				id[:], int(m.Kind), targetArg(m.Target))
			if err != nil {
				return fmt.Errorf("message %d: %w", i, err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				inserted[i] = true
				m.Seq = seq
				seq++
			}
		}
		return putChains(ctx, tx, sl, chains)
	})
	if err != nil {
		return nil, err
	}
	return inserted, nil
}

// ResolveGroupMessages records the decryption of pending messages (State,
// SentAt and Text by Seq) together with chain states, in one transaction.
// A row whose MAC fails fails the call instead of being re-MAC'd.
func (s *Store) ResolveGroupMessages(ctx context.Context, msgs []GroupMessage, chains []GroupChain) error {
	_, rm, err := s.keys()
	if err != nil {
		return fmt.Errorf("store: resolve group messages: %w", err)
	}
	return s.writeMessages(ctx, "resolve group messages", func(ctx context.Context, tx *sql.Tx, sl *crypto.Sealer) error {
		for _, m := range msgs {
			row, ok, err := checkedGroupMessage(ctx, tx, rm, m.Seq)
			if err != nil {
				return err
			}
			if !ok || row.Group != m.Group || row.Author != m.Author || row.AuthorSeq != m.AuthorSeq {
				continue
			}
			row.State = m.State
			text := sealCol(sl, "group_messages", "text", opRowAD(groupTextRow(m.Group, m.Author, m.AuthorSeq), m.Kind, m.Target),
				[]byte(m.Text))
			if _, err := tx.ExecContext(ctx, `UPDATE group_messages SET state = ?, sent_at = ?, text = ?, mac = ?,
				kind = ?, target = ? WHERE seq = ?`, int(m.State), toMillis(m.SentAt), text, rm.groupMsgMAC(&row),
				int(m.Kind), targetArg(m.Target), m.Seq); err != nil {
				return err
			}
		}
		return putChains(ctx, tx, sl, chains)
	})
}

const groupMsgColumns = `seq, author, aseq, epoch, state, sent_at, stored_at, record, text, mac,
	kind, target, edited_at, deleted`

// PendingGroupMessages returns an author's undecrypted messages of one
// epoch, in sequence order.
func (s *Store) PendingGroupMessages(ctx context.Context, id crypto.GroupID, author crypto.ID, epoch uint64) ([]GroupMessage, error) {
	return s.queryGroupMessages(ctx, id, `SELECT `+groupMsgColumns+` FROM group_messages
		WHERE grp = ? AND author = ? AND epoch = ? AND state = 1 ORDER BY aseq`, id[:], author[:], int64(epoch))
}

// GroupRecords returns up to limit of an author's messages with sequence
// number > after, in sequence order, in any state: what a peer lacks.
func (s *Store) GroupRecords(ctx context.Context, id crypto.GroupID, author crypto.ID, after uint64, limit int) ([]GroupMessage, error) {
	return s.queryGroupMessages(ctx, id, `SELECT `+groupMsgColumns+` FROM group_messages
		WHERE grp = ? AND author = ? AND aseq > ? AND state != 6 ORDER BY aseq LIMIT ?`, id[:], author[:], int64(after), min(max(limit, 1), MaxPage))
}

// GroupAuthorSeqs returns, per author, the stored sequence numbers in
// order. System lines are not messages of any author and are left out.
func (s *Store) GroupAuthorSeqs(ctx context.Context, id crypto.GroupID) (map[crypto.ID][]uint64, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT author, aseq FROM group_messages
		WHERE grp = ? AND state != 6 ORDER BY author, aseq`, id[:])
	if err != nil {
		return nil, fmt.Errorf("store: group seqs: %w", err)
	}
	defer rows.Close()
	out := make(map[crypto.ID][]uint64)
	for rows.Next() {
		var a []byte
		var seq int64
		if err := rows.Scan(&a, &seq); err != nil {
			return nil, fmt.Errorf("store: group seqs: %w", err)
		}
		var id crypto.ID
		copy(id[:], a)
		out[id] = append(out[id], uint64(seq))
	}
	return out, rows.Err()
}

// groupHistory returns up to limit readable messages with Seq < before
// (0 = newest), in chronological (first-seen) order.
func (s *Store) groupHistory(ctx context.Context, id crypto.GroupID, before int64, limit int) ([]GroupMessage, error) {
	msgs, err := s.queryGroupMessages(ctx, id, `SELECT `+groupMsgColumns+` FROM group_messages
		WHERE grp = ? AND seq < ? AND state IN (2, 3, 4, 6) AND kind = 0 ORDER BY seq DESC LIMIT ?`, id[:], pageStart(before), min(max(limit, 1), MaxPage))
	slices.Reverse(msgs)
	return msgs, err
}

// groupUnreadQuery takes (group) and counts its unread messages.
const groupUnreadQuery = `SELECT count(*) FROM group_messages WHERE grp = ? AND state = 2`

func (s *Store) markGroupSeen(ctx context.Context, id crypto.GroupID, upTo int64) error {
	_, rm, err := s.keys()
	if err != nil {
		return fmt.Errorf("store: mark group seen: %w", err)
	}
	return s.writeStates(ctx, "mark group seen", func(ctx context.Context, tx *sql.Tx) error {
		return markGroupRowsSeen(ctx, tx, rm, id, upTo)
	})
}

func (s *Store) queryGroupMessages(ctx context.Context, id crypto.GroupID, q string, args ...any) ([]GroupMessage, error) {
	sl, rm, err := s.keys()
	if err != nil {
		return nil, fmt.Errorf("store: group messages: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: group messages: %w", err)
	}
	defer rows.Close()
	var out []GroupMessage
	for rows.Next() {
		m := GroupMessage{Group: id}
		var author, text, mac, target []byte
		var aseq, epoch, sentAt, storedAt, editedAt int64
		var state, kind, del int
		if err := rows.Scan(&m.Seq, &author, &aseq, &epoch, &state, &sentAt, &storedAt, &m.Record, &text, &mac,
			&kind, &target, &editedAt, &del); err != nil {
			return nil, fmt.Errorf("store: group messages: %w", err)
		}
		m.Kind, m.Deleted, m.EditedAt = MessageKind(kind), DeleteState(del), fromMillis(editedAt)
		copy(m.Target[:], target)
		copy(m.Author[:], author)
		m.AuthorSeq, m.Epoch, m.State = uint64(aseq), uint64(epoch), GroupMsgState(state)
		if err := rm.checkGroupMsg(&m, mac); err != nil {
			return nil, fmt.Errorf("store: group messages: %w", err)
		}
		m.SentAt, m.StoredAt = fromMillis(sentAt), fromMillis(storedAt)
		if m.State.readable() && text != nil {
			plain, err := openCol(sl, "group_messages", "text", opRowAD(groupTextRow(id, m.Author, m.AuthorSeq), m.Kind, m.Target), text)
			if err != nil {
				return nil, fmt.Errorf("store: group message %d: %w", m.Seq, err)
			}
			m.Text = string(plain)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: group messages: %w", err)
	}
	return out, nil
}

// PruneUnreadableGroupRecords deletes, in every group, the records stored
// before cutoff that this device cannot read: pending ones (their key never
// came) and foreign ones (from before we joined, kept only for relaying).
// A member who still lacks one gets it from its author or another member;
// if a peer hands one back, it is stored afresh and ages again. It reports
// how many it deleted.
func (s *Store) PruneUnreadableGroupRecords(ctx context.Context, cutoff time.Time) (int64, error) {
	var n int64
	err := s.writeStates(ctx, "prune group records", func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM group_messages WHERE state IN (?, ?) AND stored_at < ?`,
			GroupMsgPending, GroupMsgForeign, toMillis(cutoff))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
