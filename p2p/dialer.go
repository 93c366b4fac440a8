package p2p

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"time"

	"jarvis/crypto"
)

var errNoAddrs = errors.New("p2p: target has no addresses")

// establish authenticates conn and, if the engine accepts the peer, starts
// its session. target is nil for inbound connections. On error conn is closed.
func (e *Engine) establish(conn net.Conn, target *crypto.PublicIdentity, stop <-chan struct{}, inboundIP string) error {
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
	_ = conn.SetDeadline(time.Now().Add(e.limits.HandshakeTimeout))
	fr := newFrameReader(conn)
	hr, err := handshake(conn, fr, e.id, e.advertised(), target)
	if err != nil {
		return fail(err)
	}
	_ = conn.SetDeadline(time.Time{})
	s := newSession(e, conn, fr, hr, target != nil, inboundIP)
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
	e.log.Info("session up", "peer", s.info.ID.Short(), "session", s.num, "outbound", s.info.Outbound)
	e.emit(PeerUp{Peer: s.info})
	s.run()
	e.unregister(s)
	e.log.Info("session down", "peer", s.info.ID.Short(), "session", s.num, "err", s.err)
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
				continue // a settled session dropped: redial at once
			}
			// A session that died young must not turn into a tight redial loop.
		} else {
			err := e.dialTarget(ctx, t, stop)
			if err == nil || errors.Is(err, ErrLostRace) {
				continue
			}
			e.log.Debug("dial failed", "peer", id.Short(), "err", err)
		}
		if !e.sleep(ctx, stop, p.wake, bo) {
			return
		}
	}
}

// sleep waits out the next backoff delay; a wake-up resets the backoff.
// It reports false when the dialer should exit.
func (e *Engine) sleep(ctx context.Context, stop <-chan struct{}, wake <-chan struct{}, bo *backoff) bool {
	t := time.NewTimer(bo.Next())
	defer t.Stop()
	select {
	case <-t.C:
	case <-wake:
		bo.Reset()
	case <-stop:
		return false
	case <-ctx.Done():
		return false
	}
	return true
}

// dialTarget tries t's addresses in order until one yields a session.
func (e *Engine) dialTarget(ctx context.Context, t Target, stop <-chan struct{}) error {
	if len(t.Addrs) == 0 {
		return errNoAddrs
	}
	var errs []error
	for _, addr := range t.Addrs {
		err := e.dialAddr(ctx, t, addr, stop)
		if err == nil || errors.Is(err, ErrLostRace) || errors.Is(err, ErrForgotten) || errors.Is(err, ErrStopped) {
			return err
		}
		errs = append(errs, fmt.Errorf("%s: %w", addr, err))
	}
	return errors.Join(errs...)
}

func (e *Engine) dialAddr(ctx context.Context, t Target, addr string, stop <-chan struct{}) error {
	dctx, cancel := context.WithTimeout(ctx, e.limits.HandshakeTimeout)
	defer cancel()
	raw, err := e.cfg.Dial(dctx, addr)
	if err != nil {
		return err
	}
	return e.establish(raw, &t.Keys, stop, "")
}
