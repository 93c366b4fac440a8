package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"jarvis/crypto"
)

// Migration 7 adds the mac columns empty; the MACs need the master key, so
// the first Unlock afterwards computes them. What says "done" must be
// something a person without the key can neither forge nor erase into
// "not done yet": otherwise they could tamper with rows, clear their MACs,
// reset the marker and have the next unlock bless the tampered rows. The
// marker is therefore the identity's private key itself, sealed under the
// column label identityPrivate once the upgrade has run and under
// identityPrivateLegacy before: the upgrade re-seals it in the same
// transaction that writes the MACs. Only a ciphertext of the private key
// copied from this very database before its upgrade can turn the clock
// back (PROTOCOL.md §9 says so).
const (
	identityPrivate       = "private/rowmac-v1"
	identityPrivateLegacy = "private"
)

// upgradeChunk bounds how many rows the upgrade holds in memory at once.
const upgradeChunk = 1000

// upgradeRowMACs computes every row's MAC if the identity row still carries
// the legacy seal, and re-seals it, in one transaction. An upgraded
// database is only read, which costs one small query per unlock.
func (s *Store) upgradeRowMACs(ctx context.Context, sl *crypto.Sealer, rm *rowMACer) error {
	legacy, err := s.identityIsLegacy(ctx, sl)
	if err != nil || !legacy {
		return err
	}
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		// Checked again under the write lock: another process may have upgraded meanwhile.
		ident, priv, err := legacyIdentity(ctx, tx, sl)
		if err != nil || priv == nil {
			return err
		}
		defer clear(priv)
		for _, step := range []func(context.Context, *sql.Tx, *rowMACer) error{
			macContacts, macMessages, macGroups, macGroupMessages,
		} {
			if err := step(ctx, tx, rm); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE identity SET private = ? WHERE slot = 1`,
			sealCol(sl, "identity", identityPrivate, ident[:], priv))
		return err
	})
	if err != nil {
		return fmt.Errorf("compute row MACs: %w", err)
	}
	return nil
}

// identityIsLegacy reports whether the upgrade still has to run; it reads
// through the reader pool so an upgraded database never takes the write lock.
func (s *Store) identityIsLegacy(ctx context.Context, sl *crypto.Sealer) (bool, error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	_, priv, err := legacyIdentity(ctx, tx, sl)
	clear(priv)
	return priv != nil, err
}

// legacyIdentity returns the private key if it is sealed the legacy way;
// nil if it is sealed the current way or there is no identity row (then
// there is nothing to upgrade, and rows without a MAC stay refused).
func legacyIdentity(ctx context.Context, tx *sql.Tx, sl *crypto.Sealer) (crypto.ID, []byte, error) {
	var idStr string
	var sealed []byte
	err := tx.QueryRowContext(ctx, `SELECT id, private FROM identity WHERE slot = 1`).Scan(&idStr, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return crypto.ID{}, nil, nil
	}
	if err != nil {
		return crypto.ID{}, nil, fmt.Errorf("read identity: %w", err)
	}
	ident, err := crypto.ParseID(idStr)
	if err != nil {
		return crypto.ID{}, nil, fmt.Errorf("stored id: %w", err)
	}
	if _, err := sl.Open(sealed, crypto.ColumnAD("identity", identityPrivate, ident[:])); err == nil {
		return ident, nil, nil
	}
	priv, err := openCol(sl, "identity", identityPrivateLegacy, ident[:], sealed)
	if err != nil {
		return crypto.ID{}, nil, err
	}
	return ident, priv, nil
}

func macContacts(ctx context.Context, tx *sql.Tx, rm *rowMACer) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, sign_pub, dh_pub, state, verified FROM contacts`)
	if err != nil {
		return fmt.Errorf("contacts: %w", err)
	}
	type update struct {
		id  string
		mac []byte
	}
	var ups []update
	for rows.Next() {
		var c Contact
		var idStr string
		var sign, dh []byte
		var state, verified int
		if err := rows.Scan(&idStr, &sign, &dh, &state, &verified); err != nil {
			rows.Close()
			return fmt.Errorf("contacts: %w", err)
		}
		if c.ID, err = crypto.ParseID(idStr); err != nil {
			rows.Close()
			return fmt.Errorf("contacts: stored id: %w", err)
		}
		copy(c.Keys.Sign[:], sign)
		copy(c.Keys.DH[:], dh)
		c.State, c.Verified = ContactState(state), verified != 0
		ups = append(ups, update{idStr, rm.sum(contactMACInput(nil, &c))})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("contacts: %w", err)
	}
	for _, u := range ups {
		if _, err := tx.ExecContext(ctx, `UPDATE contacts SET mac = ? WHERE id = ?`, u.mac, u.id); err != nil {
			return fmt.Errorf("contacts: %w", err)
		}
	}
	return nil
}

