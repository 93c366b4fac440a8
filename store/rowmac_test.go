package store

import (
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"jarvis/crypto"
)

// tamperFile runs stmts on the database file with a connection of its own,
// as someone with the data directory but not the passphrase would, while
// Jarvis is stopped.
func tamperFile(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := openDB(context.Background(), path, roleWriter)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		res, err := db.Exec(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			t.Fatalf("%s changed nothing; the test proves nothing", q)
		}
	}
}

// reopen unlocks a fresh Store on path.
func reopen(t *testing.T, path string) *Store {
	t.Helper()
	s := openAt(t, path)
	if err := s.Unlock(context.Background(), testPass); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	return s
}

// wantTampered fails unless err reports a failed integrity check naming table.
func wantTampered(t *testing.T, err error, table string) {
	t.Helper()
	if !errors.Is(err, ErrTampered) {
		t.Fatalf("got %v, want ErrTampered", err)
	}
	if !strings.Contains(err.Error(), "table "+table) {
		t.Fatalf("error %q does not name table %s", err, table)
	}
}

// tamperWorld is an account with an accepted contact (a chat of two
// messages each way, the first outgoing one delivered and the first
// incoming one seen) and a stranger whose request is pending.
type tamperWorld struct {
	path     string
	friend   Contact
	stranger Contact
	out, in  []Message
}

func newTamperWorld(t *testing.T) tamperWorld {
	t.Helper()
	ctx := context.Background()
	s, path := newAccount(t)
	w := tamperWorld{path: path, friend: putContact(t, s, "friend")}
	w.stranger = newContact(t, "Bob's bank", w.friend.CreatedAt)
	w.stranger.State = ContactPendingIn
	if err := s.PutContact(ctx, w.stranger); err != nil {
		t.Fatal(err)
	}
	w.out = messages(t, w.friend.ID, 2, func(int) string { return "mine" })
	if err := s.AddOutgoing(ctx, w.out); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AdvanceStates(ctx, w.friend.ID, ids(w.out[:1]), StateDelivered); err != nil {
		t.Fatal(err)
	}
	w.in = messages(t, w.friend.ID, 1, func(int) string { return "theirs" })
	if _, err := s.AddIncoming(ctx, w.in); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MarkSeen(ctx, ContactChat(w.friend.ID)); err != nil {
		t.Fatal(err)
	}
	more := messages(t, w.friend.ID, 1, func(int) string { return "theirs, unread" })
	if _, err := s.AddIncoming(ctx, more); err != nil {
		t.Fatal(err)
	}
	w.in = append(w.in, more...)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return w
}

