package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	backupName = "Backup-Bartholomew"
	friendName = "Friendly-Frieda"
	backupText = "the vault code is in the teapot"
	backupPass = "backup passphrase one"
	newPass    = "a different passphrase two"
	friendPass = "friend passphrase"
)

// TestBackupRestorePasswdWipe drives the real binary through jarvis
// backup, restore (refusals, --force), passwd and wipe.
func TestBackupRestorePasswdWipe(t *testing.T) {
	bin := buildJarvis(t)
	dirA, dirB := t.TempDir(), t.TempDir()
	addrA, addrB := freePort(t), freePort(t)
	for _, c := range []struct{ dir, name, pass string }{{dirA, backupName, backupPass}, {dirB, friendName, friendPass}} {
		if out, err := runCLI(t, bin, c.dir, c.pass, "--tor", "off", "init", "--name", c.name); err != nil {
			t.Fatalf("init: %v\n%s", err, out)
		}
	}
	a := startHeadless(t, bin, dirA, addrA, backupPass)
	b := startHeadless(t, bin, dirB, addrB, friendPass)
	readyA, readyB := a.waitEvent("ready", nil), b.waitEvent("ready", nil)
	aID, bID := readyA["id"].(string), readyB["id"].(string)
	a.send(map[string]any{"cmd": "add", "code": readyB["code"]})
	b.waitEvent("contact_request", nil)
	b.send(map[string]any{"cmd": "accept", "id": aID})
	a.waitEvent("peer", func(m map[string]any) bool { return m["id"] == bID && m["online"] == true })
	a.send(map[string]any{"cmd": "send", "to": bID, "text": backupText})
	b.waitEvent("message", textIs(backupText))
	a.quit()

	file := filepath.Join(t.TempDir(), "a.backup")
	if out, err := runCLI(t, bin, dirA, "wrong passphrase", "backup", file); err == nil || !strings.Contains(out, "wrong passphrase") {
		t.Fatalf("backup with a wrong passphrase: %v\n%s", err, out)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Fatal("a refused backup left a file")
	}
	if out, err := runCLI(t, bin, dirA, backupPass, "backup", file); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	assertNotOnDisk(t, filepath.Dir(file), backupName, friendName, backupText)

	restored := filepath.Join(t.TempDir(), "restored")
	if out, err := runCLI(t, bin, restored, "wrong passphrase", "restore", file); err == nil || !strings.Contains(out, "wrong passphrase") {
		t.Fatalf("restore with a wrong passphrase: %v\n%s", err, out)
	}
	if _, err := os.Stat(restored); !os.IsNotExist(err) {
		t.Fatal("a refused restore left the data directory")
	}
	if out, err := runCLI(t, bin, restored, backupPass, "restore", file); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	if out, err := runCLI(t, bin, restored, backupPass, "restore", file); err == nil || !strings.Contains(out, "--force") {
		t.Fatalf("restore over data without --force: %v\n%s", err, out)
	}
	if out, err := runCLI(t, bin, restored, backupPass, "restore", file, "--force"); err != nil || !strings.Contains(out, "aside") {
		t.Fatalf("restore --force: %v\n%s", err, out)
	}
	if old, _ := filepath.Glob(restored + ".old-*"); len(old) != 1 {
		t.Fatalf("restore --force kept %d old directories, want 1", len(old))
	}

	// The restored identity takes over on A's port: B reconnects and both
	// ways work, with the old history there.
	a = startHeadless(t, bin, restored, addrA, backupPass)
	if id := a.waitEvent("ready", nil)["id"]; id != aID {
		t.Fatalf("restored identity %v, want %v", id, aID)
	}
	a.send(map[string]any{"cmd": "history", "with": bID, "limit": 10})
	if msgs := a.waitEvent("history", nil)["messages"].([]any); len(msgs) != 1 || msgs[0].(map[string]any)["text"] != backupText {
		t.Fatalf("restored history: %v", msgs)
	}
	b.send(map[string]any{"cmd": "send", "to": aID, "text": "welcome back"})
	a.waitEvent("message", textIs("welcome back"))
	a.quit()
	b.quit()

	// passwd: the new passphrase works afterwards, the old one does not.
	newFile := filepath.Join(t.TempDir(), "new")
	if err := os.WriteFile(newFile, []byte(newPass+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := runCLI(t, bin, restored, backupPass, "passwd", "--new-passphrase-file", newFile); err != nil {
		t.Fatalf("passwd: %v\n%s", err, out)
	}
	if out, err := runCLI(t, bin, restored, backupPass, "--tor", "off", "code"); err == nil || !strings.Contains(out, "wrong passphrase") {
		t.Fatalf("old passphrase after passwd: %v\n%s", err, out)
	}
	if out, err := runCLI(t, bin, restored, newPass, "--tor", "off", "code"); err != nil {
		t.Fatalf("new passphrase after passwd: %v\n%s", err, out)
	}

	// wipe asks for the name and leaves no directory.
	wipe := func(typed string) (string, error) {
		cmd := exec.Command(bin, "--data", restored, "wipe")
		cmd.Env = append(os.Environ(), "JARVIS_PASSPHRASE="+newPass)
		cmd.Stdin = strings.NewReader(typed + "\n")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := wipe("someone else"); err == nil || !strings.Contains(out, "nothing was wiped") {
		t.Fatalf("wipe with the wrong name: %v\n%s", err, out)
	}
	if out, err := wipe(backupName); err != nil {
		t.Fatalf("wipe: %v\n%s", err, out)
	}
	if _, err := os.Stat(restored); !os.IsNotExist(err) {
		t.Fatalf("the data directory is still there after wipe: %v", err)
	}
}

// TestRestoredCopyTakesOverFromTheRunningOne: the identity keeps running
// while a restored copy of it starts elsewhere. Bob ends up with the copy,
// the old process says the identity is active on another device, and no
// one reconnects after that.
func TestRestoredCopyTakesOverFromTheRunningOne(t *testing.T) {
	bin := buildJarvis(t)
	dirA, dirB := t.TempDir(), t.TempDir()
	for _, c := range []struct{ dir, name, pass string }{{dirA, backupName, backupPass}, {dirB, friendName, friendPass}} {
		if out, err := runCLI(t, bin, c.dir, c.pass, "--tor", "off", "init", "--name", c.name); err != nil {
			t.Fatalf("init: %v\n%s", err, out)
		}
	}
	addrA := freePort(t)
	a := startHeadless(t, bin, dirA, addrA, backupPass)
	b := startHeadless(t, bin, dirB, freePort(t), friendPass)
	aID, bID := a.waitEvent("ready", nil)["id"].(string), b.waitEvent("ready", nil)["id"].(string)
	a.send(map[string]any{"cmd": "add", "code": b.waitEvent("ready", nil)["code"]})
	b.waitEvent("contact_request", nil)
	b.send(map[string]any{"cmd": "accept", "id": aID})
	a.waitEvent("peer", func(m map[string]any) bool { return m["id"] == bID && m["online"] == true })
	a.quit()

	// The backup needs the old device stopped for a moment; then both run.
	file := filepath.Join(t.TempDir(), "a.backup")
	if out, err := runCLI(t, bin, dirA, backupPass, "backup", file); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	second := filepath.Join(t.TempDir(), "second")
	if out, err := runCLI(t, bin, second, backupPass, "restore", file); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	a = startHeadless(t, bin, dirA, addrA, backupPass)
	a.waitEvent("peer", func(m map[string]any) bool { return m["id"] == bID && m["online"] == true })
	a2 := startHeadless(t, bin, second, freePort(t), backupPass)
	a.waitEvent("error", func(m map[string]any) bool {
		return strings.Contains(fmt.Sprint(m["error"]), "active on another device")
	})
	a2.waitEvent("peer", func(m map[string]any) bool { return m["id"] == bID && m["online"] == true })

	// Once the copy acks bob's message, bob has announced its session (the
	// peer line comes before the ack's status line).
	b.send(map[string]any{"cmd": "send", "to": aID, "text": "which one are you", "ref": "q"})
	sent := b.waitEvent("sent", func(m map[string]any) bool { return m["ref"] == "q" })
	a2.waitEvent("message", textIs("which one are you"))
	b.waitEvent("status", func(m map[string]any) bool { return m["id"] == sent["id"] && m["state"] == "delivered" })
	bobSees := func(m map[string]any) bool { return m["id"] == aID && m["online"] == true }
	oldSees := func(m map[string]any) bool { return m["id"] == bID && m["online"] == true }
	before, oldBefore := b.count("peer", bobSees), a.count("peer", oldSees)
	time.Sleep(3 * time.Second) // a flap redials at once (a settled session dropped)
	if n := b.count("peer", bobSees); n != before {
		t.Fatalf("bob saw the identity come online %d more times after it settled", n-before)
	}
	if n := a.count("peer", oldSees); n != oldBefore {
		t.Fatalf("the old device reconnected %d times after being told", n-oldBefore)
	}
	a.quit()
	a2.quit()
	b.quit()
}
