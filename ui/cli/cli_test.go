package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestLogIsRotatedWhenLarge(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "jarvis.log")
	if err := os.WriteFile(path, bytes.Repeat([]byte("x"), maxLogBytes+1), 0o600); err != nil {
		t.Fatal(err)
	}
	rotateLog(path)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("large log not moved aside: %v", err)
	}
	if fi, err := os.Stat(path + ".1"); err != nil || fi.Size() != maxLogBytes+1 {
		t.Fatalf("previous log not kept: %v", err)
	}
	os.WriteFile(path, []byte("small"), 0o600)
	rotateLog(path)
	if _, err := os.Stat(path); err != nil {
		t.Fatal("a small log was rotated")
	}
}
