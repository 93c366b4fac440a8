package p2p

import (
	"context"
	"errors"
	"sync"
	"time"

	"jarvis/crypto"
)

// errOvertaken means a dial stood down because another path to the same
// peer won, or the dialer is stopping; it says nothing about the address.
var errOvertaken = errors.New("p2p: another path to the peer won")

// pathRace lets one of a dialTarget's attempts finish its handshake.
//
// An attempt claims the race after its Noise handshake and before it
// sends our Hello. The responder registers a session only once it has that
// Hello, so an attempt that stands down at the claim leaves no session,
// and no PeerUp or PeerDown, on either end; claiming any later (after our
// Hello) would let the peer register a loser and then see it die.
//
// One attempt at a time holds the claim, for the Hello exchange and
// register. If it fails there it releases the claim and another path may
// still win; once it registers (or register refuses it for good) it
// decides the race, which cancels every other attempt.
type pathRace struct {
	ctx    context.Context // cancelled once the race is decided
	cancel context.CancelFunc
	token  chan struct{} // the claim's lock, as a channel so a waiter can give up on ctx
}

func newPathRace(ctx context.Context) *pathRace {
	ctx, cancel := context.WithCancel(ctx)
	r := &pathRace{ctx: ctx, cancel: cancel, token: make(chan struct{}, 1)}
	r.token <- struct{}{}
	return r
}

// claim waits for the claim and reports whether the caller got it: false
// once the race is decided or the dialer stops.
func (r *pathRace) claim() bool {
	select {
	case <-r.token:
	case <-r.ctx.Done():
		return false
	}
	if r.ctx.Err() != nil {
		r.token <- struct{}{}
		return false
	}
	return true
}

// release gives the claim back after the holder failed before registering.
func (r *pathRace) release() { r.token <- struct{}{} }

// decide ends the race in the holder's favour and cancels the others.
func (r *pathRace) decide() {
	r.cancel()
	r.token <- struct{}{}
}

// outcome is what one dial to one address came to.
type outcome struct {
	addr string
	err  error
}

// decisive reports whether err ends a dialTarget: a session (ours, or the
// peer's that won a simultaneous dial) or a dialer that must stop.
func decisive(err error) bool {
	return err == nil || errors.Is(err, ErrLostRace) || errors.Is(err, ErrForgotten) || errors.Is(err, ErrStopped)
}

// dialTarget races the peer's paths and keeps the first session, as happy
// eyeballs does (RFC 8305): the direct addresses are tried in order at
// once; the fallback addresses, also in order, FallbackDelay later, or as
// soon as every direct one has failed. The loser is cancelled. Each
// address's result goes into book, except for an attempt cut short by the
// winner, which says nothing about its address. Each fallback dial waits
// for a turn from the scheduler too, of the given class.
func (e *Engine) dialTarget(ctx context.Context, keys crypto.PublicIdentity, addrs []string, book *addrBook, stop <-chan struct{}, class dialClass) error {
	direct, fallback := e.splitPaths(addrs)
	r := newPathRace(ctx)
	defer r.cancel()
	start := time.Now()
	directDone := make(chan struct{})
	var fb []outcome
	var wg sync.WaitGroup
	if len(fallback) > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fb = e.dialPath(r, keys, fallback, stop, start, directDone, class)
		}()
	}
	d := e.dialPath(r, keys, direct, stop, start, nil, class)
	close(directDone)
	wg.Wait()
	return settle(book, append(d, fb...), time.Now())
}

// dialPath tries addrs in order until one is decisive, the race is
// decided elsewhere, or all have failed. A fallback address waits for its
// turn first (see waitTurn).
func (e *Engine) dialPath(r *pathRace, keys crypto.PublicIdentity, addrs []string, stop <-chan struct{}, start time.Time, directDone <-chan struct{}, class dialClass) []outcome {
	var out []outcome
	for _, addr := range addrs {
		finish, ok := e.waitTurn(r.ctx, stop, keys.ID(), addr, start, directDone, class)
		if !ok {
			return out
		}
		err := e.dialAddr(r, keys, addr, stop)
		finish()
		switch {
		case decisive(err):
			return append(out, outcome{addr, err})
		case errors.Is(err, errOvertaken) || r.ctx.Err() != nil:
			return out
		}
		out = append(out, outcome{addr, err})
	}
	return out
}

// waitTurn holds a fallback address until its delay after start has
// passed or the direct path has given up; it reports false if the race
// ended meanwhile, or if a session with peer came up in the meantime: the
// peer reached us itself, and a fallback dial would only cost a circuit
// and lose to that session. Then it waits for the scheduler to allow one
// more fallback dial, which may take a while behind the ceiling, so a
// Release (stop) ends that wait too; the caller calls finish once the dial
// is over. Direct addresses go at once.
func (e *Engine) waitTurn(ctx context.Context, stop <-chan struct{}, peer crypto.ID, addr string, start time.Time, directDone <-chan struct{}, class dialClass) (finish func(), ok bool) {
	delay, fb := e.fallbackDelay(addr)
	if !fb {
		return func() {}, ctx.Err() == nil
	}
	t := time.NewTimer(time.Until(start.Add(delay)))
	defer t.Stop()
	select {
	case <-t.C:
	case <-directDone:
	case <-ctx.Done():
		return nil, false
	}
	if e.hasSession(peer) {
		return nil, false
	}
	tn := e.sched.request(time.Now(), kindFallback, class)
	finish = func() { e.sched.finish(tn) }
	select {
	case <-tn.c:
	case <-ctx.Done():
		finish()
		return nil, false
	case <-stop:
		finish()
		return nil, false
	}
	if e.hasSession(peer) { // the peer reached us while we waited
		finish()
		return nil, false
	}
	return finish, true
}

// dialAddr dials addr and runs the handshake as one attempt of r.
func (e *Engine) dialAddr(r *pathRace, keys crypto.PublicIdentity, addr string, stop <-chan struct{}) error {
	t, err := e.transportFor(addr)
	if err != nil {
		return err
	}
	dctx, cancel := context.WithTimeout(r.ctx, e.dialTimeout(t))
	defer cancel()
	raw, err := t.Dial(dctx, addr)
	if err != nil {
		return err
	}
	// Until it holds the claim, an attempt the race leaves behind is cut
	// off mid-handshake by closing its conn.
	unhook := context.AfterFunc(r.ctx, func() { _ = raw.Close() })
	defer unhook()
	claimed := false
	ready := func() error {
		if !r.claim() {
			return errOvertaken
		}
		if !unhook() { // cancelled between claim and here: raw is closed
			r.release()
			return errOvertaken
		}
		claimed = true
		return nil
	}
	_, fb := e.fallbackDelay(addr)
	err = e.establish(raw, &keys, ready, stop, origin{dialed: addr, fallback: fb})
	if claimed {
		if decisive(err) {
			r.decide()
		} else {
			r.release()
		}
	}
	return err
}

// settle records each outcome in book and returns the decisive one's
// error, or every failure joined.
func settle(book *addrBook, outs []outcome, now time.Time) error {
	var errs []error
	var final error
	decided := false
	for _, o := range outs {
		switch {
		case o.err == nil || errors.Is(o.err, ErrLostRace):
			book.worked(o.addr)
			final, decided = o.err, true
		case decisive(o.err):
			final, decided = o.err, true
		default:
			book.failed(o.addr, now)
			errs = append(errs, safeErr(o.err))
		}
	}
	if decided {
		return final
	}
	if len(errs) == 0 {
		return errOvertaken // every attempt was cut short or stood down for another session
	}
	return errors.Join(errs...)
}
