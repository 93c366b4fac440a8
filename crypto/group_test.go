package crypto

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"testing"
)

func TestRatchetVectors(t *testing.T) {
	var ck ChainKey
	for i := range ck {
		ck[i] = 0x07
	}
	mk0, ck1 := ck.MessageKey(), ck.Next()
	mk1 := ck1.MessageKey()
	for _, c := range []struct {
		got  []byte
		want string
	}{
		{mk0[:], "3d8b2fa2a2537fdcdda46e704966a105722d268d2e9ed43bbe5b1dd9d6802935"},
		{ck1[:], "469e03123f1c9c6d5c3ffaa260c7fef9f863c0b6af93f7dcae5c13cbfdadfca5"},
		{mk1[:], "a7d4549bb65bccdd0721e9498c722dcc4573ad270b0330324b29ab4bdc00c400"},
	} {
		if hex.EncodeToString(c.got) != c.want {
			t.Fatalf("got %x, want %s", c.got, c.want)
		}
	}
	var g GroupID
	var a ID
	for i := range g {
		g[i] = 0x0a
	}
	for i := range a {
		a[i] = 0x0b
	}
	id := GroupMessageID(GroupHeader{Group: g, Author: a, Epoch: 2, Seq: 5})
	if hex.EncodeToString(id[:]) != "1006635cdd33a8a396031c22bf6c0453" {
		t.Fatalf("message id %x", id)
	}
}

func TestRatchetGivesEachKeyOnceAndKeepsNoOldChainKey(t *testing.T) {
	var ck ChainKey
	rand.Read(ck[:])
	r := NewRatchet(ck, 10)
	want := map[uint64]MessageKey{}
	c := ck
	for s := uint64(10); s < 15; s++ {
		want[s] = c.MessageKey()
		c = c.Next()
	}
	if mk, err := r.Key(13); err != nil || mk != want[13] {
		t.Fatalf("key 13: %v", err)
	}
	if _, err := r.Key(13); !errors.Is(err, ErrKeyUsed) {
		t.Fatalf("second use of 13: %v", err)
	}
	if _, err := r.Key(9); !errors.Is(err, ErrKeyUsed) {
		t.Fatalf("before the start: %v", err)
	}
	b, _ := r.MarshalBinary()
	r2, err := UnmarshalRatchet(b)
	if err != nil {
		t.Fatal(err)
	}
	if mk, err := r2.Key(11); err != nil || mk != want[11] {
		t.Fatalf("skipped key after restore: %v", err)
	}
	// The stored state holds the chain key for 14 and skipped keys, never ck_10.
	if bytes.Contains(b, ck[:]) {
		t.Fatal("state keeps the old chain key")
	}
	if _, err := r2.Key(14 + MaxSkippedKeys + 1); !errors.Is(err, ErrKeyTooFar) {
		t.Fatalf("far ahead: %v", err)
	}
}

func TestSenderKeyAndGroupMessageRoundTrip(t *testing.T) {
	author, _ := GenerateIdentity(rand.Reader)
	rcpt, _ := GenerateIdentity(rand.Reader)
	other, _ := GenerateIdentity(rand.Reader)
	var ck ChainKey
	rand.Read(ck[:])
	k, err := SealSenderKey(rand.Reader, author, rcpt.Public(), SenderKey{Epoch: 3, StartSeq: 7}, ck)
	if err != nil {
		t.Fatal(err)
	}
	if !VerifySenderKey(k, author.Public()) || VerifySenderKey(k, other.Public()) {
		t.Fatal("sender key signature check")
	}
	if got, err := OpenSenderKey(rcpt, k); err != nil || got != ck {
		t.Fatalf("open: %v", err)
	}
	enc, _ := k.AppendBinary(nil)
	if parsed, err := ParseSenderKey(enc); err != nil || parsed != k || len(enc) != SenderKeySize {
		t.Fatalf("encoding round trip: %d bytes, %v", len(enc), err)
	}
	if _, err := OpenSenderKey(other, k); err == nil {
		t.Fatal("a non-recipient opened the sender key")
	}
	k.StartSeq++
	if VerifySenderKey(k, author.Public()) {
		t.Fatal("altered sender key verifies")
	}
	h := GroupHeader{Author: author.ID(), Epoch: 3, Seq: 7}
	mk := ck.MessageKey()
	ct, sig, err := SealGroupMessage(author, h, mk, []byte("hi"))
	if err != nil {
		t.Fatal(err)
	}
	if !VerifyGroupMessage(author.Public(), h, ct, sig) {
		t.Fatal("signature")
	}
	forged := h
	forged.Author = other.ID()
	if VerifyGroupMessage(other.Public(), forged, ct, sig) {
		t.Fatal("forged author verifies")
	}
	if p, err := OpenGroupMessage(mk, h, ct); err != nil || string(p) != "hi" {
		t.Fatalf("open: %v", err)
	}
	h.Seq++
	if _, err := OpenGroupMessage(mk, h, ct); err == nil {
		t.Fatal("opened under another header")
	}
}

