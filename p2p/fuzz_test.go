package p2p

import (
	"bytes"
	"io"
	"testing"

	"jarvis/crypto"
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

// FuzzSessionFrameReader feeds arbitrary streams to the reader of an
// established session, which takes transport and bulk frames: it must
// never panic, never return a payload over its kind's limit and never
// grow past the larger limit.
func FuzzSessionFrameReader(f *testing.F) {
	f.Add([]byte{frameVersion, kindTransport, 0, 3, 1, 2, 3})
	f.Add(append(appendBulkHeader(nil, bulkAESGCM, 64), make([]byte, 64)...))
	f.Add(appendBulkHeader(nil, bulkChaCha, MaxBulkFrame+1))
	f.Fuzz(func(t *testing.T, b []byte) {
		fr := newFrameReader(bytes.NewReader(b))
		for {
			kind, hdr, p, err := fr.readSessionFrame()
			if err != nil {
				break
			}
			switch {
			case kind == kindTransport && len(p) > MaxFrame:
				t.Fatalf("transport payload of %d bytes", len(p))
			case kind == kindBulk && (len(p) > MaxBulkFrame || len(hdr) != bulkHeaderSize):
				t.Fatalf("bulk payload of %d bytes, header %d", len(p), len(hdr))
			case kind != kindTransport && kind != kindBulk:
				t.Fatalf("frame of kind %d", kind)
			}
		}
		if cap(fr.buf) > MaxBulkFrame {
			t.Fatalf("buffer grew to %d", cap(fr.buf))
		}
	})
}

// FuzzResponderHandshake feeds arbitrary bytes to the responder's side of
// the handshake as if they came from a dialler: it must never panic, and
// never authenticate anyone without a valid message 1 and a signed Hello
// (which random input cannot produce).
func FuzzResponderHandshake(f *testing.F) {
	id, err := crypto.UnmarshalIdentity(bytes.Repeat([]byte{1}, 64))
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte{frameVersion, kindHandshake, 0, 0})
	f.Add(append([]byte{frameVersion, kindHandshake, 0, 96}, make([]byte, 96)...))
	f.Add(append([]byte{frameVersion, kindHandshake, 0, 96}, bytes.Repeat([]byte{0xff}, 96)...))
	f.Add(append(append([]byte{frameVersion, kindHandshake, 0, 96}, make([]byte, 96)...), frameVersion, kindTransport, 0, 16))
	r := responder{id: id, addrsFor: func(crypto.ID) []string { return nil }}
	f.Fuzz(func(t *testing.T, b []byte) {
		hr, err := r.respond(io.Discard, newFrameReader(bytes.NewReader(b)))
		if err == nil {
			t.Fatalf("random input authenticated as %v", hr.peer.ID())
		}
	})
}
