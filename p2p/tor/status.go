package tor

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"
)

// State is where tor stands, as the status bar shows it.
type State uint8

const (
	StateStarting      State = iota // the process is starting or the control port is being reached
	StateBootstrapping              // connecting to the network; Status.Progress says how far
	StateReady                      // bootstrapped: onion services can be published and dialled
	StateUnavailable                // tor failed, exited or was stopped; Status.Err says why
)

func (s State) String() string {
	switch s {
	case StateStarting:
		return "starting"
	case StateBootstrapping:
		return "bootstrapping"
	case StateReady:
		return "ready"
	case StateUnavailable:
		return "unavailable"
	}
	return "unknown"
}

// Status is one report of tor's state.
type Status struct {
	State    State
	Progress int   // bootstrap percentage, 0–100
	Err      error // why, when State is StateUnavailable
}

var (
	errExited      = errors.New("tor exited unexpectedly")
	errControlLost = errors.New("tor's control port stopped answering")
)

const (
	bootstrapPoll = 250 * time.Millisecond // while bootstrapping: a status bar wants to move
	livenessPoll  = 5 * time.Second        // once ready: only to notice tor going away
)

// watch polls tor's bootstrap phase until ctx ends, reporting every change, and reports tor's death. Polling a
// GETINFO keeps one reader on the control connection: bine's event reader would need a goroutine that can only be
// stopped by closing the connection under it.
func (t *Tor) watch(ctx context.Context) {
	var exited <-chan struct{}
	if t.proc != nil {
		exited = t.proc.Done()
	}
	poll := time.NewTimer(0)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-exited:
			t.status.set(Status{State: StateUnavailable, Err: errExited})
			t.log.Warn("tor exited unexpectedly")
			return
		case <-poll.C:
		}
		st := t.bootstrapStatus()
		if prev := t.status.current(); prev.State != st.State || prev.Progress != st.Progress {
			t.log.Info("tor", "state", st.State.String(), "progress", st.Progress)
		}
		t.status.set(st)
		if st.State == StateReady {
			poll.Reset(livenessPoll)
		} else {
			poll.Reset(bootstrapPoll)
		}
	}
}

func (t *Tor) bootstrapStatus() Status {
	phase, err := t.ctrl.GetInfo("status/bootstrap-phase")
	if err != nil {
		return Status{State: StateUnavailable, Err: errControlLost}
	}
	p := parseProgress(phase)
	if p >= 100 {
		return Status{State: StateReady, Progress: 100}
	}
	return Status{State: StateBootstrapping, Progress: p}
}

// parseProgress reads PROGRESS=N from a bootstrap-phase line such as
// `NOTICE BOOTSTRAP PROGRESS=14 TAG=handshake SUMMARY="Handshaking with a relay"`.
func parseProgress(phase string) int {
	for _, f := range strings.Fields(phase) {
		if v, ok := strings.CutPrefix(f, "PROGRESS="); ok {
			if n, err := strconv.Atoi(v); err == nil && n >= 0 && n <= 100 {
				return n
			}
		}
	}
	return 0
}

// statusFeed holds the latest Status and offers it on a one-slot channel that drops the older value when full.
// It has a single writer (Start, then the watcher, then Close), so the drain-then-send below cannot race another send.
type statusFeed struct {
	mu        sync.Mutex
	last      Status
	ch        chan Status
	ready     chan struct{}
	readyOnce sync.Once
	closed    bool
}

func newStatusFeed() *statusFeed {
	return &statusFeed{ch: make(chan Status, 1), ready: make(chan struct{})}
}

func (f *statusFeed) set(s Status) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed || (s == f.last && s.Err == nil) {
		return
	}
	f.last = s
	if s.State == StateReady {
		f.readyOnce.Do(func() { close(f.ready) })
	}
	select {
	case <-f.ch: // drop the value nobody read yet
	default:
	}
	f.ch <- s
}

func (f *statusFeed) current() Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

func (f *statusFeed) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.closed {
		f.closed = true
		close(f.ch)
	}
}
