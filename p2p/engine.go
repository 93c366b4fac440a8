// Package p2p is Jarvis's network engine: it listens and dials, authenticates
// peers with Noise_IK and a signed Hello, and carries typed wire messages.
package p2p

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"jarvis/crypto"
	"jarvis/p2p/wire"
)

// Sentinel errors; test with errors.Is.
var (
	ErrListen       = errors.New("p2p: cannot listen")
	ErrNoSession    = errors.New("p2p: no session with peer")
	ErrInternalType = errors.New("p2p: message type is engine-internal")
	ErrAlreadyRun   = errors.New("p2p: engine already running or stopped")
	ErrReplaced     = errors.New("p2p: session replaced by a newer one")
	ErrLostRace     = errors.New("p2p: simultaneous dial resolved in favour of the other session")
	ErrForgotten    = errors.New("p2p: peer forgotten")
	ErrStopped      = errors.New("p2p: engine stopped")
	ErrPeerBye      = errors.New("p2p: peer said bye")
	ErrQueueFull    = errors.New("p2p: session send queue full")
	ErrStalled      = errors.New("p2p: peer stopped taking data")
	ErrTooLarge     = errors.New("p2p: batch larger than the send queue")
	ErrEvicted      = errors.New("p2p: too many sessions with strangers; the oldest was closed")
	// ErrSuperseded ends a session whose peer took up a session with our
	// identity on another device (wire.ByeReplaced). The engine does not
	// redial that peer until woken: new addresses, or the peer calling.
	ErrSuperseded = errors.New("p2p: this identity connected to the peer from another device")
)

// Config configures an Engine.
type Config struct {
	Identity   *crypto.Identity
	ListenAddr string                                                   // "host:port"; port 0 picks a free port; "" listens only on Listeners
	Advertise  []string                                                 // our reachable addrs, sent in Hello
	Logger     *slog.Logger                                             // nil discards
	Limits     Limits                                                   // zero fields take defaults
	Dial       func(ctx context.Context, addr string) (net.Conn, error) // direct TCP; nil uses net.Dialer
	// Transports reach addresses direct TCP must not, such as .onion
	// hosts. Each address goes to the first one that handles it, then to
	// direct TCP, which takes every address but .onion ones.
	Transports []Transport
	// Listeners are accepted from besides ListenAddr's. The engine owns
	// them once New succeeds and closes them with its own.
	Listeners []Listener
	// OnWritable is called when a session whose TrySend was refused has
	// room again. It runs on the session's writer and must not block.
	OnWritable func(id crypto.ID, session uint64)
	// Instance names this device among copies of one identity (a restored
	// backup runs as another device); zero leaves it out of our Hellos.
	// See PROTOCOL.md, "Two devices".
	Instance [wire.InstanceSize]byte
}

// Engine owns the listeners, the dialers and every session.
type Engine struct {
	cfg        Config
	limits     Limits
	id         *crypto.Identity
	myID       crypto.ID
	log        *slog.Logger
	ln         net.Listener
	extra      []Listener  // Config.Listeners
	transports []Transport // Config.Transports, then direct TCP
	events     chan Event
	done       chan struct{} // closed when Run's context ends
	bulkBufs   bufferPool    // bulk payloads sealed or handed back, to fill again
	bulkLent   lentBuffers   // the buffers of bulk data delivered to the app

	nextSession atomic.Uint64
	sessions    atomic.Int64  // live sessions, for tests
	rekeys      atomic.Uint64 // receive-side rekeys, for tests
	handshakes  atomic.Uint64 // responder handshakes past message 1, for tests
	adm         *admission    // which inbound conns get a handshake
	sched       *scheduler    // every dialer's turns, and the dial ceilings

	mu        sync.Mutex
	advertise []string // sent in Hellos; SetAdvertise replaces it
	state     engineState
	runCtx    context.Context
	peers     map[crypto.ID]*peer
	conns     map[net.Conn]struct{} // every open socket, closed on shutdown
	wg        sync.WaitGroup        // every goroutine the engine starts
}

