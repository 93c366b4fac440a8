package p2p

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/flynn/noise"

	"jarvis/crypto"
	"jarvis/p2p/wire"
)

var (
	errFlood        = errors.New("p2p: peer exceeded its frame rate")
	errDecrypt      = errors.New("p2p: transport frame failed authentication")
	errMalformed    = errors.New("p2p: malformed transport payload")
	errLateHello    = errors.New("p2p: Hello after the handshake")
	errRekeyNotLast = errors.New("p2p: Rekey is not the last record of its frame")
)

// rekeyRecordLen is the encoded size of wire.Rekey, reserved in every frame.
const rekeyRecordLen = 3

// A bulk frame (file data: at least half the largest frame, a few records)
// costs the reader's FrameRate bucket a sixteenth of a token, so a file
// moves at what the CPU allows rather than FrameRate × 32 KiB (64 MiB/s).
// The bucket guards against work per frame and per record; a frame that
// is large but packed with records pays the full token after decoding.
const (
	bulkFrame   = MaxFrame / 2
	bulkCost    = 1.0 / 16
	bulkRecords = 4
)

// frameCost is what a frame of n ciphertext bytes costs before decoding.
func frameCost(n int) float64 {
	if n >= bulkFrame {
		return bulkCost
	}
	return 1
}

// session is one authenticated connection. The receive half (readLoop) and
// the send half (writeLoop) run in their own goroutines and share no cipher
// state; they meet only through the ctrl channel and done.
type session struct {
	e          *Engine
	num        uint64
	conn       net.Conn
	fr         *frameReader
	info       PeerInfo
	initiator  crypto.ID // who dialled; decides simultaneous-dial ties
	instance   instance  // the peer's device, from its Hello; zero if it named none
	superseded bool      // replaced by a session from another device; set under Engine.mu
	prefix     string    // the remote's network, for inbound conns; see capStrangersLocked
	fallback   bool      // on a fallback path: see origin and Engine.keepsOver
	created    time.Time
	send       *noise.CipherState // writeLoop only
	recv       *noise.CipherState // readLoop only
	sentFrames uint64             // writeLoop only; the Hello counts
	bulkSend   *bulkCipher        // writeLoop only
	bulkRecv   *bulkCipher        // readLoop only
	bulkWith   byte               // the cipher we seal bulk frames with

	queue chan []byte       // encoded records from TrySend and Send
	bulk  chan []byte       // bulk payloads from TrySendBulkOn: written only when queue is empty
	sq    sendQueue         // producer side of queue
	gate  readGate          // closed while the app pushes back on this peer
	ctrl  chan wire.Message // Pongs from readLoop

	hangup     chan struct{} // closed by hangUp: write what is queued, then close
	hangupOnce sync.Once
	hangupErr  error // why, set before hangup is closed; nil means ErrForgotten

	closeOnce sync.Once
	err       error         // set once, before done is closed
	done      chan struct{} // closed when the session starts closing
	ended     chan struct{} // closed after both halves exited and PeerDown was emitted
}

func newSession(e *Engine, conn net.Conn, fr *frameReader, hr *handshakeResult, outbound bool, o origin) (*session, error) {
	bulkSend, err := newBulkCipher(hr.send.UnsafeKey())
	if err != nil {
		return nil, err
	}
	bulkRecv, err := newBulkCipher(hr.recv.UnsafeKey())
	if err != nil {
		return nil, err
	}
	id := hr.peer.ID()
	s := &session{
		e:          e,
		num:        e.nextSession.Add(1),
		conn:       conn,
		fr:         fr,
		initiator:  id,
		instance:   hr.instance,
		prefix:     o.prefix,
		fallback:   o.fallback,
		created:    time.Now(),
		send:       hr.send,
		recv:       hr.recv,
		sentFrames: 1,
		bulkSend:   bulkSend,
		bulkRecv:   bulkRecv,
		bulkWith:   preferredBulkCipher(),
		queue:      make(chan []byte, e.limits.SendQueue),
		bulk:       make(chan []byte, bulkQueue),
		ctrl:       make(chan wire.Message, 4),
		sq:         sendQueue{room: make(chan struct{}, 1)},
		hangup:     make(chan struct{}),
		done:       make(chan struct{}),
		ended:      make(chan struct{}),
	}
	if outbound {
		s.initiator = e.id.ID()
	}
	s.info = PeerInfo{
		ID: id, Keys: hr.peer, Addrs: hr.addrs, Remote: conn.RemoteAddr().String(),
		Dialed: o.dialed, Network: o.network, Outbound: outbound, Session: s.num,
	}
	return s, nil
}

// close starts closing the session with err as its cause; later calls are no-ops.
func (s *session) close(err error) {
	s.closeOnce.Do(func() {
		s.err = safeErr(err)
		close(s.done)
		_ = s.conn.Close()
	})
}

// closing reports whether the session has started closing: it is no rival
// for a new session, whatever its age.
func (s *session) closing() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// hangUp closes the session once the records already queued are written,
// so a message handed over just before the last holder let go still leaves.
func (s *session) hangUp() { s.hangUpWith(ErrForgotten) }