func testRoster(t *testing.T) (*Roster, []*Identity) {
	ids := make([]*Identity, 4)
	r := &Roster{Version: 1, Name: "team", Description: "d"}
	roles := []Role{RoleOwner, RoleAdmin, RoleMember, RoleMember}
	for i := range ids {
		ids[i], _ = GenerateIdentity(rand.Reader)
		r.Members = append(r.Members, RosterMember{Keys: ids[i].Public(), Name: "m", Addrs: []string{"127.0.0.1:1"}, Role: roles[i]})
	}
	r.SortMembers()
	return r, ids
}

func TestRosterSignParseAndRules(t *testing.T) {
	r, ids := testRoster(t)
	owner, admin, member, outsider := ids[0], ids[1], ids[2], ids[3]
	_ = outsider
	enc, err := SignRoster(r, owner)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParseRoster(enc)
	if err != nil || CheckGenesis(p) != nil {
		t.Fatalf("parse/genesis: %v", err)
	}
	if again, _ := MarshalRoster(p); !bytes.Equal(again, enc) {
		t.Fatal("not canonical")
	}
	byAdmin := r.Clone()
	byAdmin.Version = 1
	SignRoster(byAdmin, admin)
	if CheckGenesis(byAdmin) == nil {
		t.Fatal("version 1 signed by an admin passes")
	}
	next := func(signer *Identity, edit func(*Roster)) error {
		n := p.Clone()
		n.Version++
		edit(n)
		n.SortMembers()
		if _, err := SignRoster(n, signer); err != nil {
			return err
		}
		return CheckTransition(p, n)
	}
	drop := func(id *Identity) func(*Roster) {
		return func(n *Roster) {
			for i, m := range n.Members {
				if m.Keys == id.Public() {
					n.Members = append(n.Members[:i], n.Members[i+1:]...)
					return
				}
			}
		}
	}
	setRole := func(id *Identity, role Role) func(*Roster) {
		return func(n *Roster) {
			for i := range n.Members {
				if n.Members[i].Keys == id.Public() {
					n.Members[i].Role = role
				}
			}
		}
	}
	cases := []struct {
		name   string
		signer *Identity
		edit   func(*Roster)
		ok     bool
	}{
		{"admin renames", admin, func(n *Roster) { n.Name = "new" }, true},
		{"admin removes a member", admin, drop(member), true},
		{"member renames", member, func(n *Roster) { n.Name = "new" }, false},
		{"member removes another", member, drop(ids[3]), false},
		{"member leaves", member, drop(member), true},
		{"member leaves and renames", member, func(n *Roster) { drop(member)(n); n.Name = "x" }, false},
		{"admin removes the owner", admin, drop(owner), false},
		{"admin promotes", admin, setRole(member, RoleAdmin), false},
		{"owner promotes", owner, setRole(member, RoleAdmin), true},
		{"owner demotes admin", owner, setRole(admin, RoleMember), true},
		{"owner gives ownership", owner, setRole(admin, RoleOwner), false},
	}
	for _, c := range cases {
		err := next(c.signer, c.edit)
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v", c.name, err)
		}
	}
	// A signature by someone other than the named signer fails.
	n := p.Clone()
	n.Version++
	n.Name = "x"
	SignRoster(n, admin)
	n.Signer = owner.ID()
	if CheckTransition(p, n) == nil {
		t.Fatal("signature under another member's name passes")
	}
}

