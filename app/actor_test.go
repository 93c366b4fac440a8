package app

import (
	"context"
	"errors"
	"testing"
)

// counter is a stand-in actor: its state is touched only by its loop.
type counter struct{ n int }

func runCounter(ctx context.Context, box <-chan op[counter]) {
	var c counter
	for {
		select {
		case <-ctx.Done():
			return
		case o := <-box:
			o.apply(ctx, &c)
		}
	}
}

func TestCallRunsOnTheActorInOrderAndReturnsItsAnswer(t *testing.T) {
	core := &Core{stopped: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	box := make(chan op[counter], 4)
	go runCounter(ctx, box)
	var waits []func() error
	for range 3 {
		w, err := start(ctx, core, box, func(ctx context.Context, c *counter) error { c.n++; return nil })
		if err != nil {
			t.Fatal(err)
		}
		waits = append(waits, w)
	}
	for _, w := range waits {
		if err := w(); err != nil {
			t.Fatal(err)
		}
	}
	boom := errors.New("boom")
	var seen int
	err := call(ctx, core, box, func(ctx context.Context, c *counter) error { seen = c.n; return boom })
	if !errors.Is(err, boom) || seen != 3 {
		t.Fatalf("call = %v after %d increments; want boom after 3", err, seen)
	}
}

func TestCallGivesUpWhenTheCoreStopsOrTheCallerLeaves(t *testing.T) {
	box := make(chan op[counter]) // nobody reads it
	stopped := &Core{stopped: make(chan struct{})}
	close(stopped.stopped)
	if err := call(context.Background(), stopped, box, func(context.Context, *counter) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	live := &Core{stopped: make(chan struct{})}
	if err := call(ctx, live, box, func(context.Context, *counter) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: %v", err)
	}
}
