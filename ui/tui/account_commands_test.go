package tui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"jarvis/app"
)

func TestBackupCommandWritesARestorableFile(t *testing.T) {
	s, _ := unlockedUI(t, "Ada")
	file := filepath.Join(t.TempDir(), "ada.backup")

	s.enter("/backup " + file)
	s.wait("Passphrase")
	s.enter("not the passphrase")
	s.wait("Wrong passphrase; no backup was written")
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Fatal("a backup with the wrong passphrase left a file")
	}

	s.enter("/backup " + file)
	s.wait("Passphrase")
	s.enter(testPass)
	s.wait("Backup written to")
	s.quit()
	if _, err := app.Restore(context.Background(), file, []byte(testPass), filepath.Join(t.TempDir(), "r"), nil); err != nil {
		t.Fatalf("the backup does not restore: %v", err)
	}
}

func TestPasswdCommand(t *testing.T) {
	s, acc := unlockedUI(t, "Ada")
	const newPass = "a brand new passphrase"

	s.enter("/passwd")
	s.wait("Change passphrase")
	s.enter(testPass)
	s.enter(newPass)
	s.enter(newPass + "x")
	s.wait("The new passphrases differ")
	s.key(tcell.KeyEsc)

	s.enter("/passwd")
	s.wait("Change passphrase")
	s.enter(testPass)
	s.enter(newPass)
	s.enter(newPass)
	s.wait("Passphrase changed")
	s.quit()
	ctx := context.Background()
	if err := acc.CheckPassphrase(ctx, []byte(newPass)); err != nil {
		t.Fatalf("new passphrase: %v", err)
	}
	if err := acc.CheckPassphrase(ctx, []byte(testPass)); !errors.Is(err, app.ErrWrongPassphrase) {
		t.Fatalf("old passphrase after /passwd: %v", err)
	}
}

func TestWipeCommandAsksForTheName(t *testing.T) {
	dir := t.TempDir()
	acc := openAccount(t, dir)
	t.Cleanup(func() { acc.Close() })
	if err := acc.Create(context.Background(), "Ada", []byte(testPass)); err != nil {
		t.Fatal(err)
	}
	s := startUI(t, acc, 100, 30)
	s.wait("online")

	// Cancel has the focus: Enter at once wipes nothing.
	s.enter("/wipe")
	s.wait("Type the name to confirm")
	s.key(tcell.KeyEnter)
	s.waitGone("Type the name to confirm")

	s.enter("/wipe")
	s.wait("Type the name to confirm")
	s.key(tcell.KeyBacktab) // to the name field
	s.enter("Bob")
	s.wait("The name differs")
	if _, err := os.Stat(filepath.Join(dir, "jarvis.db")); err != nil {
		t.Fatalf("the database went after a wrong name: %v", err)
	}
	for range 3 {
		s.key(tcell.KeyBackspace2)
	}
	s.enter("Ada")
	select {
	case err := <-s.done:
		s.finished = true
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(waitFor):
		t.Fatal("the UI did not quit after /wipe")
	}
	if _, err := os.Stat(filepath.Join(dir, "jarvis.db")); !os.IsNotExist(err) {
		t.Fatalf("the database is still there after /wipe: %v", err)
	}
}

func TestExportCommandSavesTheOpenConversation(t *testing.T) {
	bob := newPeer(t, "Bob")
	s, _ := unlockedUI(t, "Alice")
	alice := befriend(t, s, bob, "Bob")
	if _, err := bob.core.Send(context.Background(), app.ContactChat(alice), "keep this one"); err != nil {
		t.Fatal(err)
	}
	s.wait("Bob: keep this one")
	file := filepath.Join(t.TempDir(), "bob.txt")
	s.enter("/export " + file)
	s.wait("Exported 1 messages")
	s.quit()
	data, err := os.ReadFile(file)
	if err != nil || !strings.Contains(string(data), "Bob: keep this one") {
		t.Fatalf("export holds %q, %v", data, err)
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 {
		t.Fatalf("export mode %v, want 0600", fi.Mode().Perm())
	}
}
