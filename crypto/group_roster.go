package crypto

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
)

// GroupIDSize is the length of a group ID in bytes.
const GroupIDSize = 16

const (
	rosterSigPrefix = "jarvis-roster-v1"
	rosterSigSize   = 64
)

// Errors about rosters; test with errors.Is.
var (
	ErrRosterMalformed  = errors.New("roster is malformed")
	ErrRosterSignature  = errors.New("roster signature is invalid")
	ErrRosterTransition = errors.New("roster change is not allowed")
	ErrRosterTooBig     = errors.New("roster is too big; the group is full")
)

// GroupID names a group: 16 random bytes chosen by its creator.
type GroupID [GroupIDSize]byte

// String returns the 32-character hex form.
func (g GroupID) String() string { return hex.EncodeToString(g[:]) }

// Role is a member's power in a group.
type Role uint8

// Roles; the numbers are part of the roster encoding.
const (
	RoleMember Role = 1
	RoleAdmin  Role = 2
	RoleOwner  Role = 3
)

func (r Role) String() string {
	switch r {
	case RoleMember:
		return "member"
	case RoleAdmin:
		return "admin"
	case RoleOwner:
		return "owner"
	}
	return "unknown"
}

// Manages reports whether the role may add and remove members and rename.
func (r Role) Manages() bool { return r == RoleAdmin || r == RoleOwner }

// RosterMember is one member: keys (the ID is always recomputed from them),
// a display name and addresses (set by the admin who added the member, and
// changed after that only by the member), and a role.
type RosterMember struct {
	Keys  PublicIdentity
	Name  string
	Addrs []string
	Role  Role
}

// Roster is one signed version of a group's membership.
type Roster struct {
	Group       GroupID
	Version     uint64
	Name        string
	Description string
	Members     []RosterMember // sorted by ID, no duplicates
	Signer      ID
	Sig         [rosterSigSize]byte
}

// Member returns the member with id.
func (r *Roster) Member(id ID) (RosterMember, bool) {
	for _, m := range r.Members {
		if m.Keys.ID() == id {
			return m, true
		}
	}
	return RosterMember{}, false
}

// Clone returns a deep copy without the signature.
func (r *Roster) Clone() *Roster {
	c := *r
	c.Members = make([]RosterMember, len(r.Members))
	for i, m := range r.Members {
		m.Addrs = slices.Clone(m.Addrs)
		c.Members[i] = m
	}
	c.Signer, c.Sig = ID{}, [rosterSigSize]byte{}
	return &c
}

// SortMembers puts members in canonical (ID) order.
func (r *Roster) SortMembers() {
	slices.SortFunc(r.Members, func(a, b RosterMember) int {
		ia, ib := a.Keys.ID(), b.Keys.ID()
		return bytes.Compare(ia[:], ib[:])
	})
}

// body is the canonical encoding without the signature.
func (r *Roster) body() ([]byte, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, 1024)
	b = append(b, r.Group[:]...)
	b = binary.BigEndian.AppendUint64(b, r.Version)
	b = append(append(b, byte(len(r.Name))), r.Name...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(r.Description)))
	b = append(b, r.Description...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(r.Members)))
	for _, m := range r.Members {
		b = append(b, m.Keys.Sign[:]...)
		b = append(b, m.Keys.DH[:]...)
		b = append(append(b, byte(len(m.Name))), m.Name...)
		b = append(b, byte(len(m.Addrs)))
		for _, a := range m.Addrs {
			b = append(append(b, byte(len(a))), a...)
		}
		b = append(b, byte(m.Role))
	}
	b = append(b, r.Signer[:]...)
	if len(b)+rosterSigSize > MaxRosterBytes {
		return nil, ErrRosterTooBig
	}
	return b, nil
}

func (r *Roster) validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrRosterMalformed, fmt.Sprintf(format, a...))
	}
	if r.Version == 0 {
		return bad("version 0")
	}
	if checkNameShape(r.Name) != nil {
		return bad("group name")
	}
	if err := ValidateText(r.Description, MaxDescription); err != nil {
		return bad("description: %v", err)
	}
	if len(r.Members) == 0 || len(r.Members) > MaxGroupMembers {
		return bad("%d members", len(r.Members))
	}
	owners := 0
	var prev ID
	for i, m := range r.Members {
		id := m.Keys.ID()
		if i > 0 && bytes.Compare(prev[:], id[:]) >= 0 {
			return bad("members not in canonical order")
		}
		prev = id
		if checkNameShape(m.Name) != nil {
			return bad("member name")
		}
		if len(m.Addrs) > MaxAddrs {
			return bad("too many addresses")
		}
		for _, a := range m.Addrs {
			if _, err := checkAddrShape(a); err != nil {
				return bad("member address")
			}
		}
		switch m.Role {
		case RoleOwner:
			owners++
		case RoleAdmin, RoleMember:
		default:
			return bad("role %d", m.Role)
		}
	}
	if owners > 1 {
		return bad("%d owners", owners)
	}
	return nil
}

