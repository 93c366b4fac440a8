package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"jarvis/p2p/wire"
)

// A received file is shown saved as soon as it is verified and renamed:
// syncing it first would hold a fast transfer to the disk's speed. Its row
// stays transferSaving until a sync of the file and its directory ends in
// the background; if the process or the machine dies before that, load
// checks the file against its chunk hashes and fetches what is damaged,
// so a file that did not reach the disk is never left standing as good.

// savedSync is one saved file's sync. Its goroutine fills in the result and
// hands the job back to the manager's mailbox.
type savedSync struct {
	id  TransferID
	fi  os.FileInfo // the file synced, to recognise it under its name
	err error
}

func (j *savedSync) apply(ctx context.Context, m *fileManager) { m.synced(ctx, j) }

// startSync syncs f, t's saved file, on a goroutine that owns and closes
// f; shutdown waits for it.
func (m *fileManager) startSync(t *transfer, f *os.File) {
	j := &savedSync{id: TransferID(t.row.ID)}
	m.syncing[j.id] = j
	syncFile := m.syncSaved
	m.syncs.Add(1)
	go func() {
		defer m.syncs.Done()
		j.fi, _ = f.Stat()
		j.err = syncFile(f)
		f.Close()
		// Once the core stops this gives up, and shutdown, which waits
		// for this goroutine, records the job itself.
		post(context.Background(), m.core, m.cmds, op[fileManager](j))
	}()
}

// synced records the end of a saved file's sync: done, or failed with
// the file removed, since what the disk kept of it is not what was verified.
func (m *fileManager) synced(ctx context.Context, j *savedSync) {
	if m.syncing[j.id] != j {
		return // recorded already, at shutdown
	}
	delete(m.syncing, j.id)
	t := m.byID[j.id]
	if t == nil || TransferState(t.row.State) != transferSaving {
		return
	}
	if j.err == nil {
		m.setState(ctx, t, TransferDone, "")
		return
	}
	m.core.emit(Failure{Op: "save a received file", Err: fmt.Errorf("sync %s: %w", t.row.Name, j.err)})
	// After a failed sync the kernel may have dropped the pages it could
	// not write; reading the file back could give anything.
	if fi, err := os.Lstat(t.row.Path); err == nil && j.fi != nil && os.SameFile(fi, j.fi) {
		os.Remove(t.row.Path)
	}
	t.row.Path = ""
	if t.isGroup() { // we said we hold it; members fetching from us look elsewhere
		for _, id := range m.membersOnline(t.row.Group) {
			m.send(id, wire.FileStatus{ID: t.row.ID, Status: wire.FileFail, Reason: "no longer held here"})
		}
	}
	m.finish(ctx, t, TransferFailed, "could not write the file to disk: "+shortErr(j.err)+"; ask for it again")
}

// syncSavedFile makes f's data durable, then the name it was saved under.
func syncSavedFile(f *os.File) error {
	if err := f.Sync(); err != nil {
		return err
	}
	return syncDir(filepath.Dir(f.Name()))
}

// recheck settles t, saved before a crash that may have come before its
// sync ended. Runs on the manager's goroutine at load: a file whose every
// chunk matches is synced and done; a damaged one goes back to its .part
// name and is fetched again from its first bad chunk.
func (m *fileManager) recheck(ctx context.Context, t *transfer) {
	part := m.partPath(t.row.ID)
	partInfo, perr := os.Lstat(part)
	f, err := openPart(t.row.Path, false) // never through a symlink
	if err != nil {
		switch {
		case perr == nil: // the rename was lost: the .part is the file
			m.fetchAgain(ctx, t, 0)
		case os.IsNotExist(err):
			m.fail(ctx, t, "the saved file is gone", false)
		default:
			m.fail(ctx, t, "cannot check the saved file: "+shortErr(err)+"; ask for it again", false)
		}
		return
	}
	fi, err := f.Stat()
	if err == nil && fi.Size() > t.row.Size {
		err = f.Truncate(t.row.Size) // bytes past the end are no part of the file
	}
	if err != nil {
		f.Close()
		m.fail(ctx, t, "cannot check the saved file: "+shortErr(err)+"; ask for it again", false)
		return
	}
	bad := m.firstBadChunk(t, f)
	if bad == numChunks(t.row.Size, t.row.ChunkSize) {
		if perr == nil && os.SameFile(fi, partInfo) {
			os.Remove(part) // saved, but the removal of the .part was lost
		}
		m.startSync(t, f) // a kill -9 leaves it in memory only: done after the sync
		return
	}
	f.Close()
	switch {
	case perr == nil && os.SameFile(fi, partInfo):
		os.Remove(t.row.Path) // one file under both names: keep the .part
	case perr == nil:
		bad = 0 // another file there: the .part is checked from its start
	default:
		// Back under the .part name; a link never replaces what is there.
		if err := os.Link(t.row.Path, part); err != nil {
			m.fail(ctx, t, "cannot check the saved file: "+shortErr(err)+"; ask for it again", false)
			return
		}
		os.Remove(t.row.Path)
	}
	m.fetchAgain(ctx, t, bad)
}

// firstBadChunk is the first chunk of f that does not match t's hashes,
// or the number of chunks when all do.
func (m *fileManager) firstBadChunk(t *transfer, f *os.File) int {
	if !m.hashesComplete(t) {
		return 0
	}
	n := numChunks(t.row.Size, t.row.ChunkSize)
	buf := make([]byte, t.row.ChunkSize)
	for i := range n {
		b := buf[:chunkLen(t.row.Size, t.row.ChunkSize, i)]
		if _, err := f.ReadAt(b, int64(i)*int64(t.row.ChunkSize)); err != nil || !chunkMatches(t.row.Hashes, i, b) {
			return i
		}
	}
	return n
}

// fetchAgain makes t active again from its .part, whose chunks before
// from are known good and are not read again.
func (m *fileManager) fetchAgain(ctx context.Context, t *transfer, from int) {
	t.row.Path, t.row.Done = "", from
	if err := m.resume(ctx, t); err != nil {
		m.fail(ctx, t, "could not resume: "+shortErr(err), true)
		return
	}
	m.setState(ctx, t, TransferActive, "")
}

// fetchedAgain handles a receiver asking again for a file it told us it
// saved: it lost the file in a crash before the file reached its disk.
// The transfer runs again; the receiver fetches only what it lacks.
func (m *fileManager) fetchedAgain(ctx context.Context, t *transfer, v wire.FileStatus) bool {
	if !t.row.Outgoing || t.isGroup() || v.Status != wire.FileAccept || TransferState(t.row.State) != TransferDone {
		return false
	}
	t.served, t.rateStart = 0, time.Time{}
	m.setState(ctx, t, TransferActive, "")
	m.emitProgress(t, true)
	return true
}
