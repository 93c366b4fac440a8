//go:build linux

package app

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// tinyDisk mounts a tmpfs of size (like "1m") at a new directory and
// unmounts it when the test ends. It needs root, as make test runs in CI.
func tinyDisk(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

func TestAnOfferTooLargeForTheDiskFailsWithAReason(t *testing.T) {
	disk := tinyDisk(t, "1m")
	a := fileNode(t, "alice", t.TempDir(), "")
	b := fileNode(t, "bob", t.TempDir(), "", func(c *Config) { c.Downloads = disk })
	befriend(t, a, b)
	path, _ := randomFile(t, t.TempDir(), "big.bin", 2<<20)
	offer := sendAndOffer(t, a, b, path)
	if err := b.core.AcceptFile(context.Background(), offer.ID); !errors.Is(err, ErrNoSpace) {
		t.Fatalf("accept: %v, want ErrNoSpace", err)
	}
	got := a.waitFor("sender hears", fileFailed(offer.ID)).(FileFailed).Transfer
	if !strings.Contains(got.Reason, "free space") {
		t.Fatalf("sender's reason: %q", got.Reason)
	}
}

func TestADiskThatFillsDuringATransferFailsItCleanly(t *testing.T) {
	disk := tinyDisk(t, "4m")
	dirA := t.TempDir()
	a := fileNode(t, "alice", dirA, "")
	b := fileNode(t, "bob", t.TempDir(), "", func(c *Config) { c.Downloads = disk })
	befriend(t, a, b)
	path, _ := randomFile(t, t.TempDir(), "big.bin", 3<<20)
	offer := sendAndOffer(t, a, b, path)
	a.stop() // accepted while the sender is away: nothing flows yet
	if err := b.core.AcceptFile(context.Background(), offer.ID); err != nil {
		t.Fatal(err)
	}
	// Something else takes the room the check saw.
	if err := os.WriteFile(filepath.Join(disk, "filler"), make([]byte, 2<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	a = fileNode(t, "alice", dirA, a.listen)
	got := b.waitFor("failed", fileFailed(offer.ID)).(FileFailed).Transfer
	if !strings.Contains(got.Reason, "disk is full") {
		t.Fatalf("reason: %q", got.Reason)
	}
	a.waitFor("sender hears", fileFailed(offer.ID))
	if parts, _ := filepath.Glob(filepath.Join(disk, ".*.part")); len(parts) != 0 {
		t.Fatalf("partial files left: %v", parts)
	}
}
