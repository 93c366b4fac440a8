//go:build !purego

package store

import (
	_ "github.com/mattn/go-sqlite3" // registers driver "sqlite3"
)

// driverName is the database/sql driver used by this build (cgo, mattn/go-sqlite3).
const driverName = "sqlite3"

// dsn builds the connection string for path. The writer takes the write lock at
// BEGIN (IMMEDIATE), so a transaction never fails half-way on an upgrade to a
// write lock; readers are query-only. mode=rw: Open has already created the file
// with 0600, SQLite must not create it with its own permissions.
func dsn(path string, role connRole) string {
	q := "?mode=rw&_busy_timeout=" + busyTimeoutMillis + "&_foreign_keys=1"
	if role == roleWriter {
		q += "&_txlock=immediate&_journal_mode=WAL&_synchronous=FULL"
	} else {
		q += "&_query_only=1"
	}
	return fileURI(path) + q
}
