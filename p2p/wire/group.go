package wire

import (
	"encoding/binary"
	"fmt"
)

// Group record types (20 and up).
const (
	TypeGroupInvite    Type = 20
	TypeGroupRoster    Type = 21
	TypeGroupSenderKey Type = 22
	TypeGroupMessage   Type = 23
	TypeGroupSync      Type = 24
)

// Group limits, in bytes or entries.
const (
	// MaxRoster is the largest encoded roster (crypto.MaxRosterBytes).
	MaxRoster = 30000
	// MaxGroupCiphertext fits sent_at (8) + MaxBody + the AEAD tag (16).
	MaxGroupCiphertext = 8 + MaxBody + 16
	// MaxSyncAuthors bounds a GroupSync vector.
	MaxSyncAuthors = 1024
)

// GroupInvite carries the signed roster that lists the invitee; sent by
// the inviting admin over a 1:1 session.
type GroupInvite struct{ Roster []byte }

// GroupRoster carries one signed roster version.
type GroupRoster struct{ Roster []byte }

// GroupSenderKey is an author's chain key for one epoch, sealed to one
// recipient and signed by the author; any member may relay it.
type GroupSenderKey struct {
	Group     [16]byte
	Epoch     uint64
	Author    [20]byte
	Recipient [20]byte
	StartSeq  uint64
	Eph       [32]byte
	Box       [48]byte
	Sig       [64]byte
}

// GroupMessage is one encrypted, signed group message; any member may
// relay it.
type GroupMessage struct {
	Group      [16]byte
	Author     [20]byte
	Epoch      uint64
	Seq        uint64
	Ciphertext []byte
	Sig        [64]byte
}

// GroupSyncEntry is the highest contiguous sequence number held for one
// author.
type GroupSyncEntry struct {
	Author [20]byte
	Seq    uint64
}

// GroupSync tells a member what the sender holds, so it can send back what
// is missing. Reply marks a sync sent in answer to a sync; it is never
// answered with another sync.
type GroupSync struct {
	Group   [16]byte
	Version uint64
	Reply   bool
	Vector  []GroupSyncEntry
}

func (GroupInvite) Type() Type    { return TypeGroupInvite }
func (GroupRoster) Type() Type    { return TypeGroupRoster }
func (GroupSenderKey) Type() Type { return TypeGroupSenderKey }
func (GroupMessage) Type() Type   { return TypeGroupMessage }
func (GroupSync) Type() Type      { return TypeGroupSync }

// normalizeGroup is normalize for group records.
func normalizeGroup(m Message) (Message, bool) {
	switch v := m.(type) {
	case *GroupInvite:
		return *v, true
	case *GroupRoster:
		return *v, true
	case *GroupSenderKey:
		return *v, true
	case *GroupMessage:
		return *v, true
	case *GroupSync:
		return *v, true
	case GroupInvite, GroupRoster, GroupSenderKey, GroupMessage, GroupSync:
		return v, true
	}
	return nil, false
}

func validateGroup(m Message) error {
	checkBlob := func(field string, n, limit int) error {
		if n == 0 || n > limit {
			return fmt.Errorf("%s is %d bytes, limit 1..%d: %w", field, n, limit, ErrOverLimit)
		}
		return nil
	}
	switch v := m.(type) {
	case GroupInvite:
		return checkBlob("roster", len(v.Roster), MaxRoster)
	case GroupRoster:
		return checkBlob("roster", len(v.Roster), MaxRoster)
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
		b = append(b, v.Group[:]...)
		b = binary.BigEndian.AppendUint64(b, v.Epoch)
		b = append(b, v.Author[:]...)
		b = append(b, v.Recipient[:]...)
		b = binary.BigEndian.AppendUint64(b, v.StartSeq)
		b = append(b, v.Eph[:]...)
		b = append(b, v.Box[:]...)
		b = append(b, v.Sig[:]...)
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

// decodeGroup decodes a group record body; ok is false for other types.
func decodeGroup(t Type, r *reader) (Message, bool) {
	switch t {
	case TypeGroupInvite:
		return GroupInvite{Roster: r.blob16(MaxRoster, "roster")}, true
	case TypeGroupRoster:
		return GroupRoster{Roster: r.blob16(MaxRoster, "roster")}, true
	case TypeGroupSenderKey:
		var v GroupSenderKey
		r.array(v.Group[:])
		v.Epoch = r.u64()
		r.array(v.Author[:])
		r.array(v.Recipient[:])
		v.StartSeq = r.u64()
		r.array(v.Eph[:])
		r.array(v.Box[:])
		r.array(v.Sig[:])
		return v, true
	case TypeGroupMessage:
		var v GroupMessage
		r.array(v.Group[:])
		r.array(v.Author[:])
		v.Epoch = r.u64()
		v.Seq = r.u64()
		v.Ciphertext = r.blob16(MaxGroupCiphertext, "ciphertext")
		r.array(v.Sig[:])
		return v, true
	case TypeGroupSync:
		var v GroupSync
		r.array(v.Group[:])
		v.Version = r.u64()
		switch r.u8() {
		case 0:
		case 1:
			v.Reply = true
		default:
			r.fail(ErrInvalidBool)
		}
		n := r.u16()
		if n > MaxSyncAuthors {
			r.fail(fmt.Errorf("%d authors, limit %d: %w", n, MaxSyncAuthors, ErrOverLimit))
		}
		if r.err == nil && n > 0 {
			if len(r.b) < n*28 {
				r.fail(ErrTruncated)
				return v, true
			}
			v.Vector = make([]GroupSyncEntry, n)
			for i := range v.Vector {
				r.array(v.Vector[i].Author[:])
				v.Vector[i].Seq = r.u64()
			}
		}
		return v, true
	}
	return nil, false
}

// blob16 reads a u16-length byte string of 1..limit bytes, copied.
func (r *reader) blob16(limit int, field string) []byte {
	n := r.u16()
	if r.err != nil {
		return nil
	}
	if n == 0 || n > limit {
		r.fail(fmt.Errorf("%s is %d bytes, limit 1..%d: %w", field, n, limit, ErrOverLimit))
		return nil
	}
	v := r.bytes(n)
	if v == nil {
		return nil
	}
	return append([]byte(nil), v...)
}
