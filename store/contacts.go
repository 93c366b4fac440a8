package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"jarvis/crypto"
)

// ContactState is where a contact is in the request/accept exchange.
type ContactState uint8

const (
	ContactPendingOut ContactState = 1 // we asked
	ContactPendingIn  ContactState = 2 // they asked
	ContactAccepted   ContactState = 3
)

func (st ContactState) valid() bool { return st >= ContactPendingOut && st <= ContactAccepted }

// String names the state as the headless protocol does.
func (st ContactState) String() string {
	switch st {
	case ContactPendingOut:
		return "pending_out"
	case ContactPendingIn:
		return "pending_in"
	case ContactAccepted:
		return "accepted"
	}
	return "unknown"
}

// Contact is one peer. ID must equal Keys.ID(): the store refuses any other pairing.
type Contact struct {
	ID           crypto.ID
	Keys         crypto.PublicIdentity
	Name         string // the name they gave themselves (link code, request, accept)
	Label        string // the name this user gave them with /rename; "" for none
	Addrs        []string
	State        ContactState
	Verified     bool
	CreatedAt    time.Time
	LastActivity time.Time
}

const contactColumns = `id, sign_pub, dh_pub, name, addrs, state, verified, created, last_activity, mac, label`

// PutContact inserts c or replaces every column of the existing row.
func (s *Store) PutContact(ctx context.Context, c Contact) error {
	sl, rm, err := s.keys()
	if err != nil {
		return fmt.Errorf("store: put contact: %w", err)
	}
	if c.ID != c.Keys.ID() {
		return fmt.Errorf("store: put contact: id does not match keys: %w", ErrInvalid)
	}
	if !c.State.valid() {
		return fmt.Errorf("store: put contact: state %d: %w", c.State, ErrInvalid)
	}
	addrs, err := json.Marshal(c.Addrs)
	if err != nil {
		return fmt.Errorf("store: put contact: encode addrs: %w", err)
	}
	row := c.ID[:]
	_, err = s.w.ExecContext(ctx, `INSERT INTO contacts (`+contactColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET
			sign_pub = excluded.sign_pub, dh_pub = excluded.dh_pub, name = excluded.name,
			addrs = excluded.addrs, state = excluded.state,
			verified = excluded.verified, created = excluded.created,
			last_activity = excluded.last_activity, mac = excluded.mac, label = excluded.label`,
		c.ID.String(), c.Keys.Sign[:], c.Keys.DH[:],
		sealCol(sl, "contacts", "name", row, []byte(c.Name)),
		sealCol(sl, "contacts", "addrs", row, addrs),
		int(c.State), boolInt(c.Verified), toMillis(c.CreatedAt), toMillis(c.LastActivity),
		rm.sum(contactMACInput(nil, &c)),
		sealCol(sl, "contacts", "label", row, []byte(c.Label)))
	if err != nil {
		return fmt.Errorf("store: put contact: %w", err)
	}
	return nil
}

// Contact returns one contact, or an error wrapping ErrNotFound.
func (s *Store) Contact(ctx context.Context, id crypto.ID) (Contact, error) {
	sl, rm, err := s.keys()
	if err != nil {
		return Contact{}, fmt.Errorf("store: contact: %w", err)
	}
	row := s.r.QueryRowContext(ctx, `SELECT `+contactColumns+` FROM contacts WHERE id = ?`, id.String())
	c, err := scanContact(row, sl, rm)
	if errors.Is(err, sql.ErrNoRows) {
		return Contact{}, fmt.Errorf("store: contact: %w", ErrNotFound)
	}
	if err != nil {
		return Contact{}, fmt.Errorf("store: contact: %w", err)
	}
	return c, nil
}

// Contacts returns every contact, most recently active first.
func (s *Store) Contacts(ctx context.Context) ([]Contact, error) {
	sl, rm, err := s.keys()
	if err != nil {
		return nil, fmt.Errorf("store: contacts: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+contactColumns+` FROM contacts
		ORDER BY last_activity DESC, created DESC, id`)
	if err != nil {
		return nil, fmt.Errorf("store: contacts: %w", err)
	}
	defer rows.Close()
	var out []Contact
	for rows.Next() {
		c, err := scanContact(rows, sl, rm)
		if err != nil {
			return nil, fmt.Errorf("store: contacts: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: contacts: %w", err)
	}
	return out, nil
}

// DeleteContact removes the contact with its messages and outbox (ON DELETE CASCADE).
func (s *Store) DeleteContact(ctx context.Context, id crypto.ID) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM contacts WHERE id = ?`, id.String())
	if err != nil {
		return fmt.Errorf("store: delete contact: %w", err)
	}
	return affectedOne(res, "store: delete contact")
}

// TouchContact moves the contact's last activity forward to t (never backwards).
func (s *Store) TouchContact(ctx context.Context, id crypto.ID, t time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE contacts SET last_activity = max(last_activity, ?) WHERE id = ?`,
		toMillis(t), id.String())
	if err != nil {
		return fmt.Errorf("store: touch contact: %w", err)
	}
	return affectedOne(res, "store: touch contact")
}

func affectedOne(res sql.Result, op string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", op, ErrNotFound)
	}
	return nil
}

type scanner interface{ Scan(dest ...any) error }

// scanContact reads one row of contactColumns and refuses it unless its
// MAC covers its ID, keys, state and verified flag.
func scanContact(sc scanner, sl *crypto.Sealer, rm *rowMACer) (Contact, error) {
	var (
		idStr                 string
		signPub, dhPub        []byte
		name, addrs, mac      []byte
		label                 []byte
		state, verified       int
		created, lastActivity int64
	)
	if err := sc.Scan(&idStr, &signPub, &dhPub, &name, &addrs, &state, &verified, &created, &lastActivity, &mac, &label); err != nil {
		return Contact{}, err
	}
	id, err := crypto.ParseID(idStr)
	if err != nil {
		return Contact{}, fmt.Errorf("stored contact id: %w", err)
	}
	c := Contact{ID: id, State: ContactState(state), Verified: verified != 0,
		CreatedAt: fromMillis(created), LastActivity: fromMillis(lastActivity)}
	copy(c.Keys.Sign[:], signPub)
	copy(c.Keys.DH[:], dhPub)
	if err := rm.check("contacts", 0, contactMACInput(nil, &c), mac); err != nil {
		return Contact{}, err
	}
	if c.Keys.ID() != id {
		return Contact{}, fmt.Errorf("stored contact %s: keys do not match id", id.Short())
	}
	row := id[:]
	plain, err := openCol(sl, "contacts", "name", row, name)
	if err != nil {
		return Contact{}, err
	}
	c.Name = string(plain)
	if label != nil { // NULL in a row written before migration 11
		if plain, err = openCol(sl, "contacts", "label", row, label); err != nil {
			return Contact{}, err
		}
		c.Label = string(plain)
	}
	if plain, err = openCol(sl, "contacts", "addrs", row, addrs); err != nil {
		return Contact{}, err
	}
	if err := json.Unmarshal(plain, &c.Addrs); err != nil {
		return Contact{}, fmt.Errorf("contact addrs: %w", err)
	}
	if len(c.Addrs) == 0 {
		c.Addrs = nil
	}
	return c, nil
}
