package store

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"jarvis/crypto"
)

// MessageKind tells a message from a row that changes another one.
type MessageKind uint8

const (
	KindText     MessageKind = 0 // a message; Target is the one it replies to
	KindReaction MessageKind = 1 // Text is the emoji, "" to take it back
	KindEdit     MessageKind = 2 // Text is the new text
	KindDelete   MessageKind = 3 // delete for everyone
)

// DeleteState says whether a message's text was removed, and by whom.
type DeleteState uint8

const (
	NotDeleted        DeleteState = 0
	DeletedForMe      DeleteState = 1 // on this device only
	DeletedEverywhere DeleteState = 2 // by its author (or a group admin), on every device
)

// EditWindow is how long after sending a message its author may edit it.
const EditWindow = 24 * time.Hour

// Change is what applying operations did to one message.
type Change struct {
	Target   crypto.MessageID
	Deleted  bool
	Text     string
	EditedAt time.Time
}

// Reaction is one participant's reaction to a message. In a chat From is
// the contact, or zero with Own set for ours.
type Reaction struct {
	From  crypto.ID
	Own   bool
	Emoji string
	At    time.Time
}

// opRowAD extends the row a text is sealed to with its kind and target,
// so that flipping either column on disk (to make a text pass for an edit
// of another message) makes the text fail to open instead. A plain text
// keeps the row as it always was.
func opRowAD(row []byte, kind MessageKind, target crypto.MessageID) []byte {
	if kind == KindText && target == (crypto.MessageID{}) {
		return row
	}
	return append(append(row, byte(kind)), target[:]...)
}

func targetArg(t crypto.MessageID) any {
	if t == (crypto.MessageID{}) {
		return nil
	}
	return t[:]
}

// opTable is what differs between a chat's rows and a group's for the
// operations below: the table, the conversation's key and how a row's
// author is named and its text sealed.
type opTable struct {
	table, keyCol string
	key           any
	who           string // SQL naming the author: outgoing in a chat, author in a group
	conv          ConversationID
}

func tableFor(conv ConversationID) opTable {
	if conv.IsGroup() {
		g := conv.Group()
		return opTable{table: "group_messages", keyCol: "grp", key: g[:], who: "author", conv: conv}
	}
	return opTable{table: "messages", keyCol: "contact", key: conv.Contact().String(),
		who: "CAST(outgoing AS BLOB)", conv: conv}
}

// opRow is a row as the operations need it.
type opRow struct {
	seq      int64
	id       crypto.MessageID
	target   crypto.MessageID
	state    int
	who      []byte
	aseq     int64
	kind     MessageKind
	sentAt   int64
	editedAt int64
	editID   []byte
	deleted  DeleteState
	text     []byte
}

func (t opTable) columns() string {
	aseq := "0"
	if t.conv.IsGroup() {
		aseq = "aseq"
	}
	return "seq, msg_id, coalesce(target, x''), state, " + t.who + ", " + aseq + ", kind, sent_at, edited_at, edit_id, deleted, text"
}

// readable limits a group's rows to those decrypted here; every chat row is.
func (t opTable) readable() string {
	if t.conv.IsGroup() {
		return " AND state IN (2, 3, 4)"
	}
	return ""
}

func (t opTable) textRow(r opRow) []byte {
	if t.conv.IsGroup() {
		var author crypto.ID
		copy(author[:], r.who)
		return opRowAD(groupTextRow(t.conv.Group(), author, uint64(r.aseq)), r.kind, r.target)
	}
	return opRowAD(messageRow(t.conv.Contact(), r.id), r.kind, r.target)
}

