package store

import (
	"database/sql"
	"strings"
	"testing"
)

// The version --version prints is the one the driver actually runs.
func TestDriverReportsTheSQLiteItRuns(t *testing.T) {
	d := Driver()
	if !strings.Contains(d.Module, "sqlite") {
		t.Fatalf("driver module %q", d.Module)
	}
	db, err := sql.Open(driverName, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var running string
	if err := db.QueryRow("SELECT sqlite_version()").Scan(&running); err != nil {
		t.Fatal(err)
	}
	if d.SQLite != running {
		t.Fatalf("Driver says SQLite %q, the database runs %q", d.SQLite, running)
	}
}
