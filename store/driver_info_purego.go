//go:build purego

package store

import sqlite3 "modernc.org/sqlite/lib"

const driverModule = "modernc.org/sqlite"

// sqliteVersion is the version of SQLite that modernc.org/sqlite was
// translated from.
func sqliteVersion() string { return sqlite3.SQLITE_VERSION }
