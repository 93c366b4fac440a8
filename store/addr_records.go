package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"jarvis/crypto"
)

// AddrRecord is the newest address record kept for one identity (table
// addr_records, migration 10). For a peer it is the version it signed and
// the addresses we accepted from it; for us (keyed by our own ID) the
// version and addresses we last published, so that a start with other
// addresses publishes a higher version.
type AddrRecord struct {
	ID      crypto.ID
	Version uint64 // 1 and up
	Addrs   []string
}

// addrRecordRow is the AD row and the MAC'd key of a record: ID ‖ version.
// Binding the sealed addresses to the version means an older row's
// addresses cannot be put under a newer row's version.
func addrRecordRow(id crypto.ID, version uint64) []byte {
	return binary.BigEndian.AppendUint64(append(make([]byte, 0, crypto.IDSize+8), id[:]...), version)
}

// addrRecordMACInput covers a record's ID and version.
func addrRecordMACInput(id crypto.ID, version uint64) []byte {
	return append(macInput(nil, "addr_records"), addrRecordRow(id, version)...)
}

// PutAddrRecord stores r in place of id's record if its version is higher,
// and reports whether it did: an older or repeated version is a no-op, so a
// replayed record never brings back addresses its owner left.
func (s *Store) PutAddrRecord(ctx context.Context, r AddrRecord) (bool, error) {
	sl, rm, err := s.keys()
	if err != nil {
		return false, fmt.Errorf("store: put address record: %w", err)
	}
	if r.Version == 0 {
		return false, fmt.Errorf("store: put address record: version 0: %w", ErrInvalid)
	}
	addrs, err := json.Marshal(r.Addrs)
	if err != nil {
		return false, fmt.Errorf("store: put address record: %w", err)
	}
	stored := false
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		var v int64
		var mac []byte
		err := tx.QueryRowContext(ctx, `SELECT version, mac FROM addr_records WHERE id = ?`, r.ID[:]).Scan(&v, &mac)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		default:
			// Checked before comparing: a forged high version must not
			// lock the real records out.
			if err := rm.check("addr_records", 0, addrRecordMACInput(r.ID, uint64(v)), mac); err != nil {
				return err
			}
			if uint64(v) >= r.Version {
				return nil
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO addr_records (id, version, addrs, mac) VALUES (?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET version = excluded.version, addrs = excluded.addrs, mac = excluded.mac`,
			r.ID[:], int64(r.Version),
			sealCol(sl, "addr_records", "addrs", addrRecordRow(r.ID, r.Version), addrs),
			rm.sum(addrRecordMACInput(r.ID, r.Version)))
		stored = err == nil
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store: put address record: %w", err)
	}
	return stored, nil
}

// AddrRecord returns id's record, or an error wrapping ErrNotFound.
func (s *Store) AddrRecord(ctx context.Context, id crypto.ID) (AddrRecord, error) {
	sl, rm, err := s.keys()
	if err != nil {
		return AddrRecord{}, fmt.Errorf("store: address record: %w", err)
	}
	row := s.r.QueryRowContext(ctx, `SELECT id, version, addrs, mac FROM addr_records WHERE id = ?`, id[:])
	r, err := scanAddrRecord(row, sl, rm)
	if errors.Is(err, sql.ErrNoRows) {
		return AddrRecord{}, fmt.Errorf("store: address record: %w", ErrNotFound)
	}
	if err != nil {
		return AddrRecord{}, fmt.Errorf("store: address record: %w", err)
	}
	return r, nil
}

// AddrRecords returns every stored record, ours included.
func (s *Store) AddrRecords(ctx context.Context) ([]AddrRecord, error) {
	sl, rm, err := s.keys()
	if err != nil {
		return nil, fmt.Errorf("store: address records: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, version, addrs, mac FROM addr_records ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: address records: %w", err)
	}
	defer rows.Close()
	var out []AddrRecord
	for rows.Next() {
		r, err := scanAddrRecord(rows, sl, rm)
		if err != nil {
			return nil, fmt.Errorf("store: address records: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: address records: %w", err)
	}
	return out, nil
}

// scanAddrRecord reads one row and refuses it unless its MAC covers its ID
// and version and its addresses open under that ID and version.
func scanAddrRecord(sc scanner, sl *crypto.Sealer, rm *rowMACer) (AddrRecord, error) {
	var id, sealed, mac []byte
	var v int64
	if err := sc.Scan(&id, &v, &sealed, &mac); err != nil {
		return AddrRecord{}, err
	}
	if len(id) != crypto.IDSize {
		return AddrRecord{}, fmt.Errorf("table addr_records: %w", ErrTampered)
	}
	r := AddrRecord{ID: crypto.ID(id), Version: uint64(v)}
	if err := rm.check("addr_records", 0, addrRecordMACInput(r.ID, r.Version), mac); err != nil {
		return AddrRecord{}, err
	}
	plain, err := openCol(sl, "addr_records", "addrs", addrRecordRow(r.ID, r.Version), sealed)
	if err != nil {
		return AddrRecord{}, err
	}
	if err := json.Unmarshal(plain, &r.Addrs); err != nil {
		return AddrRecord{}, fmt.Errorf("address record addrs: %w", err)
	}
	return r, nil
}
