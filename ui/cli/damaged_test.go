package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestADamagedDatabaseSaysWhichFileAndToRestoreABackup: bytes overwritten
// in jarvis.db while Jarvis was stopped give one clear line naming the
// file and the restore command, and exit 1; the file is left as it was.
func TestADamagedDatabaseSaysWhichFileAndToRestoreABackup(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	t.Setenv("JARVIS_PASSPHRASE", "four words of passphrase")
	var out, errOut strings.Builder
	if code := Main("test", []string{"--data", dir, "init", "--name", "Ada"}, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("init: %d %s", code, errOut.String())
	}
	db := filepath.Join(dir, "jarvis.db")
	f, err := os.OpenFile(db, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte("not a database at all"), 0)
	f.Close()
	before, _ := os.ReadFile(db)
	errOut.Reset()
	code := Main("test", []string{"--data", dir, "code"}, strings.NewReader(""), &out, &errOut)
	msg := errOut.String()
	if code != 1 || !strings.Contains(msg, db) || !strings.Contains(msg, "restore --force") || strings.Count(msg, "\n") != 1 {
		t.Fatalf("exit %d, stderr %q: want one line naming %s and the restore command", code, msg, db)
	}
	if after, _ := os.ReadFile(db); string(after) != string(before) {
		t.Fatal("the damaged file was changed")
	}
}
