package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// frontendRow is the AD row key of the one frontend_state row.
var frontendRow = []byte{1}

// PutFrontendState keeps a frontend's state between runs (its drafts, the
// conversation last open): opaque to the store, sealed like message text,
// since a draft is text the user wrote.
func (s *Store) PutFrontendState(ctx context.Context, state []byte) error {
	sl, _, err := s.keys()
	if err != nil {
		return fmt.Errorf("store: put frontend state: %w", err)
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO frontend_state (id, state) VALUES (1, ?)
		ON CONFLICT (id) DO UPDATE SET state = excluded.state`, sealCol(sl, "frontend_state", "state", frontendRow, state))
	if err != nil {
		return fmt.Errorf("store: put frontend state: %w", err)
	}
	return nil
}

// FrontendState returns what PutFrontendState kept; nil when nothing was.
func (s *Store) FrontendState(ctx context.Context) ([]byte, error) {
	sl, _, err := s.keys()
	if err != nil {
		return nil, fmt.Errorf("store: frontend state: %w", err)
	}
	var sealed []byte
	err = s.r.QueryRowContext(ctx, `SELECT state FROM frontend_state WHERE id = 1`).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: frontend state: %w", err)
	}
	plain, err := openCol(sl, "frontend_state", "state", frontendRow, sealed)
	if err != nil {
		return nil, fmt.Errorf("store: frontend state: %w", err)
	}
	return plain, nil
}