// peer is the engine's state for one remote ID; guarded by Engine.mu.
type peer struct {
	holds  map[Holder][]string // who wants this peer, with the addresses each knows
	target *Target             // the union of holds; non-nil while anyone holds the peer
	sess   *session            // the live session, if any
	ending *session            // the last one, from its end until its PeerDown is out
	stop   chan struct{}       // closed by the last Release; ends this peer's dialer
	wake   chan struct{}       // cap 1: reset the dialer's backoff
	// plainHello: the peer hung up on a Hello naming our instance (an
	// older Jarvis); ours to it name none (noInstanceFor).
	plainHello bool
}

// New validates cfg and binds the listener.
func New(cfg Config) (*Engine, error) {
	if cfg.Identity == nil {
		return nil, errors.New("p2p: config has no identity")
	}
	if len(cfg.Advertise) > crypto.MaxAddrs {
		return nil, fmt.Errorf("p2p: %d advertised addresses, limit %d", len(cfg.Advertise), crypto.MaxAddrs)
	}
	if _, err := wire.Append(nil, wire.Hello{Addrs: cfg.Advertise}); err != nil {
		return nil, fmt.Errorf("p2p: advertised addresses: %w", err)
	}
	if err := checkListeners(cfg.Listeners); err != nil {
		return nil, err
	}
	var ln net.Listener
	if cfg.ListenAddr != "" {
		var err error
		if ln, err = net.Listen("tcp", cfg.ListenAddr); err != nil {
			return nil, fmt.Errorf("%w on %s: %w", ErrListen, cfg.ListenAddr, err)
		}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Dial == nil {
		var d net.Dialer
		cfg.Dial = func(ctx context.Context, addr string) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) }
	}
	lim := cfg.Limits.withDefaults()
	return &Engine{
		cfg:        cfg,
		limits:     lim,
		id:         cfg.Identity,
		myID:       cfg.Identity.ID(),
		log:        log.With("self", cfg.Identity.ID()),
		ln:         ln,
		extra:      slices.Clone(cfg.Listeners),
		transports: append(slices.Clone(cfg.Transports), tcpTransport{dial: cfg.Dial}),
		events:     make(chan Event, lim.EventBuffer),
		done:       make(chan struct{}),
		bulkBufs:   make(bufferPool, bulkPoolSize),
		peers:      make(map[crypto.ID]*peer),
		conns:      make(map[net.Conn]struct{}),
		adm:        newAdmission(lim),
		sched:      newScheduler(lim, time.Now),
		advertise:  slices.Clone(cfg.Advertise),
	}, nil
}

// SetAdvertise replaces the addresses sent in later Hellos. The app learns
// its real port only after New when it listens on port 0.
func (e *Engine) SetAdvertise(addrs []string) error {
	if _, err := wire.Append(nil, wire.Hello{Addrs: addrs}); err != nil {
		return fmt.Errorf("p2p: advertised addresses: %w", err)
	}
	e.mu.Lock()
	e.advertise = slices.Clone(addrs)
	e.mu.Unlock()
	return nil
}

func (e *Engine) advertised() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.advertise
}

// Close releases the listener of an engine whose Run was never called.
// After Run it does nothing: Run closes everything itself.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.state != stateNew {
		return nil
	}
	e.state = stateStopped
	return e.closeListeners()
}

