package crypto

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
)

// fixedIdentity builds a deterministic identity from a repeated byte.
func fixedIdentity(t testing.TB, b byte) *Identity {
	t.Helper()
	k, err := UnmarshalIdentity(bytes.Repeat([]byte{b}, 64))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestIdentityVectors(t *testing.T) {
	k := fixedIdentity(t, 1)
	pub := k.Public()
	if got, want := hex.EncodeToString(pub.Sign[:]), "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c"; got != want {
		t.Errorf("sign pub = %s, want %s", got, want)
	}
	if got, want := hex.EncodeToString(pub.DH[:]), "a4e09292b651c278b9772c569f5fa9bb13d906b46ab68c9df9dc2b4409f8a209"; got != want {
		t.Errorf("dh pub = %s, want %s", got, want)
	}
	// The ID is recomputed here independently of PublicIdentity.ID.
	sum := sha256.Sum256(append(append([]byte("jarvis-id-v1"), pub.Sign[:]...), pub.DH[:]...))
	if id := k.ID(); !bytes.Equal(id[:], sum[:IDSize]) {
		t.Fatalf("ID is not SHA-256(label||sign||dh)[:20]")
	}
	if got, want := k.ID().String(), idVector; got != want {
		t.Errorf("ID = %s, want %s", got, want)
	}
}

const idVector = "7pshvatfef6hp4qbsbhzre6rgdwkvi5a"

func TestIdentityMarshalRoundTrip(t *testing.T) {
	k := fixedIdentity(t, 7)
	b, _ := k.MarshalBinary()
	k2, err := UnmarshalIdentity(b)
	if err != nil {
		t.Fatal(err)
	}
	if k2.Public() != k.Public() {
		t.Fatal("round trip changed the public identity")
	}
	if _, err := UnmarshalIdentity(b[:63]); err == nil {
		t.Fatal("short identity accepted")
	}
}

func TestSignVerify(t *testing.T) {
	k, other := fixedIdentity(t, 1), fixedIdentity(t, 2)
	sig := k.Sign([]byte("hello"))
	if !k.Public().Verify([]byte("hello"), sig) {
		t.Fatal("valid signature rejected")
	}
	if k.Public().Verify([]byte("hellO"), sig) || other.Public().Verify([]byte("hello"), sig) || k.Public().Verify([]byte("hello"), sig[:10]) {
		t.Fatal("invalid signature accepted")
	}
}

func TestIDParse(t *testing.T) {
	id := fixedIdentity(t, 3).ID()
	got, err := ParseID(strings.ToUpper(id.String()))
	if err != nil || got != id {
		t.Fatalf("ParseID(%s) = %v, %v", id, got, err)
	}
	for _, bad := range []string{"", "abc", id.String() + "a", strings.Replace(id.String(), id.String()[:1], "1", 1)} {
		if _, err := ParseID(bad); !errors.Is(err, ErrBadID) {
			t.Errorf("ParseID(%q) err = %v, want ErrBadID", bad, err)
		}
	}
	if len(id.Short()) != 8 || !strings.HasPrefix(id.String(), id.Short()) {
		t.Fatal("Short is not the 8-character prefix")
	}
}

func TestSafetyNumber(t *testing.T) {
	a, b, c := fixedIdentity(t, 1).Public(), fixedIdentity(t, 2).Public(), fixedIdentity(t, 3).Public()
	ab, ba := SafetyNumber(a, b), SafetyNumber(b, a)
	if ab != ba {
		t.Fatalf("not symmetric: %s vs %s", ab, ba)
	}
	if ab == SafetyNumber(a, c) {
		t.Fatal("different pairs share a safety number")
	}
	groups := strings.Split(ab, " ")
	if len(groups) != 12 {
		t.Fatalf("want 12 groups, got %q", ab)
	}
	for _, g := range groups {
		if len(g) != 5 || strings.Trim(g, "0123456789") != "" {
			t.Fatalf("bad group %q in %q", g, ab)
		}
	}
	if ab != safetyVector {
		t.Errorf("safety number = %s, want %s", ab, safetyVector)
	}
}

const safetyVector = "43545 35885 56128 02916 63788 37969 94327 60553 66768 10255 00406 73606"

func TestNewMessageIDStartsWithTheMillisecondsAndIsUnique(t *testing.T) {
	now := time.UnixMilli(0x0102_0304_0506)
	a, b := NewMessageID(now), NewMessageID(now)
	if !bytes.Equal(a[:6], []byte{1, 2, 3, 4, 5, 6}) {
		t.Fatalf("time prefix %x", a[:6])
	}
	if a == b {
		t.Fatal("two IDs in the same millisecond are equal")
	}
	if later := NewMessageID(now.Add(time.Millisecond)); bytes.Compare(later[:], a[:]) <= 0 {
		t.Fatal("a later ID does not sort after an earlier one")
	}
	if s := a.String(); len(s) != 2*MessageIDSize || s[:12] != "010203040506" {
		t.Fatalf("String() = %q", s)
	}
}

func mustHex32(t testing.TB, s string) [32]byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		t.Fatalf("bad hex %q", s)
	}
	return [32]byte(b)
}

