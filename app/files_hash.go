package app

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"jarvis/p2p/wire"
)

// fileChunk is the chunk size of the files we offer: the unit of
// verification and of resume, eight full FileData pieces, so a chunk
// travels in eight full frames.
const fileChunk = 8 * wire.MaxFileData

// fileRootLabel separates the root hash from any other SHA-256 use.
const fileRootLabel = "jarvis-file-v1\x00"

// numChunks is how many chunks a file of size bytes has; none when empty.
func numChunks(size int64, chunk int) int {
	return int((size + int64(chunk) - 1) / int64(chunk))
}

// chunkLen is the length of chunk i of a file of size bytes.
func chunkLen(size int64, chunk, i int) int {
	return int(min(int64(chunk), size-int64(i)*int64(chunk)))
}

// fileRoot is what an offer names a file by: SHA-256 over the label, the
// size, the chunk size and the chunk hashes in order. Verifying the hash
// list against it and each chunk against the list verifies the file.
func fileRoot(size int64, chunk int, hashes []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte(fileRootLabel))
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(size)))
	h.Write(binary.BigEndian.AppendUint32(nil, uint32(chunk)))
	h.Write(hashes)
	var r [32]byte
	h.Sum(r[:0])
	return r
}

// hashFile reads f from the start and returns its chunk hashes; the file
// must still be size bytes long.
func hashFile(ctx context.Context, f *os.File, size int64, chunk int) ([]byte, error) {
	n := numChunks(size, chunk)
	hashes := make([]byte, 0, n*sha256.Size)
	buf := make([]byte, chunk)
	for i := range n {
		if i%64 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		b := buf[:chunkLen(size, chunk, i)]
		if _, err := f.ReadAt(b, int64(i)*int64(chunk)); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("read: the file shrank while being read")
			}
			return nil, fmt.Errorf("read: %w", err)
		}
		sum := sha256.Sum256(b)
		hashes = append(hashes, sum[:]...)
	}
	return hashes, nil
}

// hashPages is how many FileData pages the hash list of n chunks takes.
func hashPages(n int) int { return (n + wire.HashesPerPage - 1) / wire.HashesPerPage }

// hashPage returns page p of a hash list.
func hashPage(hashes []byte, p int) []byte {
	lo := p * wire.HashesPerPage * sha256.Size
	hi := min(len(hashes), lo+wire.HashesPerPage*sha256.Size)
	if lo >= hi {
		return nil
	}
	return hashes[lo:hi]
}
