package app

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// holdSyncs makes n's saved-file syncs wait until the returned release is
// called (at the latest when the test ends, before the node stops).
func holdSyncs(t *testing.T, n *node) (release func()) {
	t.Helper()
	gate := make(chan struct{})
	release = sync.OnceFunc(func() { close(gate) })
	t.Cleanup(release)
	err := call(context.Background(), n.core, n.core.files.cmds, func(_ context.Context, m *fileManager) error {
		m.syncSaved = func(f *os.File) error {
			<-gate
			return syncSavedFile(f)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return release
}

// storedState reads id's state from n's store, not from the manager.
func storedState(t *testing.T, n *node, id TransferID) TransferState {
	t.Helper()
	rows, err := n.account.store.Transfers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.ID == id {
			return TransferState(r.State)
		}
	}
	t.Fatalf("transfer %s is not stored", id)
	return 0
}

// waitStored waits until id's stored state is st.
func waitStored(t *testing.T, n *node, id TransferID, st TransferState) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for storedState(t, n, id) != st {
		if time.Now().After(deadline) {
			t.Fatalf("transfer stored as %v, want %v", storedState(t, n, id), st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// received has a send b a random file of size bytes and returns the
// transfer as b saved it, and the file's bytes.
func received(t *testing.T, a, b *node, size int) (Transfer, []byte) {
	t.Helper()
	path, want := randomFile(t, t.TempDir(), "film.mkv", size)
	offer := sendAndOffer(t, a, b, path)
	if err := b.core.AcceptFile(context.Background(), offer.ID); err != nil {
		t.Fatal(err)
	}
	done := b.waitFor("saved", fileDone(offer.ID)).(FileDone).Transfer
	a.waitFor("the sender hears it is saved", fileDone(offer.ID))
	return done, want
}

// crashBeforeSync stops b and leaves its store as a crash before the sync
// of the saved file ended would: the row saving. damage then does to the
// downloads what the crash did; b starts again.
func crashBeforeSync(t *testing.T, b *node, tr Transfer, damage func(saved, part string)) *node {
	t.Helper()
	dir, listen := b.dir, b.listen
	part := b.core.files.partPath(tr.ID)
	b.stop()
	acc, err := OpenAccount(AccountConfig{Path: filepath.Join(dir, "jarvis.db"), KDF: testKDF})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := acc.Unlock(ctx, []byte("pass bob")); err != nil {
		t.Fatal(err)
	}
	err = acc.store.SetTransferProgress(ctx, tr.ID, int(transferSaving), numChunks(tr.Size, fileChunk))
	acc.Close()
	if err != nil {
		t.Fatal(err)
	}
	damage(tr.Path, part)
	return fileNode(t, "bob", dir, listen)
}

func TestASavedFileShowsBeforeItsSyncEndsAndIsStoredDoneAfter(t *testing.T) {
	checkGoroutines(t)
	a, b := fileNode(t, "alice", t.TempDir(), ""), fileNode(t, "bob", t.TempDir(), "")
	befriend(t, a, b)
	release := holdSyncs(t, b)
	done, want := received(t, a, b, 3*fileChunk+5)
	if done.State != TransferDone {
		t.Fatalf("FileDone shows %v", done.State)
	}
	if got, _ := os.ReadFile(done.Path); !bytes.Equal(got, want) {
		t.Fatal("saved file differs")
	}
	if st := storedState(t, b, done.ID); st != transferSaving {
		t.Fatalf("stored as %v while the sync waits, want saving", st)
	}
	list, err := b.core.Transfers(context.Background())
	if err != nil || len(list) != 1 || list[0].State != TransferDone || list[0].Bytes != done.Size {
		t.Fatalf("frontends see %+v, %v", list, err)
	}
	release()
	waitStored(t, b, done.ID, TransferDone)
}

func TestShutdownWaitsForTheSyncAndStoresTheFileDone(t *testing.T) {
	a, b := fileNode(t, "alice", t.TempDir(), ""), fileNode(t, "bob", t.TempDir(), "")
	befriend(t, a, b)
	release := holdSyncs(t, b)
	received(t, a, b, fileChunk)
	dir := b.dir
	stopped := make(chan struct{})
	go func() { b.stop(); close(stopped) }()
	select {
	case <-stopped:
		t.Fatal("the node stopped before the sync of a saved file ended")
	case <-time.After(100 * time.Millisecond):
	}
	release()
	<-stopped
	acc, err := OpenAccount(AccountConfig{Path: filepath.Join(dir, "jarvis.db"), KDF: testKDF})
	if err != nil {
		t.Fatal(err)
	}
	defer acc.Close()
	if err := acc.Unlock(context.Background(), []byte("pass bob")); err != nil {
		t.Fatal(err)
	}
	rows, err := acc.store.Transfers(context.Background())
	if err != nil || len(rows) != 1 || TransferState(rows[0].State) != TransferDone {
		t.Fatalf("stored after shutdown: %+v, %v", rows, err)
	}
}

func TestAFailedSyncFailsTheTransferAndRemovesTheFile(t *testing.T) {
	a, b := fileNode(t, "alice", t.TempDir(), ""), fileNode(t, "bob", t.TempDir(), "")
	befriend(t, a, b)
	err := call(context.Background(), b.core, b.core.files.cmds, func(_ context.Context, m *fileManager) error {
		m.syncSaved = func(*os.File) error { return &os.PathError{Op: "sync", Path: "x", Err: syscall.EIO} }
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	done, _ := received(t, a, b, fileChunk+1)
	failed := b.waitFor("failed after the sync", fileFailed(done.ID)).(FileFailed).Transfer
	if failed.State != TransferFailed || !strings.Contains(failed.Reason, "could not write the file to disk") ||
		!strings.Contains(failed.Reason, "ask for it again") {
		t.Fatalf("failed as %v: %q", failed.State, failed.Reason)
	}
	b.waitFor("a failure", func(e Event) bool {
		f, ok := e.(Failure)
		return ok && errors.Is(f.Err, syscall.EIO)
	})
	if _, err := os.Stat(done.Path); !os.IsNotExist(err) {
		t.Fatalf("the file that did not reach the disk is still there: %v", err)
	}
	waitStored(t, b, done.ID, TransferFailed)
}

func TestAfterACrashAnIntactSavedFileIsDoneWithoutFetchingAgain(t *testing.T) {
	dirA := t.TempDir()
	a, b := fileNode(t, "alice", dirA, ""), fileNode(t, "bob", t.TempDir(), "")
	befriend(t, a, b)
	done, want := received(t, a, b, 5*fileChunk+77)
	b = crashBeforeSync(t, b, done, func(string, string) {})
	waitStored(t, b, done.ID, TransferDone)
	if n := fetched(t, b); n != 0 {
		t.Fatalf("fetched %d bytes of an intact file", n)
	}
	if got, _ := os.ReadFile(done.Path); !bytes.Equal(got, want) {
		t.Fatal("saved file differs")
	}
}

func TestAfterACrashADamagedSavedFileFetchesFromItsBadChunk(t *testing.T) {
	a, b := fileNode(t, "alice", t.TempDir(), ""), fileNode(t, "bob", t.TempDir(), "")
	befriend(t, a, b)
	const chunks, bad = 8, 5
	done, want := received(t, a, b, chunks*fileChunk-3)
	b = crashBeforeSync(t, b, done, func(saved, _ string) {
		f, err := os.OpenFile(saved, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteAt([]byte("power loss"), bad*fileChunk+100); err != nil {
			t.Fatal(err)
		}
	})
	again := b.waitFor("saved again", fileDone(done.ID)).(FileDone).Transfer
	if again.Path != done.Path {
		t.Fatalf("saved again at %q, was %q", again.Path, done.Path)
	}
	if got, _ := os.ReadFile(again.Path); !bytes.Equal(got, want) {
		t.Fatal("saved file differs")
	}
	// The verified prefix is what a resume keeps: from the bad chunk on.
	n, most := fetched(t, b), done.Size-bad*fileChunk
	if n < fileChunk || n > most {
		t.Fatalf("fetched %d bytes again, want the bad chunk and at most %d", n, most)
	}
	t.Logf("fetched again: %d bytes of %d", n, done.Size)
	if parts, _ := filepath.Glob(filepath.Join(b.core.Downloads(), "*.part")); len(parts) != 0 {
		t.Fatalf("partial files left: %v", parts)
	}
	waitStored(t, b, done.ID, TransferDone)
}

func TestAfterACrashThatLostTheRenameThePartIsResumed(t *testing.T) {
	a, b := fileNode(t, "alice", t.TempDir(), ""), fileNode(t, "bob", t.TempDir(), "")
	befriend(t, a, b)
	done, want := received(t, a, b, 4*fileChunk)
	b = crashBeforeSync(t, b, done, func(saved, part string) {
		if err := os.Rename(saved, part); err != nil {
			t.Fatal(err)
		}
	})
	again := b.waitFor("saved again", fileDone(done.ID)).(FileDone).Transfer
	if got, _ := os.ReadFile(again.Path); !bytes.Equal(got, want) {
		t.Fatal("saved file differs")
	}
	if n := fetched(t, b); n != 0 {
		t.Fatalf("fetched %d bytes of a .part that was whole", n)
	}
	waitStored(t, b, done.ID, TransferDone)
	// The sender made it active again at B's repeated accept, and hears
	// done a moment after B stored it.
	waitStored(t, a, done.ID, TransferDone)
}

func TestAfterACrashASavedFileThatIsGoneFails(t *testing.T) {
	a, b := fileNode(t, "alice", t.TempDir(), ""), fileNode(t, "bob", t.TempDir(), "")
	befriend(t, a, b)
	done, _ := received(t, a, b, fileChunk)
	b = crashBeforeSync(t, b, done, func(saved, _ string) {
		if err := os.Remove(saved); err != nil {
			t.Fatal(err)
		}
	})
	failed := b.waitFor("failed", fileFailed(done.ID)).(FileFailed).Transfer
	if failed.Reason != "the saved file is gone" {
		t.Fatalf("reason %q", failed.Reason)
	}
	if st := storedState(t, b, done.ID); st != TransferFailed {
		t.Fatalf("stored as %v", st)
	}
}
