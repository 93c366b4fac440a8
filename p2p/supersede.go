package p2p

import (
	"time"

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
