package wire

import (
	"encoding/binary"
	"fmt"
)

// A bulk payload is the plaintext of one bulk frame (PROTOCOL.md §4 "Bulk
// frames"): a whole answer to a FileGet, a chunk or a page of the hash
// list, in one piece rather than in FileData records of a transport frame
// each. Its layout is FileData's without the type, the offset (always 0)
// and the length (the rest of the payload):
//
//	root[32] ‖ hashes:u8 ‖ index:u32 ‖ data
const (
	BulkHeaderSize = FileHashSize + 1 + 4
	// MaxBulkData is the most data a bulk payload carries: the largest
	// chunk an offer may name.
	MaxBulkData = MaxFileChunk
	// MaxBulkPayload is the largest bulk payload.
	MaxBulkPayload = BulkHeaderSize + MaxBulkData
)

// AppendBulk appends d as a bulk payload; its Offset must be 0.
func AppendBulk(dst []byte, d FileData) ([]byte, error) {
	dst, err := AppendBulkHeader(dst, d)
	if err != nil {
		return dst, err
	}
	return append(dst, d.Data...), nil
}

// AppendBulkHeader appends the header of d's bulk payload, all of it but
// the data, for a sender whose data already follows in the buffer.
func AppendBulkHeader(dst []byte, d FileData) ([]byte, error) {
	if d.Offset != 0 {
		return dst, fmt.Errorf("wire: bulk data at offset %d: %w", d.Offset, ErrOverLimit)
	}
	if len(d.Data) == 0 || len(d.Data) > MaxBulkData {
		return dst, fmt.Errorf("wire: bulk data is %d bytes, limit 1..%d: %w", len(d.Data), MaxBulkData, ErrOverLimit)
	}
	dst = append(dst, d.Root[:]...)
	dst = append(dst, boolByte(d.Hashes))
	return binary.BigEndian.AppendUint32(dst, d.Index), nil
}

// DecodeBulk decodes a bulk payload. The returned Data aliases b: the
// caller hands b over with it.
func DecodeBulk(b []byte) (FileData, error) {
	if len(b) <= BulkHeaderSize {
		return FileData{}, fmt.Errorf("wire: bulk payload of %d bytes: %w", len(b), ErrTruncated)
	}
	if len(b) > MaxBulkPayload {
		return FileData{}, fmt.Errorf("wire: bulk payload of %d bytes, limit %d: %w", len(b), MaxBulkPayload, ErrOverLimit)
	}
	var d FileData
	copy(d.Root[:], b)
	switch b[FileHashSize] {
	case 0:
	case 1:
		d.Hashes = true
	default:
		return FileData{}, fmt.Errorf("wire: bulk hashes flag %d: %w", b[FileHashSize], ErrInvalidBool)
	}
	d.Index = binary.BigEndian.Uint32(b[FileHashSize+1:])
	d.Data = b[BulkHeaderSize:]
	return d, nil
}
