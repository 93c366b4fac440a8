package p2p

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"time"

	"jarvis/crypto"
)

var errPendingEvicted = errors.New("p2p: pending connection evicted for a newer one")

// origin is where a conn came from or went to.
type origin struct {
	prefix  string // inbound: the admission network it counts against
	network string // inbound from an extra Listener: its Network
	dialed  string // outbound: the address dialled
}

// establish authenticates conn and, if the engine accepts the peer, starts
// its session. target is nil for inbound connections. On error conn is
// closed.
func (e *Engine) establish(conn net.Conn, target *crypto.PublicIdentity, stop <-chan struct{}, o origin) error {
	if !e.trackConn(conn) {
		_ = conn.Close()
		return ErrStopped
	}
	fail := func(err error) error {
		_ = conn.Close()
		e.untrackConn(conn)
		return err
	}
	// One deadline covers the whole handshake and Hello exchange.
	deadline := time.Now().Add(e.limits.HandshakeTimeout)
	_ = conn.SetDeadline(deadline)
	fr := newFrameReader(conn)
	var hr *handshakeResult
	var err error
	if target != nil {
		hr, err = initiate(conn, fr, e.id, e.advertised(), *target)
	} else {
		hr, err = e.respond(conn, fr, deadline)
		if err == nil && !e.adm.done(conn) {
			err = errPendingEvicted
		}
	}
	if err != nil {
		return fail(err)
	}
	_ = conn.SetDeadline(time.Time{})
	s := newSession(e, conn, fr, hr, target != nil, o)
	old, err := e.register(s, stop)
	if err != nil {
		return fail(err)
	}
	e.wg.Add(1)
	go e.runSession(s, old)
	return nil
}

// runSession announces s, runs it to the end and announces its end. A
// replaced session's PeerDown always precedes the new session's PeerUp.
func (e *Engine) runSession(s *session, old *session) {
	defer e.wg.Done()
	if old != nil {
		old.close(ErrReplaced)
		select {
		case <-old.ended:
		case <-e.done:
		}
	}
	e.log.Info("session up", "peer", s.info.ID, "session", s.num, "outbound", s.info.Outbound)
	e.emit(PeerUp{Peer: s.info})
	s.run()
	e.unregister(s)
	e.log.Info("session down", "peer", s.info.ID, "session", s.num, "err", s.err)
	e.emit(PeerDown{ID: s.info.ID, Session: s.num, Err: s.err})
	close(s.ended)
}

// startDialer starts the dialer for p; e.mu must be held and Run started.
func (e *Engine) startDialer(id crypto.ID, p *peer) {
	e.wg.Add(1)
	go e.dialLoop(e.runCtx, id, p, p.stop)
}

// dialLoop keeps one session with a Connect'ed peer until Forget or shutdown.
func (e *Engine) dialLoop(ctx context.Context, id crypto.ID, p *peer, stop <-chan struct{}) {
	defer e.wg.Done()
	bo := newBackoff(e.limits.BackoffMin, e.limits.BackoffMax, rand.Float64)
	book := newAddrBook(e.limits, rand.Float64)
	for {
		e.mu.Lock()
		s := p.sess
		var t Target
		if p.target != nil {
			t = *p.target
		}
		e.mu.Unlock()
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		default:
		}
		var wait time.Duration
		if s != nil {
			select {
			case <-s.ended:
			case <-stop:
				return
			case <-ctx.Done():
				return
			}
			if time.Since(s.created) >= e.limits.RaceWindow {
				bo.Reset()
				book.wake()
				continue // a settled session dropped: redial at once
			}
			// A session that died young must not turn into a tight redial loop.
			wait = bo.Next()
		} else {
			if addrs := book.due(t.Addrs, time.Now()); len(addrs) > 0 {
				err := e.dialTarget(ctx, t.Keys, addrs, book, stop)
				if err == nil || errors.Is(err, ErrLostRace) {
					continue
				}
				e.log.Debug("dial failed", "peer", id, "err", safeErr(err))
			}
			wait = book.wait(t.Addrs, time.Now())
		}
		if !e.sleep(ctx, stop, p.wake, wait, func() { bo.Reset(); book.wake() }) {
			return
		}
	}
}

// sleep waits d; a wake-up ends it early and calls onWake. It reports
// false when the dialer should exit.
func (e *Engine) sleep(ctx context.Context, stop <-chan struct{}, wake <-chan struct{}, d time.Duration, onWake func()) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-wake:
		onWake()
	case <-stop:
		return false
	case <-ctx.Done():
		return false
	}
	return true
}

// dialTarget tries addrs in order until one yields a session, keeping
// each address's record in book.
func (e *Engine) dialTarget(ctx context.Context, keys crypto.PublicIdentity, addrs []string, book *addrBook, stop <-chan struct{}) error {
	var errs []error
	for _, addr := range addrs {
		err := e.dialAddr(ctx, keys, addr, stop)
		switch {
		case err == nil || errors.Is(err, ErrLostRace):
			book.worked(addr)
			return err
		case errors.Is(err, ErrForgotten) || errors.Is(err, ErrStopped):
			return err
		}
		book.failed(addr, time.Now())
		errs = append(errs, safeErr(err))
	}
	return errors.Join(errs...)
}

func (e *Engine) dialAddr(ctx context.Context, keys crypto.PublicIdentity, addr string, stop <-chan struct{}) error {
	t, err := e.transportFor(addr)
	if err != nil {
		return err
	}
	dctx, cancel := context.WithTimeout(ctx, e.dialTimeout(t))
	defer cancel()
	raw, err := t.Dial(dctx, addr)
	if err != nil {
		return err
	}
	return e.establish(raw, &keys, stop, origin{dialed: addr})
}
