package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"jarvis/crypto"
)

// historyQuery takes (contact, beforeSeq, limit) and walks messages_history backwards.
const historyQuery = `SELECT ` + messageColumns + ` FROM messages m
	WHERE m.contact = ? AND m.seq < ? AND m.kind = 0 ORDER BY m.seq DESC LIMIT ?`

func (s *Store) chatHistory(ctx context.Context, contact crypto.ID, beforeSeq int64, limit int) ([]Message, error) {
	msgs, err := s.queryMessages(ctx, contact, limit, historyQuery, pageStart(beforeSeq))
	if err != nil {
		return nil, fmt.Errorf("store: history: %w", err)
	}
	slices.Reverse(msgs)
	return msgs, nil
}

// The literals 6 and 7 below are StateUnread and StateSeen, written out so
// SQLite can use the partial indexes of migration 2.
const (
	unreadQuery     = `SELECT count(*) FROM messages WHERE contact = ? AND outgoing = 0 AND state = 6`
	unreadRowsQuery = `SELECT seq, msg_id, sent_at, stored_at, mac FROM messages
	WHERE contact = ? AND outgoing = 0 AND state = 6 AND seq <= ? ORDER BY seq`
	pendingReceiptsQuery = `SELECT seq, msg_id, sent_at, stored_at, mac FROM messages
	WHERE contact = ? AND outgoing = 0 AND state = 7 AND receipt_sent = 0 ORDER BY seq`
)

// markChatSeen moves the contact's unread messages to seen, each after its
// MAC checked out and with its MAC rewritten.
func (s *Store) markChatSeen(ctx context.Context, contact crypto.ID, upTo int64) ([]crypto.MessageID, error) {
	_, rm, err := s.keys()
	if err != nil {
		return nil, fmt.Errorf("store: mark seen: %w", err)
	}
	var ids []crypto.MessageID
	err = s.writeStates(ctx, "mark seen", func(ctx context.Context, tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, unreadRowsQuery, contact.String(), upTo)
		if err != nil {
			return err
		}
		unread, err := scanIncoming(rows, rm, contact, StateUnread)
		if err != nil {
			return err
		}
		ids = make([]crypto.MessageID, len(unread))
		for i := range unread {
			unread[i].state = StateSeen
			ids[i] = unread[i].id
		}
		return setMessageStates(ctx, tx, rm, unread)
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// PendingReceipts returns the IDs of seen incoming messages whose read receipt
// has not been sent yet, oldest first (for example after a restart).
func (s *Store) PendingReceipts(ctx context.Context, contact crypto.ID) ([]crypto.MessageID, error) {
	_, rm, err := s.keys()
	if err != nil {
		return nil, fmt.Errorf("store: pending receipts: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, pendingReceiptsQuery, contact.String())
	if err != nil {
		return nil, fmt.Errorf("store: pending receipts: %w", err)
	}
	seen, err := scanIncoming(rows, rm, contact, StateSeen)
	if err != nil {
		return nil, fmt.Errorf("store: pending receipts: %w", err)
	}
	ids := make([]crypto.MessageID, len(seen))
	for i, r := range seen {
		ids[i] = r.id
	}
	return ids, nil
}

// scanIncoming reads rows of (seq, msg_id, sent_at, stored_at, mac) that
// the query chose as incoming messages of contact in state st, and checks
// each MAC against exactly that.
func scanIncoming(rows *sql.Rows, rm *rowMACer, contact crypto.ID, st MessageState) ([]msgRow, error) {
	defer rows.Close()
	var out []msgRow
	for rows.Next() {
		r := msgRow{contact: contact, state: st}
		var id, mac []byte
		if err := rows.Scan(&r.seq, &id, &r.sentAt, &r.storedAt, &mac); err != nil {
			return nil, err
		}
		if len(id) != len(r.id) {
			return nil, fmt.Errorf("message %d: bad id length %d", r.seq, len(id))
		}
		copy(r.id[:], id)
		if err := rm.checkMsg(&r, mac); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ReceiptsSent records that read receipts for ids went out.
func (s *Store) ReceiptsSent(ctx context.Context, contact crypto.ID, ids []crypto.MessageID) error {
	if len(ids) == 0 {
		return nil
	}
	return s.writeStates(ctx, "receipts sent", func(ctx context.Context, tx *sql.Tx) error {
		upd, err := tx.PrepareContext(ctx, `UPDATE messages SET receipt_sent = 1
			WHERE contact = ? AND msg_id = ? AND outgoing = 0`)
		if err != nil {
			return err
		}
		defer upd.Close()
		c := contact.String()
		for _, id := range ids {
			if _, err := upd.ExecContext(ctx, c, id[:]); err != nil {
				return err
			}
		}
		return nil
	})
}
