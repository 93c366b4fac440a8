package p2p

import (
	"errors"
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