func TestValidateAcceptsGeneratedIdentities(t *testing.T) {
	for b := range byte(20) {
		if err := fixedIdentity(t, b+1).Public().Validate(); err != nil {
			t.Fatalf("identity %d: %v", b+1, err)
		}
	}
}

func TestValidateRefusesSmallOrderAndNonCanonicalSigningKeys(t *testing.T) {
	good := fixedIdentity(t, 1).Public()
	for _, tc := range []struct{ name, key, why string }{
		{"identity (order 1)", "0100000000000000000000000000000000000000000000000000000000000000", "small order"},
		{"order 2 (y = -1)", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", "small order"},
		{"order 4 (y = 0)", "0000000000000000000000000000000000000000000000000000000000000000", "small order"},
		{"order 4 (y = 0, other x)", "0000000000000000000000000000000000000000000000000000000000000080", "small order"},
		{"order 8", "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", "small order"},
		{"order 8, negated", "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", "small order"},
		{"order 8, other", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", "small order"},
		{"y = p (non-canonical 0)", "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", "non-canonical"},
		{"y = p + 1 (non-canonical 1)", "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", "non-canonical"},
		{"x = 0 with the sign bit set", "0100000000000000000000000000000000000000000000000000000000000080", "non-canonical"},
		{"not on the curve (y = 2)", "0200000000000000000000000000000000000000000000000000000000000000", "not a curve point"},
	} {
		p := good
		p.Sign = mustHex32(t, tc.key)
		err := p.Validate()
		if !errors.Is(err, ErrBadPublicKey) || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("%s: Validate = %v, want ErrBadPublicKey (%s)", tc.name, err, tc.why)
		}
	}
}

func TestValidateRefusesSmallOrderAndNonCanonicalDHKeys(t *testing.T) {
	good := fixedIdentity(t, 1).Public()
	for name, k := range map[string]string{
		"zero":                "0000000000000000000000000000000000000000000000000000000000000000",
		"one":                 "0100000000000000000000000000000000000000000000000000000000000000",
		"order 8":             "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
		"order 8, other":      "5f9c95bc a3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
		"p - 1 (order 2)":     "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"p (non-canonical 0)": "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"top bit set":         hex.EncodeToString(append(good.DH[:31:31], good.DH[31]|0x80)),
	} {
		p := good
		p.DH = mustHex32(t, strings.ReplaceAll(k, " ", ""))
		if err := p.Validate(); !errors.Is(err, ErrBadPublicKey) {
			t.Errorf("%s: Validate = %v, want ErrBadPublicKey", name, err)
		}
	}
}
