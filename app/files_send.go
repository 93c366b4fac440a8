package app

import (
	"bytes"
	"context"
	"errors"
	"os"
	"time"

	"jarvis/crypto"
	"jarvis/p2p"
	"jarvis/p2p/wire"
	"jarvis/store"
)

// offer stores a prepared file as an outgoing offer and sends it if the
// contact is online.
func (m *fileManager) offer(ctx context.Context, to crypto.ID, src preparedOffer) (Transfer, error) {
	t := &transfer{row: store.Transfer{
		ID: newTransferID(), Peer: to, Outgoing: true, Size: src.size, ChunkSize: fileChunk,
		Name: src.name, Path: src.path, Hashes: src.hashes, State: int(TransferOffered), Created: m.now().UnixMilli(),
	}}
	t.row.Root = fileRoot(src.size, fileChunk, src.hashes)
	if err := m.store.PutTransfer(ctx, t.row); err != nil {
		return Transfer{}, err
	}
	m.byID[TransferID(t.row.ID)] = t
	m.send(to, m.offerMessage(t))
	v := m.view(t)
	m.core.emit(FileOffered{Transfer: v})
	return v, nil
}

func (m *fileManager) offerMessage(t *transfer) wire.FileOffer {
	return wire.FileOffer{ID: t.row.ID, Root: t.row.Root, Size: uint64(t.row.Size), ChunkSize: uint32(t.row.ChunkSize), Name: t.row.Name}
}

// serving finds the outgoing transfer of root to peer that may be served.
func (m *fileManager) serving(peer crypto.ID, root [32]byte) *transfer {
	for _, t := range m.byID {
		if t.row.Outgoing && t.row.Peer == peer && t.row.Root == root && TransferState(t.row.State) == TransferActive {
			return t
		}
	}
	return m.servingGroup(peer, root)
}

// queueGet takes a request to serve. One for a file we do not serve this
// peer, or past the queue's bound, is a strike; too many and the peer's
// session is dropped.
func (m *fileManager) queueGet(_ context.Context, from crypto.ID, g wire.FileGet) {
	t := m.serving(from, g.Root)
	q := m.gets[from]
	if t == nil || len(q) >= maxQueuedGets || !validGet(t, g) {
		m.strike(from)
		return
	}
	m.gets[from] = append(q, g)
}

func validGet(t *transfer, g wire.FileGet) bool {
	n := numChunks(t.row.Size, t.row.ChunkSize)
	if g.Hashes {
		return int(g.Index) < max(1, hashPages(n))
	}
	return int(g.Index) < n
}

// errPeerAbuse is why a peer that keeps sending what nobody asked for
// loses its session.
var errPeerAbuse = errors.New("app: peer sent too many unrequested file records")

// strike counts a bad record from id and drops its session past the bound.
func (m *fileManager) strike(id crypto.ID) {
	m.strikes[id]++
	if m.strikes[id] > 4*maxStrikes {
		m.log.Info("dropping peer sending unrequested file records", "peer", id)
		m.peers.drop(id, errPeerAbuse)
		m.strikes[id] = 0
	}
}

