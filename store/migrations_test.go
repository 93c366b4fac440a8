package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jarvis/crypto"
)

// openRaw opens path as the writer would, without running migrations.
func openRaw(t *testing.T, path string) *sql.DB {
	t.Helper()
	if err := createPrivateFile(path); err != nil {
		t.Fatal(err)
	}
	db, err := openDB(context.Background(), path, roleWriter)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// schemaVersion reports PRAGMA user_version.
func schemaVersion(ctx context.Context, db *sql.DB) (int, error) {
	var v int
	err := db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v)
	return v, err
}

func TestVersion1DatabaseMigratesForward(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "jarvis.db")
	db := openRaw(t, path)
	if n, err := migrate(ctx, db, migrations()[:1]); err != nil || n != 1 {
		t.Fatalf("migrate to v1: applied %d, %v", n, err)
	}
	if v, _ := schemaVersion(ctx, db); v != 1 {
		t.Fatalf("user_version = %d, want 1", v)
	}
	var idx int
	db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name = 'messages_unread'`).Scan(&idx)
	if idx != 0 {
		t.Fatal("v1 already has the v2 index; the test proves nothing")
	}
	db.Close()

	// A v1 database with data in it, written through the normal API.
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := schemaVersion(ctx, s.w); v != len(migrations()) {
		t.Fatalf("after Open user_version = %d, want %d", v, len(migrations()))
	}
	if err := s.CreateIdentity(ctx, testPass, testKDF(t), newIdentity(t), "Me"); err != nil {
		t.Fatal(err)
	}
	c := putContact(t, s, "a")
	if _, err := s.AddIncoming(ctx, messages(t, c.ID, 3, func(int) string { return "kept" })); err != nil {
		t.Fatal(err)
	}
	if n, err := s.UnreadCount(ctx, ContactChat(c.ID)); err != nil || n != 3 {
		t.Fatalf("UnreadCount after migration = %d, %v", n, err)
	}
	s.Close()
}

func TestMigratingV1WithDataKeepsIt(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "jarvis.db")
	db := openRaw(t, path)
	if _, err := migrate(ctx, db, migrations()[:1]); err != nil {
		t.Fatal(err)
	}
	// Rows as a v1 program would have left them (sealed values are opaque
	// blobs here), including the columns and tables later steps drop.
	for _, q := range []string{
		`INSERT INTO contacts VALUES ('a', zeroblob(32), zeroblob(32), x'01', x'02', x'03', 3, 0, 1, 1),
			('b', zeroblob(32), zeroblob(32), x'01', x'02', x'03', 3, 0, 1, 1)`,
		`INSERT INTO messages (contact, msg_id, outgoing, sent_at, stored_at, state, text)
			VALUES ('a', zeroblob(16), 1, 1, 1, 1, x'04')`,
		`INSERT INTO outbox (contact, msg_id) VALUES ('a', zeroblob(16))`,
		`INSERT INTO settings (key, value) VALUES ('k', x'00')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := migrate(ctx, db, migrations()); err != nil || n != len(migrations())-1 {
		t.Fatalf("migrate forward: applied %d, %v", n, err)
	}
	count := func(q string) int {
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	if c, m := count(`SELECT count(*) FROM contacts`), count(`SELECT count(*) FROM messages`); c != 2 || m != 1 {
		t.Fatalf("migration lost data: %d contacts, %d messages; want 2, 1", c, m)
	}
	if n := count(`SELECT count(*) FROM messages WHERE outgoing = 1 AND state IN (1, 2)`); n != 1 {
		t.Fatalf("%d messages in the outbox after migration, want 1", n)
	}
	if n := count(`SELECT count(*) FROM pragma_table_info('contacts') WHERE name = 'notes'`); n != 0 {
		t.Fatal("contacts.notes survived migration 5")
	}
	if n := count(`SELECT count(*) FROM sqlite_schema WHERE name IN ('settings', 'outbox')`); n != 0 {
		t.Fatal("a dropped table survived the migrations")
	}
	if n := count(`SELECT count(*) FROM pragma_foreign_key_check`); n != 0 {
		t.Fatalf("%d foreign key violations after migration", n)
	}
}

