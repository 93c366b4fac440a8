package app

import (
	"context"

	"jarvis/p2p"
)

// op is one request to an actor (the contact or the group manager): apply
// runs on the actor's goroutine, which alone owns the actor's state.
type op[M any] interface {
	apply(ctx context.Context, m *M)
}

// callOp is a request whose work is a function of the actor's state.
type callOp[M any] struct {
	fn   func(ctx context.Context, m *M) error
	done chan error
}

func (o *callOp[M]) apply(ctx context.Context, m *M) { o.done <- o.fn(ctx, m) }

// call runs fn on the actor behind box and waits for its answer. Every
// call from a frontend into a manager goes through here or start.
func call[M any](ctx context.Context, c *Core, box chan<- op[M], fn func(ctx context.Context, m *M) error) error {
	wait, err := start(ctx, c, box, fn)
	if err != nil {
		return err
	}
	return wait()
}

// start hands fn to the actor behind box and returns at once with a
// function that waits for its answer, so a caller can queue several in
// order without waiting for each.
func start[M any](ctx context.Context, c *Core, box chan<- op[M], fn func(ctx context.Context, m *M) error) (func() error, error) {
	o := &callOp[M]{fn: fn, done: make(chan error, 1)}
	if err := post(ctx, c, box, op[M](o)); err != nil {
		return nil, err
	}
	return func() error { return await(ctx, c, o.done) }, nil
}

// post hands o to the actor, or gives up when ctx ends or the core stops.
func post[M any](ctx context.Context, c *Core, box chan<- op[M], o op[M]) error {
	select {
	case box <- o:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-c.stopped:
		return ErrClosed
	}
}

// await waits for an actor's answer on done.
func await(ctx context.Context, c *Core, done <-chan error) error {
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-c.stopped:
		return ErrClosed
	}
}

// actor is what serve drives: both managers. Each has background work that
// goes out a page at a time (the outbox flush, group history sync) between
// the commands and engine events it handles.
type actor[M any] interface {
	// pending reports whether background work waits.
	pending() bool
	// step does one page of background work.
	step(ctx context.Context)
	// command applies one request from a frontend.
	command(ctx context.Context, o op[M])
	// engine handles one engine event from the router.
	engine(ctx context.Context, ev p2p.Event)
	// room wakes background work parked on a full session queue.
	room()
}

// mailboxes are the channels an actor reads.
type mailboxes[M any] struct {
	cmds   <-chan op[M]
	events <-chan p2p.Event
	room   <-chan struct{} // a parked peer's send queue has room again
}

// serve runs a's loop until ctx ends: a page of background work between
// any two messages, so neither a stream of commands nor a long flush or
// sync can starve the other, and nothing in it waits on a peer.
func serve[M any](ctx context.Context, a actor[M], box mailboxes[M]) {
	// ready is always ready: selecting on it turns next's wait into a poll.
	ready := make(chan struct{})
	close(ready)
	for {
		busy := a.pending()
		if busy {
			a.step(ctx)
		}
		var poll <-chan struct{}
		if busy {
			poll = ready
		}
		if !next(ctx, a, box, poll) {
			return
		}
	}
}

// next handles one command, engine event or room signal, or returns at
// once if poll is ready and nothing waits. It reports false on shutdown.
func next[M any](ctx context.Context, a actor[M], box mailboxes[M], poll <-chan struct{}) bool {
	select {
	case <-ctx.Done():
		return false
	case o := <-box.cmds:
		a.command(ctx, o)
	case ev := <-box.events:
		a.engine(ctx, ev)
	case <-box.room:
		a.room()
	case <-poll:
	}
	return true
}
