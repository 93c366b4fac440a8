package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"jarvis/crypto"
	"jarvis/p2p/wire"
	"jarvis/store"
)

// writebackChunks is how often (in verified chunks, 4 MiB with ours) the
// receiver starts writing what it received to disk; see writeback.
const writebackChunks = 16

// maxChunks bounds the chunks of an offer we accept: it bounds the hash
// list we fetch and keep (2 MiB), and with our chunk size allows 16 GiB.
const maxChunks = 1 << 16

// receiving is what an incoming transfer needs while it runs.
type receiving struct {
	partPath string
	part     *os.File
	writer   *chunkWriter // checks and writes whole chunks into part
	writing  int          // chunks handed to writer, not answered yet
	gen      int          // moves on at a bad chunk: the writer's answers about chunks given it before are dropped
	inflight []wanted     // requested, in the order the pieces will come
	next     int          // next chunk to request
	off      int          // bytes received of inflight[0]
	chunk    []byte       // inflight[0], a chunk, so far
	page     []byte       // inflight[0], a hash page, so far
	strikes  int          // bad chunks and misplaced pieces
	wantSend bool         // a request did not fit the peer's queue
}

// newReceiving readies t's .part file for chunks.
func (m *fileManager) newReceiving(t *transfer, part *os.File) *receiving {
	return &receiving{
		partPath: m.partPath(t.row.ID), part: part,
		writer: m.startChunkWriter(TransferID(t.row.ID), part, t.row.ChunkSize, fetchWindow),
	}
}

// stopWriter stops the chunk writer, before part is closed.
func (rx *receiving) stopWriter() {
	if rx.writer != nil {
		rx.writer.stop()
		rx.writer = nil
	}
}

// wanted is one requested chunk or hash page. A stale one was asked for
// before a bad chunk: its pieces still come and are dropped.
type wanted struct {
	hashes bool
	index  int
	stale  bool
}

// restart forgets what was in flight (the session ended): it is asked
// for again from the first chunk neither verified nor with the writer.
// What the writer holds arrived whole and is kept; should one of those
// chunks fail its hash, everything from it is asked for again then.
func (rx *receiving) restart(done int) {
	rx.inflight, rx.off, rx.chunk, rx.page, rx.next = nil, 0, nil, nil, done+rx.writing
}

// partPath is where t's data goes until it is verified.
func (m *fileManager) partPath(id [16]byte) string {
	return filepath.Join(m.downloads, ".jarvis-"+TransferID(id).String()+".part")
}

// offered handles an offer from a contact.
func (m *fileManager) offered(ctx context.Context, from crypto.ID, o wire.FileOffer) {
	if _, dup := m.byID[TransferID(o.ID)]; dup {
		return // sent again after a reconnect
	}
	c, err := m.core.Contact(ctx, from)
	if err != nil || c.State != store.ContactAccepted {
		m.strike(from)
		return
	}
	if m.openOffers(from) >= maxOpenOffers {
		m.send(from, wire.FileStatus{ID: o.ID, Status: wire.FileReject, Reason: "too many open offers; wait for answers"})
		m.strike(from)
		return
	}
	t := &transfer{row: store.Transfer{
		ID: o.ID, Peer: from, Root: o.Root, Size: int64(o.Size), ChunkSize: int(o.ChunkSize),
		Name: SanitizeFileName(o.Name), State: int(TransferOffered), Created: m.now().UnixMilli(),
	}}
	m.byID[TransferID(o.ID)] = t
	switch {
	case t.row.Size > m.maxSize:
		m.fail(ctx, t, fmt.Sprintf("%d bytes, over the limit of %d (--max-file-size)", t.row.Size, m.maxSize), true)
		return
	case numChunks(t.row.Size, t.row.ChunkSize) > maxChunks:
		m.fail(ctx, t, "chunks too small for its size", true)
		return
	}
	m.announce(ctx, t, c.Verified)
}

