package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSanitizeFileNameDisarmsHostileNames(t *testing.T) {
	tests := []struct{ in, want string }{
		{"report.pdf", "report.pdf"},
		{"../../etc/passwd", "passwd"},
		{`..\..\windows\system32\cmd.exe`, "cmd.exe"},
		{"/absolute/path.txt", "path.txt"},
		{"..", "file"},
		{".", "file"},
		{"", "file"},
		{".bashrc", "bashrc"},
		{"-rf", "rf"},
		{"--help.txt", "help.txt"},
		{"a\x00b\nc\x1b[31m.txt", "abc[31m.txt"},
		{"invoice\u202egpj.exe", "invoicegpj.exe"}, // right-to-left override
		{"zero\u200bwidth", "zerowidth"},
		{"CON", "_CON"},
		{"nul.txt", "_nul.txt"},
		{"com1.tar.gz", "_com1.tar.gz"},
		{`what?<>:"|*.txt`, "what_______.txt"},
		{"trailing. . ", "trailing"},
		{"bad\xffutf8", "bad_utf8"},
		{"dir/", "file"},
	}
	for _, tt := range tests {
		if got := SanitizeFileName(tt.in); got != tt.want {
			t.Errorf("SanitizeFileName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	long := SanitizeFileName(strings.Repeat("é", 300) + ".jpeg")
	if len(long) > maxSavedName || !strings.HasSuffix(long, ".jpeg") || !strings.HasPrefix(long, "é") {
		t.Errorf("long name kept as %d bytes: %q", len(long), long)
	}
}

func TestSaveUniqueNeverReplacesOrFollows(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "target")
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A symlink where the first free name would be.
	if err := os.Symlink(outside, filepath.Join(dir, "a (1).txt")); err != nil {
		t.Fatal(err)
	}
	part := filepath.Join(dir, ".x.part")
	if err := os.WriteFile(part, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := saveUnique(part, dir, "a.txt", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got != filepath.Join(dir, "a (2).txt") {
		t.Fatalf("saved as %q", got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "a.txt")); string(b) != "old" {
		t.Fatal("the existing file was replaced")
	}
	if _, err := os.Lstat(outside); !os.IsNotExist(err) {
		t.Fatal("the symlink was followed")
	}
	if _, err := os.Stat(part); !os.IsNotExist(err) {
		t.Fatal("the .part file is still there")
	}
}

func TestOpenPartRefusesASymlink(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(outside, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, ".jarvis-x.part")
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	for _, create := range []bool{true, false} {
		if f, err := openPart(link, create); err == nil {
			f.Close()
			t.Fatalf("openPart(create=%v) opened a symlink", create)
		}
	}
	if b, _ := os.ReadFile(outside); string(b) != "keep" {
		t.Fatal("the symlink's target changed")
	}
}
