//go:build !purego

package store

import sqlite3 "github.com/mattn/go-sqlite3"

const driverModule = "github.com/mattn/go-sqlite3"

// sqliteVersion is the version of the SQLite library linked in by cgo.
func sqliteVersion() string {
	v, _, _ := sqlite3.Version()
	return v
}
