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

	queue chan []byte       // encoded records from TrySend and Send
	bulk  chan []byte       // encoded records from TrySendBulk: written only when queue is empty
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

func newSession(e *Engine, conn net.Conn, fr *frameReader, hr *handshakeResult, outbound bool, o origin) *session {
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
	return s
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

// writeLoop packs queued records into as few frames as possible.
func (s *session) writeLoop() error {
	lim := s.e.limits
	pt := make([]byte, 0, MaxPlaintext)
	frame := make([]byte, 0, frameHeaderSize+MaxFrame)
	var pending []byte
	var pingNonce uint64
	lastWrite, lastRekey := time.Now(), time.Now()
	keepalive := time.NewTimer(lim.Keepalive)
	defer keepalive.Stop()
	hangup := s.hangup
	for {
		if hangup == nil && pending == nil && len(s.queue) == 0 && len(s.bulk) == 0 {
			return s.hangupErr
		}
		pt = pt[:0]
		if pending != nil {
			pt, pending = append(pt, pending...), nil
		} else if r, ok := s.next(); ok {
			pt = append(pt, r...)
		} else {
			select {
			case r := <-s.queue:
				pt = append(pt, r...)
			case r := <-s.bulk:
				pt = append(pt, r...)
			case m := <-s.ctrl:
				pt, _ = wire.Append(pt, m)
			case <-keepalive.C:
				if idle := time.Since(lastWrite); idle < lim.Keepalive {
					keepalive.Reset(lim.Keepalive - idle)
					continue
				}
				pingNonce++
				pt, _ = wire.Append(pt, wire.Ping{Nonce: pingNonce})
				keepalive.Reset(lim.Keepalive)
			case <-hangup:
				hangup = nil // from now on, end once the queue is empty
				continue
			case <-s.done:
				return nil
			}
		}
		for {
			r, ok := s.next()
			if !ok {
				break
			}
			if len(pt)+len(r) > MaxPlaintext-rekeyRecordLen {
				pending = r
				break
			}
			pt = append(pt, r...)
		}
		s.signalRoom()
		now := time.Now()
		rekey := s.sentFrames+1 >= lim.RekeyFrames || now.Sub(lastRekey) >= lim.RekeyInterval
		if rekey {
			pt, _ = wire.Append(pt, wire.Rekey{})
		}
		// A peer that stops reading loses its session after StallTimeout,
		// whether or not anyone is still trying to queue for it.
		_ = s.conn.SetWriteDeadline(now.Add(lim.StallTimeout))
		var err error
		if frame, err = writeTransport(s.conn, s.send, frame, pt); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return fmt.Errorf("%w: %w", ErrStalled, err)
			}
			return err
		}
		s.sentFrames++
		lastWrite = now
		s.sq.wrote.Store(now.UnixNano())
		if rekey {
			// The Rekey record went out under the old key; everything after it uses the new one.
			s.send.Rekey()
			s.sentFrames, lastRekey = 0, now
		}
	}
}

// next takes a queued record without waiting: any record of the main
// queue before any bulk one, so a chat message waits behind at most the
// bulk record being written, never behind a file's queued chunks.
func (s *session) next() ([]byte, bool) {
	select {
	case r := <-s.queue:
		return r, true
	default:
	}
	select {
	case r := <-s.bulk:
		return r, true
	default:
		return nil, false
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
		ct, err := s.fr.ReadFrame(kindTransport)
		if err != nil {
			return err
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
			s.e.rekeys.Add(1)
		}
	}
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
