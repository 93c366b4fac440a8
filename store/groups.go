package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"jarvis/crypto"
)

// GroupState is where this device stands in a group.
type GroupState uint8

const (
	GroupInvited GroupState = 1 // an invite waits for an answer
	GroupActive  GroupState = 2 // a member
	GroupLeft    GroupState = 3 // left or removed: history only
)

// String names the state as the headless protocol does.
func (st GroupState) String() string {
	switch st {
	case GroupInvited:
		return "invited"
	case GroupActive:
		return "active"
	case GroupLeft:
		return "left"
	}
	return "unknown"
}

// Group is one group as this device keeps it. The rosters, messages and
// keys live in their own tables; Local is the app's own bookkeeping,
// sealed.
type Group struct {
	ID           crypto.GroupID
	State        GroupState
	Version      uint64 // current roster version
	Joined       uint64 // roster version this device joined at
	Local        []byte
	CreatedAt    time.Time
	LastActivity time.Time
}

// GroupChain is a sealed sender-key chain state for (group, author, epoch).
type GroupChain struct {
	Group  crypto.GroupID
	Author crypto.ID
	Epoch  uint64
	State  []byte
}

func chainRow(g crypto.GroupID, author crypto.ID, epoch uint64) []byte {
	row := append(append([]byte(nil), g[:]...), author[:]...)
	return binary.BigEndian.AppendUint64(row, epoch)
}

func rosterRow(g crypto.GroupID, version uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), g[:]...), version)
}

// PutGroup inserts g or replaces its row.
func (s *Store) PutGroup(ctx context.Context, g Group) error {
	sl, rm, err := s.keys()
	if err != nil {
		return fmt.Errorf("store: put group: %w", err)
	}
	if g.State < GroupInvited || g.State > GroupLeft {
		return fmt.Errorf("store: put group: state %d: %w", g.State, ErrInvalid)
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO groups (id, state, version, joined, local, created, last_activity, mac)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET state = excluded.state, version = excluded.version,
			joined = excluded.joined, local = excluded.local, last_activity = excluded.last_activity,
			mac = excluded.mac`,
		g.ID[:], int(g.State), int64(g.Version), int64(g.Joined),
		sealCol(sl, "groups", "local", g.ID[:], g.Local), toMillis(g.CreatedAt), toMillis(g.LastActivity),
		rm.groupMAC(&g))
	if err != nil {
		return fmt.Errorf("store: put group: %w", err)
	}
	return nil
}

// Groups returns every group, most recently active first.
func (s *Store) Groups(ctx context.Context) ([]Group, error) {
	sl, rm, err := s.keys()
	if err != nil {
		return nil, fmt.Errorf("store: groups: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, state, version, joined, local, created, last_activity, mac
		FROM groups ORDER BY last_activity DESC, id`)
	if err != nil {
		return nil, fmt.Errorf("store: groups: %w", err)
	}
	defer rows.Close()
	var out []Group
	for rows.Next() {
		var (
			g                 Group
			id, local, mac    []byte
			state             int
			version, joined   int64
			created, activity int64
		)
		if err := rows.Scan(&id, &state, &version, &joined, &local, &created, &activity, &mac); err != nil {
			return nil, fmt.Errorf("store: groups: %w", err)
		}
		copy(g.ID[:], id)
		g.State, g.Version, g.Joined = GroupState(state), uint64(version), uint64(joined)
		if err := rm.checkGroup(&g, mac); err != nil {
			return nil, fmt.Errorf("store: groups: %w", err)
		}
		if g.Local, err = openCol(sl, "groups", "local", g.ID[:], local); err != nil {
			return nil, fmt.Errorf("store: groups: %w", err)
		}
		g.CreatedAt, g.LastActivity = fromMillis(created), fromMillis(activity)
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: groups: %w", err)
	}
	return out, nil
}

