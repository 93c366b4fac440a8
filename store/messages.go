package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"jarvis/crypto"
)

// MessageState: StateQueued..StateFailed for outgoing, StateUnread/StateSeen for incoming.
type MessageState uint8

const (
	StateQueued    MessageState = 1 // persisted, in the outbox
	StateSent      MessageState = 2 // written to a session, not yet acked
	StateDelivered MessageState = 3 // peer acked: retired from the outbox
	StateRead      MessageState = 4 // peer sent a read receipt
	StateFailed    MessageState = 5 // given up: retired from the outbox
	StateUnread    MessageState = 6 // incoming, not yet shown
	StateSeen      MessageState = 7 // incoming, shown to the user
)

// String names the state as the headless protocol does.
func (st MessageState) String() string {
	switch st {
	case StateQueued:
		return "queued"
	case StateSent:
		return "sent"
	case StateDelivered:
		return "delivered"
	case StateRead:
		return "read"
	case StateFailed:
		return "failed"
	case StateUnread:
		return "unread"
	case StateSeen:
		return "seen"
	}
	return "state(" + strconv.Itoa(int(st)) + ")"
}

// Message is one stored message. Seq is the local order cursor, assigned by
// the store. A chat's message names its Contact; one History returns for a
// group names its Group and Author instead.
type Message struct {
	Seq      int64
	ID       crypto.MessageID
	Contact  crypto.ID
	Group    crypto.GroupID
	Author   crypto.ID
	Outgoing bool
	Text     string
	SentAt   time.Time
	StoredAt time.Time
	State    MessageState
	// Kind is KindText for a message and names the operation of a row
	// that changes another (Target). A text's Target is the message it
	// replies to, zero for none.
	Kind   MessageKind
	Target crypto.MessageID
	// EditedAt is the author's clock of the edit that gave Text, zero
	// when never edited; Deleted says whether and how Text was removed.
	EditedAt time.Time
	Deleted  DeleteState
	// DeliveredAt and ReadAt are when this device learned that the
	// contact stored (acked) and read our message; zero until then, and
	// always for incoming and group messages.
	DeliveredAt, ReadAt time.Time
}

const insertMessage = `INSERT INTO messages
	(seq, contact, msg_id, outgoing, sent_at, stored_at, state, text, receipt_sent, mac, kind, target)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// nextMessageSeq returns the seq the next message row gets. The store picks
// it itself (SQLite would pick the same, max + 1) because the row's MAC
// covers it; the writer connection is the only one, so it stays right for
// the whole transaction.
func nextMessageSeq(ctx context.Context, tx *sql.Tx) (int64, error) {
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM messages`).Scan(&last); err != nil {
		return 0, fmt.Errorf("next seq: %w", err)
	}
	return last + 1, nil
}

// AddOutgoing stores messages we send in one transaction; queued and sent
// ones form the outbox. State 0 means StateQueued; StoredAt zero means now. The contact must exist.
// The Seq of each message is filled in place.
func (s *Store) AddOutgoing(ctx context.Context, msgs []Message) error {
	for i := range msgs {
		if st := msgs[i].State; st != 0 && (st < StateQueued || st > StateFailed) {
			return fmt.Errorf("store: add outgoing: message %d: state %s: %w", i, st, ErrInvalid)
		}
	}
	_, rm, err := s.keys()
	if err != nil {
		return fmt.Errorf("store: add outgoing: %w", err)
	}
	return s.writeMessages(ctx, "add outgoing", func(ctx context.Context, tx *sql.Tx, sl *crypto.Sealer) error {
		seq, err := nextMessageSeq(ctx, tx)
		if err != nil {
			return err
		}
		ins, err := tx.PrepareContext(ctx, insertMessage)
		if err != nil {
			return err
		}
		defer ins.Close()
		now := time.Now()
		for i, m := range msgs {
			if m.State == 0 {
				m.State = StateQueued
			}
			if _, err := ins.ExecContext(ctx, messageArgs(sl, rm, m, seq, true, now)...); err != nil {
				return fmt.Errorf("message %d: %w", i, err)
			}
			msgs[i].Seq = seq
			seq++
		}
		return nil
	})
}

