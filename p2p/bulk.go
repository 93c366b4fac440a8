package p2p

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"unsafe"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/sys/cpu"

	"jarvis/p2p/wire"
)

// Bulk frames (PROTOCOL.md §4) carry file data: one whole chunk or hash
// page per frame, up to a MiB, instead of a transport frame of 32 KiB per
// piece. They are sealed under keys of their own, derived from the
// session's transport keys, with AES-256-GCM where the sender's CPU has
// AES instructions (three times ChaCha20-Poly1305's speed on such CPUs)
// and ChaCha20-Poly1305 elsewhere. The header names the cipher and is
// authenticated as additional data.
const (
	kindBulk byte = 2

	bulkAESGCM byte = 1
	bulkChaCha byte = 2

	// bulkHeaderSize is version, kind, cipher, a zero byte and the
	// payload length as a u32.
	bulkHeaderSize = 8
	bulkTagSize    = 16
	// MaxBulkFrame is the largest bulk frame payload: the largest bulk
	// payload and the AEAD tag.
	MaxBulkFrame = wire.MaxBulkPayload + bulkTagSize
)

// HKDF labels of the bulk keys.
const (
	bulkLabel       = "jarvis/2 bulk"
	bulkLabelAES    = "jarvis/2 bulk aes-256-gcm"
	bulkLabelChaCha = "jarvis/2 bulk chacha20-poly1305"
	bulkLabelRekey  = "jarvis/2 bulk rekey"
)

var (
	errBulkCipher = errors.New("p2p: bulk frame names an unknown cipher")
	errBulkNonce  = errors.New("p2p: bulk nonces exhausted")
)

// bulkCipher is one direction's bulk keys: a base secret, the two AEADs
// derived from it and the frame counter that makes their nonces. The
// writer owns the sending one and the reader the receiving one.
type bulkCipher struct {
	base   []byte
	aes    cipher.AEAD
	chacha cipher.AEAD
	n      uint64
	nonce  [12]byte
}

// newBulkCipher derives one direction's bulk keys from its transport key.
func newBulkCipher(transportKey [32]byte) (*bulkCipher, error) {
	base, err := hkdf.Key(sha256.New, transportKey[:], nil, bulkLabel, 32)
	if err != nil {
		return nil, fmt.Errorf("p2p: derive bulk key: %w", err)
	}
	c := &bulkCipher{}
	if err := c.setBase(base); err != nil {
		return nil, err
	}
	return c, nil
}

