package p2p

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"
)

// headerOnly serves a 4-byte header and fails the test if more is read.
type headerOnly struct {
	t   *testing.T
	hdr []byte
}

func (h *headerOnly) Read(p []byte) (int, error) {
	if len(h.hdr) == 0 {
		h.t.Fatal("reader read past the header of a rejected frame")
	}
	n := copy(p, h.hdr)
	h.hdr = h.hdr[n:]
	return n, nil
}

func TestFrameReaderRejectsBadHeadersBeforeReadingTheBody(t *testing.T) {
	cases := []struct {
		name string
		hdr  []byte
		want error
	}{
		{"max uint16", []byte{frameVersion, kindTransport, 0xFF, 0xFF}, errFrameTooBig},
		{"one over", []byte{frameVersion, kindTransport, (MaxFrame + 1) >> 8, (MaxFrame + 1) & 0xFF}, errFrameTooBig},
		{"version 2", []byte{2, kindTransport, 0, 1}, errFrameVersion},
		{"wrong kind", []byte{frameVersion, kindHandshake, 0, 1}, errFrameKind},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fr := newFrameReader(&headerOnly{t: t, hdr: c.hdr})
			_, err := fr.ReadFrame(kindTransport)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if cap(fr.buf) != 0 {
				t.Fatalf("allocated %d bytes for a rejected frame", cap(fr.buf))
			}
		})
	}
}

func TestFrameReaderReadsMaxFrameAndReusesItsBuffer(t *testing.T) {
	var stream bytes.Buffer
	var buf []byte
	var err error
	for _, n := range []int{MaxFrame, 10, 0} {
		if buf, err = writeFrame(&stream, buf, kindTransport, bytes.Repeat([]byte{byte(n)}, n)); err != nil {
			t.Fatal(err)
		}
	}
	fr := newFrameReader(&stream)
	var first []byte
	for _, n := range []int{MaxFrame, 10, 0} {
		p, err := fr.ReadFrame(kindTransport)
		if err != nil || len(p) != n || (n > 0 && p[0] != byte(n)) {
			t.Fatalf("frame of %d: len %d, err %v", n, len(p), err)
		}
		if first == nil {
			first = p[:1]
		} else if n > 0 && &p[0] != &first[0] {
			t.Fatal("buffer not reused")
		}
	}
	if _, err := fr.ReadFrame(kindTransport); !errors.Is(err, io.EOF) {
		t.Fatalf("at end: %v", err)
	}
	if _, err := writeFrame(io.Discard, nil, kindTransport, make([]byte, MaxFrame+1)); !errors.Is(err, errFrameTooBig) {
		t.Fatalf("writing an oversized frame: %v", err)
	}
}

func TestBackoffDoublesToTheCapWithBoundedJitter(t *testing.T) {
	seq := []float64{0.5, 0, 0.999999, 0.5, 0.5, 0.5}
	i := 0
	rnd := func() float64 { v := seq[i%len(seq)]; i++; return v }
	bo := newBackoff(time.Second, 8*time.Second, rnd)
	want := []time.Duration{
		time.Second,                  // 1 s × 1.0
		1600 * time.Millisecond,      // 2 s × 0.8
		4799998400 * time.Nanosecond, // 4 s × ~1.2
		8 * time.Second,              // capped
		8 * time.Second,
	}
	for k, w := range want {
		got := bo.Next()
		if diff := got - w; diff < -time.Microsecond || diff > time.Microsecond {
			t.Fatalf("step %d: got %v, want %v", k, got, w)
		}
	}
	bo.Reset()
	if got := bo.Next(); got != time.Second {
		t.Fatalf("after Reset: %v", got)
	}
}

func TestBackoffJitterStaysWithinTwentyPercent(t *testing.T) {
	for _, r := range []float64{0, 0.25, 0.75, 0.9999} {
		bo := newBackoff(10*time.Second, time.Minute, func() float64 { return r })
		if d := bo.Next(); d < 8*time.Second || d > 12*time.Second {
			t.Fatalf("rand %v: %v outside ±20%%", r, d)
		}
	}
}

func TestTokenBucketRefillsAtItsRate(t *testing.T) {
	now := time.Unix(0, 0)
	b := newTokenBucket(10, 2, now)
	first, second, third := b.allow(now), b.allow(now), b.allow(now)
	if !first || !second || third {
		t.Fatal("burst of 2 not enforced")
	}
	if !b.allow(now.Add(100*time.Millisecond)) || b.allow(now.Add(100*time.Millisecond)) {
		t.Fatal("one token per 100 ms expected")
	}
}