// TestTamperedMetadataIsRefused changes each piece of metadata that decides
// trust with raw SQL on the closed file: the next read refuses the row with
// an error naming its table instead of trusting it.
func TestTamperedMetadataIsRefused(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		sql   func(w tamperWorld) []string
		table string
		read  func(s *Store, w tamperWorld) error
	}{
		{
			name: "pending stranger set to accepted",
			sql: func(w tamperWorld) []string {
				return []string{`UPDATE contacts SET state = 3 WHERE id = '` + w.stranger.ID.String() + `'`}
			},
			table: "contacts",
			read:  func(s *Store, w tamperWorld) error { _, err := s.Contact(ctx, w.stranger.ID); return err },
		},
		{
			name: "stranger accepted and verified, seen in the list",
			sql: func(w tamperWorld) []string {
				return []string{`UPDATE contacts SET state = 3, verified = 1 WHERE id = '` + w.stranger.ID.String() + `'`}
			},
			table: "contacts",
			read:  func(s *Store, w tamperWorld) error { _, err := s.Contacts(ctx); return err },
		},
		{
			name: "contact marked verified",
			sql: func(w tamperWorld) []string {
				return []string{`UPDATE contacts SET verified = 1 WHERE id = '` + w.friend.ID.String() + `'`}
			},
			table: "contacts",
			read:  func(s *Store, w tamperWorld) error { _, err := s.Contact(ctx, w.friend.ID); return err },
		},
		{
			name:  "contact MAC removed",
			sql:   func(tamperWorld) []string { return []string{`UPDATE contacts SET mac = NULL`} },
			table: "contacts",
			read:  func(s *Store, w tamperWorld) error { _, err := s.Contacts(ctx); return err },
		},
		{
			name: "contact MAC copied from another contact",
			sql: func(w tamperWorld) []string {
				return []string{`UPDATE contacts SET mac = (SELECT mac FROM contacts WHERE id = '` + w.friend.ID.String() +
					`') WHERE id = '` + w.stranger.ID.String() + `'`}
			},
			table: "contacts",
			read:  func(s *Store, w tamperWorld) error { _, err := s.Contact(ctx, w.stranger.ID); return err },
		},
		{
			name:  "own words shown as the contact's (outgoing flipped)",
			sql:   func(tamperWorld) []string { return []string{`UPDATE messages SET outgoing = 0 WHERE outgoing = 1`} },
			table: "messages",
			read:  func(s *Store, w tamperWorld) error { return history(s, w) },
		},
		{
			name:  "contact's words shown as ours (outgoing flipped)",
			sql:   func(tamperWorld) []string { return []string{`UPDATE messages SET outgoing = 1 WHERE outgoing = 0`} },
			table: "messages",
			read:  func(s *Store, w tamperWorld) error { return history(s, w) },
		},
		{
			name:  "delivered message back in the outbox",
			sql:   func(tamperWorld) []string { return []string{`UPDATE messages SET state = 1 WHERE state = 3`} },
			table: "messages",
			read: func(s *Store, w tamperWorld) error {
				_, err := s.Outbox(ctx, w.friend.ID, 0, 10)
				return err
			},
		},
		{
			name:  "message state in history",
			sql:   func(tamperWorld) []string { return []string{`UPDATE messages SET state = 4 WHERE state = 3`} },
			table: "messages",
			read:  func(s *Store, w tamperWorld) error { return history(s, w) },
		},
		{
			name:  "unread message marked seen sends a read receipt",
			sql:   func(tamperWorld) []string { return []string{`UPDATE messages SET state = 7 WHERE state = 6`} },
			table: "messages",
			read: func(s *Store, w tamperWorld) error {
				_, err := s.PendingReceipts(ctx, w.friend.ID)
				return err
			},
		},
		{
			name:  "seen message marked unread",
			sql:   func(tamperWorld) []string { return []string{`UPDATE messages SET state = 6 WHERE state = 7`} },
			table: "messages",
			read: func(s *Store, w tamperWorld) error {
				_, err := s.MarkSeen(ctx, ContactChat(w.friend.ID))
				return err
			},
		},
		{
			name: "two messages swap places (seq reordered)",
			sql: func(tamperWorld) []string {
				return []string{`UPDATE messages SET seq = -1 WHERE seq = 1`,
					`UPDATE messages SET seq = 1 WHERE seq = 2`, `UPDATE messages SET seq = 2 WHERE seq = -1`}
			},
			table: "messages",
			read:  func(s *Store, w tamperWorld) error { return history(s, w) },
		},
		{
			name:  "message moved to the end (seq changed)",
			sql:   func(tamperWorld) []string { return []string{`UPDATE messages SET seq = 100 WHERE seq = 1`} },
			table: "messages",
			read:  func(s *Store, w tamperWorld) error { return history(s, w) },
		},
		{
			name: "message moved to another contact",
			sql: func(w tamperWorld) []string {
				return []string{`UPDATE messages SET contact = '` + w.stranger.ID.String() + `' WHERE seq = 1`}
			},
			table: "messages",
			read: func(s *Store, w tamperWorld) error {
				_, err := s.History(ctx, ContactChat(w.stranger.ID), 0, 10)
				return err
			},
		},
		{
			name:  "message MAC removed",
			sql:   func(tamperWorld) []string { return []string{`UPDATE messages SET mac = NULL WHERE seq = 3`} },
			table: "messages",
			read:  func(s *Store, w tamperWorld) error { return history(s, w) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newTamperWorld(t)
			if err := tt.read(reopen(t, w.path), w); err != nil {
				t.Fatalf("read before tampering: %v", err)
			}
			tamperFile(t, w.path, tt.sql(w)...)
			wantTampered(t, tt.read(reopen(t, w.path), w), tt.table)
		})
	}
}

func history(s *Store, w tamperWorld) error {
	_, err := s.History(context.Background(), ContactChat(w.friend.ID), 0, 10)
	return err
}

// TestStateChangesDoNotBlessTamperedRows: a write that moves a message's
// state checks the row's MAC before rewriting it. Otherwise an ack for a
// message whose outgoing flag was flipped would store a fresh MAC over the
// forged flag.
func TestStateChangesDoNotBlessTamperedRows(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		sql   string
		write func(s *Store, w tamperWorld) error
	}{
		{
			name: "ack for an incoming message made outgoing",
			sql:  `UPDATE messages SET outgoing = 1, state = 2 WHERE seq = 4`,
			write: func(s *Store, w tamperWorld) error {
				_, err := s.AdvanceStates(ctx, w.friend.ID, ids(w.in[1:]), StateDelivered)
				return err
			},
		},
		{
			name: "ack for a message whose seq moved",
			sql:  `UPDATE messages SET seq = 50 WHERE seq = 2`,
			write: func(s *Store, w tamperWorld) error {
				_, err := s.AdvanceStates(ctx, w.friend.ID, ids(w.out[1:]), StateDelivered)
				return err
			},
		},
		{
			name: "mark seen on a message moved here from another seq",
			sql:  `UPDATE messages SET seq = 60 WHERE seq = 4`,
			write: func(s *Store, w tamperWorld) error {
				_, err := s.MarkSeen(ctx, ContactChat(w.friend.ID))
				return err
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newTamperWorld(t)
			tamperFile(t, w.path, tt.sql)
			s := reopen(t, w.path)
			wantTampered(t, tt.write(s, w), "messages")
			wantTampered(t, history(s, w), "messages")
		})
	}
}

