package crypto

import (
	"crypto/cipher"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/chacha20poly1305"
)

// The backup stream is the STREAM construction (Hoang, Reyhanitabar,
// Rogaway, Vizár), as age's internal/stream uses it: the plaintext is cut
// into chunks of backupChunkSize, each sealed with ChaCha20-Poly1305 under
// one per-file key and the nonce counter(11 bytes, big endian) || last(1).
// The counter stops reordering and dropping chunks, the last flag stops
// truncation at a chunk boundary, and a fresh key per file makes nonce
// reuse impossible.
const backupChunkSize = 64 << 10

// BackupWriter seals what is written to it onto an underlying writer.
// Close writes the last chunk; without it the file is incomplete.
type BackupWriter struct {
	aead  cipher.AEAD
	dst   io.Writer
	nonce [chacha20poly1305.NonceSize]byte
	buf   []byte // plaintext of the chunk being filled
	out   []byte // sealed chunk, reused
	err   error
}

// NewBackupWriter returns a writer sealing to dst under key.
func NewBackupWriter(key [32]byte, dst io.Writer) (*BackupWriter, error) {
	aead, err := chacha20poly1305.New(key[:])
	if err != nil {
		return nil, fmt.Errorf("backup stream: %w", err)
	}
	return &BackupWriter{aead: aead, dst: dst, buf: make([]byte, 0, backupChunkSize),
		out: make([]byte, 0, backupChunkSize+chacha20poly1305.Overhead)}, nil
}

// Write buffers p, sealing every full chunk that has more data after it.
func (w *BackupWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n := 0
	for len(p) > 0 {
		if len(w.buf) == backupChunkSize {
			// More data follows, so this chunk is not the last.
			if err := w.flush(false); err != nil {
				return n, err
			}
		}
		k := copy(w.buf[len(w.buf):backupChunkSize], p)
		w.buf = w.buf[:len(w.buf)+k]
		p, n = p[k:], n+k
	}
	return n, nil
}

// Close seals the buffered chunk as the last one. It does not close dst.
func (w *BackupWriter) Close() error {
	if w.err != nil {
		return w.err
	}
	err := w.flush(true)
	if err == nil {
		w.err = errors.New("backup stream: write after close")
	}
	return err
}

func (w *BackupWriter) flush(last bool) error {
	setLast(&w.nonce, last)
	w.out = w.aead.Seal(w.out[:0], w.nonce[:], w.buf, nil)
	if _, err := w.dst.Write(w.out); err != nil {
		w.err = fmt.Errorf("backup stream: %w", err)
		return w.err
	}
	w.buf = w.buf[:0]
	if err := incNonce(&w.nonce); err != nil {
		w.err = err
		return err
	}
	return nil
}

// BackupReader opens a stream written by BackupWriter. Any damage,
// reordering or truncation is ErrBackupCorrupt, reported before the
// damaged chunk's bytes are returned.
type BackupReader struct {
	aead  cipher.AEAD
	src   io.Reader
	nonce [chacha20poly1305.NonceSize]byte
	in    []byte // one sealed chunk plus one byte, to see whether more follows
	plain []byte // opened bytes not yet read
	done  bool   // the last chunk was opened
	err   error
}

// NewBackupReader returns a reader opening src under key.
func NewBackupReader(key [32]byte, src io.Reader) (*BackupReader, error) {
	aead, err := chacha20poly1305.New(key[:])
	if err != nil {
		return nil, fmt.Errorf("backup stream: %w", err)
	}
	return &BackupReader{aead: aead, src: src, in: make([]byte, 0, backupChunkSize+chacha20poly1305.Overhead+1)}, nil
}

// Read returns opened plaintext; io.EOF only after the authentic last chunk.
func (r *BackupReader) Read(p []byte) (int, error) {
	for len(r.plain) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.done {
			return 0, io.EOF
		}
		r.err = r.next()
	}
	n := copy(p, r.plain)
	r.plain = r.plain[n:]
	return n, nil
}

// next opens one chunk. It reads one byte past a full chunk: a chunk with
// nothing after it must be the last, and one with more after it must not be.
func (r *BackupReader) next() error {
	full := backupChunkSize + chacha20poly1305.Overhead
	carry := len(r.in) - full // the byte read ahead last time, if any
	if carry > 0 {
		r.in = append(r.in[:0], r.in[full])
	} else {
		r.in = r.in[:0]
	}
	n, err := io.ReadFull(r.src, r.in[len(r.in):full+1])
	r.in = r.in[:len(r.in)+n]
	switch {
	case err == nil:
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
	default:
		return fmt.Errorf("read backup: %w", err)
	}
	last := len(r.in) <= full
	sealed := r.in[:min(len(r.in), full)]
	if len(sealed) < chacha20poly1305.Overhead {
		return fmt.Errorf("%w: cut short", ErrBackupCorrupt)
	}
	setLast(&r.nonce, last)
	// Opened in place: r.plain is drained before the next chunk is read.
	plain, oerr := r.aead.Open(sealed[:0], r.nonce[:], sealed, nil)
	if oerr != nil {
		if last {
			return fmt.Errorf("%w: cut short or changed", ErrBackupCorrupt)
		}
		return fmt.Errorf("%w: changed", ErrBackupCorrupt)
	}
	if !last && len(plain) == 0 {
		return fmt.Errorf("%w: empty chunk", ErrBackupCorrupt)
	}
	r.plain, r.done = plain, last
	return incNonce(&r.nonce)
}

func setLast(n *[chacha20poly1305.NonceSize]byte, last bool) {
	n[len(n)-1] = 0
	if last {
		n[len(n)-1] = 1
	}
}

// incNonce steps the 11-byte counter; it refuses to wrap.
func incNonce(n *[chacha20poly1305.NonceSize]byte) error {
	for i := len(n) - 2; i >= 0; i-- {
		n[i]++
		if n[i] != 0 {
			return nil
		}
	}
	return errors.New("backup stream: chunk counter exhausted")
}