// closeListeners closes every listener, returning the first error.
func (e *Engine) closeListeners() error {
	var err error
	if e.ln != nil {
		err = e.ln.Close()
	}
	for _, l := range e.extra {
		if cerr := l.Listener.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// Addr is the bound listen address, nil without one (ListenAddr "").
func (e *Engine) Addr() net.Addr {
	if e.ln == nil {
		return nil
	}
	return e.ln.Addr()
}

// Events delivers PeerUp, PeerDown and Received. Session readers wait for the
// consumer, so a slow consumer slows peers down rather than losing messages.
func (e *Engine) Events() <-chan Event { return e.events }

// Run serves until ctx is done, then closes every connection and returns nil
// once every goroutine has exited. It may be called once.
func (e *Engine) Run(ctx context.Context) error {
	e.mu.Lock()
	if st := e.state; st != stateNew {
		e.mu.Unlock()
		return fmt.Errorf("%w: engine is %s", ErrAlreadyRun, st)
	}
	e.state, e.runCtx = stateRunning, ctx
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		e.sched.run(ctx)
	}()
	for id, p := range e.peers {
		if p.target != nil {
			e.startDialer(id, p)
		}
	}
	e.mu.Unlock()
	e.log.Info("engine running")

	if e.ln != nil {
		e.wg.Add(1)
		go e.acceptLoop(e.ln, "")
	}
	e.wg.Add(len(e.extra))
	for _, l := range e.extra {
		go e.acceptLoop(l.Listener, l.Network)
	}
	<-ctx.Done()

	close(e.done)
	_ = e.closeListeners()
	e.mu.Lock()
	e.state = stateStopped
	for c := range e.conns {
		_ = c.Close()
	}
	e.mu.Unlock()
	e.wg.Wait()
	e.log.Info("engine stopped")
	return nil
}

// Send queues msgs, in order, on the live session with id, waiting for
// room while the session's queue is full. Delivery is not confirmed: the app
// acks. Actors must not call it; they use TrySend.
func (e *Engine) Send(ctx context.Context, id crypto.ID, msgs ...wire.Message) error {
	recs, err := encodeRecords(msgs)
	if err != nil {
		return err
	}
	s, err := e.session(id)
	if err != nil {
		return err
	}
	return s.enqueueWait(ctx, recs)
}

// TrySend queues msgs, in order, on the live session with id, or none of
// them: it never waits. ErrQueueFull means the session is alive but behind;
// OnWritable reports when it has room again. A session that stays full for
// Limits.StallTimeout is closed, so a peer that stops reading costs only
// its own session.
func (e *Engine) TrySend(id crypto.ID, msgs ...wire.Message) error {
	return e.trySend(id, msgs)
}

// TrySendBulkOn queues file data, a whole chunk or hash page, to go as
// one bulk frame on session num only (0: whichever is current). Bulk
// payloads wait in a small queue of their own that the writer takes from
// only when nothing else is queued, so messages never wait behind them;
// ErrQueueFull and OnWritable work as for TrySend. Answers to requests that
// came on num are refused with ErrNoSession if it has ended, rather than
// sent on its successor, where the peer, which asks again on every new
// session, does not expect them. d.Data is copied and the caller keeps it,
// unless it came from BulkData: then it is sent from where it lies, and
// the engine takes it on success; on an error it is still the caller's.
func (e *Engine) TrySendBulkOn(id crypto.ID, num uint64, d wire.FileData) error {
	s, err := e.session(id)
	if err != nil {
		return err
	}
	if num != 0 && s.num != num {
		return fmt.Errorf("p2p: send on session %d: %w", num, ErrNoSession)
	}
	payload, inPlace, err := e.bulkPayload(d)
	if err != nil {
		return err
	}
	if err := s.tryEnqueueOn(s.bulk, [][]byte{payload}, time.Now()); err != nil {
		if !inPlace {
			e.bulkBufs.put(payload)
		}
		return fmt.Errorf("p2p: send: %w", err)
	}
	if inPlace {
		e.bulkLent.back(d.Data) // the writer puts the buffer back in the pool
	}
	return nil
}

// bulkPayload is d as a bulk payload. Data from BulkData is already in
// place: only the header is written in front of it, and inPlace says so.
func (e *Engine) bulkPayload(d wire.FileData) (payload []byte, inPlace bool, err error) {
	if buf, ok := e.bulkLent.find(d.Data); ok && len(d.Data) > 0 && cap(buf) >= wire.BulkHeaderSize+len(d.Data) &&
		&buf[:wire.BulkHeaderSize+1][wire.BulkHeaderSize] == &d.Data[0] {
		hdr, err := wire.AppendBulkHeader(buf[:0], d)
		if err != nil {
			return nil, false, err
		}
		return hdr[:wire.BulkHeaderSize+len(d.Data)], true, nil
	}
	payload, err = wire.AppendBulk(e.bulkBufs.get(wire.BulkHeaderSize+len(d.Data)), d)
	return payload, false, err
}

// BulkData returns a buffer of n bytes, at most wire.MaxBulkData, to read
// file data into for TrySendBulkOn: sent from there, it is sealed where
// it lies rather than copied into a buffer of the engine's. The engine
// takes it back when TrySendBulkOn succeeds; until then, or when the
// caller gives up on it, RecycleBulk returns it.
func (e *Engine) BulkData(n int) []byte {
	buf := e.bulkBufs.get(wire.BulkHeaderSize + n)
	data := buf[wire.BulkHeaderSize : wire.BulkHeaderSize+n]
	e.bulkLent.lend(data, buf)
	return data
}

// RecycleBulk hands back the Data of a FileData that came in a bulk frame,
// once the receiver is done with it, for the engine to fill again. Any
// goroutine may call it; nothing may use data afterwards. Data that did
// not come from the engine is ignored.
func (e *Engine) RecycleBulk(data []byte) {
	if buf, ok := e.bulkLent.back(data); ok {
		e.bulkBufs.put(buf)
	}
}

func (e *Engine) trySend(id crypto.ID, msgs []wire.Message) error {
	recs, err := encodeRecords(msgs)
	if err != nil {
		return err
	}
	s, err := e.session(id)
	if err != nil {
		return err
	}
	if err := s.tryEnqueue(recs, time.Now()); err != nil {
		return fmt.Errorf("p2p: send: %w", err)
	}
	return nil
}

// MaxBatch is the most records one TrySend can take: the queue's size.
func (e *Engine) MaxBatch() int { return e.limits.SendQueue }

// PauseReads stops (or restarts) reading from session num of id, so a
// consumer that has fallen behind pushes back on that peer alone. A frame
// the reader is already waiting for is still delivered.
func (e *Engine) PauseReads(id crypto.ID, num uint64, paused bool) {
	e.mu.Lock()
	var s *session
	if p := e.peers[id]; p != nil && p.sess != nil && p.sess.num == num {
		s = p.sess
	}
	e.mu.Unlock()
	if s != nil {
		s.gate.set(paused)
	}
}

// Drop closes session num of id, if it is still the live one.
func (e *Engine) Drop(id crypto.ID, num uint64, why error) {
	e.mu.Lock()
	var s *session
	if p := e.peers[id]; p != nil && p.sess != nil && p.sess.num == num {
		s = p.sess
	}
	e.mu.Unlock()
	if s != nil {
		s.close(why)
	}
}

// hasSession reports whether a session with id is live.
func (e *Engine) hasSession(id crypto.ID) bool {
	_, err := e.session(id)
	return err == nil
}

func (e *Engine) session(id crypto.ID) (*session, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p := e.peers[id]; p != nil && p.sess != nil {
		return p.sess, nil
	}
	return nil, fmt.Errorf("p2p: send: %w", ErrNoSession)
}

// encodeRecords encodes each message as its own record, refusing the
// engine's internal types.
func encodeRecords(msgs []wire.Message) ([][]byte, error) {
	recs := make([][]byte, 0, len(msgs))
	var buf []byte
	for _, m := range msgs {
		if m != nil {
			switch m.Type() {
			case wire.TypeHello, wire.TypePing, wire.TypePong, wire.TypeRekey:
				return nil, fmt.Errorf("p2p: send %s: %w", m.Type(), ErrInternalType)
			}
		}
		start := len(buf)
		var err error
		if buf, err = wire.Append(buf, m); err != nil {
			return nil, fmt.Errorf("p2p: send: %w", err)
		}
		recs = append(recs, buf[start:len(buf):len(buf)])
		if len(recs) == 1 {
			// Records of one send are alike (a chunk's pieces): size the
			// buffer once from the first instead of growing it by copying.
			buf = slices.Grow(buf, len(buf)*(len(msgs)-1))
		}
	}
	return recs, nil
}

func (e *Engine) peerLocked(id crypto.ID) *peer {
	p := e.peers[id]
	if p == nil {
		p = &peer{wake: make(chan struct{}, 1)}
		e.peers[id] = p
	}
	return p
}

// trackConn registers c for shutdown; false if the engine already stopped.
func (e *Engine) trackConn(c net.Conn) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.state == stateStopped {
		return false
	}
	e.conns[c] = struct{}{}
	return true
}

