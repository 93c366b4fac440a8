package store

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations returns the schema steps in order; step i brings PRAGMA user_version
// from i to i+1. Append only: never edit a step that has shipped.
//
// Sealed columns (BLOB, XChaCha20-Poly1305, AD = table/column/row):
// identity.private, identity.name, identity.onion, contacts.name/addrs,
// addr_records.addrs, messages.text, and the group columns listed at step 3. Public keys, IDs, states and times are
// plaintext metadata; from step 7 the parts of it that decide trust are
// covered by a per-row MAC (rowmac.go).
func migrations() []string {
	return []string{
		// 1: base schema.
		`
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value BLOB NOT NULL
) STRICT;

CREATE TABLE identity (
	slot    INTEGER PRIMARY KEY CHECK (slot = 1),
	id      TEXT NOT NULL,
	private BLOB NOT NULL,
	name    BLOB NOT NULL
) STRICT;

CREATE TABLE contacts (
	id            TEXT PRIMARY KEY,
	sign_pub      BLOB NOT NULL CHECK (length(sign_pub) = 32),
	dh_pub        BLOB NOT NULL CHECK (length(dh_pub) = 32),
	name          BLOB NOT NULL,
	addrs         BLOB NOT NULL,
	notes         BLOB NOT NULL,
	state         INTEGER NOT NULL,
	verified      INTEGER NOT NULL,
	created       INTEGER NOT NULL,
	last_activity INTEGER NOT NULL
) STRICT;
CREATE INDEX contacts_activity ON contacts (last_activity DESC);

CREATE TABLE messages (
	seq          INTEGER PRIMARY KEY,
	contact      TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
	msg_id       BLOB NOT NULL CHECK (length(msg_id) = 16),
	outgoing     INTEGER NOT NULL,
	sent_at      INTEGER NOT NULL,
	stored_at    INTEGER NOT NULL,
	state        INTEGER NOT NULL,
	text         BLOB NOT NULL,
	receipt_sent INTEGER NOT NULL DEFAULT 0,
	UNIQUE (contact, msg_id)
) STRICT;
CREATE INDEX messages_history ON messages (contact, seq);

CREATE TABLE outbox (
	seq     INTEGER PRIMARY KEY AUTOINCREMENT,
	contact TEXT NOT NULL,
	msg_id  BLOB NOT NULL,
	UNIQUE (contact, msg_id),
	FOREIGN KEY (contact, msg_id) REFERENCES messages (contact, msg_id) ON DELETE CASCADE
) STRICT;
CREATE INDEX outbox_order ON outbox (contact, seq);

CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value BLOB NOT NULL
) STRICT;
`,
		// 2: partial indexes for unread badges and pending read receipts.
		// The literals must match StateUnread (6) and StateSeen (7).
		`
CREATE INDEX messages_unread ON messages (contact) WHERE outgoing = 0 AND state = 6;
CREATE INDEX messages_receipts ON messages (contact, seq)
	WHERE outgoing = 0 AND state = 7 AND receipt_sent = 0;
`,
		// 3: groups (store/groups.go). Sealed: groups.local, group_rosters.roster,
		// group_messages.text, group_chains.state. Records and sender keys are
		// end-to-end ciphertext already.
		`
CREATE TABLE groups (
	id            BLOB PRIMARY KEY CHECK (length(id) = 16),
	state         INTEGER NOT NULL,
	version       INTEGER NOT NULL,
	joined        INTEGER NOT NULL,
	local         BLOB NOT NULL,
	created       INTEGER NOT NULL,
	last_activity INTEGER NOT NULL
) STRICT;

CREATE TABLE group_rosters (
	grp     BLOB NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
	version INTEGER NOT NULL,
	roster  BLOB NOT NULL,
	PRIMARY KEY (grp, version)
) STRICT;

CREATE TABLE group_messages (
	seq       INTEGER PRIMARY KEY,
	grp       BLOB NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
	author    BLOB NOT NULL CHECK (length(author) = 20),
	aseq      INTEGER NOT NULL,
	epoch     INTEGER NOT NULL,
	state     INTEGER NOT NULL,
	sent_at   INTEGER NOT NULL,
	stored_at INTEGER NOT NULL,
	record    BLOB NOT NULL,
	text      BLOB,
	UNIQUE (grp, author, aseq)
) STRICT;
CREATE INDEX group_messages_history ON group_messages (grp, seq);
CREATE INDEX group_messages_pending ON group_messages (grp, author, epoch) WHERE state = 1;

CREATE TABLE group_chains (
	grp    BLOB NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
	author BLOB NOT NULL,
	epoch  INTEGER NOT NULL,
	state  BLOB NOT NULL,
	PRIMARY KEY (grp, author, epoch)
) STRICT;

CREATE TABLE group_sender_keys (
	grp       BLOB NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
	epoch     INTEGER NOT NULL,
	author    BLOB NOT NULL,
	recipient BLOB NOT NULL,
	record    BLOB NOT NULL,
	PRIMARY KEY (grp, recipient, author, epoch)
) STRICT;
`,
		// 4: the outbox becomes a partial index over messages. A separate
		// table cost an insert and a delete per message, each in a
		// random-keyed unique index; the state already says what is unacked.
		`
CREATE INDEX messages_outbox ON messages (contact, seq) WHERE outgoing = 1 AND state IN (1, 2);
DROP TABLE outbox;
`,
		// 5: drop what nothing ever wrote: contacts.notes (always sealed
		// empty text) and the settings table. DROP COLUMN needs SQLite 3.35;
		// both drivers bundle a newer one (3.54 today), and make test
		// runs TestMigratingV1WithDataKeepsIt under each.
		`
ALTER TABLE contacts DROP COLUMN notes;
DROP TABLE settings;
`,
		// 6: group_sender_keys.record holds the crypto.SenderKey encoding
		// (216 bytes). Steps 3 to 5 stored it as a whole wire record: a
		// uint16 length (217 = 0x00d9) and the type byte (22 = 0x16) before
		// those 216 bytes. A row of any other shape never decoded, so it is
		// dropped; substr counts from 1 and works in bytes on a BLOB.
		`
DELETE FROM group_sender_keys WHERE length(record) != 219 OR substr(record, 1, 3) != x'00d916';
UPDATE group_sender_keys SET record = substr(record, 4);
`,
		// 7: row MACs (rowmac.go) over the plaintext metadata that decides
		// trust. Empty here: computing them needs the master key, so the
		// first Unlock does it (rowmac_upgrade.go); a row without one is
		// refused after that.
		`
ALTER TABLE contacts ADD COLUMN mac BLOB;
ALTER TABLE messages ADD COLUMN mac BLOB;
ALTER TABLE groups ADD COLUMN mac BLOB;
ALTER TABLE group_messages ADD COLUMN mac BLOB;
`,
		// 8: strangers whose contact requests the user declined, as keyed
		// hashes of their IDs (see rejected.go): the table says how many,
		// never who.
		`
CREATE TABLE rejected (
	hash BLOB PRIMARY KEY
) STRICT, WITHOUT ROWID;
`,
		// 9: the onion service key (onion.go), sealed like identity.private.
		// NULL in an account made before it: OnionKey creates it on first use.
		`
ALTER TABLE identity ADD COLUMN onion BLOB;
`,
		// 10: the newest address record per identity (addr_records.go),
		// peers' and our own: version and a row MAC in plaintext, the
		// addresses sealed like contacts.addrs.
		`
CREATE TABLE addr_records (
	id      BLOB PRIMARY KEY CHECK (length(id) = 20),
	version INTEGER NOT NULL,
	addrs   BLOB NOT NULL,
	mac     BLOB NOT NULL
) STRICT, WITHOUT ROWID;
`,
		// 11: the name the user gave a contact with /rename, sealed like
		// contacts.name, which from now on keeps the contact's own name:
		// a private label must never travel in a group roster. NULL (no
		// label) in a row written before.
		`
ALTER TABLE contacts ADD COLUMN label BLOB;
`,
		// 12: what a frontend keeps between runs (frontend_state.go): one
		// sealed blob, drafts and the conversation last open.
		`
CREATE TABLE frontend_state (
	id    INTEGER PRIMARY KEY CHECK (id = 1),
	state BLOB NOT NULL
) STRICT;
`,
		// 13: file transfers (transfers.go), both ways: the name, the local
		// path, the chunk-hash list and the reason sealed; sizes, states and
		// progress in plaintext.
		`
CREATE TABLE transfers (
	id         BLOB PRIMARY KEY CHECK (length(id) = 16),
	peer       TEXT NOT NULL,
	outgoing   INTEGER NOT NULL,
	root       BLOB NOT NULL CHECK (length(root) = 32),
	size       INTEGER NOT NULL,
	chunk_size INTEGER NOT NULL,
	name       BLOB NOT NULL,
	path       BLOB NOT NULL,
	hashes     BLOB NOT NULL,
	state      INTEGER NOT NULL,
	done       INTEGER NOT NULL,
	reason     BLOB NOT NULL,
	created    INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
`,
		// 14: message operations (message_ops.go): replies, reactions, edits
		// and deletes. An operation is a row of its own (kind > 0), so a
		// chat's outbox and acks and a group's relaying carry it like a
		// message; target names the message it changes (for a text, the
		// one it replies to). A group row gains its message ID, which every
		// member derives alike, so a target is found by it; rows stored
		// before this step get theirs at the next unlock (fillGroupMessageIDs;
		// the partial index finds them, and is empty after).
		`
ALTER TABLE messages ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN target BLOB;
ALTER TABLE messages ADD COLUMN edited_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN edit_id BLOB;
ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN delivered_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN read_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX messages_targets ON messages (contact, target) WHERE target IS NOT NULL;
ALTER TABLE group_messages ADD COLUMN msg_id BLOB;
ALTER TABLE group_messages ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;
ALTER TABLE group_messages ADD COLUMN target BLOB;
ALTER TABLE group_messages ADD COLUMN edited_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE group_messages ADD COLUMN edit_id BLOB;
ALTER TABLE group_messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
CREATE INDEX group_messages_ids ON group_messages (grp, msg_id);
CREATE INDEX group_messages_targets ON group_messages (grp, target) WHERE target IS NOT NULL;
CREATE INDEX group_messages_unnamed ON group_messages (seq) WHERE msg_id IS NULL;
`,
	}
}

