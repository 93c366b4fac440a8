package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"jarvis/p2p/wire"
)

// fileNode starts a node whose downloads go to dir/downloads.
func fileNode(t *testing.T, name, dir, listen string, tweaks ...func(*Config)) *node {
	t.Helper()
	tweaks = append([]func(*Config){func(c *Config) { c.Downloads = filepath.Join(dir, "downloads") }}, tweaks...)
	return newNode(t, name, dir, listen, tweaks...)
}

// randomFile writes n random bytes to dir/name and returns its path and bytes.
func randomFile(t *testing.T, dir, name string, n int) (string, []byte) {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p, b
}

func isOffer(e Event) bool { _, ok := e.(FileOffered); return ok }

func fileDone(id TransferID) func(Event) bool {
	return func(e Event) bool { d, ok := e.(FileDone); return ok && d.Transfer.ID == id }
}

func fileFailed(id TransferID) func(Event) bool {
	return func(e Event) bool { d, ok := e.(FileFailed); return ok && d.Transfer.ID == id }
}

// fetched reads how many chunk bytes n received.
func fetched(t *testing.T, n *node) int64 {
	var v int64
	err := call(context.Background(), n.core, n.core.files.cmds, func(_ context.Context, m *fileManager) error {
		v = m.fetched
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// sendAndOffer has a offer path to b and returns the transfer as b sees it.
func sendAndOffer(t *testing.T, a, b *node, path string) Transfer {
	t.Helper()
	tr, err := a.core.SendFile(context.Background(), b.core.Self().ID, path)
	if err != nil {
		t.Fatal(err)
	}
	ev := b.waitFor("file offer", func(e Event) bool { o, ok := e.(FileOffered); return ok && o.Transfer.ID == tr.ID })
	return ev.(FileOffered).Transfer
}

func TestAFileCrossesVerifiedAndLandsUnderItsName(t *testing.T) {
	checkGoroutines(t)
	dirA, dirB := t.TempDir(), t.TempDir()
	a, b := fileNode(t, "alice", dirA, ""), fileNode(t, "bob", dirB, "")
	befriend(t, a, b)
	size := 3*fileChunk + 12345
	path, want := randomFile(t, t.TempDir(), "holiday photo.jpg", size)
	offer := sendAndOffer(t, a, b, path)
	if offer.Name != "holiday photo.jpg" || offer.Size != int64(size) || offer.State != TransferOffered {
		t.Fatalf("offer = %+v", offer)
	}
	if err := b.core.AcceptFile(context.Background(), offer.ID); err != nil {
		t.Fatal(err)
	}
	done := b.waitFor("file done", fileDone(offer.ID)).(FileDone).Transfer
	a.waitFor("sender sees done", fileDone(offer.ID))
	if done.Path != filepath.Join(dirB, "downloads", "holiday photo.jpg") {
		t.Fatalf("saved at %q", done.Path)
	}
	got, err := os.ReadFile(done.Path)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("saved file differs (%d bytes, %v)", len(got), err)
	}
	if parts, _ := filepath.Glob(filepath.Join(dirB, "downloads", "*.part")); len(parts) != 0 {
		t.Fatalf("partial files left: %v", parts)
	}
	// The same file again lands beside it, never over it.
	again := sendAndOffer(t, a, b, path)
	if err := b.core.AcceptFile(context.Background(), again.ID); err != nil {
		t.Fatal(err)
	}
	second := b.waitFor("second file done", fileDone(again.ID)).(FileDone).Transfer
	if second.Path != filepath.Join(dirB, "downloads", "holiday photo (1).jpg") {
		t.Fatalf("second copy saved at %q", second.Path)
	}
	list, err := b.core.Transfers(context.Background())
	if err != nil || len(list) != 2 || list[0].State != TransferDone {
		t.Fatalf("transfers = %+v, %v", list, err)
	}
}

func TestAnEmptyFileCrossesToo(t *testing.T) {
	a, b := fileNode(t, "alice", t.TempDir(), ""), fileNode(t, "bob", t.TempDir(), "")
	befriend(t, a, b)
	path, _ := randomFile(t, t.TempDir(), "empty", 0)
	offer := sendAndOffer(t, a, b, path)
	if err := b.core.AcceptFile(context.Background(), offer.ID); err != nil {
		t.Fatal(err)
	}
	done := b.waitFor("file done", fileDone(offer.ID)).(FileDone).Transfer
	if fi, err := os.Stat(done.Path); err != nil || fi.Size() != 0 {
		t.Fatalf("empty file: %v, %v", fi, err)
	}
}

func TestAHostileNameLandsInsideTheDownloadsDirectory(t *testing.T) {
	dirB := t.TempDir()
	a, b := fileNode(t, "alice", t.TempDir(), ""), fileNode(t, "bob", dirB, "")
	befriend(t, a, b)
	path, _ := randomFile(t, t.TempDir(), "x", 10)
	// The offer is made by hand: a real sender only offers base names.
	var id [16]byte
	rand.Read(id[:])
	err := call(context.Background(), a.core, a.core.files.cmds, func(ctx context.Context, m *fileManager) error {
		src, err := prepareOffer(ctx, path, m.maxSize)
		if err != nil {
			return err
		}
		src.name = "../../.bashrc"
		_, err = m.offer(ctx, b.core.Self().ID, src)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	offer := b.waitFor("offer", isOffer).(FileOffered).Transfer
	if offer.Name != "bashrc" {
		t.Fatalf("offered name shown as %q", offer.Name)
	}
	if err := b.core.AcceptFile(context.Background(), offer.ID); err != nil {
		t.Fatal(err)
	}
	done := b.waitFor("done", fileDone(offer.ID)).(FileDone).Transfer
	if filepath.Dir(done.Path) != filepath.Join(dirB, "downloads") {
		t.Fatalf("saved at %q", done.Path)
	}
}

func TestRejectAndCancelReachTheOtherSide(t *testing.T) {
	a, b := fileNode(t, "alice", t.TempDir(), ""), fileNode(t, "bob", t.TempDir(), "")
	befriend(t, a, b)
	path, _ := randomFile(t, t.TempDir(), "f.bin", 2*fileChunk)
	ctx := context.Background()

	rejected := sendAndOffer(t, a, b, path)
	if err := b.core.RejectFile(ctx, rejected.ID); err != nil {
		t.Fatal(err)
	}
	got := a.waitFor("rejected", fileFailed(rejected.ID)).(FileFailed).Transfer
	if got.State != TransferRejected {
		t.Fatalf("sender sees %v", got.State)
	}

	// The sender cancels before an answer; the receiver can no longer accept.
	cancelled := sendAndOffer(t, a, b, path)
	if err := a.core.CancelFile(ctx, cancelled.ID); err != nil {
		t.Fatal(err)
	}
	b.waitFor("cancelled", fileFailed(cancelled.ID))
	if err := b.core.AcceptFile(ctx, cancelled.ID); !errors.Is(err, ErrTransferOver) {
		t.Fatalf("accept after cancel: %v", err)
	}

	// The receiver cancels a running transfer: the partial file goes.
	third := sendAndOffer(t, b, a, path)
	if err := a.core.AcceptFile(ctx, third.ID); err != nil {
		t.Fatal(err)
	}
	if err := a.core.CancelFile(ctx, third.ID); err != nil && !errors.Is(err, ErrTransferOver) {
		t.Fatal(err)
	}
	b.waitFor("cancelled by receiver", func(e Event) bool {
		switch v := e.(type) {
		case FileFailed:
			return v.Transfer.ID == third.ID
		case FileDone:
			return v.Transfer.ID == third.ID // it may have finished first
		}
		return false
	})
	if parts, _ := filepath.Glob(filepath.Join(a.core.Downloads(), "*.part")); len(parts) != 0 {
		t.Fatalf("partial files left: %v", parts)
	}
}

func TestACorruptedChunkIsRefusedAndFetchedAgain(t *testing.T) {
	a, b := fileNode(t, "alice", t.TempDir(), ""), fileNode(t, "bob", t.TempDir(), "")
	befriend(t, a, b)
	flips := 0
	err := call(context.Background(), a.core, a.core.files.cmds, func(_ context.Context, m *fileManager) error {
		m.tamper = func(d *wire.FileData) {
			if d.Index == 2 && d.Offset == 0 && flips < 2 { // chunk 2, twice
				d.Data[7] ^= 1
				flips++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	size := 5 * fileChunk
	path, want := randomFile(t, t.TempDir(), "f.bin", size)
	offer := sendAndOffer(t, a, b, path)
	if err := b.core.AcceptFile(context.Background(), offer.ID); err != nil {
		t.Fatal(err)
	}
	done := b.waitFor("done", fileDone(offer.ID)).(FileDone).Transfer
	if got, _ := os.ReadFile(done.Path); !bytes.Equal(got, want) {
		t.Fatal("saved file differs")
	}
	if n := fetched(t, b); n < int64(size+2*fileChunk) {
		t.Fatalf("fetched %d bytes: the bad chunk was not fetched again", n)
	}
}

func TestAChunkThatNeverVerifiesFailsTheTransfer(t *testing.T) {
	a, b := fileNode(t, "alice", t.TempDir(), ""), fileNode(t, "bob", t.TempDir(), "")
	befriend(t, a, b)
	err := call(context.Background(), a.core, a.core.files.cmds, func(_ context.Context, m *fileManager) error {
		m.tamper = func(d *wire.FileData) { d.Data[0] ^= 1 }
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	path, _ := randomFile(t, t.TempDir(), "f.bin", fileChunk)
	offer := sendAndOffer(t, a, b, path)
	if err := b.core.AcceptFile(context.Background(), offer.ID); err != nil {
		t.Fatal(err)
	}
	failed := b.waitFor("failed", fileFailed(offer.ID)).(FileFailed).Transfer
	if failed.State != TransferFailed {
		t.Fatalf("state %v", failed.State)
	}
	a.waitFor("sender hears", fileFailed(offer.ID))
	if entries, _ := os.ReadDir(b.core.Downloads()); len(entries) != 0 {
		t.Fatalf("downloads hold %d entries after a failed transfer", len(entries))
	}
}

func TestAnOfferOverTheSizeLimitIsRefused(t *testing.T) {
	a := fileNode(t, "alice", t.TempDir(), "")
	b := fileNode(t, "bob", t.TempDir(), "", func(c *Config) { c.MaxFileSize = 1000 })
	befriend(t, a, b)
	path, _ := randomFile(t, t.TempDir(), "big", 1001)
	tr, err := a.core.SendFile(context.Background(), b.core.Self().ID, path)
	if err != nil {
		t.Fatal(err)
	}
	b.waitFor("refused", fileFailed(tr.ID))
	a.waitFor("sender hears", fileFailed(tr.ID))
	if _, err := b.core.SendFile(context.Background(), a.core.Self().ID, path); !errors.Is(err, ErrFileTooLarge) {
		t.Fatalf("sending over the limit: %v", err)
	}
}

func TestSmallFilesFromVerifiedContactsAreAcceptedWhenAsked(t *testing.T) {
	a := fileNode(t, "alice", t.TempDir(), "")
	b := fileNode(t, "bob", t.TempDir(), "", func(c *Config) { c.AutoAcceptBelow = 1000 })
	befriend(t, a, b)
	ctx := context.Background()
	small, _ := randomFile(t, t.TempDir(), "small", 999)
	big, _ := randomFile(t, t.TempDir(), "big", 1000)
	// Not verified yet: even a small file waits for an answer.
	first := sendAndOffer(t, a, b, small)
	if err := b.core.SetVerified(ctx, a.core.Self().ID, true); err != nil {
		t.Fatal(err)
	}
	second, third := sendAndOffer(t, a, b, small), sendAndOffer(t, a, b, big)
	b.waitFor("the small one saved", fileDone(second.ID))
	list, err := b.core.Transfers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range list {
		if (tr.ID == first.ID || tr.ID == third.ID) && tr.State != TransferOffered {
			t.Errorf("%s went %v without being asked", tr.Name, tr.State)
		}
	}
}

func TestFilesGoOnlyToAcceptedContacts(t *testing.T) {
	a, b := fileNode(t, "alice", t.TempDir(), ""), fileNode(t, "bob", t.TempDir(), "")
	if _, err := a.core.AddContact(context.Background(), b.core.Self().Code); err != nil {
		t.Fatal(err)
	}
	path, _ := randomFile(t, t.TempDir(), "f", 10)
	if _, err := a.core.SendFile(context.Background(), b.core.Self().ID, path); !errors.Is(err, ErrNotAContactYet) {
		t.Fatalf("sending to a contact who has not accepted: %v", err)
	}
}

func TestThreeTransfersAtOnceAllFinish(t *testing.T) {
	a, b := fileNode(t, "alice", t.TempDir(), ""), fileNode(t, "bob", t.TempDir(), "")
	befriend(t, a, b)
	var offers []Transfer
	for _, name := range []string{"one", "two", "three"} {
		path, _ := randomFile(t, t.TempDir(), name, 40*fileChunk)
		offers = append(offers, sendAndOffer(t, a, b, path))
	}
	for _, o := range offers {
		if err := b.core.AcceptFile(context.Background(), o.ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, o := range offers {
		b.waitFor("done "+o.Name, fileDone(o.ID))
	}
}
