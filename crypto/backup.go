package crypto

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/chacha20poly1305"
)

// A backup file is a header and a STREAM of sealed chunks (backup_stream.go):
//
//	magic "JARVISBK" | version uint8 | flags uint8 |
//	kdf params (uint8 length, KDFParams encoding) |
//	wrapped master key (uint8 length, WrapMasterKey output) | nonce [32]
//
// The header carries the account's own passphrase wrapping, so a backup
// opens with the passphrase the account had when it was made and costs one
// Argon2id run either way. The stream key is derived from the master key,
// the random nonce and every header byte, so an edited header (flags, KDF
// cost) fails the first chunk instead of being believed.
const (
	BackupVersion   = 1
	backupMagic     = "JARVISBK"
	backupNonceSize = 32
	backupKeyLabel  = "jarvis-backup-v1/stream"

	// BackupNoHistory in Flags: the snapshot holds no messages.
	BackupNoHistory  = 1 << 0
	backupFlagsKnown = BackupNoHistory

	// Caps on a header's KDF cost, so that a crafted file cannot make a
	// restore allocate without bound before the passphrase is checked.
	maxBackupKDFMemoryKiB = 4 << 20 // 4 GiB
	maxBackupKDFTime      = 64
)

var (
	// ErrNotBackup: the file does not start like a Jarvis backup.
	ErrNotBackup = errors.New("not a Jarvis backup file")
	// ErrBackupTooNew: the file was written by a newer Jarvis.
	ErrBackupTooNew = errors.New("this backup was made by a newer Jarvis; update Jarvis to restore it")
	// ErrBackupCorrupt: the file was cut short or changed after it was written.
	ErrBackupCorrupt = errors.New("the backup file is damaged or incomplete")
)

// BackupHeader is the unencrypted start of a backup file.
type BackupHeader struct {
	Version uint8
	Flags   uint8
	KDF     KDFParams
	Wrapped []byte // the master key as WrapMasterKey wrapped it
	Nonce   [backupNonceSize]byte
}

// NewBackupHeader returns a version-1 header with a fresh nonce from r.
func NewBackupHeader(r io.Reader, kdf KDFParams, wrapped []byte, flags uint8) (BackupHeader, error) {
	h := BackupHeader{Version: BackupVersion, Flags: flags, KDF: kdf, Wrapped: bytes.Clone(wrapped)}
	if _, err := io.ReadFull(r, h.Nonce[:]); err != nil {
		return BackupHeader{}, fmt.Errorf("backup nonce: %w", err)
	}
	return h, nil
}

// MarshalBinary encodes the header.
func (h BackupHeader) MarshalBinary() ([]byte, error) {
	kdf, err := h.KDF.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("backup header: %w", err)
	}
	if len(h.Wrapped) == 0 || len(h.Wrapped) > 255 || h.Flags&^backupFlagsKnown != 0 {
		return nil, errors.New("backup header: out of range")
	}
	b := append([]byte(backupMagic), h.Version, h.Flags, byte(len(kdf)))
	b = append(b, kdf...)
	b = append(b, byte(len(h.Wrapped)))
	b = append(b, h.Wrapped...)
	return append(b, h.Nonce[:]...), nil
}

// ReadBackupHeader reads and checks a header from r, consuming exactly its
// bytes. A file from a newer format gives ErrBackupTooNew before anything
// else is parsed, since a newer header may have another shape.
func ReadBackupHeader(r io.Reader) (BackupHeader, error) {
	var h BackupHeader
	fixed := make([]byte, len(backupMagic)+2)
	if _, err := io.ReadFull(r, fixed); err != nil || string(fixed[:len(backupMagic)]) != backupMagic {
		return h, ErrNotBackup
	}
	h.Version, h.Flags = fixed[len(backupMagic)], fixed[len(backupMagic)+1]
	switch {
	case h.Version > BackupVersion:
		return h, fmt.Errorf("%w (format %d, this Jarvis reads %d)", ErrBackupTooNew, h.Version, BackupVersion)
	case h.Version < 1, h.Flags&^backupFlagsKnown != 0:
		return h, fmt.Errorf("%w: bad header", ErrBackupCorrupt)
	}
	kdf, err := readShort(r)
	if err != nil {
		return h, err
	}
	if h.KDF, err = UnmarshalKDFParams(kdf); err != nil {
		return h, fmt.Errorf("%w: %w", ErrBackupCorrupt, err)
	}
	if h.KDF.MemoryKiB > maxBackupKDFMemoryKiB || h.KDF.Time > maxBackupKDFTime {
		return h, fmt.Errorf("%w: KDF cost out of range", ErrBackupCorrupt)
	}
	if h.Wrapped, err = readShort(r); err != nil {
		return h, err
	}
	if len(h.Wrapped) == 0 {
		return h, fmt.Errorf("%w: bad header", ErrBackupCorrupt)
	}
	if _, err := io.ReadFull(r, h.Nonce[:]); err != nil {
		return h, fmt.Errorf("%w: header cut short", ErrBackupCorrupt)
	}
	return h, nil
}

// readShort reads a uint8 length and that many bytes.
func readShort(r io.Reader) ([]byte, error) {
	var n [1]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, fmt.Errorf("%w: header cut short", ErrBackupCorrupt)
	}
	b := make([]byte, n[0])
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("%w: header cut short", ErrBackupCorrupt)
	}
	return b, nil
}

// OpenBackupKey unwraps the master key in h with pass (ErrWrongPassphrase
// if it does not) and returns it with the stream key for this file.
func OpenBackupKey(pass []byte, h BackupHeader) (MasterKey, [32]byte, error) {
	mk, err := UnwrapMasterKey(pass, h.KDF, h.Wrapped)
	if err != nil {
		return mk, [32]byte{}, err
	}
	key, err := BackupStreamKey(mk, h)
	if err != nil {
		clear(mk[:])
		return MasterKey{}, key, err
	}
	return mk, key, nil
}

// BackupStreamKey derives the key that seals the chunks of the file with
// header h: HKDF-SHA256 of the master key, salted with the file's nonce,
// bound to the whole encoded header. Distinct from every other key derived
// from the master key by its label.
func BackupStreamKey(mk MasterKey, h BackupHeader) ([32]byte, error) {
	var k [32]byte
	enc, err := h.MarshalBinary()
	if err != nil {
		return k, err
	}
	key, err := hkdf.Key(sha256.New, mk[:], h.Nonce[:], backupKeyLabel+string(enc), chacha20poly1305.KeySize)
	if err != nil {
		return k, fmt.Errorf("backup key: %w", err)
	}
	copy(k[:], key)
	clear(key)
	return k, nil
}
