package app

import (
	"testing"
	"time"
)

func TestEventQueueNeverBlocksTheEmitterAndKeepsOrder(t *testing.T) {
	q := newEventQueue()
	// Nobody reads yet: far more than the channel holds must still go in.
	for i := range 1000 {
		q.emit(Typing{Active: i%2 == 0})
		q.emit(PeerStatus{Online: true})
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { q.run(stop); close(done) }()
	for i := range 1000 {
		if e, ok := (<-q.out).(Typing); !ok || e.Active != (i%2 == 0) {
			t.Fatalf("event %d out of order: %#v", 2*i, e)
		}
		if _, ok := (<-q.out).(PeerStatus); !ok {
			t.Fatalf("event %d out of order", 2*i+1)
		}
	}
	q.close()
	<-done
	if _, open := <-q.out; open {
		t.Fatal("out is still open after close")
	}
}

func TestEventQueueDrainsOnCloseAndDropsLaterEvents(t *testing.T) {
	q := newEventQueue()
	q.emit(Ready{})
	q.close()
	q.emit(Failure{}) // after close: dropped, not a panic
	go q.run(make(chan struct{}))
	if _, ok := (<-q.out).(Ready); !ok {
		t.Fatal("the event queued before close was lost")
	}
	if e, open := <-q.out; open {
		t.Fatalf("got %#v after close", e)
	}
}

func TestEventQueueGivesUpOnAReaderThatIsGone(t *testing.T) {
	q := newEventQueue()
	for range 100 {
		q.emit(Ready{})
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { q.run(stop); close(done) }()
	close(stop)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("run kept waiting for a reader after stop")
	}
}