// AddIncoming stores received messages in one durable transaction. inserted[i]
// is false when (Contact, ID) was already stored (a replay or a resend), which
// is not an error. State 0 means StateUnread; StoredAt zero means now. The
// Seq of each inserted message is filled in place.
func (s *Store) AddIncoming(ctx context.Context, msgs []Message) (inserted []bool, err error) {
	for i := range msgs {
		if st := msgs[i].State; st != 0 && st != StateUnread && st != StateSeen {
			return nil, fmt.Errorf("store: add incoming: message %d: state %s: %w", i, st, ErrInvalid)
		}
	}
	_, rm, err := s.keys()
	if err != nil {
		return nil, fmt.Errorf("store: add incoming: %w", err)
	}
	inserted = make([]bool, len(msgs))
	err = s.writeMessages(ctx, "add incoming", func(ctx context.Context, tx *sql.Tx, sl *crypto.Sealer) error {
		seq, err := nextMessageSeq(ctx, tx)
		if err != nil {
			return err
		}
		// ON CONFLICT names the dedup key, so only a duplicate is ignored; other
		// constraint failures (unknown contact, bad ID) still fail the batch.
		ins, err := tx.PrepareContext(ctx, insertMessage+` ON CONFLICT (contact, msg_id) DO NOTHING`)
		if err != nil {
			return err
		}
		defer ins.Close()
		now := time.Now()
		for i, m := range msgs {
			if m.State == 0 {
				m.State = StateUnread
			}
			res, err := ins.ExecContext(ctx, messageArgs(sl, rm, m, seq, false, now)...)
			if err != nil {
				return fmt.Errorf("message %d: %w", i, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("message %d: %w", i, err)
			}
			if inserted[i] = n == 1; inserted[i] {
				msgs[i].Seq = seq
				seq++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return inserted, nil
}

// messageArgs are insertMessage's arguments for m stored at seq, its text
// sealed and its metadata MAC'd.
func messageArgs(sl *crypto.Sealer, rm *rowMACer, m Message, seq int64, outgoing bool, now time.Time) []any {
	stored := m.StoredAt
	if stored.IsZero() {
		stored = now
	}
	r := msgRow{seq: seq, contact: m.Contact, id: m.ID, outgoing: outgoing, state: m.State,
		sentAt: toMillis(m.SentAt), storedAt: toMillis(stored)}
	text := sealCol(sl, "messages", "text", opRowAD(messageRow(m.Contact, m.ID), m.Kind, m.Target), []byte(m.Text))
	// An operation needs no read receipt: the user reads its effect.
	receipt := boolInt(m.Kind != KindText)
	return []any{seq, m.Contact.String(), m.ID[:], boolInt(outgoing), r.sentAt, r.storedAt, int(m.State), text, receipt,
		rm.msgMAC(&r), int(m.Kind), targetArg(m.Target)}
}

// advanceSources lists the states an outgoing message may move to st from.
// States only move forward: queued < sent < delivered < read. Failed is
// reachable from queued or sent; an ack or receipt that arrives after we gave
// up still proves delivery, so failed may move on to delivered or read.
func advanceSources(st MessageState) []MessageState {
	switch st {
	case StateSent:
		return []MessageState{StateQueued}
	case StateDelivered:
		return []MessageState{StateQueued, StateSent, StateFailed}
	case StateRead:
		return []MessageState{StateQueued, StateSent, StateDelivered, StateFailed}
	case StateFailed:
		return []MessageState{StateQueued, StateSent}
	}
	return nil
}

// AdvanceStates moves the contact's outgoing messages ids to st where that is a
// step forward; delivered, read and failed leave the outbox with that. It returns
// the IDs that changed, in the order given. Unknown IDs and incoming messages are skipped.
// Each row's MAC is checked before its state moves and rewritten with it, so
// a row changed outside Jarvis fails the call instead of being re-MAC'd.
func (s *Store) AdvanceStates(ctx context.Context, contact crypto.ID, ids []crypto.MessageID, st MessageState) ([]crypto.MessageID, error) {
	from := advanceSources(st)
	if from == nil {
		return nil, fmt.Errorf("store: advance states: to %s: %w", st, ErrInvalid)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	_, rm, err := s.keys()
	if err != nil {
		return nil, fmt.Errorf("store: advance states: %w", err)
	}
	var changed []crypto.MessageID
	err = s.writeStates(ctx, "advance states", func(ctx context.Context, tx *sql.Tx) error {
		found, err := messageRowsByID(ctx, tx, rm, contact, ids)
		if err != nil {
			return err
		}
		moved := make([]msgRow, 0, len(found))
		for _, id := range ids {
			r, ok := found[id]
			if !ok || !r.outgoing || !slices.Contains(from, r.state) {
				continue
			}
			r.state = st
			found[id] = r // a repeated ID then finds it moved already
			moved = append(moved, r)
			changed = append(changed, id)
		}
		return setMessageStates(ctx, tx, rm, moved)
	})
	if err != nil {
		return nil, err
	}
	return changed, nil
}

// idChunk bounds the IDs looked up by one statement, well below SQLite's
// limit on bound parameters.
const idChunk = 256

// messageRowsByID reads the MAC'd columns of the contact's messages ids,
// a chunk of IDs per statement, and checks each row's MAC. IDs not stored
// are absent from the map.
func messageRowsByID(ctx context.Context, tx *sql.Tx, rm *rowMACer, contact crypto.ID, ids []crypto.MessageID) (map[crypto.MessageID]msgRow, error) {
	found := make(map[crypto.MessageID]msgRow, len(ids))
	args := make([]any, 0, idChunk+1)
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), idChunk)]
		ids = ids[len(chunk):]
		args = append(args[:0], contact.String())
		for i := range chunk {
			args = append(args, chunk[i][:])
		}
		rows, err := tx.QueryContext(ctx, `SELECT seq, msg_id, outgoing, state, sent_at, stored_at, mac
			FROM messages WHERE contact = ? AND msg_id IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			r := msgRow{contact: contact}
			var id, mac []byte
			var outgoing, state int
			if err := rows.Scan(&r.seq, &id, &outgoing, &state, &r.sentAt, &r.storedAt, &mac); err != nil {
				rows.Close()
				return nil, err
			}
			copy(r.id[:], id)
			r.outgoing, r.state = outgoing != 0, MessageState(state)
			if err := rm.checkMsg(&r, mac); err != nil {
				rows.Close()
				return nil, err
			}
			found[r.id] = r
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return found, nil
}

// setMessageStates stores each row's state with its new MAC, a chunk of
// rows per statement. The rows come from a read that checked their MACs in
// the same transaction.
func setMessageStates(ctx context.Context, tx *sql.Tx, rm *rowMACer, rows []msgRow) error {
	args := make([]any, 0, 3*min(len(rows), idChunk)+1)
	now := time.Now().UnixMilli()
	for len(rows) > 0 {
		chunk := rows[:min(len(rows), idChunk)]
		rows = rows[len(chunk):]
		args = append(args[:0], now)
		for i := range chunk {
			r := &chunk[i]
			args = append(args, r.seq, int(r.state), rm.msgMAC(r))
		}
		// UPDATE ... FROM needs SQLite 3.33; both drivers bundle a newer one.
		// The first moves to delivered and to read are dated (a read
		// receipt proves delivery too); display only, outside the MAC.
		_, err := tx.ExecContext(ctx, `UPDATE messages SET state = v.column2, mac = v.column3,
			delivered_at = CASE WHEN v.column2 IN (3, 4) AND delivered_at = 0 THEN ?1 ELSE delivered_at END,
			read_at = CASE WHEN v.column2 = 4 AND read_at = 0 THEN ?1 ELSE read_at END
			FROM (VALUES (?, ?, ?)`+strings.Repeat(", (?, ?, ?)", len(chunk)-1)+`) AS v
			WHERE messages.seq = v.column1`, args...)
		if err != nil {
			return err
		}
	}
	return nil
}

const messageColumns = `m.seq, m.msg_id, m.outgoing, m.sent_at, m.stored_at, m.state, m.text, m.mac,
	m.kind, m.target, m.edited_at, m.deleted, m.delivered_at, m.read_at`

// outboxQuery takes (contact, afterSeq, limit). Its WHERE repeats the
// partial index messages_outbox's condition, so SQLite walks that index.
const outboxQuery = `SELECT ` + messageColumns + `
	FROM messages m
	WHERE m.contact = ? AND m.outgoing = 1 AND m.state IN (1, 2) AND m.seq > ? ORDER BY m.seq LIMIT ?`

// Outbox returns up to limit of the contact's unretired outgoing messages with
// Seq > afterSeq, in sending order (oldest first).
func (s *Store) Outbox(ctx context.Context, contact crypto.ID, afterSeq int64, limit int) ([]Message, error) {
	msgs, err := s.queryMessages(ctx, contact, limit, outboxQuery, afterSeq)
	if err != nil {
		return nil, fmt.Errorf("store: outbox: %w", err)
	}
	return msgs, nil
}

// queryMessages runs q with args (contact, cursor, limit), checks each row's
// MAC and opens each text.
func (s *Store) queryMessages(ctx context.Context, contact crypto.ID, limit int, q string, cursor int64) ([]Message, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("limit %d: %w", limit, ErrInvalid)
	}
	limit = min(limit, MaxPage)
	return s.queryMessageRows(ctx, contact, q, contact.String(), cursor, limit)
}

// queryMessageRows runs q, which selects messageColumns of the contact's
// rows, checks each row's MAC and opens each text.
func (s *Store) queryMessageRows(ctx context.Context, contact crypto.ID, q string, args ...any) ([]Message, error) {
	sl, rm, err := s.keys()
	if err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var (
			m                          = Message{Contact: contact}
			msgID, text, mac, target   []byte
			outgoing, state, kind, del int
			sentAt, storedAt, editedAt int64
			deliveredAt, readAt        int64
		)
		if err := rows.Scan(&m.Seq, &msgID, &outgoing, &sentAt, &storedAt, &state, &text, &mac,
			&kind, &target, &editedAt, &del, &deliveredAt, &readAt); err != nil {
			return nil, err
		}
		m.Kind, m.Deleted, m.EditedAt = MessageKind(kind), DeleteState(del), fromMillis(editedAt)
		m.DeliveredAt, m.ReadAt = fromMillis(deliveredAt), fromMillis(readAt)
		copy(m.Target[:], target)
		if len(msgID) != len(m.ID) {
			return nil, fmt.Errorf("message %d: bad id length %d", m.Seq, len(msgID))
		}
		copy(m.ID[:], msgID)
		r := msgRow{seq: m.Seq, contact: contact, id: m.ID, outgoing: outgoing != 0,
			state: MessageState(state), sentAt: sentAt, storedAt: storedAt}
		if err := rm.checkMsg(&r, mac); err != nil {
			return nil, err
		}
		plain, err := openCol(sl, "messages", "text", opRowAD(messageRow(contact, m.ID), m.Kind, m.Target), text)
		if err != nil {
			return nil, fmt.Errorf("message %d: %w", m.Seq, err)
		}
		m.Text = string(plain)
		m.Outgoing = outgoing != 0
		m.SentAt, m.StoredAt = fromMillis(sentAt), fromMillis(storedAt)
		m.State = MessageState(state)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
