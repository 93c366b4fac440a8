package app

import (
	"context"
	"crypto/rand"
	"log/slog"
	"os"
	"sync"
	"time"

	"jarvis/crypto"
	"jarvis/p2p"
	"jarvis/p2p/wire"
	"jarvis/store"
)

// holdFiles names the file manager to peers; it holds no peer itself
// (a transfer waits for the contact's session) but needs the room signal.
const holdFiles p2p.Holder = "files"

// Flow control and limits of the file manager.
const (
	// fetchWindow is how many chunks a receiver has asked for and not yet
	// written (8 MiB with ours): the writer's disk time counts too, and 16
	// left the pipe idle often enough to cost 6% on loopback; a window of 4
	// halved the throughput.
	fetchWindow = 32
	// maxQueuedGets bounds the requests one peer may have waiting with us;
	// past it the peer is asking for more than any window and is refused.
	maxQueuedGets = 4 * fetchWindow
	// maxOpenOffers bounds a peer's offers waiting for an answer; more is
	// a flood and is declined at once.
	maxOpenOffers = 16
	// maxStrikes is how many bad chunks or unrequested pieces a transfer
	// takes before it fails.
	maxStrikes = 8
	// progressEvery throttles FileProgress events (at most 4 a second) and
	// saveEvery the progress written to the store.
	progressEvery = 250 * time.Millisecond
	saveEvery     = time.Second
)

// fileManager is the actor that owns every transfer: offers, the fetch
// window of each incoming transfer, the requests waiting to be served.
type fileManager struct {
	core      *Core
	store     *store.Store
	peers     *peers
	log       *slog.Logger
	events    <-chan p2p.Event
	cmds      chan op[fileManager]
	downloads string
	maxSize   int64
	autoBelow int64 // accept smaller offers from verified contacts at once; 0: never
	now       func() time.Time

	byID    map[TransferID]*transfer
	gets    map[crypto.ID][]wire.FileGet // requests waiting to be served, per peer
	parked  map[crypto.ID]bool           // the peer's queue was full; waiting for room
	strikes map[crypto.ID]int            // unrequested or unknown records, per peer
	session map[crypto.ID]uint64         // each peer's newest session: records from an older one are stale
	buf     []byte                       // one chunk, reused by the server
	// fetched counts the chunk bytes that arrived, kept or not: what a
	// resume fetched twice shows here (tests and the bench read it).
	fetched int64
	// tamper, when set, changes each piece before it is sent: the
	// corrupting peer of the tests.
	tamper func(*wire.FileData)

	wb *writeback // starts writing received data out; set by run
	// syncSaved makes a saved file durable (syncSavedFile; tests block
	// it), on a goroutine of syncs; syncing holds each one's job until
	// its result is handled here.
	syncSaved func(*os.File) error
	syncs     sync.WaitGroup
	syncing   map[TransferID]*savedSync
}

// transfer is one transfer's row and what lives only while it runs.
type transfer struct {
	row store.Transfer
	src *os.File // outgoing: the source, opened on the first request
	rx  *receiving
	// holder is the member a group file is fetched from (zero: none yet),
	// shunned the members that said they could not serve it after all.
	holder  crypto.ID
	shunned map[crypto.ID]bool
	// progress, for events
	served    int   // outgoing: chunks served, the highest index plus one
	wire      int64 // chunk bytes served or received in this run, repeats included
	lastEmit  time.Time
	lastSave  time.Time
	rateStart time.Time
	rateBytes int64
}

func newFileManager(c *Core, events <-chan p2p.Event, downloads string, maxSize int64) *fileManager {
	if downloads == "" {
		downloads = DefaultDownloads()
	}
	if maxSize <= 0 {
		maxSize = DefaultMaxFileSize
	}
	return &fileManager{
		core: c, store: c.account.store, peers: c.peers, log: c.log.With("room", "files"),
		events: events, cmds: make(chan op[fileManager], 16), downloads: downloads, maxSize: maxSize, now: time.Now,
		byID: make(map[TransferID]*transfer), gets: make(map[crypto.ID][]wire.FileGet),
		parked: make(map[crypto.ID]bool), strikes: make(map[crypto.ID]int), session: make(map[crypto.ID]uint64),
		syncSaved: syncSavedFile, syncing: make(map[TransferID]*savedSync),
	}
}

// isFileMessage selects what the file manager handles.
func isFileMessage(m wire.Message) bool {
	switch m.(type) {
	case wire.FileOffer, wire.FileStatus, wire.FileGet, wire.FileData:
		return true
	}
	return false
}

