package p2p

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"jarvis/crypto"
)

var errPendingEvicted = errors.New("p2p: pending connection evicted for a newer one")

// origin is where a conn came from or went to.
type origin struct {
	prefix  string // inbound: the admission network it counts against
	network string // inbound from an extra Listener: its Network
	dialed  string // outbound: the address dialled
	// fallback: the conn came over a fallback path (see Fallback): from an
	// extra Listener, or dialled through a Fallback transport.
	fallback bool
}

// establish authenticates conn and, if the engine accepts the peer, starts
// its session. target is nil for inbound connections; for outbound ones
// ready (may be nil) is called before our Hello, see initiate. On error
// conn is closed.
func (e *Engine) establish(conn net.Conn, target *crypto.PublicIdentity, ready func() error, stop <-chan struct{}, o origin) error {
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
		inst := e.helloInstance(target.ID())
		hr, err = initiate(conn, fr, e.id, inst, e.advertised(), *target, ready)
		if err != nil && inst != (instance{}) && errors.Is(err, errNoHelloBack) {
			e.noInstanceFor(target.ID())
		}
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
	s, err := newSession(e, conn, fr, hr, target != nil, o)
	if err != nil {
		return fail(err)
	}
	old, err := e.register(s, stop)
	if err != nil {
		return fail(err)
	}
	e.wg.Add(1)
	go e.runSession(s, old)
	return nil
}

// runSession announces s, runs it to the end and announces its end. The
// previous session's PeerDown always precedes the new session's PeerUp,
// whether s replaced it or it had just ended (see register).
func (e *Engine) runSession(s *session, old *session) {
	defer e.wg.Done()
	if old != nil {
		if old.superseded {
			old.sayReplaced()
		} else {
			old.close(ErrReplaced)
		}
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
	e.ended(s)
}

// startDialer starts the dialer for p; e.mu must be held and Run started.
func (e *Engine) startDialer(id crypto.ID, p *peer) {
	e.wg.Add(1)
	go e.dialLoop(e.runCtx, id, p, p.stop)
}

// dialState is one dialer's schedule.
type dialState struct {
	bo        *backoff // redials after sessions that died young
	up        *backoff // tries to leave a fallback path for a direct one
	book      *addrBook
	notBefore time.Time // a session died young: no redial before this
	// superseded: the peer took up our identity's session from another
	// device (ErrSuperseded); no redial until a wake-up.
	superseded bool
}

// woke resets the schedule after a wake-up: new addresses, or the peer
// reached us.
func (st *dialState) woke() {
	st.bo.Reset()
	st.book.wake()
	st.notBefore = time.Time{}
	st.superseded = false
}

// dialLoop keeps one session with a Connect'ed peer until Forget or
// shutdown. It never sleeps on a timer of its own: between dials it waits
// for a turn from the engine's scheduler (see scheduler.go).
func (e *Engine) dialLoop(ctx context.Context, id crypto.ID, p *peer, stop <-chan struct{}) {
	defer e.wg.Done()
	st := &dialState{
		bo:   newBackoff(e.limits.BackoffMin, e.limits.BackoffMax, rand.Float64),
		up:   newBackoff(e.limits.UpgradeMin, e.limits.UpgradeMax, rand.Float64),
		book: newAddrBook(e.limits, rand.Float64),
	}
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
		if s == nil {
			st.up.Reset() // the next fallback session starts its upgrade tries afresh
			if !e.redial(ctx, stop, id, p, t, st) {
				return
			}
			continue
		}
		ended, ok := e.watchSession(ctx, stop, p, s, t, st)
		switch {
		case !ok:
			return
		case !ended:
		case errors.Is(s.err, ErrSuperseded):
			st.superseded = true
		case time.Since(s.created) >= e.limits.RaceWindow:
			st.woke() // a settled session dropped: redial at once
		default:
			// A session that died young must not turn into a tight redial loop.
			st.notBefore = time.Now().Add(st.bo.Next())
		}
	}
}

