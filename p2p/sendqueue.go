package p2p

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// sendQueue is the session state on the producer side of the queue: one
// lock makes a batch go in whole or not at all, so two producers never
// interleave their records and a refused batch leaves no half behind.
type sendQueue struct {
	mu        sync.Mutex
	fullSince time.Time // zero unless the last TrySend was refused

	wrote atomic.Int64 // unix nanos of the writer's last frame

	wantRoom atomic.Bool   // a producer was refused; the writer signals room
	wantBulk atomic.Bool   // ...by the bulk queue, which has its own flag: a send on one queue must not clear the other's
	room     chan struct{} // cap 1: poked with OnWritable, for enqueueWait
}

// tryEnqueue queues recs whole or refuses with ErrQueueFull. A session
// whose queue is full and whose writer has not got a frame out for
// StallTimeout is closed instead: the peer stopped taking data.
func (s *session) tryEnqueue(recs [][]byte, now time.Time) error {
	return s.tryEnqueueOn(s.queue, recs, now)
}

// bulkQueue is how many bulk payloads (a chunk each) a session holds:
// 2 MiB with our 256 KiB chunks, enough to keep the writer busy between
// two turns of the producer.
const bulkQueue = 8

// tryEnqueueOn is tryEnqueue onto q, the main or the bulk queue.
func (s *session) tryEnqueueOn(q0 chan []byte, recs [][]byte, now time.Time) error {
	if len(recs) > cap(q0) {
		return fmt.Errorf("%w: %d records, queue %d", ErrTooLarge, len(recs), cap(q0))
	}
	q := &s.sq
	q.mu.Lock()
	defer q.mu.Unlock()
	select {
	case <-s.done:
		return ErrNoSession
	default:
	}
	// Ask for a signal before looking, so a writer draining right now
	// cannot slip past the flag unseen.
	want := &q.wantRoom
	if q0 == s.bulk {
		want = &q.wantBulk
	}
	want.Store(true)
	if cap(q0)-len(q0) < len(recs) {
		if q.fullSince.IsZero() {
			q.fullSince = now
		}
		if q.stalled(now, s.e.limits.StallTimeout) {
			s.close(ErrStalled)
			return ErrNoSession
		}
		return ErrQueueFull
	}
	want.Store(false)
	q.fullSince = time.Time{}
	for _, r := range recs {
		q0 <- r // cannot block: only producers holding mu fill the queues
	}
	return nil
}

// stalled reports whether nothing went out since the queue filled, for d.
// Progress counts from the later of the two, so a full queue after a long
// idle spell, or a refusal long ago, is not mistaken for a stall.
func (q *sendQueue) stalled(now time.Time, d time.Duration) bool {
	since := q.fullSince
	if w := time.Unix(0, q.wrote.Load()); w.After(since) {
		since = w
	}
	return now.Sub(since) >= d
}

// enqueueWait queues recs in chunks that fit, waiting for room between them.
func (s *session) enqueueWait(ctx context.Context, recs [][]byte) error {
	for len(recs) > 0 {
		n := min(len(recs), cap(s.queue))
		err := s.tryEnqueue(recs[:n], time.Now())
		if err == nil {
			recs = recs[n:]
			continue
		}
		if err != ErrQueueFull {
			return fmt.Errorf("p2p: send: %w", err)
		}
		select {
		case <-s.sq.room:
		case <-s.done:
			return fmt.Errorf("p2p: send: %w", ErrNoSession)
		case <-ctx.Done():
			return fmt.Errorf("p2p: send cancelled: %w", ctx.Err())
		}
	}
	return nil
}

// signalRoom runs on the writer after it took records: once the queue is
// at most half full, a refused producer hears about it.
func (s *session) signalRoom() {
	room := len(s.queue) <= cap(s.queue)/2 && s.sq.wantRoom.CompareAndSwap(true, false)
	bulk := len(s.bulk) <= cap(s.bulk)/2 && s.sq.wantBulk.CompareAndSwap(true, false)
	if !room && !bulk {
		return
	}
	poke(s.sq.room)
	if f := s.e.cfg.OnWritable; f != nil {
		f(s.info.ID, s.num)
	}
}

// readGate pauses a session's reader while the app is behind on that peer.
type readGate struct {
	mu     sync.Mutex
	closed chan struct{} // non-nil while paused; closed on resume
}

func (g *readGate) set(paused bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case paused && g.closed == nil:
		g.closed = make(chan struct{})
	case !paused && g.closed != nil:
		close(g.closed)
		g.closed = nil
	}
}

// wait blocks while the gate is paused; false if done or stop closed first.
func (g *readGate) wait(done, stop <-chan struct{}) bool {
	g.mu.Lock()
	c := g.closed
	g.mu.Unlock()
	if c == nil {
		return true
	}
	select {
	case <-c:
		return true
	case <-done:
		return false
	case <-stop:
		return false
	}
}
