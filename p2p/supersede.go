package p2p

import (
	"errors"
	"io"
	"syscall"
	"time"

	"jarvis/crypto"
	"jarvis/p2p/wire"
)

// supersedeGrace bounds how long a session replaced by another device of
// the same identity may take to write its Bye: the new session's PeerUp
// waits for the old one to end.
const supersedeGrace = time.Second

// supersede marks s as replaced by a session from another device of the
// same identity; e.mu is held. runSession then tells it so (sayReplaced)
// instead of just hanging up, so that device stops redialling rather than
// taking the peer back: the two would otherwise replace each other for
// ever.
func (s *session) supersede() { s.superseded = true }

// sayReplaced writes a Bye with wire.ByeReplaced after what is queued, then
// closes s with ErrReplaced; it waits at most supersedeGrace for a peer
// that does not read. A full queue skips the Bye: the device then redials
// once and is told on that session.
func (s *session) sayReplaced() {
	rec, err := wire.Append(nil, wire.Bye{Reason: wire.ByeReplaced})
	if err == nil && s.tryEnqueue([][]byte{rec}, time.Now()) == nil {
		s.hangUpWith(ErrReplaced)
		t := time.NewTimer(supersedeGrace)
		select {
		case <-s.done:
		case <-t.C:
		}
		t.Stop()
	}
	s.close(ErrReplaced)
}

// helloInstance is the instance our Hello to id names: ours, unless id
// hung up on it before (noInstanceFor).
func (e *Engine) helloInstance(id crypto.ID) instance {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p := e.peers[id]; p != nil && p.plainHello {
		return instance{}
	}
	return e.cfg.Instance
}

// noInstanceFor makes our later Hellos to id name no instance, for the
// rest of this run: id closed the connection on reading one that did, as
// a Jarvis from before instances does (its decoder is strict). A peer
// that merely dropped the connection then loses only the two-device rule.
func (e *Engine) noInstanceFor(id crypto.ID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p := e.peers[id]; p != nil && !p.plainHello {
		p.plainHello = true
		e.log.Info("peer refused our instance; Hellos to it leave it out", "peer", id)
	}
}

// hungUp reports whether a read failed because the other end closed.
func hungUp(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
}
