package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestBackupRestoreKeepsChatting: a node with 1:1 history, a group of three
// and a pending request is backed up while running, stopped, and restored
// into a new directory; the restored node has all of it and keeps chatting
// 1:1 and in the group.
func TestBackupRestoreKeepsChatting(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	a := newNode(t, "alice", t.TempDir(), "")
	b := newNode(t, "bob", t.TempDir(), "")
	c := newNode(t, "carol", t.TempDir(), "")
	g := makeGroup(t, a, b, c)
	if _, err := a.core.Send(ctx, ContactChat(b.core.Self().ID), "before the backup"); err != nil {
		t.Fatal(err)
	}
	b.waitFor("1:1 message", isReceived("before the backup"))
	sendGroup(t, a, g, "group before the backup")
	c.waitFor("group message", isGroupText(g, "group before the backup"))
	d := newNode(t, "dave", t.TempDir(), "")
	dCode, dID := d.core.Self().Code, d.core.Self().ID
	d.stop()
	if _, err := a.core.AddContact(ctx, dCode); err != nil {
		t.Fatal(err)
	}

	file := filepath.Join(t.TempDir(), "alice.backup")
	if err := a.account.Backup(ctx, []byte("pass alice"), file, BackupOptions{}); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	a.stop()
	dir := filepath.Join(t.TempDir(), "new device", "share", "jarvis") // parents missing, as on a new device
	if noHist, err := Restore(ctx, file, []byte("pass alice"), dir, nil); err != nil || noHist {
		t.Fatalf("Restore: noHistory %v, %v", noHist, err)
	}
	a2 := newNode(t, "alice", dir, a.listen)

	hist, err := a2.core.History(ctx, ContactChat(b.core.Self().ID), 0, 50)
	if err != nil || len(hist) != 1 || hist[0].Text != "before the backup" {
		t.Fatalf("restored 1:1 history = %+v, %v", hist, err)
	}
	ghist, err := a2.core.History(ctx, GroupChat(g), 0, 50)
	if err != nil || len(withoutSystem(ghist)) != 1 {
		t.Fatalf("restored group history = %+v, %v", ghist, err)
	}
	waitGroupSize(t, a2, g, 3)
	if p, err := a2.core.Contact(ctx, dID); err != nil || p.State != ContactPendingOut {
		t.Fatalf("restored pending request = %+v, %v", p, err)
	}

	if _, err := b.core.Send(ctx, ContactChat(a2.core.Self().ID), "after the restore"); err != nil {
		t.Fatal(err)
	}
	a2.waitFor("1:1 message after restore", isReceived("after the restore"))
	sendGroup(t, a2, g, "group after the restore")
	b.waitFor("group message after restore", isGroupText(g, "group after the restore"))
	c.waitFor("group message after restore", isGroupText(g, "group after the restore"))
	sendGroup(t, c, g, "carol after the restore")
	a2.waitFor("group message from carol", isGroupText(g, "carol after the restore"))
}

func TestRestoreRefusesAndLeavesNothing(t *testing.T) {
	ctx := context.Background()
	a := newNode(t, "alice", t.TempDir(), "")
	file := filepath.Join(t.TempDir(), "alice.backup")
	if err := a.account.Backup(ctx, []byte("pass alice"), file, BackupOptions{NoHistory: true}); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	write := func(b []byte) string {
		p := filepath.Join(t.TempDir(), "f")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flipped := bytes.Clone(good)
	flipped[len(flipped)-40] ^= 4
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		file string
		pass string
		dir  string
		want error
	}{
		{"wrong passphrase", file, "pass bob", "", ErrWrongPassphrase},
		{"truncated", write(good[:len(good)/2]), "pass alice", "", ErrBackupCorrupt},
		{"bit flipped", write(flipped), "pass alice", "", ErrBackupCorrupt},
		{"not a backup", write([]byte("hello")), "pass alice", "", ErrNotBackup},
		{"non-empty directory", file, "pass alice", full, ErrNotEmpty},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := t.TempDir()
			dir := tt.dir
			if dir == "" {
				dir = filepath.Join(parent, "data")
			}
			_, err := Restore(ctx, tt.file, []byte(tt.pass), dir, nil)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if tt.dir == "" {
				if left, _ := os.ReadDir(parent); len(left) != 0 {
					t.Fatalf("a refused restore left %v", left)
				}
			}
		})
	}
}

// TestChangePassphraseThenRestart: after ChangePassphrase the new
// passphrase unlocks the account and the old one does not.
func TestChangePassphraseThenRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := newNode(t, "alice", dir, "")
	if err := a.account.ChangePassphrase(ctx, []byte("wrong"), []byte("new pass alice")); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("change with a wrong old passphrase: %v", err)
	}
	if err := a.account.ChangePassphrase(ctx, []byte("pass alice"), []byte("new pass alice")); err != nil {
		t.Fatal(err)
	}
	a.stop()
	acc, err := OpenAccount(AccountConfig{Path: filepath.Join(dir, DatabaseFile), KDF: testKDF})
	if err != nil {
		t.Fatal(err)
	}
	defer acc.Close()
	if err := acc.Unlock(ctx, []byte("pass alice")); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("old passphrase after the change: %v", err)
	}
	if err := acc.Unlock(ctx, []byte("new pass alice")); err != nil {
		t.Fatalf("new passphrase after the change: %v", err)
	}
}

