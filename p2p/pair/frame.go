package pair

import (
	"encoding/binary"
	"fmt"
	"io"
)

// maxFrame caps one frame's body. The largest message, a confirmation with
// a MaxPayload link code, is 3634 bytes; anything longer is refused before
// it is read.
const maxFrame = 4096

// readFrame reads one frame: a 2-byte big-endian length, then that many
// bytes. The length is checked before anything is allocated.
func readFrame(r io.Reader) ([]byte, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("read frame length: %w", err)
	}
	n := int(binary.BigEndian.Uint16(hdr[:]))
	if n == 0 || n > maxFrame {
		return nil, fmt.Errorf("%w: frame of %d bytes (1 to %d allowed)", ErrMalformed, n, maxFrame)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, fmt.Errorf("read frame of %d bytes: %w", n, err)
	}
	return body, nil
}

// writeFrame writes body as one frame in a single Write, so a frame is
// never interleaved or half-sent by us.
func writeFrame(w io.Writer, body []byte) error {
	if len(body) == 0 || len(body) > maxFrame {
		return fmt.Errorf("write frame: %d bytes (1 to %d allowed)", len(body), maxFrame)
	}
	buf := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(body)), uint16(len(body)))
	if _, err := w.Write(append(buf, body...)); err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	return nil
}