// ValidateText checks free text such as a group description: at most max
// bytes of UTF-8, no control characters other than newline.
func ValidateText(s string, max int) error {
	switch {
	case len(s) > max:
		return fmt.Errorf("longer than %d bytes", max)
	case !utf8.ValidString(s):
		return errors.New("not valid UTF-8")
	case strings.IndexFunc(s, func(c rune) bool { return c != '\n' && unicode.IsControl(c) }) >= 0:
		return errors.New("contains control characters")
	}
	return nil
}

func rosterSigned(body []byte) []byte {
	return append([]byte(rosterSigPrefix), body...)
}

// SignRoster sets Signer and Sig and returns the canonical encoding.
func SignRoster(r *Roster, signer *Identity) ([]byte, error) {
	r.Signer = signer.ID()
	body, err := r.body()
	if err != nil {
		return nil, err
	}
	copy(r.Sig[:], signer.Sign(rosterSigned(body)))
	return append(body, r.Sig[:]...), nil
}

// MarshalRoster returns the canonical encoding of a signed roster.
func MarshalRoster(r *Roster) ([]byte, error) {
	body, err := r.body()
	if err != nil {
		return nil, err
	}
	return append(body, r.Sig[:]...), nil
}

// RosterHash is SHA-256 of the encoding; CompareForks uses it only as the
// last tie-break, between forks whose signers have equal authority.
func RosterHash(enc []byte) [32]byte { return sha256.Sum256(enc) }

// ParseRoster decodes a roster strictly (the encoding is canonical). It does
// not check the signature: CheckGenesis and CheckTransition do, with the key
// the signer had in the version that authorises the change.
func ParseRoster(b []byte) (*Roster, error) {
	if len(b) > MaxRosterBytes {
		return nil, ErrRosterTooBig
	}
	malformed := func(why string) error { return fmt.Errorf("%w: %s", ErrRosterMalformed, why) }
	s := cryptobyte.String(b)
	r := &Roster{}
	var name, desc cryptobyte.String
	var n uint16
	if !s.CopyBytes(r.Group[:]) || !s.ReadUint64(&r.Version) || !s.ReadUint8LengthPrefixed(&name) ||
		!s.ReadUint16LengthPrefixed(&desc) || !s.ReadUint16(&n) {
		return nil, malformed("truncated")
	}
	r.Name, r.Description = string(name), string(desc)
	if n > MaxGroupMembers {
		return nil, malformed(fmt.Sprintf("%d members", n))
	}
	r.Members = make([]RosterMember, n)
	for i := range r.Members {
		m := &r.Members[i]
		var mname cryptobyte.String
		var na uint8
		if !s.CopyBytes(m.Keys.Sign[:]) || !s.CopyBytes(m.Keys.DH[:]) || !s.ReadUint8LengthPrefixed(&mname) ||
			!s.ReadUint8(&na) {
			return nil, malformed("truncated")
		}
		m.Name = string(mname)
		if na > MaxAddrs {
			return nil, malformed("too many addresses")
		}
		for range na {
			var a cryptobyte.String
			if !s.ReadUint8LengthPrefixed(&a) {
				return nil, malformed("truncated")
			}
			m.Addrs = append(m.Addrs, string(a))
		}
		var role uint8
		if !s.ReadUint8(&role) {
			return nil, malformed("truncated")
		}
		m.Role = Role(role)
	}
	if !s.CopyBytes(r.Signer[:]) || !s.CopyBytes(r.Sig[:]) {
		return nil, malformed("truncated")
	}
	if !s.Empty() {
		return nil, malformed("trailing bytes")
	}
	// Re-encoding catches what the field reads cannot: invalid names, roles,
	// order and duplicates (through validate), and any non-canonical form.
	body, err := r.body()
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(append(body, r.Sig[:]...), b) {
		return nil, malformed("not canonical")
	}
	return r, nil
}

// verifySig checks the signature with keys, which must belong to r.Signer.
func (r *Roster) verifySig(keys PublicIdentity) bool {
	if keys.ID() != r.Signer {
		return false
	}
	body, err := r.body()
	return err == nil && keys.Verify(rosterSigned(body), r.Sig[:])
}

// SignedBy reports whether keys belong to r.Signer and made r's signature.
// It says nothing about whether the signer may make the change.
func (r *Roster) SignedBy(keys PublicIdentity) bool { return r.verifySig(keys) }
