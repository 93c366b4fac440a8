package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestAReceiverWhoseDiskFilledGetsEverythingOnceThereIsRoom: B's data
// directory is on a small tmpfs that a file fills. A's messages cannot be
// stored there, so B says the disk is full and acks nothing; once the file
// is removed every message arrives, once. (B used to keep the session and
// wait for a resend that only a new session brings.)
func TestAReceiverWhoseDiskFilledGetsEverythingOnceThereIsRoom(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test mounts a tmpfs: run it as root (CI does)")
	}
	bin := buildJarvis(t)
	mount := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", mount).CombinedOutput(); err != nil {
		t.Fatalf("mount: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", mount).Run() })
	dirA, dirB := t.TempDir(), filepath.Join(mount, "b")
	for _, c := range []struct{ dir, name, pass string }{{dirA, aliceName, passA}, {dirB, bobName, passB}} {
		if out, err := runCLI(t, bin, c.dir, c.pass, "init", "--name", c.name); err != nil {
			t.Fatalf("init: %v\n%s", err, out)
		}
	}
	a := startHeadless(t, bin, dirA, freePort(t), passA)
	b := startHeadless(t, bin, dirB, freePort(t), passB)
	aID := a.waitEvent("ready", nil)["id"].(string)
	readyB := b.waitEvent("ready", nil)
	a.send(map[string]any{"cmd": "add", "code": readyB["code"]})
	b.waitEvent("contact_request", nil)
	b.send(map[string]any{"cmd": "accept", "id": aID})
	a.waitEvent("contact_added", nil)

	filler := fillDisk(t, mount, 64<<10)
	const n = 400
	for i := range n {
		a.send(map[string]any{"cmd": "send", "to": bobName, "text": fmt.Sprintf("full %03d", i)})
	}
	b.waitEvent("error", func(m map[string]any) bool { return strings.Contains(fmt.Sprint(m["error"]), "disk is full") })
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	b.waitEvent("message", textIs(fmt.Sprintf("full %03d", n-1)))
	for i := range n {
		if k := b.count("message", textIs(fmt.Sprintf("full %03d", i))); k != 1 {
			t.Fatalf("message %d shown %d times at B, want once", i, k)
		}
	}
	a.quit()
	b.quit()
}

// fillDisk writes a file leaving about left bytes free on dir's filesystem.
func fillDisk(t *testing.T, dir string, left int64) string {
	t.Helper()
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 1<<20)
	for n := int64(st.Bavail)*st.Bsize - left; n > 0; n -= int64(len(chunk)) {
		if _, err := f.Write(chunk[:min(int64(len(chunk)), n)]); err != nil {
			break
		}
	}
	return path
}
