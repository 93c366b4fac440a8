package pair

import (
	"context"
	"fmt"
	"net"
	"time"
)

// bound runs fn with conn's deadline set to RunTimeout from now (or the
// context's deadline if sooner), and makes cancelling ctx fail whatever
// read or write is in progress. It leaves the deadline set: the caller
// closes conn after a run.
func bound(ctx context.Context, conn net.Conn, fn func() error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("pair: %w", err)
	}
	deadline := time.Now().Add(RunTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := conn.SetDeadline(deadline); err != nil {
		return fmt.Errorf("pair: set deadline: %w", err)
	}
	// A deadline in the past wakes a blocked Read or Write at once.
	done := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(done)
		conn.SetDeadline(time.Unix(1, 0))
	})
	err := fn()
	if !stop() {
		<-done // the cancel callback ran or is running: wait, so it outlives nothing
	}
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("pair: %w", ctx.Err())
	}
	return err
}

// step writes out (if any) as one frame, then returns err: a side that
// fails a check still tells the peer why before it stops.
func step(conn net.Conn, out []byte, err error) error {
	if out != nil {
		if werr := writeFrame(conn, out); werr != nil && err == nil {
			return fmt.Errorf("pair: %w", werr)
		}
	}
	return err
}

// receive reads the next frame, naming the message it waited for.
func receive(conn net.Conn, what string) ([]byte, error) {
	b, err := readFrame(conn)
	if err != nil {
		return nil, fmt.Errorf("pair: %s: %w", what, err)
	}
	return b, nil
}
