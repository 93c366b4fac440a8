package p2p

import (
	"bytes"
	"testing"
)

// FuzzFrameReader feeds arbitrary streams to the frame reader: it must never
// panic, never return a payload over MaxFrame and never grow past MaxFrame.
func FuzzFrameReader(f *testing.F) {
	f.Add([]byte{frameVersion, kindTransport, 0, 3, 1, 2, 3})
	f.Add([]byte{frameVersion, kindTransport, 0xFF, 0xFF})
	f.Fuzz(func(t *testing.T, b []byte) {
		fr := newFrameReader(bytes.NewReader(b))
		for {
			p, err := fr.ReadFrame(kindTransport)
			if err != nil {
				break
			}
			if len(p) > MaxFrame {
				t.Fatalf("payload of %d bytes", len(p))
			}
		}
		if cap(fr.buf) > MaxFrame {
			t.Fatalf("buffer grew to %d", cap(fr.buf))
		}
	})
}