// hangUpWith is hangUp with the reason the session ends for.
func (s *session) hangUpWith(why error) {
	s.hangupOnce.Do(func() {
		s.hangupErr = why
		close(s.hangup)
	})
}

// run drives both halves until the session ends. It is called on its own
// goroutine owned by the engine.
func (s *session) run() {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.close(s.writeLoop())
	}()
	s.close(s.readLoop())
	wg.Wait()
}

// writeBatch is how many bytes of sealed frames the writer gathers
// before one write: while records keep coming (a file's chunks) eight
// frames go out per syscall instead of one; a lone message still leaves
// at once, since the batch ends when nothing more waits.
const writeBatch = 8 * (frameHeaderSize + MaxFrame)

// writeLoop packs queued records into as few frames as possible, and
// frames that are ready together into one write.
func (s *session) writeLoop() error {
	lim := s.e.limits
	w := frameWriter{s: s, pt: make([]byte, 0, MaxPlaintext), out: make([]byte, 0, writeBatch), lastRekey: time.Now()}
	var pingNonce uint64
	lastWrite := time.Now()
	keepalive := time.NewTimer(lim.Keepalive)
	defer keepalive.Stop()
	hangup := s.hangup
	for {
		if hangup == nil && w.pending == nil && len(s.queue) == 0 && len(s.bulk) == 0 {
			return s.hangupErr
		}
		w.pt = w.pt[:0]
		if !w.first() {
			select {
			case r := <-s.queue:
				w.pt = append(w.pt, r...)
			case r := <-s.bulk:
				w.bulk = r
			case m := <-s.ctrl:
				w.pt, _ = wire.Append(w.pt, m)
			case <-keepalive.C:
				if idle := time.Since(lastWrite); idle < lim.Keepalive {
					keepalive.Reset(lim.Keepalive - idle)
					continue
				}
				pingNonce++
				w.pt, _ = wire.Append(w.pt, wire.Ping{Nonce: pingNonce})
				keepalive.Reset(lim.Keepalive)
			case <-hangup:
				hangup = nil // from now on, end once the queue is empty
				continue
			case <-s.done:
				return nil
			}
		}
		now, err := w.batch()
		if err != nil {
			return err
		}
		lastWrite = now
	}
}

// frameWriter is the writer's state between frames: the plaintext being
// packed, the sealed frames not yet written, and the rekey counters.
type frameWriter struct {
	s         *session
	pt        []byte
	out       []byte
	pending   []byte // a record that did not fit the last frame
	bulk      []byte // a bulk payload taken, not yet sealed
	lastRekey time.Time
}

// first takes the next thing to write that waits, without blocking: a
// record into pt or a bulk payload.
func (w *frameWriter) first() bool {
	if w.pending != nil {
		w.pt, w.pending = append(w.pt, w.pending...), nil
		return true
	}
	r, bulk, ok := w.s.next()
	switch {
	case !ok:
		return false
	case bulk:
		w.bulk = r
	default:
		w.pt = append(w.pt, r...)
	}
	return true
}

// batch seals pt, or the bulk payload taken, and whatever can follow at
// once, up to writeBatch bytes, and writes them with one call.
func (w *frameWriter) batch() (time.Time, error) {
	s, lim := w.s, w.s.e.limits
	w.out = w.out[:0]
	for {
		if w.bulk == nil {
			w.fill()
		}
		s.signalRoom()
		if len(w.pt) > 0 {
			if err := w.seal(); err != nil {
				return time.Time{}, err
			}
		}
		if w.bulk != nil {
			if err := w.sealBulk(); err != nil {
				return time.Time{}, err
			}
		}
		if len(w.out)+frameHeaderSize+MaxFrame > writeBatch {
			break
		}
		w.pt = w.pt[:0]
		if !w.first() {
			break
		}
	}
	now := time.Now()
	// A peer that stops reading loses its session after StallTimeout,
	// whether or not anyone is still trying to queue for it.
	_ = s.conn.SetWriteDeadline(now.Add(lim.StallTimeout))
	if _, err := s.conn.Write(w.out); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return now, fmt.Errorf("%w: %w", ErrStalled, err)
		}
		return now, fmt.Errorf("p2p: write frame: %w", err)
	}
	s.sq.wrote.Store(now.UnixNano())
	return now, nil
}

// fill packs the records that wait into pt, up to a frame, stopping at a
// bulk payload, which goes in a frame of its own after pt's.
func (w *frameWriter) fill() {
	for {
		r, bulk, ok := w.s.next()
		switch {
		case !ok:
			return
		case bulk:
			w.bulk = r
			return
		case len(w.pt)+len(r) > MaxPlaintext-rekeyRecordLen:
			w.pending = r
			return
		}
		w.pt = append(w.pt, r...)
	}
}

