package wire

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/crypto/cryptobyte"

	"jarvis/crypto"
)

// Group record types (20 and up).
const (
	TypeGroupInvite    Type = 20
	TypeGroupRoster    Type = 21
	TypeGroupSenderKey Type = 22
	TypeGroupMessage   Type = 23
	TypeGroupSync      Type = 24
)

// Group limits, in bytes or entries. A roster is at most
// crypto.MaxRosterBytes.
const (
	// MaxGroupCiphertext fits the largest GroupText (a content record) and
	// the AEAD tag (16).
	MaxGroupCiphertext = groupTextHeader + maxGroupRecord + 16
	// MaxSyncAuthors bounds a GroupSync vector.
	MaxSyncAuthors = 1024
)

// GroupInvite carries the signed roster that lists the invitee; sent by
// the inviting admin over a 1:1 session.
type GroupInvite struct{ Roster []byte }

// GroupRoster carries one signed roster version.
type GroupRoster struct{ Roster []byte }

// GroupSenderKey carries a crypto.SenderKey: an author's chain key for one
// epoch, sealed to one recipient and signed by the author; any member may
// relay it. Convert with crypto.SenderKey(v) and GroupSenderKey(k).
type GroupSenderKey crypto.SenderKey

// GroupMessage is one encrypted, signed group message; any member may
// relay it.
type GroupMessage struct {
	Group      crypto.GroupID
	Author     crypto.ID
	Epoch      uint64
	Seq        uint64
	Ciphertext []byte
	Sig        [64]byte
}

// GroupSyncEntry is the highest contiguous sequence number held for one
// author.
type GroupSyncEntry struct {
	Author crypto.ID
	Seq    uint64
}

// GroupSync tells a member what the sender holds, so it can send back what
// is missing. Reply marks a sync sent in answer to a sync; it is never
// answered with another sync.
type GroupSync struct {
	Group   crypto.GroupID
	Version uint64
	Reply   bool
	Vector  []GroupSyncEntry
}

func (GroupInvite) Type() Type    { return TypeGroupInvite }
func (GroupRoster) Type() Type    { return TypeGroupRoster }
func (GroupSenderKey) Type() Type { return TypeGroupSenderKey }
func (GroupMessage) Type() Type   { return TypeGroupMessage }
func (GroupSync) Type() Type      { return TypeGroupSync }

func validateGroup(m Message) error {
	checkBlob := func(field string, n, limit int) error {
		if n == 0 || n > limit {
			return fmt.Errorf("%s is %d bytes, limit 1..%d: %w", field, n, limit, ErrOverLimit)
		}
		return nil
	}
	switch v := m.(type) {
	case GroupInvite:
		return checkBlob("roster", len(v.Roster), crypto.MaxRosterBytes)
	case GroupRoster:
		return checkBlob("roster", len(v.Roster), crypto.MaxRosterBytes)
	case GroupMessage:
		return checkBlob("ciphertext", len(v.Ciphertext), MaxGroupCiphertext)
	case GroupSync:
		if len(v.Vector) > MaxSyncAuthors {
			return fmt.Errorf("%d authors, limit %d: %w", len(v.Vector), MaxSyncAuthors, ErrOverLimit)
		}
	}
	return nil
}

func appendGroupBody(b []byte, m Message) []byte {
	switch v := m.(type) {
	case GroupInvite:
		b = appendBytes16(b, v.Roster)
	case GroupRoster:
		b = appendBytes16(b, v.Roster)
	case GroupSenderKey:
		k := crypto.SenderKey(v)
		b, _ = k.AppendBinary(b) // cannot fail
	case GroupMessage:
		b = append(b, v.Group[:]...)
		b = append(b, v.Author[:]...)
		b = binary.BigEndian.AppendUint64(b, v.Epoch)
		b = binary.BigEndian.AppendUint64(b, v.Seq)
		b = appendBytes16(b, v.Ciphertext)
		b = append(b, v.Sig[:]...)
	case GroupSync:
		b = append(b, v.Group[:]...)
		b = binary.BigEndian.AppendUint64(b, v.Version)
		b = append(b, boolByte(v.Reply))
		b = binary.BigEndian.AppendUint16(b, uint16(len(v.Vector)))
		for _, e := range v.Vector {
			b = append(b, e.Author[:]...)
			b = binary.BigEndian.AppendUint64(b, e.Seq)
		}
	}
	return b
}

