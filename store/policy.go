package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"

	"jarvis/crypto"
)

// Chats (table messages) and groups (table group_messages) keep their rows
// apart, since a group row also carries the signed record members relay.
// Every write of either goes through one of the two policies below, so the
// two kinds cannot drift apart in durability or cancellation again.

// writeMessages stores messages: durable (synchronous=FULL), because an
// incoming message is acknowledged only once it is on disk, and not
// cancellable, because mattn/go-sqlite3 interrupts a statement on a
// cancelled context and a batch half-written by a closing frontend would
// fail as a whole.
//
// fn gets the uncancellable context and must use it for every statement:
// mattn/go-sqlite3 runs a statement whose context can be cancelled on a
// goroutine of its own, which cost about 15% of 1:1 throughput here.
func (s *Store) writeMessages(ctx context.Context, op string, fn func(context.Context, *sql.Tx, *crypto.Sealer) error) error {
	sl, err := s.unlocked()
	if err != nil {
		return fmt.Errorf("store: %s: %w", op, err)
	}
	ctx = uncancelable(ctx)
	if err := s.writeTx(ctx, func(tx *sql.Tx) error { return fn(ctx, tx, sl) }); err != nil {
		return fmt.Errorf("store: %s: %w", op, err)
	}
	return nil
}

// writeStates records how messages stand (seen, delivered, read, receipt
// sent): relaxed (synchronous=NORMAL). A crash may lose the last few, which
// costs an unread badge or a repeated receipt, never a message. Not
// cancellable either, for the same reason as writeMessages.
func (s *Store) writeStates(ctx context.Context, op string, fn func(context.Context, *sql.Tx) error) error {
	ctx = uncancelable(ctx)
	if err := s.writeTxRelaxed(ctx, func(tx *sql.Tx) error { return fn(ctx, tx) }); err != nil {
		return fmt.Errorf("store: %s: %w", op, err)
	}
	return nil
}

// pageStart turns a history cursor into the bound both kinds page with:
// 0 means from the newest message.
func pageStart(before int64) int64 {
	if before <= 0 {
		return math.MaxInt64
	}
	return before
}
