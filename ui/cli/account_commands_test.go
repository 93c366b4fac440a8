package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// makeRoom clears a directory that holds only a lock file and a log, moves
// one in use aside, and leaves a missing one alone.
func TestMakeRoom(t *testing.T) {
	tests := []struct {
		name      string
		files     []string // nil: the directory does not exist
		wantAside bool
	}{
		{"missing", nil, false},
		{"empty", []string{}, false},
		{"lock and log only", []string{"jarvis.lock", "jarvis.log"}, false},
		{"in use", []string{"jarvis.lock", "jarvis.db"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			if tt.files != nil {
				if err := os.Mkdir(dir, 0o700); err != nil {
					t.Fatal(err)
				}
				for _, f := range tt.files {
					if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o600); err != nil {
						t.Fatal(err)
					}
				}
			}
			aside, err := makeRoom(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := aside != ""; got != tt.wantAside {
				t.Fatalf("moved aside = %q, want moved: %v", aside, tt.wantAside)
			}
			if tt.wantAside {
				if !strings.HasPrefix(aside, dir+".old-") {
					t.Fatalf("aside to %s", aside)
				}
				if _, err := os.Stat(filepath.Join(aside, "jarvis.db")); err != nil {
					t.Fatalf("the old data did not move: %v", err)
				}
			}
			if inUse, err := dataDirInUse(dir); err != nil || inUse {
				t.Fatalf("after makeRoom the directory is in use: %v, %v", inUse, err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Fatalf("left %v", entries)
			}
		})
	}
}

// A running Jarvis holds the lock: makeRoom never moves its directory.
func TestMakeRoomRefusesARunningJarvis(t *testing.T) {
	dir := t.TempDir()
	d, err := openDataDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	if err := os.WriteFile(filepath.Join(dir, "jarvis.db"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := makeRoom(dir); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Fatalf("makeRoom on a locked directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "jarvis.db")); err != nil {
		t.Fatal("the running Jarvis's data moved")
	}
}