func (m *fileManager) run(ctx context.Context) {
	m.wb = newWriteback()
	if err := m.load(ctx); err != nil {
		m.core.emit(Failure{Op: "load transfers", Err: err})
	}
	defer m.shutdown()
	// Group files ask the groups snapshot who is a member: wait for the
	// first one, or a session that comes up at start finds nobody to ask.
	if err := m.core.waitNames(ctx); err != nil {
		return
	}
	serve[fileManager](ctx, m, mailboxes[fileManager]{cmds: m.cmds, events: m.events, room: m.peers.room(holdFiles)})
}

func (m *fileManager) pending() bool {
	for id, q := range m.gets {
		if len(q) > 0 && !m.parked[id] {
			return true
		}
	}
	return false
}

func (m *fileManager) step(ctx context.Context) {
	for id, q := range m.gets {
		if len(q) > 0 && !m.parked[id] {
			m.serveOne(ctx, id)
		}
	}
}

func (m *fileManager) command(ctx context.Context, o op[fileManager]) { o.apply(ctx, m) }

func (m *fileManager) room() {
	clear(m.parked)
	for _, t := range m.byID {
		if t.rx != nil && t.rx.wantSend {
			m.refill(context.Background(), t)
		}
	}
}

func (m *fileManager) engine(ctx context.Context, ev p2p.Event) {
	switch e := ev.(type) {
	case p2p.PeerUp:
		m.session[e.Peer.ID] = e.Peer.Session
		m.peerUp(ctx, e.Peer.ID)
	case p2p.PeerDown:
		if e.Session == m.session[e.ID] {
			m.peerDown(e.ID)
			m.groupPeerDown(ctx, e.ID)
		}
	case p2p.Received:
		if s := m.session[e.From]; s != 0 && s != e.Session {
			return // sent on a session that has ended: asked for again on the new one
		}
		for _, msg := range e.Msgs {
			m.received(ctx, e.From, msg)
		}
	}
}

func (m *fileManager) received(ctx context.Context, from crypto.ID, msg wire.Message) {
	switch v := msg.(type) {
	case wire.FileOffer:
		m.offered(ctx, from, v)
	case wire.FileStatus:
		m.status(ctx, from, v)
	case wire.FileGet:
		m.queueGet(ctx, from, v)
	case wire.FileData:
		m.data(ctx, from, v)
	}
}

// load reads the stored transfers and readies the unfinished ones.
func (m *fileManager) load(ctx context.Context) error {
	rows, err := m.store.Transfers(ctx)
	if err != nil {
		return err
	}
	for _, r := range rows {
		t := &transfer{row: r}
		m.byID[TransferID(r.ID)] = t
		switch st := TransferState(r.State); {
		case !r.Outgoing && st == TransferActive:
			if err := m.resume(ctx, t); err != nil {
				m.fail(ctx, t, "could not resume: "+shortErr(err), true)
			}
		case !r.Outgoing && st == transferSaving:
			m.recheck(ctx, t)
		}
	}
	return nil
}

// shutdown saves the progress of running transfers and closes their
// files. It waits for the syncs of saved files and records their end: a
// file that reached the disk must not be checked again at the next start.
func (m *fileManager) shutdown() {
	ctx := context.Background()
	m.wb.stop()
	for _, t := range m.byID {
		if t.rx != nil {
			m.save(ctx, t)
		}
		m.closeFiles(t)
	}
	m.syncs.Wait()
	for _, j := range m.syncing {
		m.synced(ctx, j)
	}
}

func (m *fileManager) closeFiles(t *transfer) {
	if t.src != nil {
		t.src.Close()
		t.src = nil
	}
	if t.rx != nil {
		t.rx.stopWriter()
	}
	if t.rx != nil && t.rx.part != nil {
		t.rx.part.Close()
		t.rx.part = nil
	}
}

// peerUp sends what waited for the peer: our unanswered offers, our
// acceptances (the sender may not have heard them), then the fetches.
func (m *fileManager) peerUp(ctx context.Context, id crypto.ID) {
	// Requests from an earlier session are void: the receiver asks again
	// from its first missing chunk.
	delete(m.gets, id)
	delete(m.parked, id)
	m.groupPeerUp(id)
	for _, t := range m.byID {
		if t.row.Peer != id || t.isGroup() {
			continue
		}
		switch st := TransferState(t.row.State); {
		case t.row.Outgoing && st == TransferOffered:
			m.send(id, m.offerMessage(t))
		case !t.row.Outgoing && st == TransferActive && t.rx != nil:
			m.send(id, wire.FileStatus{ID: t.row.ID, Status: wire.FileAccept})
			t.rx.restart(t.row.Done)
			t.rateStart = time.Time{} // the rate counts from the resume
			m.emitProgress(t, true)
			m.refill(ctx, t)
		}
	}
}

// peerDown forgets what was in flight: it is asked for again next time.
func (m *fileManager) peerDown(id crypto.ID) {
	delete(m.gets, id)
	delete(m.parked, id)
	for _, t := range m.byID {
		if t.row.Peer == id && t.rx != nil && !t.isGroup() {
			t.rx.restart(t.row.Done)
		}
	}
}

