package store

import (
	"context"
	"fmt"
)

// historyAfterQuery takes (contact, afterSeq, limit) and walks a chat forwards.
const historyAfterQuery = `SELECT ` + messageColumns + ` FROM messages m
	WHERE m.contact = ? AND m.seq > ? ORDER BY m.seq LIMIT ?`

// HistoryAfter returns the conversation's oldest limit (at most MaxPage)
// messages with Seq > after, oldest first: the page below a message, so a
// frontend can show one found by search in the middle of its context.
func (s *Store) HistoryAfter(ctx context.Context, conv ConversationID, after int64, limit int) ([]Message, error) {
	if !conv.IsGroup() {
		msgs, err := s.queryMessages(ctx, conv.Contact(), limit, historyAfterQuery, after)
		if err != nil {
			return nil, fmt.Errorf("store: history after: %w", err)
		}
		return msgs, nil
	}
	g := conv.Group()
	rows, err := s.queryGroupMessages(ctx, g, `SELECT `+groupMsgColumns+` FROM group_messages
		WHERE grp = ? AND seq > ? AND state IN (2, 3, 4, 6) ORDER BY seq LIMIT ?`, g[:], after, min(max(limit, 1), MaxPage))
	if err != nil {
		return nil, err
	}
	return groupPage(rows), nil
}

// groupPage is a page of group rows in the shape History returns.
func groupPage(rows []GroupMessage) []Message {
	out := make([]Message, len(rows))
	for i, r := range rows {
		out[i] = r.Message()
	}
	return out
}