// announce stores a new offer and shows it, accepting it at once if it is
// small and from a verified contact.
func (m *fileManager) announce(ctx context.Context, t *transfer, verified bool) {
	if err := m.store.PutTransfer(ctx, t.row); err != nil {
		m.core.emit(Failure{Op: "save transfer", Err: err})
	}
	m.core.emit(FileOffered{Transfer: m.view(t)})
	if verified && t.row.Size < m.autoBelow {
		if err := m.accept(ctx, TransferID(t.row.ID)); err != nil {
			m.core.emit(Failure{Op: "accept a file automatically", Err: err})
		}
	}
}

// openOffers counts from's offers still waiting for our answer.
func (m *fileManager) openOffers(from crypto.ID) int {
	n := 0
	for _, t := range m.byID {
		if !t.row.Outgoing && t.row.Peer == from && TransferState(t.row.State) == TransferOffered {
			n++
		}
	}
	return n
}

// accept starts fetching an offer, after checking the disk can take it.
func (m *fileManager) accept(ctx context.Context, id TransferID) error {
	t := m.byID[id]
	if t == nil || t.row.Outgoing {
		return ErrUnknownTransfer
	}
	if TransferState(t.row.State) != TransferOffered {
		return ErrTransferOver
	}
	if err := os.MkdirAll(m.downloads, 0o700); err != nil {
		return fmt.Errorf("downloads directory: %w", err)
	}
	if free, err := freeSpace(m.downloads); err == nil && free < t.row.Size {
		reason := fmt.Sprintf("not enough free space: %d bytes needed, %d free in the downloads directory", t.row.Size, free)
		m.fail(ctx, t, reason, true)
		return fmt.Errorf("%w: %d bytes needed, %d free", ErrNoSpace, t.row.Size, free)
	}
	part, err := openPart(m.partPath(t.row.ID), true)
	if err != nil {
		return fmt.Errorf("create the partial file: %w", err)
	}
	t.rx = m.newReceiving(t, part)
	m.setState(ctx, t, TransferActive, "")
	if t.isGroup() {
		m.askMembers(t, m.membersOnline(t.row.Group)...)
	} else {
		m.send(t.row.Peer, wire.FileStatus{ID: t.row.ID, Status: wire.FileAccept})
	}
	m.emitProgress(t, true)
	m.refill(ctx, t)
	return nil
}

// resume readies a transfer that was running when we stopped: the chunks
// on disk past the saved progress are verified again rather than fetched,
// so a kill -9 loses at most what was arriving or waiting for the writer
// (the window).
func (m *fileManager) resume(_ context.Context, t *transfer) error {
	part, err := openPart(m.partPath(t.row.ID), false)
	if err != nil {
		return err
	}
	t.rx = m.newReceiving(t, part)
	n := numChunks(t.row.Size, t.row.ChunkSize)
	if !m.hashesComplete(t) {
		t.row.Hashes = t.row.Hashes[:0]
		t.row.Done = 0
	}
	buf := make([]byte, t.row.ChunkSize)
	for t.row.Done < n && m.hashesComplete(t) {
		i := t.row.Done
		b := buf[:chunkLen(t.row.Size, t.row.ChunkSize, i)]
		if _, err := part.ReadAt(b, int64(i)*int64(t.row.ChunkSize)); err != nil {
			break
		}
		if !chunkMatches(t.row.Hashes, i, b) {
			break
		}
		t.row.Done++
	}
	t.rx.next = t.row.Done
	return nil
}

func (m *fileManager) hashesComplete(t *transfer) bool {
	return len(t.row.Hashes) == numChunks(t.row.Size, t.row.ChunkSize)*hashSize
}