// seal appends pt to out as a frame, rekeying after it when due.
func (w *frameWriter) seal() error {
	s, lim := w.s, w.s.e.limits
	now := time.Now()
	rekey := s.sentFrames+1 >= lim.RekeyFrames || now.Sub(w.lastRekey) >= lim.RekeyInterval
	if rekey {
		w.pt, _ = wire.Append(w.pt, wire.Rekey{})
	}
	var err error
	if w.out, err = sealTransport(w.out, s.send, w.pt); err != nil {
		return err
	}
	s.sentFrames++
	if rekey {
		// The Rekey record is sealed under the old keys; every frame
		// after it, transport or bulk, uses the new ones.
		s.send.Rekey()
		if err := s.bulkSend.rekey(); err != nil {
			return err
		}
		s.sentFrames, w.lastRekey = 0, now
	}
	return nil
}

// sealBulk appends the bulk payload taken to out as a bulk frame.
func (w *frameWriter) sealBulk() error {
	var err error
	w.out, err = w.s.bulkSend.seal(w.out, w.s.bulkWith, w.bulk)
	w.s.e.bulkBufs.put(w.bulk)
	w.bulk = nil
	return err
}

// next takes a queued record or bulk payload without waiting: any record
// of the main queue before any bulk payload, so a chat message waits
// behind at most the bulk frame being written, never behind a file's
// queued chunks.
func (s *session) next() (r []byte, bulk, ok bool) {
	select {
	case r := <-s.queue:
		return r, false, true
	default:
	}
	select {
	case r := <-s.bulk:
		return r, true, true
	default:
		return nil, false, false
	}
}

// readLoop decrypts frames, answers pings and delivers application messages.
// Any failure poisons the session: there is no resynchronising a broken stream.
func (s *session) readLoop() error {
	lim := s.e.limits
	bucket := newTokenBucket(lim.FrameRate, lim.FrameBurst, time.Now())
	for {
		if !s.gate.wait(s.done, s.e.done) {
			return nil
		}
		_ = s.conn.SetReadDeadline(time.Now().Add(lim.IdleTimeout))
		kind, hdr, ct, err := s.fr.readSessionFrame()
		if err != nil {
			return err
		}
		if kind == kindBulk {
			if err := s.readBulk(bucket, hdr, ct); err != nil {
				return err
			}
			continue
		}
		cost := frameCost(len(ct))
		if !bucket.spend(time.Now(), cost) {
			return errFlood
		}
		pt, err := s.recv.Decrypt(ct[:0], nil, ct)
		if err != nil {
			return fmt.Errorf("%w: %w", errDecrypt, err)
		}
		msgs, err := wire.DecodeAll(pt)
		if err != nil {
			return fmt.Errorf("%w: %w", errMalformed, err)
		}
		if cost < 1 && len(msgs) > bulkRecords && !bucket.spend(time.Now(), 1-cost) {
			return errFlood
		}
		out, rekey, bye, err := s.filter(msgs)
		if err != nil {
			return err
		}
		if len(out) > 0 && !s.deliver(Received{From: s.info.ID, Session: s.num, Msgs: out}) {
			return ErrStopped
		}
		if bye != nil {
			if bye.Reason == wire.ByeReplaced {
				return ErrSuperseded
			}
			return ErrPeerBye
		}
		if rekey {
			s.recv.Rekey()
			if err := s.bulkRecv.rekey(); err != nil {
				return err
			}
			s.e.rekeys.Add(1)
		}
	}
}

// readBulk opens a bulk frame and delivers its file data. It costs what a
// bulk transport frame costs: a sixteenth of a token.
func (s *session) readBulk(bucket *tokenBucket, hdr, ct []byte) error {
	if !bucket.spend(time.Now(), bulkCost) {
		return errFlood
	}
	// Its Data goes to the app, which may hand it back (RecycleBulk).
	pt, err := s.bulkRecv.open(s.e.bulkBufs.get(len(ct)-bulkTagSize), hdr, ct)
	if err != nil {
		return fmt.Errorf("%w: %w", errDecrypt, err)
	}
	d, err := wire.DecodeBulk(pt)
	if err != nil {
		return fmt.Errorf("%w: %w", errMalformed, err)
	}
	s.e.bulkLent.lend(d.Data, pt)
	if !s.deliver(Received{From: s.info.ID, Session: s.num, Msgs: []wire.Message{d}}) {
		return ErrStopped
	}
	return nil
}

// filter removes engine-internal records, answering Pings on the way.
func (s *session) filter(msgs []wire.Message) (out []wire.Message, rekey bool, bye *wire.Bye, err error) {
	out = msgs[:0]
	for i, m := range msgs {
		switch v := m.(type) {
		case wire.Hello:
			return nil, false, nil, errLateHello
		case wire.Ping:
			select {
			case s.ctrl <- wire.Pong(v):
			default: // the peer pings faster than we answer; dropping a Pong is harmless
			}
		case wire.Pong:
		case wire.Rekey:
			if i != len(msgs)-1 {
				return nil, false, nil, errRekeyNotLast
			}
			rekey = true
		case wire.Bye:
			bye = &v
			out = append(out, m)
		default:
			out = append(out, m)
		}
	}
	return out, rekey, bye, nil
}

// deliver blocks until the event is taken, the session closes or the engine stops.
func (s *session) deliver(ev Event) bool {
	select {
	case s.e.events <- ev:
		return true
	case <-s.done:
		return false
	case <-s.e.done:
		return false
	}
}
