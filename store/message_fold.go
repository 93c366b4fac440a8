package store

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"

	"jarvis/crypto"
)

// Folding stored operations into the messages they change, and removing
// text: the write side of message_ops.go.

// ApplyOps folds the edits and deletes stored for each of targets into
// the target's row, in one durable transaction, and returns what changed.
// It is what makes operations order-free and idempotent: whichever of a
// message and its operations is stored first, the fold runs again when the
// other comes, and gives the same result on every device. A delete by the
// author (or, in a group, by someone mayModerate allows) wins over
// everything; otherwise the edit with the latest author's clock wins, the
// edit's message ID breaking ties. Only the author's edits made within
// EditWindow count. Each edit's own copy of the text is cleared once
// folded, and a deleted message's text is overwritten, with secure_delete
// on so no free page keeps the old bytes; CheckpointWAL then clears the
// WAL. A target not stored yet is skipped: its operations wait for it.
// Targets without operations, the usual case for new messages, cost one
// read and no write.
func (s *Store) ApplyOps(ctx context.Context, conv ConversationID, targets []crypto.MessageID, mayModerate func(crypto.ID) bool) ([]Change, error) {
	t := tableFor(conv)
	busy, err := t.targetsWithOps(ctx, s.r, targets)
	if err != nil || len(busy) == 0 {
		return nil, err
	}
	var out []Change
	err = s.writeMessages(ctx, "apply message operations", func(ctx context.Context, tx *sql.Tx, sl *crypto.Sealer) error {
		if _, err := tx.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
			return err
		}
		defer tx.ExecContext(ctx, `PRAGMA secure_delete = OFF`)
		for _, id := range busy {
			c, changed, err := t.fold(ctx, tx, sl, id, mayModerate)
			if err != nil {
				return err
			}
			if changed {
				out = append(out, c)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// targetsWithOps returns which of ids have an edit or delete stored, a
// chunk of IDs per statement.
func (t opTable) targetsWithOps(ctx context.Context, q querier, ids []crypto.MessageID) ([]crypto.MessageID, error) {
	var out []crypto.MessageID
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), idChunk)]
		ids = ids[len(chunk):]
		rows, err := q.QueryContext(ctx, `SELECT DISTINCT target FROM `+t.table+` WHERE `+t.keyCol+` = ? AND kind IN (2, 3)
			AND target IN `+inList(len(chunk))+t.readable(), append([]any{t.key}, idArgs(chunk)...)...)
		if err != nil {
			return nil, fmt.Errorf("store: apply message operations: %w", err)
		}
		for rows.Next() {
			var id crypto.MessageID
			var b []byte
			if err := rows.Scan(&b); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: apply message operations: %w", err)
			}
			copy(id[:], b)
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: apply message operations: %w", err)
		}
	}
	return out, nil
}

// fold applies the operations stored for one target; see ApplyOps.
func (t opTable) fold(ctx context.Context, tx *sql.Tx, sl *crypto.Sealer, id crypto.MessageID, mayModerate func(crypto.ID) bool) (Change, bool, error) {
	found, err := t.query(ctx, tx, `msg_id = ? AND kind = 0`, id[:])
	if err != nil || len(found) != 1 {
		return Change{}, false, err
	}
	target := found[0]
	ops, err := t.query(ctx, tx, `target = ? AND kind IN (2, 3)`, id[:])
	if err != nil {
		return Change{}, false, err
	}
	// Oldest first by the author's clock, then by ID: every device walks
	// the same order, so the last valid edit is the same everywhere.
	slices.SortFunc(ops, func(a, b opRow) int {
		return cmp.Or(cmp.Compare(a.sentAt, b.sentAt), bytes.Compare(a.id[:], b.id[:]))
	})
	var win *opRow
	deleted := target.deleted != NotDeleted
	for i := range ops {
		op := &ops[i]
		author := bytes.Equal(op.who, target.who)
		switch {
		case op.kind == KindDelete && (author || t.moderator(op.who, mayModerate)):
			deleted = true
		case op.kind == KindEdit && author && op.sentAt-target.sentAt <= EditWindow.Milliseconds():
			if newer(op, target) {
				win = op
			}
		}
	}
	if deleted {
		if err := t.dropEdits(ctx, tx, sl, ops); err != nil {
			return Change{}, false, err
		}
		if target.deleted == DeletedEverywhere {
			return Change{}, false, nil
		}
		return Change{Target: id, Deleted: true}, true, t.overwrite(ctx, tx, sl, target, DeletedEverywhere)
	}
	var plain []byte
	if win != nil {
		if plain, err = openCol(sl, t.table, "text", t.textRow(*win), win.text); err != nil {
			return Change{}, false, fmt.Errorf("edit %d: %w", win.seq, err)
		}
	}
	if err := t.clearEdits(ctx, tx, sl, ops); err != nil {
		return Change{}, false, err
	}
	if len(plain) == 0 {
		return Change{}, false, nil // no newer edit, or one whose text a fold cleared
	}
	sealed := sealCol(sl, t.table, "text", t.textRow(target), plain)
	if _, err := tx.ExecContext(ctx, `UPDATE `+t.table+` SET text = ?, edited_at = ?, edit_id = ? WHERE seq = ?`,
		sealed, win.sentAt, win.id[:], target.seq); err != nil {
		return Change{}, false, err
	}
	return Change{Target: id, Text: string(plain), EditedAt: fromMillis(win.sentAt)}, true, nil
}

