package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"

	"jarvis/crypto"
)

// Transfer is one file offer and its progress, sent or received. Done
// counts the chunks verified from the start of the file: chunks arrive in
// order, so the verified ones are always a prefix.
type Transfer struct {
	ID   [16]byte
	Peer crypto.ID
	// Group is set when the file was offered in a group: Peer is then its
	// author (or, sending, ourselves) and any member may serve or fetch it.
	Group     crypto.GroupID
	Outgoing  bool
	Root      [32]byte
	Size      int64
	ChunkSize int
	Name      string // as offered, sanitised by the receiver before use
	Path      string // sender: the source; receiver: the saved file once done
	Hashes    []byte // the chunk-hash list; empty until the receiver fetched it
	State     int    // app-defined
	Done      int
	Reason    string // why it failed, was rejected or cancelled
	Created   int64  // unix milliseconds
}

// PutTransfer stores t, replacing the row of the same ID.
func (s *Store) PutTransfer(ctx context.Context, t Transfer) error {
	sl, err := s.unlocked()
	if err != nil {
		return fmt.Errorf("store: put transfer: %w", err)
	}
	seal := func(col string, v []byte) []byte { return sealCol(sl, "transfers", col, t.ID[:], v) }
	_, err = s.w.ExecContext(ctx, `INSERT OR REPLACE INTO transfers
		(id, peer, outgoing, root, size, chunk_size, name, path, hashes, state, done, reason, created)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID[:], peerColumn(t), t.Outgoing, t.Root[:], t.Size, t.ChunkSize,
		seal("name", []byte(t.Name)), seal("path", []byte(t.Path)), seal("hashes", t.Hashes),
		t.State, t.Done, seal("reason", []byte(t.Reason)), t.Created)
	if err != nil {
		return fmt.Errorf("store: put transfer: %w", diskFull(err))
	}
	return nil
}

// SetTransferProgress records a transfer's state and verified prefix,
// without rewriting its sealed columns.
func (s *Store) SetTransferProgress(ctx context.Context, id [16]byte, state, done int) error {
	_, err := s.w.ExecContext(ctx, `UPDATE transfers SET state = ?, done = ? WHERE id = ?`, state, done, id[:])
	if err != nil {
		return fmt.Errorf("store: transfer progress: %w", diskFull(err))
	}
	return nil
}

// Transfers returns every stored transfer, oldest first.
func (s *Store) Transfers(ctx context.Context) ([]Transfer, error) {
	sl, err := s.unlocked()
	if err != nil {
		return nil, fmt.Errorf("store: transfers: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, peer, outgoing, root, size, chunk_size, name, path, hashes,
		state, done, reason, created FROM transfers ORDER BY created, id`)
	if err != nil {
		return nil, fmt.Errorf("store: transfers: %w", err)
	}
	defer rows.Close()
	var out []Transfer
	for rows.Next() {
		t, err := scanTransfer(sl, rows)
		if err != nil {
			return nil, fmt.Errorf("store: transfers: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: transfers: %w", err)
	}
	return out, nil
}

func scanTransfer(sl *crypto.Sealer, rows *sql.Rows) (Transfer, error) {
	var t Transfer
	var id, root, name, path, hashes, reason []byte
	var peer string
	if err := rows.Scan(&id, &peer, &t.Outgoing, &root, &t.Size, &t.ChunkSize, &name, &path, &hashes,
		&t.State, &t.Done, &reason, &t.Created); err != nil {
		return t, err
	}
	if len(id) != len(t.ID) || len(root) != len(t.Root) {
		return t, fmt.Errorf("transfer id or root of the wrong size: %w", ErrInvalid)
	}
	copy(t.ID[:], id)
	copy(t.Root[:], root)
	err := parsePeerColumn(peer, &t)
	if err != nil {
		return t, err
	}
	open := func(col string, v []byte) ([]byte, error) { return openCol(sl, "transfers", col, id, v) }
	var n, pa, r []byte
	if n, err = open("name", name); err != nil {
		return t, err
	}
	if pa, err = open("path", path); err != nil {
		return t, err
	}
	if t.Hashes, err = open("hashes", hashes); err != nil {
		return t, err
	}
	if r, err = open("reason", reason); err != nil {
		return t, err
	}
	t.Name, t.Path, t.Reason = string(n), string(pa), string(r)
	return t, nil
}

// peerColumn is what the peer column holds: the peer's ID, followed for a
// group file by a space and the group's ID (the column is free text, so
// no migration step was needed for group files).
func peerColumn(t Transfer) string {
	if t.Group == (crypto.GroupID{}) {
		return t.Peer.String()
	}
	return t.Peer.String() + " " + t.Group.String()
}

// parsePeerColumn reads what peerColumn wrote into t.
func parsePeerColumn(s string, t *Transfer) error {
	peer, group, isGroup := strings.Cut(s, " ")
	p, err := crypto.ParseID(peer)
	if err != nil {
		return fmt.Errorf("transfer peer: %w", err)
	}
	t.Peer = p
	if !isGroup {
		return nil
	}
	b, err := hex.DecodeString(group)
	if err != nil || len(b) != len(t.Group) {
		return fmt.Errorf("transfer group %q: %w", group, ErrInvalid)
	}
	copy(t.Group[:], b)
	return nil
}
