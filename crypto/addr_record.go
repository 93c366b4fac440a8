package crypto

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"golang.org/x/crypto/cryptobyte"
)

// addrRecordLabel starts what an address record's signature covers; no
// other signed structure starts with it, so a record's signature is good
// for nothing else and nothing else's for a record.
const addrRecordLabel = "jarvis-addr-record-v1"

// MaxAddrRecordSize is the longest encoded address record: owner, version,
// MaxAddrs addresses of MaxAddr bytes, signature.
const MaxAddrRecordSize = IDSize + 8 + 1 + MaxAddrs*(1+MaxAddr) + 64

// Errors about address records; test with errors.Is.
var (
	ErrAddrRecordMalformed = errors.New("address record is malformed")
	ErrAddrRecordSignature = errors.New("address record is not signed by its owner")
)

// AddrRecord is where its owner says it can be reached, signed with the
// owner's identity key. Version orders one owner's records: a holder keeps
// the highest it has seen, so a replayed older record changes nothing.
type AddrRecord struct {
	Owner   ID
	Version uint64 // 1 and up
	Addrs   []string
	Sig     [64]byte
}

// SignAddrRecord makes id's record of addrs at version.
func SignAddrRecord(id *Identity, version uint64, addrs []string) (AddrRecord, error) {
	r := AddrRecord{Owner: id.ID(), Version: version, Addrs: slices.Clone(addrs)}
	body, err := r.body()
	if err != nil {
		return AddrRecord{}, err
	}
	copy(r.Sig[:], id.Sign(addrRecordSigned(body)))
	return r, nil
}

// Verify checks that keys belong to the record's owner and made its
// signature. It says nothing about whether the version is new.
func (r AddrRecord) Verify(keys PublicIdentity) error {
	body, err := r.body()
	if err != nil {
		return err
	}
	if keys.ID() != r.Owner || !keys.Verify(addrRecordSigned(body), r.Sig[:]) {
		return ErrAddrRecordSignature
	}
	return nil
}

// AppendBinary appends the canonical encoding, body ‖ signature.
func (r AddrRecord) AppendBinary(b []byte) ([]byte, error) {
	body, err := r.body()
	if err != nil {
		return b, err
	}
	return append(append(b, body...), r.Sig[:]...), nil
}

// body is owner[20] ‖ version:u64 ‖ n:u8 ‖ (len:u8 ‖ "host:port")×n, after
// checking the record: version 1 and up, at most MaxAddrs addresses, each
// valid (ValidateAddr) and none twice.
func (r AddrRecord) body() ([]byte, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrAddrRecordMalformed, fmt.Sprintf(format, a...))
	}
	if r.Version == 0 {
		return nil, bad("version 0")
	}
	if len(r.Addrs) > MaxAddrs {
		return nil, bad("%d addresses, limit %d", len(r.Addrs), MaxAddrs)
	}
	b := make([]byte, 0, IDSize+8+1+len(r.Addrs)*24)
	b = append(b, r.Owner[:]...)
	b = binary.BigEndian.AppendUint64(b, r.Version)
	b = append(b, byte(len(r.Addrs)))
	for i, a := range r.Addrs {
		if err := ValidateAddr(a); err != nil {
			return nil, bad("%v", err)
		}
		if slices.Contains(r.Addrs[:i], a) {
			return nil, bad("an address twice")
		}
		b = append(append(b, byte(len(a))), a...)
	}
	return b, nil
}

func addrRecordSigned(body []byte) []byte {
	return append([]byte(addrRecordLabel), body...)
}

// ParseAddrRecord decodes a record strictly: every field in range, nothing
// left over, and only the canonical encoding. It does not check the
// signature; Verify does, with the keys the session proved.
func ParseAddrRecord(b []byte) (AddrRecord, error) {
	malformed := func(why string) error { return fmt.Errorf("%w: %s", ErrAddrRecordMalformed, why) }
	if len(b) > MaxAddrRecordSize {
		return AddrRecord{}, malformed("too long")
	}
	s := cryptobyte.String(b)
	var r AddrRecord
	var n uint8
	if !s.CopyBytes(r.Owner[:]) || !s.ReadUint64(&r.Version) || !s.ReadUint8(&n) {
		return AddrRecord{}, malformed("truncated")
	}
	if n > MaxAddrs {
		return AddrRecord{}, malformed("too many addresses")
	}
	for range n {
		var a cryptobyte.String
		if !s.ReadUint8LengthPrefixed(&a) {
			return AddrRecord{}, malformed("truncated")
		}
		r.Addrs = append(r.Addrs, string(a))
	}
	if !s.CopyBytes(r.Sig[:]) {
		return AddrRecord{}, malformed("truncated")
	}
	if !s.Empty() {
		return AddrRecord{}, malformed("trailing bytes")
	}
	// The fields decode one way only; body checks what the reads cannot
	// (version, each address, duplicates).
	if _, err := r.body(); err != nil {
		return AddrRecord{}, err
	}
	return r, nil
}