func (e *Engine) untrackConn(c net.Conn) {
	e.mu.Lock()
	delete(e.conns, c)
	e.mu.Unlock()
}

// register makes s the live session for its peer, or refuses it. A session
// that replaces another is returned as old; the caller closes it.
func (e *Engine) register(s *session, stop <-chan struct{}) (old *session, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.state != stateRunning {
		return nil, ErrStopped
	}
	if stop != nil {
		select {
		case <-stop:
			return nil, ErrForgotten
		default:
		}
	}
	p := e.peerLocked(s.info.ID)
	old = p.sess
	if old != nil && !old.closing() && e.keepsOver(old, s) {
		return nil, ErrLostRace
	}
	if old != nil && !old.closing() && otherDevice(old, s) {
		old.supersede()
	}
	if old == nil {
		// Its PeerDown may not be out yet; s's PeerUp waits for it.
		old = p.ending
	}
	p.sess, p.ending = s, nil
	e.sessions.Add(1)
	if !s.info.Outbound {
		poke(p.wake) // an inbound session resets the dialer's backoff
	}
	if p.target == nil {
		e.capStrangersLocked()
	}
	return old, nil
}

// keepsOver reports whether the live session cur stays and s is refused.
// Both ends of a session run it on the same pair, so they agree without
// talking:
//   - A settled cur is replaced: the peer would not dial again if it still
//     had it.
//   - Between a young cur and s on different paths (see origin.fallback)
//     the direct one wins, whatever the IDs: that is how a fallback
//     session is upgraded within RaceWindow, and how a fallback session
//     that lost a happy-eyeballs race on one end loses on the other too.
//   - Otherwise both ends dialled at once: the session whose initiator has
//     the smaller ID stays.
func (e *Engine) keepsOver(cur, s *session) bool {
	switch {
	case time.Since(cur.created) >= e.limits.RaceWindow:
		return false
	case cur.fallback != s.fallback:
		return !cur.fallback
	}
	return cur.initiator != s.initiator && bytes.Compare(cur.initiator[:], s.initiator[:]) < 0
}

