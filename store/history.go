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
	WHERE m.contact = ? AND m.seq < ? ORDER BY m.seq DESC LIMIT ?`

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
	unreadQuery          = `SELECT count(*) FROM messages WHERE contact = ? AND outgoing = 0 AND state = 6`
	pendingReceiptsQuery = `SELECT msg_id FROM messages
	WHERE contact = ? AND outgoing = 0 AND state = 7 AND receipt_sent = 0 ORDER BY seq`
)

func (s *Store) markChatSeen(ctx context.Context, contact crypto.ID) ([]crypto.MessageID, error) {
	var ids []crypto.MessageID
	err := s.writeStates(ctx, "mark seen", func(ctx context.Context, tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE messages SET state = 7
			WHERE contact = ? AND outgoing = 0 AND state = 6 RETURNING msg_id`, contact.String())
		if err != nil {
			return err
		}
		ids, err = scanIDs(rows)
		return err
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// PendingReceipts returns the IDs of seen incoming messages whose read receipt
// has not been sent yet, oldest first (for example after a restart).
func (s *Store) PendingReceipts(ctx context.Context, contact crypto.ID) ([]crypto.MessageID, error) {
	rows, err := s.r.QueryContext(ctx, pendingReceiptsQuery, contact.String())
	if err != nil {
		return nil, fmt.Errorf("store: pending receipts: %w", err)
	}
	ids, err := scanIDs(rows)
	if err != nil {
		return nil, fmt.Errorf("store: pending receipts: %w", err)
	}
	return ids, nil
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

func scanIDs(rows *sql.Rows) ([]crypto.MessageID, error) {
	defer rows.Close()
	var ids []crypto.MessageID
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		var id crypto.MessageID
		if len(b) != len(id) {
			return nil, fmt.Errorf("bad message id length %d", len(b))
		}
		copy(id[:], b)
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