// FuzzParseRoster: never panic; what parses re-encodes to the same bytes.
func FuzzParseRoster(f *testing.F) {
	r, ids := func() (*Roster, []*Identity) {
		ids := make([]*Identity, 2)
		r := &Roster{Version: 1, Name: "g"}
		for i := range ids {
			seed := bytes.Repeat([]byte{byte(i + 1)}, 64)
			ids[i], _ = UnmarshalIdentity(seed)
			r.Members = append(r.Members, RosterMember{Keys: ids[i].Public(), Name: "n", Role: Role(3 - 2*i)})
		}
		r.SortMembers()
		return r, ids
	}()
	enc, err := SignRoster(r, ids[0])
	if err != nil {
		f.Fatal(err)
	}
	f.Add(enc)
	f.Add(enc[:len(enc)-1])
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRoster(b)
		if err != nil {
			return
		}
		out, err := MarshalRoster(r)
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("parsed roster does not re-encode: %v", err)
		}
		_ = CheckGenesis(r)
	})
}

func TestUnmarshalRatchetRefusesMalformedState(t *testing.T) {
	r := NewRatchet(ChainKey{1}, 10)
	if _, err := r.Key(13); err != nil {
		t.Fatal(err)
	}
	good, _ := r.MarshalBinary() // next 14, skipped 10, 11, 12
	entry := func(i int) []byte { return good[chainHeaderSize+i*skippedKeySize:][:skippedKeySize] }
	swapped := append(append(append(append([]byte{}, good[:chainHeaderSize]...), entry(1)...), entry(0)...), entry(2)...)
	atNext := bytes.Clone(good)
	atNext[chainHeaderSize+2*skippedKeySize+7] = 14 // the last skipped seq becomes next
	for name, b := range map[string][]byte{
		"empty":          nil,
		"short header":   good[:chainHeaderSize-1],
		"short entry":    good[:len(good)-1],
		"trailing byte":  append(bytes.Clone(good), 0),
		"out of order":   swapped,
		"not below next": atNext,
	} {
		if _, err := UnmarshalRatchet(b); !errors.Is(err, ErrChainCorrupt) {
			t.Errorf("%s: err = %v, want ErrChainCorrupt", name, err)
		}
	}
}

// FuzzUnmarshalRatchet: never panic; what decodes re-encodes to the same
// bytes.
func FuzzUnmarshalRatchet(f *testing.F) {
	r := NewRatchet(ChainKey{7}, 3)
	f.Add(func() []byte { b, _ := r.MarshalBinary(); return b }())
	if _, err := r.Key(6); err != nil {
		f.Fatal(err)
	}
	f.Add(func() []byte { b, _ := r.MarshalBinary(); return b }())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := UnmarshalRatchet(b)
		if err != nil {
			return
		}
		out, _ := r.MarshalBinary()
		if !bytes.Equal(out, b) {
			t.Fatalf("state does not re-encode:\nin  %x\nout %x", b, out)
		}
	})
}

// FuzzParseSenderKey: never panic; what parses re-encodes to the same bytes.
func FuzzParseSenderKey(f *testing.F) {
	k := SenderKey{Group: GroupID{1}, Epoch: 2, Author: ID{3}, Recipient: ID{4}, StartSeq: 5, Eph: [32]byte{6}}
	enc, _ := k.AppendBinary(nil)
	f.Add(enc)
	f.Add(enc[1:])
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := ParseSenderKey(b)
		if err != nil {
			return
		}
		if out, _ := k.AppendBinary(nil); !bytes.Equal(out, b) {
			t.Fatalf("sender key does not re-encode:\nin  %x\nout %x", b, out)
		}
	})
}