// send queues msgs for id; a full queue or no session is not an error
// here: whoever needs the records sends them again on PeerUp or room.
func (m *fileManager) send(id crypto.ID, msgs ...wire.Message) error {
	return m.peers.send(id, msgs...)
}

// status handles an answer to or the end of a transfer with from.
func (m *fileManager) status(ctx context.Context, from crypto.ID, v wire.FileStatus) {
	t := m.byID[TransferID(v.ID)]
	if t != nil && t.isGroup() {
		m.groupStatus(ctx, from, t, v)
		return
	}
	if t != nil && t.row.Peer == from && m.fetchedAgain(ctx, t, v) {
		return
	}
	if t == nil || t.row.Peer != from || TransferState(t.row.State).Final() {
		return
	}
	reason := sanitizeReason(v.Reason)
	switch v.Status {
	case wire.FileAccept:
		if t.row.Outgoing && TransferState(t.row.State) == TransferOffered {
			m.setState(ctx, t, TransferActive, "")
			m.emitProgress(t, true)
		}
	case wire.FileReject:
		if t.row.Outgoing {
			m.finish(ctx, t, TransferRejected, "declined by the receiver")
		}
	case wire.FileCancel:
		m.finish(ctx, t, TransferCancelled, "cancelled by the other side")
	case wire.FileDone:
		if t.row.Outgoing {
			t.served = numChunks(t.row.Size, t.row.ChunkSize)
			m.finish(ctx, t, TransferDone, "")
		}
	case wire.FileFail:
		m.finish(ctx, t, TransferFailed, "the other side failed: "+reason)
	}
}

// end is the user's reject or cancel.
func (m *fileManager) end(ctx context.Context, id TransferID, st TransferState, reason string) error {
	t := m.byID[id]
	if t == nil {
		return ErrUnknownTransfer
	}
	if TransferState(t.row.State).Final() {
		return ErrTransferOver
	}
	if st == TransferRejected && (t.row.Outgoing || TransferState(t.row.State) != TransferOffered) {
		return ErrTransferOver
	}
	status := wire.FileCancel
	if st == TransferRejected {
		status = wire.FileReject
	}
	if !t.isGroup() { // in a group, others may still serve or fetch it
		m.send(t.row.Peer, wire.FileStatus{ID: t.row.ID, Status: status})
	}
	m.finish(ctx, t, st, reason)
	return nil
}

// finish moves t to a final state, cleans up and tells the frontend.
func (m *fileManager) finish(ctx context.Context, t *transfer, st TransferState, reason string) {
	m.closeFiles(t)
	if t.rx != nil && st != TransferDone {
		os.Remove(t.rx.partPath)
	}
	if st != TransferDone {
		m.dropGets(t)
	}
	t.rx = nil
	t.row.Reason = reason
	m.setState(ctx, t, st, reason)
	if st == TransferDone {
		m.core.emit(FileDone{Transfer: m.view(t)})
		return
	}
	m.core.emit(FileFailed{Transfer: m.view(t)})
}

// fail ends t as failed, telling the peer when tell is set.
func (m *fileManager) fail(ctx context.Context, t *transfer, reason string, tell bool) {
	if tell && !t.isGroup() {
		m.send(t.row.Peer, wire.FileStatus{ID: t.row.ID, Status: wire.FileFail, Reason: capName(reason, wire.MaxFileReason)})
	}
	m.finish(ctx, t, TransferFailed, reason)
}

// dropGets forgets the queued requests for t's file from its peer.
func (m *fileManager) dropGets(t *transfer) {
	q := m.gets[t.row.Peer]
	out := q[:0]
	for _, g := range q {
		if g.Root != t.row.Root {
			out = append(out, g)
		}
	}
	m.gets[t.row.Peer] = out
}

// setState stores t's state, reason and progress.
func (m *fileManager) setState(ctx context.Context, t *transfer, st TransferState, reason string) {
	t.row.State, t.row.Reason = int(st), reason
	if err := m.store.PutTransfer(ctx, t.row); err != nil {
		m.core.emit(Failure{Op: "save transfer", Err: err})
	}
}

// save writes t's progress, at most once per saveEvery unless forced by
// a state change (setState).
func (m *fileManager) save(ctx context.Context, t *transfer) {
	t.lastSave = m.now()
	if err := m.store.SetTransferProgress(ctx, t.row.ID, t.row.State, t.row.Done); err != nil {
		m.core.emit(Failure{Op: "save transfer", Err: err})
	}
}

// newTransferID is a fresh random offer ID.
func newTransferID() [16]byte {
	var id [16]byte
	rand.Read(id[:])
	return id
}

// shortErr is an error's text for a transfer's reason, without paths.
func shortErr(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}
