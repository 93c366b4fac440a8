package app

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/zeebo/blake3"

	"jarvis/p2p/wire"
)

// fileChunk is the chunk size of the files we offer: the unit of
// verification and of resume, and one bulk frame on the wire. Larger
// chunks cost memory (a window of them in flight) and more refetching
// after a bad chunk; smaller ones more frames and hashes.
const fileChunk = 256 << 10

// fileRootLabel separates the root hash from any other use of BLAKE3.
const fileRootLabel = "jarvis-file-v2\x00"

// hashSize is the size of a chunk hash and of a root.
const hashSize = wire.FileHashSize

// chunkHash is what a chunk is verified against: BLAKE3-256 of its bytes.
// BLAKE3 rather than SHA-256: twice as fast here (4 GB/s against 2 GB/s
// with SHA-NI), and the sender hashes every byte before the offer and the
// receiver every byte as it arrives.
func chunkHash(b []byte) [hashSize]byte { return blake3.Sum256(b) }

// chunkMatches reports whether b is chunk i of a file with chunk-hash list
// hashes.
func chunkMatches(hashes []byte, i int, b []byte) bool {
	sum := chunkHash(b)
	return len(hashes) >= (i+1)*hashSize && bytes.Equal(sum[:], hashes[i*hashSize:(i+1)*hashSize])
}

// numChunks is how many chunks a file of size bytes has; none when empty.
func numChunks(size int64, chunk int) int {
	return int((size + int64(chunk) - 1) / int64(chunk))
}

// chunkLen is the length of chunk i of a file of size bytes.
func chunkLen(size int64, chunk, i int) int {
	return int(min(int64(chunk), size-int64(i)*int64(chunk)))
}

// fileRoot is what an offer names a file by: BLAKE3 over the label, the
// size, the chunk size and the chunk hashes in order. Verifying the hash
// list against it and each chunk against the list verifies the file.
func fileRoot(size int64, chunk int, hashes []byte) [32]byte {
	h := blake3.New()
	h.Write([]byte(fileRootLabel))
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(size)))
	h.Write(binary.BigEndian.AppendUint32(nil, uint32(chunk)))
	h.Write(hashes)
	var r [32]byte
	h.Sum(r[:0])
	return r
}

// hashFile reads f and returns its chunk hashes; the file must still be
// size bytes long. The chunks are hashed on every core at once: this is
// the wait between /send and the offer.
func hashFile(ctx context.Context, f *os.File, size int64, chunk int) ([]byte, error) {
	n := numChunks(size, chunk)
	hashes := make([]byte, n*hashSize)
	workers := max(1, min(runtime.GOMAXPROCS(0), n))
	errs := make(chan error, workers)
	for w := range workers {
		go func() { errs <- hashChunks(ctx, f, size, chunk, hashes, w, workers) }()
	}
	var first error
	for range workers {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	if first != nil {
		return nil, first
	}
	return hashes, nil
}

// hashChunks hashes every workers-th chunk of f from chunk w into hashes.
// Neighbouring chunks go to different workers, so the file is still read
// front to back, which read-ahead likes.
func hashChunks(ctx context.Context, f *os.File, size int64, chunk int, hashes []byte, w, workers int) error {
	buf := make([]byte, chunk)
	for i := w; i < numChunks(size, chunk); i += workers {
		if (i/workers)%64 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		b := buf[:chunkLen(size, chunk, i)]
		if _, err := f.ReadAt(b, int64(i)*int64(chunk)); err != nil {
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("read: the file shrank while being read")
			}
			return fmt.Errorf("read: %w", err)
		}
		sum := chunkHash(b)
		copy(hashes[i*hashSize:], sum[:])
	}
	return nil
}

// hashPages is how many FileData pages the hash list of n chunks takes.
func hashPages(n int) int { return (n + wire.HashesPerPage - 1) / wire.HashesPerPage }

// hashPage returns page p of a hash list.
func hashPage(hashes []byte, p int) []byte {
	lo := p * wire.HashesPerPage * hashSize
	hi := min(len(hashes), lo+wire.HashesPerPage*hashSize)
	if lo >= hi {
		return nil
	}
	return hashes[lo:hi]
}