// otherDevice reports whether s comes from another device of cur's
// identity: both Hellos named an instance, and not the same one. A second
// session from the same device (a reconnect, a simultaneous dial, a path
// upgrade) is not, and neither is one from a peer older than instances.
func otherDevice(cur, s *session) bool {
	var zero instance
	return cur.instance != zero && s.instance != zero && cur.instance != s.instance
}

// capStrangersLocked closes one session with a stranger (a peer no holder
// holds) when there are more than MaxStrangers: the oldest of the prefix
// with the most, so a flood from one network pushes out its own sessions
// first and a newcomer always gets its turn; e.mu is held.
func (e *Engine) capStrangersLocked() {
	byPrefix := make(map[string][]*session)
	n := 0
	for _, p := range e.peers {
		// A closing session is on its way out; picking it again would
		// close nothing while the newcomer adds one more.
		if p.target == nil && p.sess != nil && !p.sess.closing() {
			byPrefix[p.sess.prefix] = append(byPrefix[p.sess.prefix], p.sess)
			n++
		}
	}
	if n <= e.limits.MaxStrangers {
		return
	}
	var victim *session
	most := 0
	for _, ss := range byPrefix {
		old := ss[0]
		for _, s := range ss[1:] {
			if s.created.Before(old.created) {
				old = s
			}
		}
		if len(ss) > most || (len(ss) == most && old.created.Before(victim.created)) {
			victim, most = old, len(ss)
		}
	}
	e.log.Info("stranger session evicted", "peer", victim.info.ID)
	victim.close(ErrEvicted)
}

// unregister forgets s once both its halves have exited.
func (e *Engine) unregister(s *session) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.sessions.Add(-1)
	if p := e.peers[s.info.ID]; p != nil && p.sess == s {
		p.sess, p.ending = nil, s
		if p.target == nil {
			delete(e.peers, s.info.ID)
		}
	}
	delete(e.conns, s.conn)
}

// ended forgets s as its peer's last session once its PeerDown is out.
func (e *Engine) ended(s *session) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p := e.peers[s.info.ID]; p != nil && p.ending == s {
		p.ending = nil
	}
}

// emit sends an engine event unless the engine is stopping.
func (e *Engine) emit(ev Event) {
	select {
	case e.events <- ev:
	case <-e.done:
	}
}

func poke(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}
