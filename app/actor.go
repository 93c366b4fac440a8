package app

import "context"

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