// migrate applies the steps the database has not seen yet, each in its own
// transaction together with the new user_version, and reports how many it applied.
func migrate(ctx context.Context, db *sql.DB, steps []string) (int, error) {
	applied := 0
	for {
		done, err := migrateStep(ctx, db, steps)
		if err != nil {
			return applied, err
		}
		if done {
			return applied, nil
		}
		applied++
	}
}

func migrateStep(ctx context.Context, db *sql.DB, steps []string) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("migrate: begin: %w", err)
	}
	defer func() {
		if err != nil || done {
			_ = tx.Rollback()
		}
	}()
	// Read the version inside the write transaction, so two openers cannot both apply a step.
	var v int
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return false, fmt.Errorf("migrate: read version: %w", err)
	}
	switch {
	case v > len(steps):
		return false, fmt.Errorf("migrate: version %d, know %d: %w", v, len(steps), ErrSchemaTooNew)
	case v == len(steps):
		return true, nil
	}
	if _, err := tx.ExecContext(ctx, steps[v]); err != nil {
		return false, fmt.Errorf("migrate: step %d: %w", v+1, err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, v+1)); err != nil {
		return false, fmt.Errorf("migrate: set version %d: %w", v+1, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("migrate: commit step %d: %w", v+1, err)
	}
	return false, nil
}
