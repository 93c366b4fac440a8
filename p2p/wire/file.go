package wire

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
)

// File transfer records (PROTOCOL.md "Files"). A file is known by its root:
// the hash over its size, chunk size and chunk hashes, so any holder of
// verified chunks can serve them. An offer names it; the receiver pulls the
// chunk-hash list and the chunks with FileGet, a window at a time, and the
// holder answers each with FileData pieces in order.
const (
	TypeFileOffer  Type = 30
	TypeFileStatus Type = 31
	TypeFileGet    Type = 32
	TypeFileData   Type = 33
)

// Limits of the file records.
const (
	MaxFileName   = 255     // bytes of UTF-8 in an offered name
	MaxFileChunk  = 1 << 20 // largest chunk size an offer may name
	MaxFileData   = 32704   // bytes in one FileData piece: one per transport frame
	MaxFileReason = 200     // bytes of a FileStatus reason
	MaxFileSize   = 1 << 46 // bytes in an offered file, far over any local limit
	FileHashSize  = 32      // BLAKE3-256
	HashesPerPage = 1000    // chunk hashes in one FileData page of the hash list
	FileIDSize    = 16      // bytes of an offer's ID
)

// FileStatus values.
const (
	FileAccept uint8 = 1 + iota // the receiver will fetch
	FileReject                  // the receiver declined
	FileCancel                  // either side stopped the transfer
	FileDone                    // the receiver holds the whole verified file
	FileFail                    // something went wrong; Reason says what
	fileStatusEnd
)

// FileOffer proposes a file: its ID for this offer, its root, size, chunk
// size and a name the receiver sanitises before use.
type FileOffer struct {
	ID        [FileIDSize]byte
	Root      [FileHashSize]byte
	Size      uint64
	ChunkSize uint32
	Name      string
}

// FileStatus answers or ends the offer ID.
type FileStatus struct {
	ID     [FileIDSize]byte
	Status uint8
	Reason string
}

// FileGet asks a holder of Root for one chunk, or with Hashes for one page
// of the chunk-hash list.
type FileGet struct {
	Root   [FileHashSize]byte
	Hashes bool
	Index  uint32
}

// FileData is one piece of what a FileGet asked for, Offset bytes into it.
type FileData struct {
	Root   [FileHashSize]byte
	Hashes bool
	Index  uint32
	Offset uint32
	Data   []byte
}

func (FileOffer) Type() Type  { return TypeFileOffer }
func (FileStatus) Type() Type { return TypeFileStatus }
func (FileGet) Type() Type    { return TypeFileGet }
func (FileData) Type() Type   { return TypeFileData }

// fileRecord reports whether m is one of the file records, by value.
func fileRecord(m Message) bool {
	switch m.(type) {
	case FileOffer, FileStatus, FileGet, FileData:
		return true
	}
	return false
}

func fileTypeName(t Type) (string, bool) {
	switch t {
	case TypeFileOffer:
		return "FileOffer", true
	case TypeFileStatus:
		return "FileStatus", true
	case TypeFileGet:
		return "FileGet", true
	case TypeFileData:
		return "FileData", true
	}
	return "", false
}

func validateFile(m Message) error {
	switch v := m.(type) {
	case FileOffer:
		if v.Name == "" {
			return fmt.Errorf("empty file name: %w", ErrOverLimit)
		}
		if v.ChunkSize == 0 || v.ChunkSize > MaxFileChunk {
			return fmt.Errorf("chunk size %d, limit 1..%d: %w", v.ChunkSize, MaxFileChunk, ErrOverLimit)
		}
		if v.Size > MaxFileSize {
			return fmt.Errorf("file size %d, limit %d: %w", v.Size, uint64(MaxFileSize), ErrOverLimit)
		}
		return checkString("name", v.Name, MaxFileName)
	case FileStatus:
		if v.Status == 0 || v.Status >= fileStatusEnd {
			return fmt.Errorf("file status %d: %w", v.Status, ErrOverLimit)
		}
		return checkString("reason", v.Reason, MaxFileReason)
	case FileData:
		if len(v.Data) == 0 || len(v.Data) > MaxFileData {
			return fmt.Errorf("data is %d bytes, limit 1..%d: %w", len(v.Data), MaxFileData, ErrOverLimit)
		}
	}
	return nil
}

func appendFileBody(b []byte, m Message) []byte {
	switch v := m.(type) {
	case FileOffer:
		b = append(b, v.ID[:]...)
		b = append(b, v.Root[:]...)
		b = binary.BigEndian.AppendUint64(b, v.Size)
		b = binary.BigEndian.AppendUint32(b, v.ChunkSize)
		b = appendStr8(b, v.Name)
	case FileStatus:
		b = append(b, v.ID[:]...)
		b = append(b, v.Status)
		b = appendStr8(b, v.Reason)
	case FileGet:
		b = append(b, v.Root[:]...)
		b = append(b, boolByte(v.Hashes))
		b = binary.BigEndian.AppendUint32(b, v.Index)
	case FileData:
		b = append(b, v.Root[:]...)
		b = append(b, boolByte(v.Hashes))
		b = binary.BigEndian.AppendUint32(b, v.Index)
		b = binary.BigEndian.AppendUint32(b, v.Offset)
		b = appendBytes16(b, v.Data)
	}
	return b
}

// decodeFileRecord decodes the body of a file record; any other type is unknown.
func decodeFileRecord(t Type, s *cryptobyte.String) (Message, error) {
	switch t {
	case TypeFileOffer:
		return decodeFileOffer(s)
	case TypeFileStatus:
		return decodeFileStatus(s)
	case TypeFileGet:
		var v FileGet
		if !s.CopyBytes(v.Root[:]) {
			return nil, ErrTruncated
		}
		h, err := readBool(s)
		if err != nil {
			return nil, err
		}
		if !s.ReadUint32(&v.Index) {
			return nil, ErrTruncated
		}
		v.Hashes = h
		return v, nil
	case TypeFileData:
		return decodeFileData(s)
	}
	return nil, ErrUnknownType
}

func decodeFileOffer(s *cryptobyte.String) (Message, error) {
	var v FileOffer
	if !s.CopyBytes(v.ID[:]) || !s.CopyBytes(v.Root[:]) || !s.ReadUint64(&v.Size) || !s.ReadUint32(&v.ChunkSize) {
		return nil, ErrTruncated
	}
	name, err := readStr8(s, MaxFileName, "name")
	if err != nil {
		return nil, err
	}
	v.Name = name
	if err := validateFile(v); err != nil {
		return nil, err
	}
	return v, nil
}

func decodeFileStatus(s *cryptobyte.String) (Message, error) {
	var v FileStatus
	if !s.CopyBytes(v.ID[:]) || !s.ReadUint8(&v.Status) {
		return nil, ErrTruncated
	}
	reason, err := readStr8(s, MaxFileReason, "reason")
	if err != nil {
		return nil, err
	}
	v.Reason = reason
	if err := validateFile(v); err != nil {
		return nil, err
	}
	return v, nil
}

func decodeFileData(s *cryptobyte.String) (Message, error) {
	var v FileData
	if !s.CopyBytes(v.Root[:]) {
		return nil, ErrTruncated
	}
	h, err := readBool(s)
	if err != nil {
		return nil, err
	}
	v.Hashes = h
	if !s.ReadUint32(&v.Index) || !s.ReadUint32(&v.Offset) {
		return nil, ErrTruncated
	}
	if v.Data, err = readBlob16(s, MaxFileData, "data"); err != nil {
		return nil, err
	}
	return v, nil
}
