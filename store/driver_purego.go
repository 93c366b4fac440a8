//go:build purego

package store

import (
	_ "modernc.org/sqlite" // registers driver "sqlite"
)

// driverName is the database/sql driver used by this build (pure Go, modernc.org/sqlite).
const driverName = "sqlite"

// dsn builds the connection string for path. The writer takes the write lock at
// BEGIN (IMMEDIATE), so a transaction never fails half-way on an upgrade to a
// write lock; readers are query-only. mode=rw: Open has already created the file
// with 0600, SQLite must not create it with its own permissions.
func dsn(path string, role connRole) string {
	q := "?mode=rw&_pragma=busy_timeout(" + busyTimeoutMillis + ")&_pragma=foreign_keys(1)"
	if role == roleWriter {
		q += "&_txlock=immediate&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)"
	} else {
		q += "&_pragma=query_only(1)"
	}
	return fileURI(path) + q
}
