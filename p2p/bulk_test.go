package p2p

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"jarvis/p2p/wire"
)

// floodWith sends frames built by frame to a node limited to 20 frames a
// second (burst 10) and reports whether it cut the session off as a flood.
func floodWith(t *testing.T, frames int, payload []byte) bool {
	t.Helper()
	lim := fastLimits()
	lim.FrameRate, lim.FrameBurst = 20, 10
	b := startNode(t, nil, "", lim, nil)
	x := newIdentity(t)
	c, fr, nr := rawClient(t, b, x)
	if err := sendHello(c, nr.send, makeHello(x, nr.hash, nil)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := readHello(fr, nr); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, 2*time.Second, "PeerUp", isUp(x.ID()))
	var buf []byte
	var err error
	for range frames {
		if buf, err = writeTransport(c, nr.send, buf, payload); err != nil {
			break // B may close mid-flood
		}
	}
	// A Bye ends the session either way; what matters is why.
	bye, _ := wire.Append(nil, wire.Bye{Reason: "done"})
	_, _ = writeTransport(c, nr.send, buf, bye)
	down := waitFor(t, b, 3*time.Second, "PeerDown", isDown(x.ID())).(PeerDown)
	return errors.Is(down.Err, errFlood)
}

func TestBulkFramesCostASixteenthOfAFrame(t *testing.T) {
	checkLeaks(t)
	piece, _ := wire.Append(nil, wire.FileData{Index: 1, Data: make([]byte, wire.MaxFileData)})
	// 100 full frames would be ten times the burst; as bulk they cost 6.25.
	if floodWith(t, 100, piece) {
		t.Fatal("a stream of file pieces within its bulk budget was cut off as a flood")
	}
}

func TestALargeFramePackedWithRecordsPaysFull(t *testing.T) {
	checkLeaks(t)
	var packed []byte
	for len(packed) < bulkFrame {
		packed, _ = wire.Append(packed, wire.Typing{Active: true})
	}
	if !floodWith(t, 100, packed) {
		t.Fatal("large frames packed with tiny records escaped the frame limit")
	}
}

func TestTheWriterTakesEveryQueuedRecordBeforeABulkOne(t *testing.T) {
	s := &session{queue: make(chan []byte, 4), bulk: make(chan []byte, 4)}
	s.bulk <- []byte("piece 1")
	s.bulk <- []byte("piece 2")
	s.queue <- []byte("text")
	var got []string
	for {
		r, ok := s.next()
		if !ok {
			break
		}
		got = append(got, string(r))
	}
	if want := []string{"text", "piece 1", "piece 2"}; !slices.Equal(got, want) {
		t.Fatalf("written in order %q, want %q", got, want)
	}
}

func TestBulkRecordsGoOnlyOnTheSessionTheyAnswer(t *testing.T) {
	checkLeaks(t)
	a := startNode(t, nil, "", fastLimits(), nil)
	b := startNode(t, nil, "", fastLimits(), nil)
	a.e.Connect(b.target(), testHolder)
	up := waitFor(t, a, 5*time.Second, "PeerUp on A", isUp(b.id.ID())).(PeerUp)
	waitFor(t, b, 5*time.Second, "PeerUp on B", isUp(a.id.ID()))

	if err := a.e.TrySendBulkOn(b.id.ID(), up.Peer.Session+1, text("for a session that is not this one")); !errors.Is(err, ErrNoSession) {
		t.Fatalf("bulk send on another session: %v", err)
	}
	// A chunk's worth of full-frame records leaves in batched writes and
	// arrives whole and in order.
	var msgs []wire.Message
	for i := range 16 {
		msgs = append(msgs, wire.FileData{Index: uint32(i), Data: bytes.Repeat([]byte{byte(i)}, wire.MaxFileData)})
	}
	if err := a.e.TrySendBulkOn(b.id.ID(), up.Peer.Session, msgs...); err != nil {
		t.Fatal(err)
	}
	var got []wire.Message
	for len(got) < len(msgs) {
		rcv := waitFor(t, b, 5*time.Second, "pieces on B", func(ev Event) bool { _, ok := ev.(Received); return ok }).(Received)
		got = append(got, rcv.Msgs...)
	}
	if !reflect.DeepEqual(got, msgs) {
		t.Fatalf("received %d records, not the %d sent in order", len(got), len(msgs))
	}
}
