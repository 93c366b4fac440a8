package p2p

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"reflect"
	"slices"
	"testing"
	"time"
	"unsafe"

	"jarvis/crypto"
	"jarvis/p2p/wire"
)

// floodWith sends frames built by frame to a node limited to 20 frames a
// second (burst 10) and reports whether it cut the session off as a flood.
func floodWith(t *testing.T, frames int, payload []byte) bool {
	t.Helper()
	lim := fastLimits()
	lim.FrameRate, lim.FrameBurst = 20, 10
	b := startNode(t, nil, "", lim, nil)
	c, nr, x := rawSession(t, b)
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
	s.bulk <- []byte("chunk 1")
	s.bulk <- []byte("chunk 2")
	s.queue <- []byte("text")
	var got []string
	for {
		r, bulk, ok := s.next()
		if !ok {
			break
		}
		got = append(got, fmt.Sprintf("%s %v", r, bulk))
	}
	if want := []string{"text false", "chunk 1 true", "chunk 2 true"}; !slices.Equal(got, want) {
		t.Fatalf("written in order %q, want %q", got, want)
	}
}

// chunkData is a chunk's worth of file data with a recognisable pattern.
func chunkData(i int) wire.FileData {
	return wire.FileData{Root: [32]byte{9}, Index: uint32(i), Data: bytes.Repeat([]byte{byte(i), byte(i >> 8), 7}, 87381)}
}

// connectPair starts two engines with lim and connects them.
func connectPair(t *testing.T, lim Limits) (a, b *node, up PeerUp) {
	t.Helper()
	a = startNode(t, nil, "", lim, nil)
	b = startNode(t, nil, "", lim, nil)
	a.e.Connect(b.target(), testHolder)
	up = waitFor(t, a, 5*time.Second, "PeerUp on A", isUp(b.id.ID())).(PeerUp)
	waitFor(t, b, 5*time.Second, "PeerUp on B", isUp(a.id.ID()))
	return a, b, up
}

// sendChunks has a send n chunks to b as bulk frames, interleaved with a
// text message each, and checks that b gets them all whole and in order.
func sendChunks(t *testing.T, a, b *node, session uint64, n int) {
	t.Helper()
	sendChunksFrom(t, a, b, session, n, chunkData)
}

// sendChunksFrom is sendChunks with chunk i's data as data(i) makes it:
// chunkData(i)'s bytes, in memory of the caller's or lent by A.
func sendChunksFrom(t *testing.T, a, b *node, session uint64, n int, data func(i int) wire.FileData) {
	t.Helper()
	var want []wire.Message
	for i := range n {
		d := data(i)
		for {
			err := a.e.TrySendBulkOn(b.id.ID(), session, d)
			if err == nil {
				break
			}
			if !errors.Is(err, ErrQueueFull) {
				t.Fatal(err)
			}
			time.Sleep(time.Millisecond)
		}
		want = append(want, chunkData(i))
	}
	// Each chunk is checked as it comes and its buffer handed back, so a
	// buffer filled again too early would spoil a later one.
	got := 0
	for got < len(want) {
		rcv := waitFor(t, b, 5*time.Second, "chunks on B", func(ev Event) bool { _, ok := ev.(Received); return ok }).(Received)
		for _, m := range rcv.Msgs {
			d, ok := m.(wire.FileData)
			if !ok {
				continue
			}
			if !reflect.DeepEqual(d, want[got]) {
				t.Fatalf("chunk %d arrived as chunk %d of %d bytes", got, d.Index, len(d.Data))
			}
			if uintptr(unsafe.Pointer(&d.Data[0]))%bulkDataAlign != 0 {
				t.Fatalf("chunk %d arrived off a page boundary: it cannot go to an O_DIRECT write as it is", got)
			}
			b.e.RecycleBulk(d.Data)
			got++
		}
	}
}

func TestBulkBuffersLentToTheAppComeBackWhole(t *testing.T) {
	var l lentBuffers
	buf := make([]byte, 100)
	data := buf[37:90]
	l.lend(data, buf)
	if _, ok := l.back(buf[10:20]); ok {
		t.Fatal("took back a slice that was never lent")
	}
	if got, ok := l.back(data); !ok || &got[0] != &buf[0] || cap(got) != 100 {
		t.Fatal("did not give back the whole buffer")
	}
	if _, ok := l.back(data); ok {
		t.Fatal("gave the same buffer back twice")
	}
	for i := range 10 * bulkPoolSize {
		b := make([]byte, 8)
		l.lend(b[1:], b)
		if len(l.m) > 2*bulkPoolSize {
			t.Fatalf("%d buffers remembered after %d lent and never handed back", len(l.m), i+1)
		}
	}
}

func TestBulkBuffersStartTheirDataOnAPageBoundary(t *testing.T) {
	for _, n := range []int{1, wire.BulkHeaderSize + 1, 4096, wire.MaxBulkPayload} {
		b := newBulkBuffer(n)
		if len(b) != 0 || cap(b) != n {
			t.Fatalf("buffer for %d bytes: len %d cap %d", n, len(b), cap(b))
		}
		if n > wire.BulkHeaderSize {
			if at := uintptr(unsafe.Pointer(&b[:n][wire.BulkHeaderSize])); at%bulkDataAlign != 0 {
				t.Fatalf("buffer for %d bytes: data at %#x, off a page boundary", n, at)
			}
		}
	}
}