// TestUpgradeComputesMACsOnce: a database from before migration 7 (no MACs,
// the private key sealed the legacy way) is readable after its first
// unlock, and tampering after that is refused as in a new database.
func TestUpgradeComputesMACsOnce(t *testing.T) {
	ctx := context.Background()
	w := newTamperWorld(t)
	legacify(t, w.path)
	s := reopen(t, w.path)
	if err := history(s, w); err != nil {
		t.Fatalf("history after the upgrade: %v", err)
	}
	cs, err := s.Contacts(ctx)
	if err != nil || len(cs) != 2 {
		t.Fatalf("contacts after the upgrade: %d, %v", len(cs), err)
	}
	if _, _, err := s.Identity(ctx); err != nil {
		t.Fatalf("identity after the upgrade: %v", err)
	}
	s.Close()
	tamperFile(t, w.path, `UPDATE contacts SET state = 3 WHERE id = '`+w.stranger.ID.String()+`'`)
	_, err = reopen(t, w.path).Contact(ctx, w.stranger.ID)
	wantTampered(t, err, "contacts")
}

// TestUpgradeCannotBeReplayedToBlessTamperedRows: after the upgrade, a
// tampered row with its MAC removed stays refused whatever else is done to
// the file without the key. Removing the MACs does not make the store think
// the upgrade is still to come; the marker is the identity's own seal, which
// cannot be turned back into the legacy one without the key.
func TestUpgradeCannotBeReplayedToBlessTamperedRows(t *testing.T) {
	ctx := context.Background()
	w := newTamperWorld(t)
	tamperFile(t, w.path,
		`UPDATE contacts SET state = 3, verified = 1, mac = NULL WHERE id = '`+w.stranger.ID.String()+`'`,
		`UPDATE messages SET mac = NULL`)
	s := reopen(t, w.path)
	_, err := s.Contact(ctx, w.stranger.ID)
	wantTampered(t, err, "contacts")
	wantTampered(t, history(s, w), "messages")
	s.Close()

	// A marker put back by hand: the sealed private key replaced by another
	// sealed value, which opens under neither label.
	tamperFile(t, w.path, `UPDATE identity SET private = name`)
	s = openAt(t, w.path)
	if err := s.Unlock(ctx, testPass); !errors.Is(err, crypto.ErrSealCorrupt) {
		t.Fatalf("Unlock with a forged marker: %v, want crypto.ErrSealCorrupt", err)
	}
	if _, err := s.Contact(ctx, w.stranger.ID); !errors.Is(err, ErrLocked) {
		t.Fatalf("after a failed unlock: %v, want ErrLocked", err)
	}
}

// legacify turns a database into what migration 7 finds in one written
// before it: no MACs, the private key sealed under its legacy label. It
// needs the key, which the test has and an attacker does not.
func legacify(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	s := reopen(t, path)
	sl, _, err := s.keys()
	if err != nil {
		t.Fatal(err)
	}
	var idStr string
	var sealed []byte
	if err := s.w.QueryRowContext(ctx, `SELECT id, private FROM identity`).Scan(&idStr, &sealed); err != nil {
		t.Fatal(err)
	}
	ident, err := crypto.ParseID(idStr)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := openCol(sl, "identity", identityPrivate, ident[:], sealed)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE contacts SET mac = NULL`, `UPDATE messages SET mac = NULL`} {
		exec(t, s, q)
	}
	exec(t, s, `UPDATE identity SET private = ?`, sealCol(sl, "identity", identityPrivateLegacy, ident[:], priv))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestRowMACVector pins the construction PROTOCOL.md §9 describes; the
// expected values were computed independently (Python hmac/hashlib).
func TestRowMACVector(t *testing.T) {
	var mk crypto.MasterKey
	for i := range mk {
		mk[i] = byte(i)
	}
	key, err := crypto.DeriveKey(mk, rowKeyLabel)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(key[:]); got != "6e073519dcc0dc887c3c97dab47f52746d53b3a42a964259ede85509e94aa191" {
		t.Fatalf("K_rows = %s", got)
	}
	rm, err := newRowMACer(mk)
	if err != nil {
		t.Fatal(err)
	}
	r := msgRow{seq: 1, outgoing: true, state: StateDelivered, sentAt: 1_700_000_000_000, storedAt: 1_700_000_000_001}
	for i := range r.contact {
		r.contact[i] = 1
	}
	for i := range r.id {
		r.id[i] = 2
	}
	if got := hex.EncodeToString(rm.msgMAC(&r)); got != "8d406a3e096438e835c60648271f85674a2ce20909e9cfbedd26c839274a0cad" {
		t.Fatalf("message MAC = %s", got)
	}
	c := Contact{State: ContactAccepted, Verified: true}
	for i := range c.ID {
		c.ID[i] = 1
	}
	for i := range c.Keys.Sign {
		c.Keys.Sign[i], c.Keys.DH[i] = 4, 5
	}
	if got := hex.EncodeToString(rm.sum(contactMACInput(nil, &c))); got != "d93daf60f4b947c5a982524a90492986c0bcf773a19344fad44b042c76e680e8" {
		t.Fatalf("contact MAC = %s", got)
	}
}