// redial waits for the peer's next turn and dials the addresses due then.
// A wake-up or a session the peer started ends the wait without a dial.
// It reports false when the dialer must exit.
func (e *Engine) redial(ctx context.Context, stop <-chan struct{}, id crypto.ID, p *peer, t Target, st *dialState) bool {
	var granted <-chan struct{} // with no address to dial, wait for a wake-up
	if len(t.Addrs) > 0 && !st.superseded {
		at, class := st.book.turn(t.Addrs, time.Now())
		tn := e.sched.request(later(at, st.notBefore), kindPeer, class)
		defer e.sched.finish(tn)
		granted = tn.c
	}
	select {
	case <-granted:
	case <-p.wake:
		st.woke()
		return true
	case <-stop:
		return false
	case <-ctx.Done():
		return false
	}
	if e.hasSession(id) {
		return true // the peer reached us while we waited: watch that session
	}
	addrs := st.book.due(t.Addrs, time.Now())
	if len(addrs) == 0 {
		return true
	}
	_, class := st.book.turn(addrs, time.Now())
	dialCtx, cancel := context.WithCancel(ctx)
	woken := cancelOnWake(dialCtx, cancel, p.wake)
	err := e.dialTarget(dialCtx, t.Keys, addrs, st.book, stop, class)
	cancel()
	if woken() {
		st.woke()
		return true // new addresses: dial those, not the rest of the old list
	}
	if err != nil && !errors.Is(err, ErrLostRace) && !e.hasSession(id) {
		e.log.Debug("dial failed", "peer", id, "err", safeErr(err))
	}
	return true
}

// cancelOnWake cancels a dial when the peer's addresses change or it
// reaches us: a dial to a stale address can wait out a TCP timeout while
// the address just heard on the LAN would answer at once. woken, called
// after cancel, reports whether that is why the dial ended.
func cancelOnWake(ctx context.Context, cancel context.CancelFunc, wake <-chan struct{}) (woken func() bool) {
	fired := make(chan bool, 1)
	go func() {
		select {
		case <-wake:
			cancel()
			fired <- true
		case <-ctx.Done():
			fired <- false
		}
	}()
	return func() bool { return <-fired }
}

// watchSession waits for s to end. While s runs on a fallback path and the
// peer has direct addresses, it also tries those now and then, with
// backoff and turns from the scheduler like any redial: a direct session
// that comes up replaces s through register, so the move is one PeerDown
// and one PeerUp like any replacement. It reports whether s ended; ok is
// false when the dialer must exit.
func (e *Engine) watchSession(ctx context.Context, stop <-chan struct{}, p *peer, s *session, t Target, st *dialState) (ended, ok bool) {
	direct := e.upgradeAddrs(t.Addrs)
	var upgrade <-chan struct{}
	var wake <-chan struct{} // on a direct session a wake-up waits for the next redial
	if s.fallback {
		wake = p.wake
	}
	if s.fallback && len(direct) > 0 {
		now := time.Now()
		at, class := st.book.turn(direct, now)
		tn := e.sched.request(later(at, now.Add(st.up.Next())), kindPeer, class)
		defer e.sched.finish(tn)
		upgrade = tn.c
	} else {
		st.up.Reset()
	}
	select {
	case <-s.ended:
		return true, true
	case <-stop:
		return false, false
	case <-ctx.Done():
		return false, false
	case <-wake: // new addresses, perhaps direct ones: try them soon
		st.up.Reset()
		st.book.wake()
		return false, true
	case <-upgrade:
	}
	// Ask due about every address: past its bound it prunes the rest.
	if addrs := e.upgradeAddrs(st.book.due(t.Addrs, time.Now())); len(addrs) > 0 {
		e.tryDirect(ctx, stop, s, t.Keys, addrs, st.book)
	}
	return false, true
}

// tryDirect dials addrs to leave the fallback session s. The attempt is
// given up once s goes: the peer's own upgrade may have replaced it, and a
// dial of ours that came through much later would replace that settled
// direct session for nothing.
func (e *Engine) tryDirect(ctx context.Context, stop <-chan struct{}, s *session, keys crypto.PublicIdentity, addrs []string, book *addrBook) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-s.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	_, class := book.turn(addrs, time.Now())
	err := e.dialTarget(ctx, keys, addrs, book, stop, class)
	gaveUp := ctx.Err() != nil
	cancel()
	wg.Wait()
	if err != nil && !errors.Is(err, ErrLostRace) && !gaveUp {
		e.log.Debug("direct path still down", "peer", s.info.ID, "err", safeErr(err))
	}
}

// later is the later of a and b.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