func TestMigration6KeepsSenderKeysStoredAsWireRecords(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "jarvis.db")
	db := openRaw(t, path)
	if _, err := migrate(ctx, db, migrations()[:5]); err != nil {
		t.Fatal(err)
	}
	gid, rcpt, other := crypto.GroupID{1}, crypto.ID{7}, crypto.ID{8}
	k := crypto.SenderKey{Group: gid, Epoch: 3, Author: crypto.ID{2}, Recipient: rcpt, StartSeq: 4}
	k.Eph[0], k.Box[47], k.Sig[63] = 5, 6, 9
	key, _ := k.AppendBinary(nil)
	// What steps 3 to 5 stored: wire.Append(nil, wire.GroupSenderKey(k)),
	// a uint16 length (1 + 216) and the type byte (22) before the key.
	old := append([]byte{0x00, 0xd9, 0x16}, key...)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO groups VALUES (?, 1, 3, 1, x'00', 1, 1)`, []any{gid[:]}},
		{`INSERT INTO group_sender_keys VALUES (?, 3, ?, ?, ?)`, []any{gid[:], k.Author[:], rcpt[:], old}},
		// A row no version could decode: dropped, not left to fail a read.
		{`INSERT INTO group_sender_keys VALUES (?, 3, ?, ?, x'0102')`, []any{gid[:], other[:], rcpt[:]}},
	} {
		if _, err := db.Exec(q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	keys, err := s.SenderKeysFor(ctx, gid, rcpt)
	if err != nil || len(keys) != 1 || keys[0] != k {
		t.Fatalf("after migration 6: %d keys, %v; want the one stored the old way", len(keys), err)
	}
}

func TestReopeningIsANoOp(t *testing.T) {
	ctx := context.Background()
	s, path := newAccount(t)
	putContact(t, s, "a")
	schema := func(db *sql.DB) string {
		rows, err := db.Query(`SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY name`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var b strings.Builder
		for rows.Next() {
			var q string
			rows.Scan(&q)
			b.WriteString(q)
		}
		return b.String()
	}
	before := schema(s.w)
	s.Close()

	s = openAt(t, path)
	if n, err := migrate(ctx, s.w, migrations()); err != nil || n != 0 {
		t.Fatalf("migrate on an up-to-date database applied %d, %v", n, err)
	}
	if after := schema(s.w); after != before {
		t.Fatal("reopening changed the schema")
	}
	if err := s.Unlock(ctx, testPass); err != nil {
		t.Fatal(err)
	}
	if cs, err := s.Contacts(ctx); err != nil || len(cs) != 1 {
		t.Fatalf("Contacts after reopen: %d, %v", len(cs), err)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jarvis.db")
	db := openRaw(t, path)
	if _, err := db.Exec(`PRAGMA user_version = 999`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(path); !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open: %v, want ErrSchemaTooNew", err)
	}
}

func TestConnectionsAreConfigured(t *testing.T) {
	s, _ := newAccount(t)
	pragma := func(db *sql.DB, name string) string {
		t.Helper()
		var v string
		if err := db.QueryRow(`PRAGMA ` + name).Scan(&v); err != nil {
			t.Fatalf("PRAGMA %s: %v", name, err)
		}
		return strings.ToLower(v)
	}
	for _, tc := range []struct {
		db         *sql.DB
		role, name string
		want       string
	}{
		{s.w, "writer", "journal_mode", "wal"},
		{s.w, "writer", "synchronous", "2"}, // FULL
		{s.w, "writer", "foreign_keys", "1"},
		{s.w, "writer", "busy_timeout", busyTimeoutMillis},
		{s.w, "writer", "query_only", "0"},
		{s.r, "reader", "journal_mode", "wal"},
		{s.r, "reader", "foreign_keys", "1"},
		{s.r, "reader", "busy_timeout", busyTimeoutMillis},
		{s.r, "reader", "query_only", "1"},
	} {
		if got := pragma(tc.db, tc.name); got != tc.want {
			t.Errorf("%s: PRAGMA %s = %s, want %s", tc.role, tc.name, got, tc.want)
		}
	}
	if got := s.w.Stats().MaxOpenConnections; got != 1 {
		t.Errorf("writer allows %d connections, want 1", got)
	}
	if _, err := s.r.Exec(`INSERT INTO settings (key, value) VALUES ('x', x'00')`); err == nil {
		t.Error("the read pool accepted a write")
	}
}

func TestWritesUseImmediateTransactions(t *testing.T) {
	// A second writer on the same file: with BEGIN IMMEDIATE our transaction
	// holds the write lock from its first statement, so the other one cannot start.
	ctx := context.Background()
	s, path := newAccount(t)
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM contacts`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open(driverName, dsn(path, roleWriter))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	other.SetMaxOpenConns(1) // the PRAGMA below must apply to the connection that writes
	if _, err := other.Exec(`PRAGMA busy_timeout = 0`); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Exec(`INSERT INTO settings (key, value) VALUES ('x', x'00')`); err == nil {
		t.Fatal("another connection wrote while our read-only-so-far transaction was open; BEGIN is not IMMEDIATE")
	}
}

func TestOpenHandlesUnusualPaths(t *testing.T) {
	for _, name := range []string{"with space.db", "q?mode=ro.db", "hash#frag.db", "pct%41.db", "ünï.db"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), name)
			s := openAt(t, path)
			if err := s.CreateIdentity(context.Background(), testPass, testKDF(t), newIdentity(t), "Me"); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(path); err != nil {
				t.Fatalf("database not at the given path: %v", err)
			}
			if has, err := s.HasIdentity(context.Background()); err != nil || !has {
				t.Fatalf("reader pool opened another file: HasIdentity = %v, %v", has, err)
			}
		})
	}
}
