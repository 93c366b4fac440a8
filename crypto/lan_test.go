package crypto

import (
	"crypto/rand"
	"testing"
)

func TestLANKeysAgreeBetweenTwoContactsOnly(t *testing.T) {
	a, b, c := newTestIdentity(t), newTestIdentity(t), newTestIdentity(t)
	ab, err := a.LANKey(b.Public())
	if err != nil {
		t.Fatal(err)
	}
	ba, _ := b.LANKey(a.Public())
	ac, _ := a.LANKey(c.Public())
	if ab != ba {
		t.Fatal("A and B derive different keys")
	}
	if ab == ac {
		t.Fatal("A shares one key with two contacts")
	}
}

func TestLANEntriesOpenOnlyForTheirContact(t *testing.T) {
	a, b, c := newTestIdentity(t), newTestIdentity(t), newTestIdentity(t)
	ab, _ := a.LANKey(b.Public())
	ba, _ := b.LANKey(a.Public())
	cb, _ := c.LANKey(b.Public())
	nonce := make([]byte, 16)
	e := ab.Mask(a.Public(), 7, nonce).Seal(7420)
	if port, ok := ba.Mask(a.Public(), 7, nonce).Open(e); !ok || port != 7420 {
		t.Fatalf("B opens A's entry as %d %v", port, ok)
	}
	other := make([]byte, 16)
	other[0] = 1
	for name, open := range map[string]func() (uint16, bool){
		"another contact": func() (uint16, bool) { return cb.Mask(a.Public(), 7, nonce).Open(e) },
		"other announcer": func() (uint16, bool) { return ba.Mask(b.Public(), 7, nonce).Open(e) },
		"other epoch":     func() (uint16, bool) { return ba.Mask(a.Public(), 8, nonce).Open(e) },
		"other nonce":     func() (uint16, bool) { return ba.Mask(a.Public(), 7, other).Open(e) },
	} {
		if _, ok := open(); ok {
			t.Errorf("%s opens the entry", name)
		}
	}
	if ab.Mask(a.Public(), 7, other).Seal(7420) == e {
		t.Error("a new nonce gives the same entry")
	}
}

func newTestIdentity(t *testing.T) *Identity {
	t.Helper()
	id, err := GenerateIdentity(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