// TestWipeRemovesTheAccount: after Wipe the database files are gone and a
// copy kept through hard links does not unlock.
func TestWipeRemovesTheAccount(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := newNode(t, "alice", dir, "")
	keep := t.TempDir()
	files, _ := filepath.Glob(filepath.Join(dir, DatabaseFile+"*"))
	for _, f := range files {
		if err := os.Link(f, filepath.Join(keep, filepath.Base(f))); err != nil {
			t.Fatal(err)
		}
	}
	a.core.Close()
	<-a.pumped
	a.core = nil
	if err := a.account.Wipe(ctx); err != nil {
		t.Fatalf("Wipe: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, DatabaseFile+"*")); len(left) != 0 {
		t.Fatalf("database files left: %v", left)
	}
	acc, err := OpenAccount(AccountConfig{Path: filepath.Join(keep, DatabaseFile), KDF: testKDF})
	if err != nil {
		t.Fatal(err)
	}
	defer acc.Close()
	if err := acc.Unlock(ctx, []byte("pass alice")); err == nil {
		t.Fatal("the wiped account still unlocks")
	}
}

// TestExportConversation writes a conversation longer than one page as
// text and as JSON, oldest first, into a 0600 file.
func TestExportConversation(t *testing.T) {
	ctx := context.Background()
	a := newNode(t, "alice", t.TempDir(), "")
	b := newNode(t, "bob", t.TempDir(), "")
	befriend(t, a, b)
	conv := ContactChat(b.core.Self().ID)
	const total = exportPage + 7
	for i := range total {
		if _, err := a.core.Send(ctx, conv, msgText(i)); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	for _, name := range []string{"chat.txt", "chat.json"} {
		path := filepath.Join(dir, name)
		n, err := ExportConversation(ctx, a.core, conv, "alice", path)
		if err != nil || n != total {
			t.Fatalf("%s: exported %d, %v; want %d", name, n, err, total)
		}
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: mode %v, %v", name, fi.Mode().Perm(), err)
		}
		data, _ := os.ReadFile(path)
		if name == "chat.txt" {
			first, last := bytes.Index(data, []byte(msgText(0))), bytes.Index(data, []byte(msgText(total-1)))
			if first < 0 || last < first || !bytes.Contains(data, []byte("alice: "+msgText(3))) {
				t.Fatalf("text export out of order or incomplete")
			}
			continue
		}
		var msgs []exportedMessage
		if err := json.Unmarshal(data, &msgs); err != nil {
			t.Fatalf("JSON export does not parse: %v", err)
		}
		if len(msgs) != total || msgs[0].Text != msgText(0) || msgs[total-1].Text != msgText(total-1) || !msgs[0].Outgoing {
			t.Fatalf("JSON export: %d messages, first %+v", len(msgs), msgs[0])
		}
	}
}

// TestTwoDevicesSettleOnTheNewer: alice's identity runs on two devices,
// the second restored from a backup while the first still runs. Bob keeps
// the session with the device that connected last, the older device is
// told and stops redialling instead of taking bob back, and nothing
// reconnects afterwards.
func TestTwoDevicesSettleOnTheNewer(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	a := newNode(t, "alice", t.TempDir(), "")
	b := newNode(t, "bob", t.TempDir(), "")
	befriend(t, a, b)
	aliceID, bobID := a.core.Self().ID, b.core.Self().ID

	file := filepath.Join(t.TempDir(), "alice.backup")
	if err := a.account.Backup(ctx, []byte("pass alice"), file, BackupOptions{}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "second device")
	if _, err := Restore(ctx, file, []byte("pass alice"), dir, nil); err != nil {
		t.Fatal(err)
	}
	a2 := newNode(t, "alice", dir, "")
	a.waitFor("told it is active elsewhere", func(e Event) bool {
		f, ok := e.(Failure)
		return ok && errors.Is(f.Err, ErrActiveElsewhere)
	})
	if a2.count(func(e Event) bool { f, ok := e.(Failure); return ok && errors.Is(f.Err, ErrActiveElsewhere) }) != 0 {
		t.Fatal("the newer device was told it is the old one")
	}
	bobSeesAlice := func(e Event) bool { p, ok := e.(PeerStatus); return ok && p.ID == aliceID && p.Online }
	aSeesBob := func(e Event) bool { p, ok := e.(PeerStatus); return ok && p.ID == bobID && p.Online }
	// Once bob's message is acked by the newer device, bob has announced
	// that session (its contact manager reports the peer before the ack):
	// from here on nothing may reconnect.
	id, err := b.core.Send(ctx, ContactChat(aliceID), "to the newer device")
	if err != nil {
		t.Fatal(err)
	}
	a2.waitFor("message on the newer device", isReceived("to the newer device"))
	b.waitFor("the newer device's ack", isStatus(id, StateDelivered))

	// Flapping would show as more sessions within a few backoff periods
	// (fastLimits: at most 200 ms each); there must be none.
	before, oldBefore := b.count(bobSeesAlice), a.count(aSeesBob)
	time.Sleep(15 * fastLimits.BackoffMax)
	if n := b.count(bobSeesAlice); n != before {
		t.Fatalf("bob saw alice come online %d more times after settling", n-before)
	}
	if n := a.count(aSeesBob); n != oldBefore {
		t.Fatalf("the old device reconnected to bob %d times after being told", n-oldBefore)
	}

	if a.count(isReceived("to the newer device")) != 0 {
		t.Fatal("the old device got the message too")
	}
}
