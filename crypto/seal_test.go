package crypto

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"testing"
)

func testKDF() KDFParams {
	return KDFParams{Time: 1, MemoryKiB: 64, Threads: 1, Salt: bytes.Repeat([]byte{9}, 16)}
}

func TestWrapUnwrapMasterKey(t *testing.T) {
	mk, _ := NewMasterKey(rand.Reader)
	p := testKDF()
	wrapped, err := WrapMasterKey(rand.Reader, []byte("correct horse"), p, mk)
	if err != nil {
		t.Fatal(err)
	}
	got, err := UnwrapMasterKey([]byte("correct horse"), p, wrapped)
	if err != nil || got != mk {
		t.Fatalf("unwrap = %x, %v", got, err)
	}
	if _, err := UnwrapMasterKey([]byte("wrong horse"), p, wrapped); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase err = %v", err)
	}
	p2 := p
	p2.Time = 2
	if _, err := UnwrapMasterKey([]byte("correct horse"), p2, wrapped); err == nil {
		t.Fatal("edited KDF parameters were accepted")
	}
}

func TestKDFVector(t *testing.T) {
	// Argon2id(pass, salt, t=1, m=64 KiB, p=1) pins the construction.
	got := hex.EncodeToString(deriveKEK([]byte("password"), testKDF()))
	if got != kdfVector {
		t.Fatalf("kek = %s, want %s", got, kdfVector)
	}
}

const kdfVector = "1debe6a6f894853ad871192263003f5ea66b302e253da74a28f0fb5ed296ef41"

func TestKDFParamsRoundTrip(t *testing.T) {
	p, err := NewKDFParams(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if p.Time != 3 || p.MemoryKiB != 64*1024 || p.Threads != 4 {
		t.Fatalf("defaults below RFC 9106 second recommendation: %+v", p)
	}
	b, _ := p.MarshalBinary()
	q, err := UnmarshalKDFParams(b)
	if err != nil || q.Time != p.Time || q.MemoryKiB != p.MemoryKiB || q.Threads != p.Threads || !bytes.Equal(q.Salt, p.Salt) {
		t.Fatalf("round trip: %+v, %v", q, err)
	}
	for _, bad := range [][]byte{nil, b[:5], append(b, 0), {2, 0, 0, 0, 3, 0, 1, 0, 0, 4, 0}} {
		if _, err := UnmarshalKDFParams(bad); err == nil {
			t.Errorf("malformed params %x accepted", bad)
		}
	}
}

func TestSealer(t *testing.T) {
	var mk MasterKey
	copy(mk[:], bytes.Repeat([]byte{5}, 32))
	s, err := NewSealer(mk, "columns")
	if err != nil {
		t.Fatal(err)
	}
	ad := ColumnAD("messages", "text", []byte{1, 2})
	sealed := s.Seal([]byte("meet at noon"), ad)
	if bytes.Contains(sealed, []byte("meet")) {
		t.Fatal("plaintext visible in sealed value")
	}
	plain, err := s.Open(sealed, ad)
	if err != nil || string(plain) != "meet at noon" {
		t.Fatalf("open = %q, %v", plain, err)
	}
	other, _ := NewSealer(mk, "other")
	cases := map[string]func() error{
		"other row":     func() error { _, err := s.Open(sealed, ColumnAD("messages", "text", []byte{1, 3})); return err },
		"other column":  func() error { _, err := s.Open(sealed, ColumnAD("messages", "name", []byte{1, 2})); return err },
		"other purpose": func() error { _, err := other.Open(sealed, ad); return err },
		"truncated":     func() error { _, err := s.Open(sealed[:20], ad); return err },
		"bit flip": func() error {
			c := append([]byte(nil), sealed...)
			c[len(c)-1] ^= 1
			_, err := s.Open(c, ad)
			return err
		},
	}
	for name, f := range cases {
		if err := f(); !errors.Is(err, ErrSealCorrupt) {
			t.Errorf("%s: err = %v, want ErrSealCorrupt", name, err)
		}
	}
	// Deterministic vector for a fixed nonce.
	got := hex.EncodeToString(s.sealWithNonce(make([]byte, 24), []byte("hi"), ad))
	if got != sealVector {
		t.Errorf("seal vector = %s, want %s", got, sealVector)
	}
}

const sealVector = "000000000000000000000000000000000000000000000000a5258489ded803fd1cb0244bee41771ed0a5"

func TestColumnADIsUnambiguous(t *testing.T) {
	if bytes.Equal(ColumnAD("ab", "c", nil), ColumnAD("a", "bc", nil)) {
		t.Fatal("ColumnAD collides across part boundaries")
	}
}

// FuzzUnmarshalKDFParams: never panic; what decodes re-encodes to the same
// bytes.
func FuzzUnmarshalKDFParams(f *testing.F) {
	b, _ := testKDF().MarshalBinary()
	f.Add(b)
	f.Add(b[:len(b)-1])
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := UnmarshalKDFParams(b)
		if err != nil {
			return
		}
		out, err := p.MarshalBinary()
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("params do not re-encode: %v\nin  %x\nout %x", err, b, out)
		}
	})
}