// refill asks for more while the window has room, or completes t.
func (m *fileManager) refill(ctx context.Context, t *transfer) {
	rx := t.rx
	if rx == nil || TransferState(t.row.State) != TransferActive {
		return
	}
	n := numChunks(t.row.Size, t.row.ChunkSize)
	if m.hashesComplete(t) && t.row.Done == n {
		m.complete(ctx, t)
		return
	}
	if !m.peers.online(t.peer()) {
		return
	}
	var gets []wire.Message
	add := func(w wanted) {
		rx.inflight = append(rx.inflight, w)
		gets = append(gets, wire.FileGet{Root: t.row.Root, Hashes: w.hashes, Index: uint32(w.index)})
	}
	before, next := len(rx.inflight), rx.next
	switch {
	case !m.hashesComplete(t):
		if len(rx.inflight) == 0 {
			add(wanted{hashes: true, index: len(t.row.Hashes) / (wire.HashesPerPage * hashSize)})
		}
	default:
		for live(rx.inflight)+rx.writing < fetchWindow && rx.next < n {
			add(wanted{index: rx.next})
			rx.next++
		}
	}
	if len(gets) == 0 {
		return
	}
	rx.wantSend = false
	if err := m.send(t.peer(), gets...); err != nil {
		rx.inflight, rx.next = rx.inflight[:before], next
		rx.wantSend = true
	}
}

// live counts the requests whose answers we will keep.
func live(ws []wanted) int {
	n := 0
	for _, w := range ws {
		if !w.stale {
			n++
		}
	}
	return n
}

// receivingFrom finds the running incoming transfer of root from peer.
func (m *fileManager) receivingFrom(peer crypto.ID, root [32]byte) *transfer {
	for _, t := range m.byID {
		if !t.row.Outgoing && t.rx != nil && t.peer() == peer && t.row.Root == root {
			return t
		}
	}
	return nil
}

// data takes one piece of a chunk or hash page we asked for.
func (m *fileManager) data(ctx context.Context, from crypto.ID, d wire.FileData) {
	t := m.receivingFrom(from, d.Root)
	if t == nil || len(t.rx.inflight) == 0 {
		m.strike(from)
		return
	}
	rx := t.rx
	if !d.Hashes {
		m.fetched += int64(len(d.Data))
		t.wire += int64(len(d.Data))
	}
	w := rx.inflight[0]
	expect := m.expectedLen(t, w)
	if w.hashes != d.Hashes || w.index != int(d.Index) || rx.off != int(d.Offset) || rx.off+len(d.Data) > expect {
		m.misplaced(ctx, t)
		return
	}
	switch {
	case w.stale:
		m.peers.recycleBulk(d.Data)
	case w.hashes:
		rx.page = append(rx.page, d.Data...)
		m.peers.recycleBulk(d.Data)
	case rx.off == 0 && len(d.Data) == expect:
		rx.chunk = d.Data // a whole chunk in one bulk frame, ours to keep
	default:
		rx.chunk = append(rx.chunk, d.Data...)
	}
	rx.off += len(d.Data)
	if rx.off < expect {
		return
	}
	rx.inflight, rx.off = rx.inflight[1:], 0
	switch {
	case w.stale:
		rx.chunk = nil
	case w.hashes:
		m.pageDone(ctx, t)
	default:
		m.writeChunk(t, w.index)
	}
	if t.rx != nil {
		m.refill(ctx, t)
	}
}

// expectedLen is the size of what w asked for.
func (m *fileManager) expectedLen(t *transfer, w wanted) int {
	n := numChunks(t.row.Size, t.row.ChunkSize)
	if w.hashes {
		return min(wire.HashesPerPage, n-w.index*wire.HashesPerPage) * hashSize
	}
	return chunkLen(t.row.Size, t.row.ChunkSize, w.index)
}

// misplaced handles a piece that is not the next one we wait for.
func (m *fileManager) misplaced(ctx context.Context, t *transfer) {
	m.strike(t.peer())
	if t.rx.strikes++; t.rx.strikes > maxStrikes {
		m.fail(ctx, t, "the sender sent data nobody asked for", true)
	}
}

// writeChunk hands the complete chunk i to the writer, which checks it
// against its hash before writing it.
func (m *fileManager) writeChunk(t *transfer, i int) {
	rx := t.rx
	j := chunkJob{gen: rx.gen, index: i, off: int64(i) * int64(t.row.ChunkSize), data: rx.chunk}
	copy(j.want[:], t.row.Hashes[i*hashSize:])
	rx.chunk = nil
	rx.writing++
	rx.writer.add(j)
}