// DeleteGroup removes a group with its rosters, messages and keys.
func (s *Store) DeleteGroup(ctx context.Context, id crypto.GroupID) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM groups WHERE id = ?`, id[:])
	if err != nil {
		return fmt.Errorf("store: delete group: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: delete group: %w", ErrNotFound)
	}
	return nil
}

// PutRoster stores (or replaces) one roster version; the group must exist.
func (s *Store) PutRoster(ctx context.Context, id crypto.GroupID, version uint64, enc []byte) error {
	sl, err := s.unlocked()
	if err != nil {
		return fmt.Errorf("store: put roster: %w", err)
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO group_rosters (grp, version, roster) VALUES (?, ?, ?)
		ON CONFLICT (grp, version) DO UPDATE SET roster = excluded.roster`,
		id[:], int64(version), sealCol(sl, "group_rosters", "roster", rosterRow(id, version), enc))
	if err != nil {
		return fmt.Errorf("store: put roster: %w", err)
	}
	return nil
}

// ApplyRoster stores roster version g.Version, the group's row and the
// system lines that describe the change, in one durable transaction: a
// roster change costs one write however many lines it shows. Stored
// versions past g.Version are deleted in the same transaction: after a
// fork switch they were built on the losing fork. It returns the stored
// lines, with their Seq.
func (s *Store) ApplyRoster(ctx context.Context, g Group, enc []byte, lines []string, at time.Time) ([]GroupMessage, error) {
	_, rm, err := s.keys()
	if err != nil {
		return nil, fmt.Errorf("store: apply roster: %w", err)
	}
	if g.State < GroupInvited || g.State > GroupLeft {
		return nil, fmt.Errorf("store: apply roster: state %d: %w", g.State, ErrInvalid)
	}
	var out []GroupMessage
	err = s.writeMessages(ctx, "apply roster", func(ctx context.Context, tx *sql.Tx, sl *crypto.Sealer) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM group_rosters WHERE grp = ? AND version > ?`, g.ID[:], int64(g.Version)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO group_rosters (grp, version, roster) VALUES (?, ?, ?)
			ON CONFLICT (grp, version) DO UPDATE SET roster = excluded.roster`,
			g.ID[:], int64(g.Version), sealCol(sl, "group_rosters", "roster", rosterRow(g.ID, g.Version), enc)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE groups SET state = ?, version = ?, joined = ?, local = ?, last_activity = ?, mac = ?
			WHERE id = ?`, int(g.State), int64(g.Version), int64(g.Joined),
			sealCol(sl, "groups", "local", g.ID[:], g.Local), toMillis(g.LastActivity), rm.groupMAC(&g), g.ID[:]); err != nil {
			return err
		}
		var err error
		out, err = addSystemLines(ctx, tx, sl, rm, g.ID, lines, at)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Rosters returns the stored roster encodings with version > after, in
// version order.
func (s *Store) Rosters(ctx context.Context, id crypto.GroupID, after uint64) ([][]byte, error) {
	sl, err := s.unlocked()
	if err != nil {
		return nil, fmt.Errorf("store: rosters: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT version, roster FROM group_rosters
		WHERE grp = ? AND version > ? ORDER BY version`, id[:], int64(after))
	if err != nil {
		return nil, fmt.Errorf("store: rosters: %w", err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var v int64
		var sealed []byte
		if err := rows.Scan(&v, &sealed); err != nil {
			return nil, fmt.Errorf("store: rosters: %w", err)
		}
		enc, err := openCol(sl, "group_rosters", "roster", rosterRow(id, uint64(v)), sealed)
		if err != nil {
			return nil, fmt.Errorf("store: rosters: %w", err)
		}
		out = append(out, enc)
	}
	return out, rows.Err()
}

// Roster returns one roster version, or ErrNotFound.
func (s *Store) Roster(ctx context.Context, id crypto.GroupID, version uint64) ([]byte, error) {
	sl, err := s.unlocked()
	if err != nil {
		return nil, fmt.Errorf("store: roster: %w", err)
	}
	var sealed []byte
	err = s.r.QueryRowContext(ctx, `SELECT roster FROM group_rosters WHERE grp = ? AND version = ?`,
		id[:], int64(version)).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: roster: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: roster: %w", err)
	}
	return openCol(sl, "group_rosters", "roster", rosterRow(id, version), sealed)
}