// newer reports whether op is later than the edit that gave target its text.
func newer(op *opRow, target opRow) bool {
	if op.sentAt != target.editedAt {
		return op.sentAt > target.editedAt
	}
	return bytes.Compare(op.id[:], target.editID) > 0
}

func (t opTable) moderator(who []byte, mayModerate func(crypto.ID) bool) bool {
	if !t.conv.IsGroup() || mayModerate == nil || len(who) != crypto.IDSize {
		return false
	}
	var id crypto.ID
	copy(id[:], who)
	return mayModerate(id)
}

// clearEdits overwrites the text each folded edit carried with an empty
// one: the target now holds the winner's, and history keeps only the
// latest text. The row stays, with its clock and ID, so a later fold still
// sees it lost. Our own chat edits still in the outbox keep their text
// until sent; a group relays the signed record, never this column.
func (t opTable) clearEdits(ctx context.Context, tx *sql.Tx, sl *crypto.Sealer, ops []opRow) error {
	for _, op := range ops {
		if op.kind != KindEdit || t.queuedOwn(op) {
			continue
		}
		sealed := sealCol(sl, t.table, "text", t.textRow(op), nil)
		if _, err := tx.ExecContext(ctx, `UPDATE `+t.table+` SET text = ? WHERE seq = ?`, sealed, op.seq); err != nil {
			return err
		}
	}
	return nil
}

// queuedOwn reports whether op is one of our chat operations that the
// outbox has not had acked yet.
func (t opTable) queuedOwn(op opRow) bool {
	return !t.conv.IsGroup() && string(op.who) == "1" && (op.state == int(StateQueued) || op.state == int(StateSent))
}

// dropEdits clears every edit of a deleted message: our own still in the
// outbox are taken out of it (sending them would only spread the text),
// the others cleared as by clearEdits.
func (t opTable) dropEdits(ctx context.Context, tx *sql.Tx, sl *crypto.Sealer, ops []opRow) error {
	for _, op := range ops {
		if op.kind == KindEdit && t.queuedOwn(op) {
			if _, err := tx.ExecContext(ctx, `DELETE FROM messages WHERE seq = ?`, op.seq); err != nil {
				return err
			}
		}
	}
	return t.clearEdits(ctx, tx, sl, ops)
}

// overwrite replaces a message's sealed text by an empty one and marks how
// it was deleted.
func (t opTable) overwrite(ctx context.Context, tx *sql.Tx, sl *crypto.Sealer, r opRow, how DeleteState) error {
	sealed := sealCol(sl, t.table, "text", t.textRow(r), nil)
	_, err := tx.ExecContext(ctx, `UPDATE `+t.table+` SET text = ?, deleted = ?, edit_id = NULL WHERE seq = ?`,
		sealed, int(how), r.seq)
	return err
}

// DeleteForMe removes a message's text on this device only, leaving the
// row (so a copy relayed again is known as seen) marked deleted. The
// reactions and edits stored for it are removed with it.
func (s *Store) DeleteForMe(ctx context.Context, conv ConversationID, id crypto.MessageID) error {
	t := tableFor(conv)
	return s.writeMessages(ctx, "delete message", func(ctx context.Context, tx *sql.Tx, sl *crypto.Sealer) error {
		if _, err := tx.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
			return err
		}
		defer tx.ExecContext(ctx, `PRAGMA secure_delete = OFF`)
		found, err := t.query(ctx, tx, `msg_id = ? AND kind = 0`, id[:])
		if err != nil {
			return err
		}
		if len(found) != 1 {
			return fmt.Errorf("message %s: %w", id, ErrNotFound)
		}
		if found[0].deleted != NotDeleted {
			return nil
		}
		ops, err := t.query(ctx, tx, `target = ? AND kind IN (2, 3)`, id[:])
		if err != nil {
			return err
		}
		if err := t.dropEdits(ctx, tx, sl, ops); err != nil {
			return err
		}
		return t.overwrite(ctx, tx, sl, found[0], DeletedForMe)
	})
}

// CheckpointWAL copies the WAL into the database and truncates it, so no
// old frame keeps a deleted message's page. A reader holding the WAL makes
// it a no-op; the next checkpoint does it.
func (s *Store) CheckpointWAL(ctx context.Context) error {
	var busy, logged, moved int
	if err := s.w.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logged, &moved); err != nil {
		return fmt.Errorf("store: checkpoint: %w", err)
	}
	return nil
}

// ClearAckedEdits overwrites the text of our own chat edits among ids once
// the contact has acked them: the outbox needed it until then, and the
// message it edited holds the latest text.
func (s *Store) ClearAckedEdits(ctx context.Context, contact crypto.ID, ids []crypto.MessageID) error {
	t := tableFor(ContactChat(contact))
	return s.writeMessages(ctx, "clear sent edits", func(ctx context.Context, tx *sql.Tx, sl *crypto.Sealer) error {
		for len(ids) > 0 {
			chunk := ids[:min(len(ids), idChunk)]
			ids = ids[len(chunk):]
			rows, err := t.query(ctx, tx, `kind = 2 AND outgoing = 1 AND state NOT IN (1, 2) AND msg_id IN `+inList(len(chunk)),
				idArgs(chunk)...)
			if err != nil {
				return err
			}
			if err := t.clearEdits(ctx, tx, sl, rows); err != nil {
				return err
			}
		}
		return nil
	})
}