func macGroups(ctx context.Context, tx *sql.Tx, rm *rowMACer) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, state, version, joined FROM groups`)
	if err != nil {
		return fmt.Errorf("groups: %w", err)
	}
	var gs []Group
	for rows.Next() {
		var g Group
		var id []byte
		var state int
		var version, joined int64
		if err := rows.Scan(&id, &state, &version, &joined); err != nil {
			rows.Close()
			return fmt.Errorf("groups: %w", err)
		}
		copy(g.ID[:], id)
		g.State, g.Version, g.Joined = GroupState(state), uint64(version), uint64(joined)
		gs = append(gs, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("groups: %w", err)
	}
	for i := range gs {
		if _, err := tx.ExecContext(ctx, `UPDATE groups SET mac = ? WHERE id = ?`, rm.groupMAC(&gs[i]), gs[i].ID[:]); err != nil {
			return fmt.Errorf("groups: %w", err)
		}
	}
	return nil
}

// macMessages and macGroupMessages walk their table in seq chunks, so a
// long history is never held in memory whole.
func macMessages(ctx context.Context, tx *sql.Tx, rm *rowMACer) error {
	return macInChunks(ctx, tx, "messages",
		`SELECT seq, contact, msg_id, outgoing, state, sent_at, stored_at FROM messages
			WHERE seq > ? ORDER BY seq LIMIT ?`,
		func(rows *sql.Rows) (int64, []byte, error) {
			var r msgRow
			var contact string
			var msgID []byte
			var outgoing, state int
			if err := rows.Scan(&r.seq, &contact, &msgID, &outgoing, &state, &r.sentAt, &r.storedAt); err != nil {
				return 0, nil, err
			}
			var err error
			if r.contact, err = crypto.ParseID(contact); err != nil {
				return 0, nil, fmt.Errorf("seq %d: stored contact: %w", r.seq, err)
			}
			copy(r.id[:], msgID)
			r.outgoing, r.state = outgoing != 0, MessageState(state)
			return r.seq, rm.msgMAC(&r), nil
		})
}

func macGroupMessages(ctx context.Context, tx *sql.Tx, rm *rowMACer) error {
	return macInChunks(ctx, tx, "group_messages",
		`SELECT seq, grp, author, aseq, epoch, state FROM group_messages
			WHERE seq > ? ORDER BY seq LIMIT ?`,
		func(rows *sql.Rows) (int64, []byte, error) {
			var m GroupMessage
			var grp, author []byte
			var aseq, epoch int64
			var state int
			if err := rows.Scan(&m.Seq, &grp, &author, &aseq, &epoch, &state); err != nil {
				return 0, nil, err
			}
			copy(m.Group[:], grp)
			copy(m.Author[:], author)
			m.AuthorSeq, m.Epoch, m.State = uint64(aseq), uint64(epoch), GroupMsgState(state)
			return m.Seq, rm.groupMsgMAC(&m), nil
		})
}

// macInChunks runs query (seq cursor, limit) until it returns no rows, and
// stores the MAC that mac computes for each row by seq.
func macInChunks(ctx context.Context, tx *sql.Tx, table, query string, mac func(*sql.Rows) (int64, []byte, error)) error {
	upd, err := tx.PrepareContext(ctx, `UPDATE `+table+` SET mac = ? WHERE seq = ?`)
	if err != nil {
		return fmt.Errorf("%s: %w", table, err)
	}
	defer upd.Close()
	type update struct {
		seq int64
		mac []byte
	}
	ups := make([]update, 0, upgradeChunk)
	for after := int64(0); ; {
		ups = ups[:0]
		rows, err := tx.QueryContext(ctx, query, after, upgradeChunk)
		if err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
		for rows.Next() {
			seq, m, err := mac(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("%s: %w", table, err)
			}
			ups = append(ups, update{seq, m})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
		if len(ups) == 0 {
			return nil
		}
		for _, u := range ups {
			if _, err := upd.ExecContext(ctx, u.mac, u.seq); err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
		}
		after = ups[len(ups)-1].seq
	}
}