// serveOne answers the oldest request of id: the whole chunk (or hash
// page) in one send, so its pieces leave together and in order.
func (m *fileManager) serveOne(ctx context.Context, id crypto.ID) {
	g := m.gets[id][0]
	t := m.serving(id, g.Root)
	if t == nil {
		m.gets[id] = m.gets[id][1:]
		return
	}
	var body []byte
	if g.Hashes {
		body = hashPage(t.row.Hashes, int(g.Index))
	} else {
		var err error
		body, err = m.readChunk(t, int(g.Index))
		if t.isGroup() && (err != nil || !verifiedChunk(t, int(g.Index), body)) {
			// Other members may hold it: the asker looks elsewhere.
			m.peers.recycleBulk(body) // nil after a failed read
			m.gets[id] = m.gets[id][1:]
			m.send(id, wire.FileStatus{ID: t.row.ID, Status: wire.FileFail, Reason: "no longer held here"})
			return
		}
		if err != nil {
			m.fail(ctx, t, "cannot read the file: "+shortErr(err), true)
			return
		}
	}
	if len(body) == 0 {
		// An empty hash list (an empty file) has no page to send: the
		// receiver asks for none.
		m.gets[id] = m.gets[id][1:]
		return
	}
	d := wire.FileData{Root: g.Root, Hashes: g.Hashes, Index: g.Index, Data: body}
	if m.tamper != nil {
		d.Data = bytes.Clone(d.Data)
		m.peers.recycleBulk(body)
		m.tamper(&d)
	}
	// On the session the request came on: served on a newer one, it would
	// reach a receiver that asked again there and expects other chunks.
	err := m.peers.sendBulkOn(id, m.session[id], d)
	if err != nil {
		m.peers.recycleBulk(d.Data) // not taken: read again when served
	}
	switch {
	case errors.Is(err, p2p.ErrQueueFull):
		m.parked[id] = true
		return
	case err != nil:
		delete(m.gets, id) // offline: the receiver asks again
		return
	}
	m.gets[id] = m.gets[id][1:]
	if !g.Hashes {
		t.wire += int64(len(body))
	}
	if !g.Hashes && int(g.Index) >= t.served {
		t.served = int(g.Index) + 1
		m.emitProgress(t, false)
	}
}

// readChunk reads chunk i of t's source into a buffer the engine lends,
// which it sends without a copy, or else into the shared buffer. A chunk
// not handed to sendBulkOn goes back with recycleBulk.
func (m *fileManager) readChunk(t *transfer, i int) ([]byte, error) {
	if t.src == nil {
		f, err := os.Open(t.row.Path)
		if err != nil {
			return nil, err
		}
		t.src = f
	}
	n := chunkLen(t.row.Size, t.row.ChunkSize, i)
	b := m.peers.bulkData(n)
	if b == nil {
		if cap(m.buf) < n {
			m.buf = make([]byte, t.row.ChunkSize)
		}
		b = m.buf[:n]
	}
	if _, err := t.src.ReadAt(b, int64(i)*int64(t.row.ChunkSize)); err != nil {
		m.peers.recycleBulk(b)
		return nil, err
	}
	return b, nil
}

// view is t as frontends see it.
func (m *fileManager) view(t *transfer) Transfer {
	v := Transfer{
		ID: TransferID(t.row.ID), Peer: t.row.Peer, Group: t.row.Group, Outgoing: t.row.Outgoing, Name: t.row.Name, Size: t.row.Size,
		State: TransferState(t.row.State).public(), Path: t.row.Path, Reason: t.row.Reason, Created: time.UnixMilli(t.row.Created),
		Wire: t.wire,
	}
	done := t.row.Done
	if t.row.Outgoing {
		done = t.served
	}
	v.Bytes = min(t.row.Size, int64(done)*int64(t.row.ChunkSize))
	if v.State == TransferDone {
		v.Bytes = t.row.Size
	}
	if !t.rateStart.IsZero() {
		if d := m.now().Sub(t.rateStart).Seconds(); d > 0 {
			v.Rate = float64(v.Bytes-t.rateBytes) / d
		}
	}
	return v
}

func (m *fileManager) list() []Transfer {
	out := make([]Transfer, 0, len(m.byID))
	for _, t := range m.byID {
		out = append(out, m.view(t))
	}
	sortTransfers(out)
	return out
}

// emitProgress reports t's progress, at most once per progressEvery
// unless now is set.
func (m *fileManager) emitProgress(t *transfer, now bool) {
	at := m.now()
	if t.rateStart.IsZero() {
		t.rateStart, t.rateBytes = at, m.view(t).Bytes
	}
	if !now && at.Sub(t.lastEmit) < progressEvery {
		return
	}
	t.lastEmit = at
	m.core.emit(FileProgress{Transfer: m.view(t)})
}