func appendBytes16(b, v []byte) []byte {
	return append(binary.BigEndian.AppendUint16(b, uint16(len(v))), v...)
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// decodeGroupRecord decodes the body of a group record, mirroring
// appendGroupBody; any other type is unknown.
func decodeGroupRecord(t Type, s *cryptobyte.String) (Message, error) {
	switch t {
	case TypeGroupInvite:
		return decodeGroupInvite(s)
	case TypeGroupRoster:
		return decodeGroupRoster(s)
	case TypeGroupSenderKey:
		return decodeGroupSenderKey(s)
	case TypeGroupMessage:
		return decodeGroupMessage(s)
	case TypeGroupSync:
		return decodeGroupSync(s)
	}
	return nil, ErrUnknownType
}

func decodeGroupInvite(s *cryptobyte.String) (Message, error) {
	roster, err := readBlob16(s, crypto.MaxRosterBytes, "roster")
	if err != nil {
		return nil, err
	}
	return GroupInvite{Roster: roster}, nil
}

func decodeGroupRoster(s *cryptobyte.String) (Message, error) {
	roster, err := readBlob16(s, crypto.MaxRosterBytes, "roster")
	if err != nil {
		return nil, err
	}
	return GroupRoster{Roster: roster}, nil
}

func decodeGroupSenderKey(s *cryptobyte.String) (Message, error) {
	var b []byte
	if !s.ReadBytes(&b, crypto.SenderKeySize) {
		return nil, ErrTruncated
	}
	k, err := crypto.ParseSenderKey(b)
	if err != nil {
		return nil, err
	}
	return GroupSenderKey(k), nil
}

func decodeGroupMessage(s *cryptobyte.String) (Message, error) {
	var v GroupMessage
	if !s.CopyBytes(v.Group[:]) || !s.CopyBytes(v.Author[:]) || !s.ReadUint64(&v.Epoch) || !s.ReadUint64(&v.Seq) {
		return nil, ErrTruncated
	}
	ct, err := readBlob16(s, MaxGroupCiphertext, "ciphertext")
	if err != nil {
		return nil, err
	}
	v.Ciphertext = ct
	if !s.CopyBytes(v.Sig[:]) {
		return nil, ErrTruncated
	}
	return v, nil
}

// syncEntrySize is author[20] ‖ seq:u64.
const syncEntrySize = crypto.IDSize + 8

func decodeGroupSync(s *cryptobyte.String) (Message, error) {
	var v GroupSync
	if !s.CopyBytes(v.Group[:]) || !s.ReadUint64(&v.Version) {
		return nil, ErrTruncated
	}
	reply, err := readBool(s)
	if err != nil {
		return nil, err
	}
	v.Reply = reply
	var n uint16
	if !s.ReadUint16(&n) {
		return nil, ErrTruncated
	}
	if n > MaxSyncAuthors {
		return nil, fmt.Errorf("%d authors, limit %d: %w", n, MaxSyncAuthors, ErrOverLimit)
	}
	var vec cryptobyte.String
	if !s.ReadBytes((*[]byte)(&vec), int(n)*syncEntrySize) {
		return nil, ErrTruncated
	}
	if n == 0 {
		return v, nil
	}
	v.Vector = make([]GroupSyncEntry, n)
	for i := range v.Vector {
		vec.CopyBytes(v.Vector[i].Author[:])
		vec.ReadUint64(&v.Vector[i].Seq)
	}
	return v, nil
}