// GroupChains returns every stored chain state of a group.
func (s *Store) GroupChains(ctx context.Context, id crypto.GroupID) ([]GroupChain, error) {
	sl, err := s.unlocked()
	if err != nil {
		return nil, fmt.Errorf("store: group chains: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT author, epoch, state FROM group_chains WHERE grp = ?`, id[:])
	if err != nil {
		return nil, fmt.Errorf("store: group chains: %w", err)
	}
	defer rows.Close()
	var out []GroupChain
	for rows.Next() {
		c := GroupChain{Group: id}
		var author, sealed []byte
		var epoch int64
		if err := rows.Scan(&author, &epoch, &sealed); err != nil {
			return nil, fmt.Errorf("store: group chains: %w", err)
		}
		copy(c.Author[:], author)
		c.Epoch = uint64(epoch)
		if c.State, err = openCol(sl, "group_chains", "state", chainRow(id, c.Author, c.Epoch), sealed); err != nil {
			return nil, fmt.Errorf("store: group chains: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func putChains(ctx context.Context, tx *sql.Tx, sl *crypto.Sealer, chains []GroupChain) error {
	for _, c := range chains {
		_, err := tx.ExecContext(ctx, `INSERT INTO group_chains (grp, author, epoch, state) VALUES (?, ?, ?, ?)
			ON CONFLICT (grp, author, epoch) DO UPDATE SET state = excluded.state`,
			c.Group[:], c.Author[:], int64(c.Epoch),
			sealCol(sl, "group_chains", "state", chainRow(c.Group, c.Author, c.Epoch), c.State))
		if err != nil {
			return err
		}
	}
	return nil
}

// PutSenderKeys stores sender keys for relaying; known ones are ignored
// unless the new one starts its chain later (an author who started a fresh
// chain for the same epoch, after its roster switched forks). It reports
// which were new. A key is stored in its crypto.SenderKey encoding, where
// start_seq is the 8 big-endian bytes at offset senderKeyStartAt, so bytes
// compare as numbers.
func (s *Store) PutSenderKeys(ctx context.Context, keys []crypto.SenderKey) ([]bool, error) {
	added := make([]bool, len(keys))
	err := s.writeGroupTx(ctx, "put sender keys", func(tx *sql.Tx, _ *crypto.Sealer) error {
		for i, k := range keys {
			rec, _ := k.AppendBinary(nil) // cannot fail
			res, err := tx.ExecContext(ctx, `INSERT INTO group_sender_keys (grp, epoch, author, recipient, record)
				VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET record = excluded.record
				WHERE substr(excluded.record, `+senderKeyStartAt+`, 8) > substr(record, `+senderKeyStartAt+`, 8)`,
				k.Group[:], int64(k.Epoch), k.Author[:], k.Recipient[:], rec)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			added[i] = n == 1
		}
		return nil
	})
	return added, err
}

// senderKeyStartAt is where StartSeq starts in a sender key's encoding,
// counted from 1 as SQL's substr does: after group, epoch, author and
// recipient.
const senderKeyStartAt = "65" // 1 + 16 + 8 + 20 + 20

// SenderKeysFor returns the sender keys addressed to recipient in a group,
// by author and epoch. Their signatures are not checked again.
func (s *Store) SenderKeysFor(ctx context.Context, id crypto.GroupID, recipient crypto.ID) ([]crypto.SenderKey, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT record FROM group_sender_keys
		WHERE grp = ? AND recipient = ? ORDER BY author, epoch`, id[:], recipient[:])
	if err != nil {
		return nil, fmt.Errorf("store: sender keys: %w", err)
	}
	defer rows.Close()
	var out []crypto.SenderKey
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, fmt.Errorf("store: sender keys: %w", err)
		}
		k, err := crypto.ParseSenderKey(b)
		if err != nil {
			return nil, fmt.Errorf("store: sender keys: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// writeGroupTx runs fn in a write transaction with the sealer at hand.
func (s *Store) writeGroupTx(ctx context.Context, op string, fn func(*sql.Tx, *crypto.Sealer) error) error {
	sl, err := s.unlocked()
	if err != nil {
		return fmt.Errorf("store: %s: %w", op, err)
	}
	if err := s.writeTx(ctx, func(tx *sql.Tx) error { return fn(tx, sl) }); err != nil {
		return fmt.Errorf("store: %s: %w", op, err)
	}
	return nil
}
