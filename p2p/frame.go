package p2p

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"jarvis/p2p/wire"
)

// Frame layout: [version=1][kind][uint16 big-endian payload length][payload].
const (
	frameVersion    = 1
	frameHeaderSize = 4

	kindHandshake byte = 0
	kindTransport byte = 1

	// MaxPlaintext is the largest decrypted transport payload.
	MaxPlaintext = 32 << 10
	// MaxFrame is the largest frame payload: MaxPlaintext plus the AEAD tag.
	MaxFrame = MaxPlaintext + 16
)

var (
	errFrameTooBig  = errors.New("p2p: frame longer than MaxFrame")
	errFrameVersion = errors.New("p2p: unsupported frame version")
	errFrameKind    = errors.New("p2p: unexpected frame kind")
)

// frameReader reads frames from a stream, reusing one buffer. The header is
// checked before any payload buffer is grown, so a hostile length costs nothing.
type frameReader struct {
	r       io.Reader
	hdr     [frameHeaderSize]byte
	bulkHdr [bulkHeaderSize]byte
	buf     []byte
}

// readBuffer is the frameReader's read-ahead: a header and a body are two
// reads, and a file's frames come back to back, so one syscall fetching
// about two frames beats two per frame.
const readBuffer = 64 << 10

func newFrameReader(r io.Reader) *frameReader {
	return &frameReader{r: bufio.NewReaderSize(r, readBuffer)}
}

// ReadFrame returns the next frame's payload, which must be of kind want.
// The payload is valid until the next call.
func (fr *frameReader) ReadFrame(want byte) ([]byte, error) {
	if _, err := io.ReadFull(fr.r, fr.hdr[:]); err != nil {
		return nil, fmt.Errorf("p2p: read frame header: %w", err)
	}
	if fr.hdr[0] != frameVersion {
		return nil, fmt.Errorf("%w: %d", errFrameVersion, fr.hdr[0])
	}
	if fr.hdr[1] != want {
		return nil, fmt.Errorf("%w: got %d, want %d", errFrameKind, fr.hdr[1], want)
	}
	return fr.readBody(int(binary.BigEndian.Uint16(fr.hdr[2:])), MaxFrame)
}

// readSessionFrame returns the next frame of an established session: a
// transport frame, or a bulk frame with its 8-byte header (the header is
// the frame's additional data). Both are valid until the next call.
func (fr *frameReader) readSessionFrame() (kind byte, hdr, payload []byte, err error) {
	if _, err := io.ReadFull(fr.r, fr.hdr[:]); err != nil {
		return 0, nil, nil, fmt.Errorf("p2p: read frame header: %w", err)
	}
	if fr.hdr[0] != frameVersion {
		return 0, nil, nil, fmt.Errorf("%w: %d", errFrameVersion, fr.hdr[0])
	}
	switch fr.hdr[1] {
	case kindTransport:
		b, err := fr.readBody(int(binary.BigEndian.Uint16(fr.hdr[2:])), MaxFrame)
		return kindTransport, fr.hdr[:], b, err
	case kindBulk:
		if fr.hdr[3] != 0 {
			return 0, nil, nil, fmt.Errorf("%w: bulk header byte %d", errFrameKind, fr.hdr[3])
		}
		copy(fr.bulkHdr[:], fr.hdr[:])
		if _, err := io.ReadFull(fr.r, fr.bulkHdr[frameHeaderSize:]); err != nil {
			return 0, nil, nil, fmt.Errorf("p2p: read frame header: %w", err)
		}
		n := binary.BigEndian.Uint32(fr.bulkHdr[frameHeaderSize:])
		if n < bulkTagSize+wire.BulkHeaderSize+1 {
			return 0, nil, nil, fmt.Errorf("p2p: bulk frame of %d bytes: %w", n, io.ErrUnexpectedEOF)
		}
		b, err := fr.readBody(int(min(n, MaxBulkFrame+1)), MaxBulkFrame)
		return kindBulk, fr.bulkHdr[:], b, err
	}
	return 0, nil, nil, fmt.Errorf("%w: got %d, want a transport or bulk frame", errFrameKind, fr.hdr[1])
}

// readBody reads a payload of n bytes, at most limit, into the buffer.
func (fr *frameReader) readBody(n, limit int) ([]byte, error) {
	if n > limit {
		return nil, fmt.Errorf("%w: %d bytes", errFrameTooBig, n)
	}
	if cap(fr.buf) < n {
		fr.buf = make([]byte, n, max(n, min(2*cap(fr.buf), limit)))
	}
	b := fr.buf[:n]
	if _, err := io.ReadFull(fr.r, b); err != nil {
		return nil, fmt.Errorf("p2p: read frame body: %w", err)
	}
	return b, nil
}

// appendFrameHeader appends a frame header for a payload of length n.
func appendFrameHeader(dst []byte, kind byte, n int) ([]byte, error) {
	if n > MaxFrame {
		return dst, fmt.Errorf("%w: %d bytes", errFrameTooBig, n)
	}
	return append(dst, frameVersion, kind, byte(n>>8), byte(n)), nil
}

// writeFrame writes one frame with a single Write call.
func writeFrame(w io.Writer, buf []byte, kind byte, payload []byte) ([]byte, error) {
	buf, err := appendFrameHeader(buf[:0], kind, len(payload))
	if err != nil {
		return buf, err
	}
	buf = append(buf, payload...)
	if _, err := w.Write(buf); err != nil {
		return buf, fmt.Errorf("p2p: write frame: %w", err)
	}
	return buf, nil
}