// chunkWritten takes the writer's answer about a chunk: verified and
// written, failed its hash, or could not be written.
func (m *fileManager) chunkWritten(ctx context.Context, t *transfer, r chunkWritten) {
	rx := t.rx
	if r.gen != rx.gen {
		m.refill(ctx, t) // given the writer before a bad chunk: it only makes room
		return
	}
	switch {
	case r.err != nil:
		reason := "cannot write the file: " + shortErr(r.err)
		if errors.Is(r.err, syscall.ENOSPC) {
			reason = "the disk is full; free some space and ask for the file again"
		}
		m.fail(ctx, t, reason, true)
		return
	case !r.bad && r.index == t.row.Done:
		t.row.Done++
		if t.row.Done%writebackChunks == 0 {
			span := int64(writebackChunks) * int64(t.row.ChunkSize)
			m.wb.hint(rx.part, int64(t.row.Done)*int64(t.row.ChunkSize)-span, span)
		}
		m.emitProgress(t, false)
		if m.now().Sub(t.lastSave) >= saveEvery {
			m.save(ctx, t)
		}
	default:
		// A bad chunk: what was asked after it is dropped as it comes or
		// as the writer answers, and everything from it is asked again.
		m.strike(t.peer())
		if rx.strikes++; rx.strikes > maxStrikes {
			m.fail(ctx, t, "the sender keeps sending chunks that fail their hash", true)
			return
		}
		for k := range rx.inflight {
			rx.inflight[k].stale = true
		}
		rx.gen++
		rx.next = t.row.Done
	}
	m.refill(ctx, t)
}

// pageDone adds a complete page to the hash list, checking the whole list
// against the offer's root once it is there.
func (m *fileManager) pageDone(ctx context.Context, t *transfer) {
	t.row.Hashes = append(t.row.Hashes, t.rx.page...)
	t.rx.page = nil
	if !m.hashesComplete(t) {
		return
	}
	if fileRoot(t.row.Size, t.row.ChunkSize, t.row.Hashes) != t.row.Root {
		m.fail(ctx, t, "the chunk list does not match the offer", true)
		return
	}
	if err := m.store.PutTransfer(ctx, t.row); err != nil {
		m.core.emit(Failure{Op: "save transfer", Err: err})
	}
}

// complete saves a fully verified file under its name in the downloads
// directory, never replacing a file, and tells the sender. The user sees
// it saved before its data is known to be on disk: it is synced in the
// background (see files_durable.go), and a crash before that ends is
// caught by checking the file again at the next start.
func (m *fileManager) complete(ctx context.Context, t *transfer) {
	rx := t.rx
	rx.stopWriter()
	err := rx.part.Close()
	rx.part = nil
	if err != nil {
		m.fail(ctx, t, "cannot write the file: "+shortErr(err), true)
		return
	}
	// Stored between the link and the removal of the .part, so a restart
	// finds the file under one name or the other, and knows to check it.
	path, err := saveUnique(rx.partPath, m.downloads, t.row.Name, func(dst string) {
		t.row.Path = dst
		m.setState(ctx, t, transferSaving, "")
	})
	if err != nil {
		m.fail(ctx, t, "cannot save the file: "+shortErr(err), true)
		return
	}
	// Opened again by the name it now has, without following a link:
	// the sync must reach this file, whatever happens to the name.
	f, err := openPart(path, false)
	if err != nil {
		m.fail(ctx, t, "cannot save the file: "+shortErr(err), true)
		return
	}
	if !t.isGroup() {
		m.send(t.row.Peer, wire.FileStatus{ID: t.row.ID, Status: wire.FileDone})
	}
	// Not finish: the row was stored in the link's hook, and a second
	// write would be one more wait before the user sees the file.
	t.rx = nil
	m.core.emit(FileDone{Transfer: m.view(t)})
	if t.isGroup() {
		m.tellHeld(t) // members still waiting may fetch from us now
	}
	m.startSync(t, f)
}

// sanitizeReason keeps a peer's reason to one short line of printable text.
func sanitizeReason(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	return capName(s, 120)
}