func TestDataReadIntoALentBufferIsSealedWhereItLies(t *testing.T) {
	checkLeaks(t)
	a, b, up := connectPair(t, fastLimits())
	want := chunkData(3)
	lentData := a.e.BulkData(len(want.Data))
	copy(lentData, want.Data)
	d := want
	d.Data = lentData
	payload, lent, err := a.e.bulkPayload(d)
	if err != nil || !lent || &payload[wire.BulkHeaderSize] != &lentData[0] {
		t.Fatalf("lent data was copied (lent %v, err %v)", lent, err)
	}
	if got, err := wire.DecodeBulk(payload); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("payload decodes to chunk %d (%v)", got.Index, err)
	}
	a.e.RecycleBulk(lentData) // not sent: still lent, so it goes back whole
	// Data of the caller's own is copied, and stays the caller's.
	own := chunkData(4)
	payload, lent, err = a.e.bulkPayload(own)
	if err != nil || lent || &payload[wire.BulkHeaderSize] == &own.Data[0] {
		t.Fatalf("the caller's data was not copied (lent %v, err %v)", lent, err)
	}
	// Sent for real, lent buffers arrive whole; a refused one stays the
	// caller's, to send again.
	a.e.bulkBufs.put(payload)
	sendChunksFrom(t, a, b, up.Peer.Session, 24, func(i int) wire.FileData {
		d := chunkData(i)
		d.Data = a.e.BulkData(len(d.Data))
		copy(d.Data, chunkData(i).Data)
		return d
	})
}

func TestBulkDataGoesOnlyOnTheSessionItAnswersAndArrivesWhole(t *testing.T) {
	checkLeaks(t)
	a, b, up := connectPair(t, fastLimits())
	if err := a.e.TrySendBulkOn(b.id.ID(), up.Peer.Session+1, chunkData(0)); !errors.Is(err, ErrNoSession) {
		t.Fatalf("bulk send on another session: %v", err)
	}
	sendChunks(t, a, b, up.Peer.Session, 24)
}

func TestBulkKeysFollowTheTransportRekeys(t *testing.T) {
	checkLeaks(t)
	lim := fastLimits()
	lim.RekeyFrames = 3
	a, b, up := connectPair(t, lim)
	for i := range 6 {
		// Each text forces transport frames, and with them rekeys,
		// between the chunks.
		if err := a.e.TrySend(b.id.ID(), text(fmt.Sprint("between ", i))); err != nil {
			t.Fatal(err)
		}
		sendChunks(t, a, b, up.Peer.Session, 2)
	}
	if a.e.rekeys.Load()+b.e.rekeys.Load() == 0 {
		t.Fatal("no rekey happened: the test proves nothing")
	}
}

func TestBulkFramesSealedWithChaChaArriveToo(t *testing.T) {
	checkLeaks(t)
	a, b, up := connectPair(t, fastLimits())
	sess, err := a.e.session(b.id.ID())
	if err != nil {
		t.Fatal(err)
	}
	// Set before any bulk frame: the writer reads it only when sealing one.
	sess.bulkWith = bulkChaCha
	sendChunks(t, a, b, up.Peer.Session, 3)
}

// rawBulkSession is a raw client of b after the Hello, and the bulk keys
// it would seal with.
func rawBulkSession(t *testing.T, b *node) (net.Conn, *bulkCipher, *crypto.Identity) {
	t.Helper()
	c, nr, x := rawSession(t, b)
	bc, err := newBulkCipher(nr.send.UnsafeKey())
	if err != nil {
		t.Fatal(err)
	}
	return c, bc, x
}

func TestABulkFrameThatFailsAuthenticationEndsTheSession(t *testing.T) {
	payload, _ := wire.AppendBulk(nil, chunkData(1))
	for name, spoil := range map[string]func(frame []byte){
		"flipped data byte": func(f []byte) { f[len(f)/2] ^= 1 },
		"other cipher":      func(f []byte) { f[2] = bulkChaCha },
		"unknown cipher":    func(f []byte) { f[2] = 9 },
	} {
		t.Run(name, func(t *testing.T) {
			checkLeaks(t)
			b := startNode(t, nil, "", fastLimits(), nil)
			c, bc, x := rawBulkSession(t, b)
			frame, err := bc.seal(nil, bulkAESGCM, payload)
			if err != nil {
				t.Fatal(err)
			}
			spoil(frame)
			if _, err := c.Write(frame); err != nil {
				t.Fatal(err)
			}
			down := waitFor(t, b, 3*time.Second, "PeerDown", func(ev Event) bool {
				if r, ok := ev.(Received); ok && r.From == x.ID() {
					t.Fatalf("delivered %d records from a spoilt frame", len(r.Msgs))
				}
				return isDown(x.ID())(ev)
			}).(PeerDown)
			if !errors.Is(down.Err, errDecrypt) {
				t.Fatalf("session ended with %v, want a decryption failure", down.Err)
			}
		})
	}
}

func TestABulkFrameOverTheLimitIsRefusedBeforeItIsRead(t *testing.T) {
	checkLeaks(t)
	b := startNode(t, nil, "", fastLimits(), nil)
	c, _, x := rawBulkSession(t, b)
	// The header alone claims 16 MiB; nothing more comes.
	if _, err := c.Write(appendBulkHeader(nil, bulkAESGCM, 16<<20)); err != nil {
		t.Fatal(err)
	}
	down := waitFor(t, b, 3*time.Second, "PeerDown", isDown(x.ID())).(PeerDown)
	if !errors.Is(down.Err, errFrameTooBig) {
		t.Fatalf("session ended with %v, want frame too big", down.Err)
	}
}
