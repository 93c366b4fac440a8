package store

import (
	"context"
	"fmt"
)

// MessageCount is how many messages History can return over every
// conversation (group system lines included): the work of reading all of
// history, which the search index reports its progress against.
func (s *Store) MessageCount(ctx context.Context) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM messages)
		+ (SELECT count(*) FROM group_messages WHERE state IN (2, 3, 4, 6))`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: message count: %w", err)
	}
	return n, nil
}