func (t opTable) query(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, where string, args ...any) ([]opRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+t.columns()+` FROM `+t.table+` WHERE `+t.keyCol+` = ? AND `+where+t.readable(),
		append([]any{t.key}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []opRow
	for rows.Next() {
		var r opRow
		var id, target []byte
		var kind, del int
		if err := rows.Scan(&r.seq, &id, &target, &r.state, &r.who, &r.aseq, &kind, &r.sentAt, &r.editedAt, &r.editID,
			&del, &r.text); err != nil {
			return nil, err
		}
		copy(r.id[:], id)
		copy(r.target[:], target)
		r.kind, r.deleted = MessageKind(kind), DeleteState(del)
		out = append(out, r)
	}
	return out, rows.Err()
}

func inList(n int) string { return "(?" + strings.Repeat(", ?", n-1) + ")" }

func idArgs(ids []crypto.MessageID) []any {
	out := make([]any, len(ids))
	for i := range ids {
		out[i] = ids[i][:]
	}
	return out
}

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
func (s *Store) ApplyOps(ctx context.Context, conv ConversationID, targets []crypto.MessageID, mayModerate func(crypto.ID) bool) ([]Change, error) {
	t := tableFor(conv)
	var out []Change
	err := s.writeMessages(ctx, "apply message operations", func(ctx context.Context, tx *sql.Tx, sl *crypto.Sealer) error {
		if _, err := tx.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
			return err
		}
		defer tx.ExecContext(ctx, `PRAGMA secure_delete = OFF`)
		for len(targets) > 0 {
			chunk := targets[:min(len(targets), idChunk)]
			targets = targets[len(chunk):]
			busy, err := t.targetsWithOps(ctx, tx, chunk)
			if err != nil {
				return err
			}
			for _, id := range busy {
				c, changed, err := t.fold(ctx, tx, sl, id, mayModerate)
				if err != nil {
					return err
				}
				if changed {
					out = append(out, c)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// targetsWithOps returns which of ids have an edit or delete stored.
func (t opTable) targetsWithOps(ctx context.Context, tx *sql.Tx, ids []crypto.MessageID) ([]crypto.MessageID, error) {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT target FROM `+t.table+` WHERE `+t.keyCol+` = ? AND kind IN (2, 3)
		AND target IN `+inList(len(ids))+t.readable(), append([]any{t.key}, idArgs(ids)...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crypto.MessageID
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		var id crypto.MessageID
		copy(id[:], b)
		out = append(out, id)
	}
	return out, rows.Err()
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
		if err := t.dropEdits(ctx, tx, sl, id, ops); err != nil {
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
func (t opTable) dropEdits(ctx context.Context, tx *sql.Tx, sl *crypto.Sealer, id crypto.MessageID, ops []opRow) error {
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
		if err := t.dropEdits(ctx, tx, sl, id, ops); err != nil {
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

// MessagesByID returns the conversation's messages (not operations) of
// ids that are stored and readable here, by ID.
func (s *Store) MessagesByID(ctx context.Context, conv ConversationID, ids []crypto.MessageID) (map[crypto.MessageID]Message, error) {
	out := make(map[crypto.MessageID]Message, len(ids))
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), idChunk)]
		ids = ids[len(chunk):]
		var msgs []Message
		var err error
		if conv.IsGroup() {
			g := conv.Group()
			var rows []GroupMessage
			rows, err = s.queryGroupMessages(ctx, g, `SELECT `+groupMsgColumns+` FROM group_messages
				WHERE grp = ? AND kind = 0 AND state IN (2, 3, 4) AND msg_id IN `+inList(len(chunk)),
				append([]any{g[:]}, idArgs(chunk)...)...)
			for _, r := range rows {
				msgs = append(msgs, r.Message())
			}
		} else {
			c := conv.Contact()
			msgs, err = s.queryMessageRows(ctx, c, `SELECT `+messageColumns+` FROM messages m
				WHERE m.contact = ? AND m.kind = 0 AND m.msg_id IN `+inList(len(chunk)),
				append([]any{c.String()}, idArgs(chunk)...)...)
		}
		if err != nil {
			return nil, fmt.Errorf("store: messages by id: %w", err)
		}
		for _, m := range msgs {
			out[m.ID] = m
		}
	}
	return out, nil
}

// Reactions returns the reactions to each of ids: per participant the one
// with the latest author's clock (the operation's ID breaking ties), left
// out when it took the reaction back. Each list is ordered by time.
func (s *Store) Reactions(ctx context.Context, conv ConversationID, ids []crypto.MessageID) (map[crypto.MessageID][]Reaction, error) {
	sl, _, err := s.keys()
	if err != nil {
		return nil, fmt.Errorf("store: reactions: %w", err)
	}
	t := tableFor(conv)
	type key struct {
		target crypto.MessageID
		who    string
	}
	latest := make(map[key]opRow)
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), idChunk)]
		ids = ids[len(chunk):]
		rows, err := t.query(ctx, s.r, `kind = 1 AND target IN `+inList(len(chunk)), idArgs(chunk)...)
		if err != nil {
			return nil, fmt.Errorf("store: reactions: %w", err)
		}
		for _, r := range rows {
			k := key{r.target, string(r.who)}
			if old, ok := latest[k]; !ok || cmp.Or(cmp.Compare(r.sentAt, old.sentAt), bytes.Compare(r.id[:], old.id[:])) > 0 {
				latest[k] = r
			}
		}
	}
	out := make(map[crypto.MessageID][]Reaction)
	for k, r := range latest {
		emoji, err := openCol(sl, t.table, "text", t.textRow(r), r.text)
		if err != nil {
			return nil, fmt.Errorf("store: reaction %d: %w", r.seq, err)
		}
		if len(emoji) == 0 {
			continue
		}
		out[k.target] = append(out[k.target], t.reaction(r, string(emoji)))
	}
	for _, list := range out {
		slices.SortFunc(list, func(a, b Reaction) int { return a.At.Compare(b.At) })
	}
	return out, nil
}

func (t opTable) reaction(r opRow, emoji string) Reaction {
	out := Reaction{Emoji: emoji, At: fromMillis(r.sentAt)}
	switch {
	case t.conv.IsGroup():
		copy(out.From[:], r.who)
	case string(r.who) == "1":
		out.Own = true
	default:
		out.From = t.conv.Contact()
	}
	return out
}

// FindMessage returns the conversation that holds the message (not an
// operation) id. It reads every conversation, for a caller that knows the
// ID alone.
func (s *Store) FindMessage(ctx context.Context, id crypto.MessageID) (ConversationID, bool, error) {
	var contact string
	err := s.r.QueryRowContext(ctx, `SELECT contact FROM messages WHERE msg_id = ? AND kind = 0`, id[:]).Scan(&contact)
	if err == nil {
		c, perr := crypto.ParseID(contact)
		return ContactChat(c), perr == nil, perr
	}
	if err != sql.ErrNoRows {
		return ConversationID{}, false, fmt.Errorf("store: find message: %w", err)
	}
	var grp []byte
	err = s.r.QueryRowContext(ctx, `SELECT grp FROM group_messages WHERE msg_id = ? AND kind = 0`, id[:]).Scan(&grp)
	if err == sql.ErrNoRows {
		return ConversationID{}, false, nil
	}
	if err != nil {
		return ConversationID{}, false, fmt.Errorf("store: find message: %w", err)
	}
	var g crypto.GroupID
	copy(g[:], grp)
	return GroupChat(g), true, nil
}

// fillGroupMessageIDs gives the group rows stored before message
// operations existed their message ID, which only Go can derive. After the
// first unlock there are none, and the partial index makes this one empty
// lookup.
func (s *Store) fillGroupMessageIDs(ctx context.Context) error {
	rows, err := s.r.QueryContext(ctx, `SELECT seq, grp, author, aseq, epoch FROM group_messages WHERE msg_id IS NULL`)
	if err != nil {
		return fmt.Errorf("fill group message ids: %w", err)
	}
	var todo []GroupMessage
	for rows.Next() {
		var m GroupMessage
		var grp, author []byte
		var aseq, epoch int64
		if err := rows.Scan(&m.Seq, &grp, &author, &aseq, &epoch); err != nil {
			rows.Close()
			return fmt.Errorf("fill group message ids: %w", err)
		}
		copy(m.Group[:], grp)
		copy(m.Author[:], author)
		m.AuthorSeq, m.Epoch = uint64(aseq), uint64(epoch)
		todo = append(todo, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(todo) == 0 {
		return err
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		for _, m := range todo {
			id := m.ID()
			if _, err := tx.ExecContext(ctx, `UPDATE group_messages SET msg_id = ? WHERE seq = ?`, id[:], m.Seq); err != nil {
				return fmt.Errorf("fill group message ids: %w", err)
			}
		}
		return nil
	})
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