// setBase keys both AEADs from base and restarts the counter.
func (c *bulkCipher) setBase(base []byte) error {
	ak, err := hkdf.Key(sha256.New, base, nil, bulkLabelAES, 32)
	if err != nil {
		return fmt.Errorf("p2p: derive bulk key: %w", err)
	}
	ck, err := hkdf.Key(sha256.New, base, nil, bulkLabelChaCha, chacha20poly1305.KeySize)
	if err != nil {
		return fmt.Errorf("p2p: derive bulk key: %w", err)
	}
	block, err := aes.NewCipher(ak)
	if err != nil {
		return fmt.Errorf("p2p: bulk cipher: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return fmt.Errorf("p2p: bulk cipher: %w", err)
	}
	cc, err := chacha20poly1305.New(ck)
	if err != nil {
		return fmt.Errorf("p2p: bulk cipher: %w", err)
	}
	c.base, c.aes, c.chacha, c.n = base, gcm, cc, 0
	return nil
}

// rekey replaces the keys with ones derived from them, as the transport
// keys are replaced at a Rekey record: the frames after it use the new
// keys, and the old ones cannot be recovered from them.
func (c *bulkCipher) rekey() error {
	base, err := hkdf.Key(sha256.New, c.base, nil, bulkLabelRekey, 32)
	if err != nil {
		return fmt.Errorf("p2p: derive bulk key: %w", err)
	}
	return c.setBase(base)
}

// aead is the AEAD the cipher byte names.
func (c *bulkCipher) aead(id byte) (cipher.AEAD, error) {
	switch id {
	case bulkAESGCM:
		return c.aes, nil
	case bulkChaCha:
		return c.chacha, nil
	}
	return nil, fmt.Errorf("%w: %d", errBulkCipher, id)
}

// next is the nonce of the next frame: the counter, big-endian, after
// four zero bytes. One counter serves both AEADs, whose keys differ.
func (c *bulkCipher) next() ([]byte, error) {
	if c.n == ^uint64(0) {
		return nil, errBulkNonce
	}
	binary.BigEndian.PutUint64(c.nonce[4:], c.n)
	c.n++
	return c.nonce[:], nil
}

// seal appends payload to dst as a bulk frame under the cipher id.
func (c *bulkCipher) seal(dst []byte, id byte, payload []byte) ([]byte, error) {
	a, err := c.aead(id)
	if err != nil {
		return dst, err
	}
	if len(payload) > wire.MaxBulkPayload {
		return dst, fmt.Errorf("%w: bulk payload of %d bytes", errFrameTooBig, len(payload))
	}
	nonce, err := c.next()
	if err != nil {
		return dst, err
	}
	start := len(dst)
	dst = appendBulkHeader(dst, id, len(payload)+bulkTagSize)
	return a.Seal(dst, nonce, payload, dst[start:]), nil
}

// open decrypts a bulk frame's payload ct, whose header was hdr, into
// dst, a buffer of length 0 that the caller owns.
func (c *bulkCipher) open(dst, hdr, ct []byte) ([]byte, error) {
	a, err := c.aead(hdr[2])
	if err != nil {
		return nil, err
	}
	nonce, err := c.next()
	if err != nil {
		return nil, err
	}
	return a.Open(dst, nonce, ct, hdr)
}

func appendBulkHeader(dst []byte, id byte, n int) []byte {
	dst = append(dst, frameVersion, kindBulk, id, 0)
	return binary.BigEndian.AppendUint32(dst, uint32(n))
}

// preferredBulkCipher is what this machine seals bulk frames with: AES-GCM
// where the CPU has instructions for it, which also keep it constant-time.
func preferredBulkCipher() byte {
	if cpu.X86.HasAES && cpu.X86.HasPCLMULQDQ || cpu.ARM64.HasAES && cpu.ARM64.HasPMULL {
		return bulkAESGCM
	}
	return bulkChaCha
}

// bulkPoolSize is how many bulk buffers an engine keeps for reuse: about
// what one transfer has in flight each way (a session's bulk queue of 8
// sending; the app's window of 32 receiving), 10 MiB with 256 KiB chunks.
// A fresh buffer costs more than the copy into it: the pages of a new one
// are faulted in (on a VM, from the host) on first touch, a quarter of a
// second per GiB here.
const bulkPoolSize = 40

// bulkDataAlign is where the data of a bulk buffer starts: on a page
// boundary, past the bulk payload's header. A receiver can then hand a
// chunk straight to an O_DIRECT write, and a sender read a chunk straight
// into the buffer it is sealed from, with no copy either way.
const bulkDataAlign = 4096

// bufferPool keeps bulk buffers for reuse; any goroutine may use it. Each
// buffer starts wire.BulkHeaderSize bytes before a page boundary.
type bufferPool chan []byte

// get returns a buffer of length 0 and capacity at least n.
func (p bufferPool) get(n int) []byte {
	select {
	case b := <-p:
		if cap(b) >= n {
			return b[:0]
		}
	default:
	}
	return newBulkBuffer(n)
}

// newBulkBuffer allocates a buffer of capacity n whose byte at
// wire.BulkHeaderSize is page-aligned. Go's heap promises no alignment,
// so it takes a page more and starts where the address says; the heap
// does not move what it allocated.
func newBulkBuffer(n int) []byte {
	b := make([]byte, n+bulkDataAlign)
	addr := uintptr(unsafe.Pointer(&b[0])) + wire.BulkHeaderSize
	skip := int((bulkDataAlign - addr%bulkDataAlign) % bulkDataAlign)
	return b[skip : skip : skip+n]
}

// put keeps b for reuse, or drops it when the pool is full.
func (p bufferPool) put(b []byte) {
	if cap(b) == 0 {
		return
	}
	select {
	case p <- b[:0]:
	default:
	}
}

// lentBuffers remembers, for the Data of each FileData delivered from a
// bulk frame, the buffer it lives in, so that RecycleBulk can take the
// whole buffer back from the Data alone. Data the app never hands back is
// forgotten past a bound and left to the garbage collector.
type lentBuffers struct {
	mu sync.Mutex
	m  map[*byte][]byte
}

func (l *lentBuffers) lend(data, buf []byte) {
	if len(data) == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil || len(l.m) >= 2*bulkPoolSize {
		l.m = make(map[*byte][]byte)
	}
	l.m[&data[0]] = buf
}

// find returns the buffer data was lent in, if it was, and leaves it lent.
func (l *lentBuffers) find(data []byte) ([]byte, bool) { return l.lookup(data, false) }

// back returns the buffer data was lent in, if it was.
func (l *lentBuffers) back(data []byte) ([]byte, bool) { return l.lookup(data, true) }

func (l *lentBuffers) lookup(data []byte, forget bool) ([]byte, bool) {
	if len(data) == 0 {
		return nil, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	buf, ok := l.m[&data[0]]
	if forget {
		delete(l.m, &data[0])
	}
	return buf, ok
}
