package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Setting returns the value stored under key and whether there was one.
func (s *Store) Setting(ctx context.Context, key string) (string, bool, error) {
	sl, err := s.unlocked()
	if err != nil {
		return "", false, fmt.Errorf("store: setting: %w", err)
	}
	var sealed []byte
	err = s.r.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("store: setting: %w", err)
	}
	plain, err := openCol(sl, "settings", "value", []byte(key), sealed)
	if err != nil {
		return "", false, fmt.Errorf("store: setting: %w", err)
	}
	return string(plain), true, nil
}

// SetSetting stores value under key, sealed.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	sl, err := s.unlocked()
	if err != nil {
		return fmt.Errorf("store: set setting: %w", err)
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
		key, sealCol(sl, "settings", "value", []byte(key), []byte(value)))
	if err != nil {
		return fmt.Errorf("store: set setting: %w", err)
	}
	return nil
}
