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

// querier is a transaction or the read pool.
type querier interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}

func (t opTable) query(ctx context.Context, q querier, where string, args ...any) ([]opRow, error) {
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

// HeldTargets returns the messages of conv that stored edits or deletes
// name but that are not stored (yet): what those operations wait for.
func (s *Store) HeldTargets(ctx context.Context, conv ConversationID) ([]crypto.MessageID, error) {
	t := tableFor(conv)
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT o.target FROM `+t.table+` o
		WHERE o.`+t.keyCol+` = ? AND o.kind IN (2, 3) AND o.target IS NOT NULL AND NOT EXISTS (
			SELECT 1 FROM `+t.table+` m WHERE m.`+t.keyCol+` = o.`+t.keyCol+` AND m.msg_id = o.target AND m.kind = 0)`, t.key)
	if err != nil {
		return nil, fmt.Errorf("store: held targets: %w", err)
	}
	defer rows.Close()
	var out []crypto.MessageID
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, fmt.Errorf("store: held targets: %w", err)
		}
		var id crypto.MessageID
		copy(id[:], b)
		out = append(out, id)
	}
	return out, rows.Err()
}
