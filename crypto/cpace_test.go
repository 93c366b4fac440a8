package crypto

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/gtank/ristretto255"
)

// The vectors of draft-irtf-cfrg-cpace, "Test vector for CPace using group
// ristretto255 and hash SHA-512".
var cpaceVector = struct {
	prs, ci, sid, g, ya, ada, bigYa, yb, adb, bigYb, k, iskIR string
}{
	prs:   "50617373776f7264",
	ci:    "6f630b425f726573706f6e6465720b415f696e69746961746f72",
	sid:   "7e4b4791d6a8ef019b936c79fb7f2c57",
	g:     "a6fc82c3b8968fbb2e06fee81ca858586dea50d248f0c7ca6a18b0902a30b36b",
	ya:    "da3d23700a9e5699258aef94dc060dfda5ebb61f02a5ea77fad53f4ff0976d08",
	ada:   "414461",
	bigYa: "d40fb265a7abeaee7939d91a585fe59f7053f982c296ec413c624c669308f87a",
	yb:    "d2316b454718c35362d83d69df6320f38578ed5984651435e2949762d900b80d",
	adb:   "414462",
	bigYb: "08bcf6e9777a9c313a3db6daa510f2d398403319c2341bd506a92e672eb7e307",
	k:     "e22b1ef7788f661478f3cddd4c600774fc0f41e6b711569190ff88fa0e607e09",
	iskIR: "4c5469a16b2364c4b944ebc1a79e51d1674ad47db26e8718154f59faebfaa52d" +
		"8346f30aa58377117eb20d527f2cbc5c76381f7fd372e89df8239f87f2e02ed1",
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func vectorScalar(t *testing.T, s string) *ristretto255.Scalar {
	t.Helper()
	y := ristretto255.NewScalar()
	if err := y.Decode(unhex(t, s)); err != nil {
		t.Fatal(err)
	}
	return y
}

func TestCPaceMatchesTheDraftsVectors(t *testing.T) {
	v := cpaceVector
	prs, ci, sid := unhex(t, v.prs), unhex(t, v.ci), unhex(t, v.sid)
	if g := cpaceGenerator(prs, ci, sid).Encode(nil); !bytes.Equal(g, unhex(t, v.g)) {
		t.Fatalf("generator %x, want %s", g, v.g)
	}
	a, msgA, err := newCPaceWithScalar(vectorScalar(t, v.ya), prs, ci, sid, unhex(t, v.ada), true)
	if err != nil {
		t.Fatal(err)
	}
	b, msgB, err := newCPaceWithScalar(vectorScalar(t, v.yb), prs, ci, sid, unhex(t, v.adb), false)
	if err != nil {
		t.Fatal(err)
	}
	if want := lvCat(unhex(t, v.bigYa), unhex(t, v.ada)); !bytes.Equal(msgA, want) {
		t.Fatalf("MSGa %x, want %x", msgA, want)
	}
	if want := lvCat(unhex(t, v.bigYb), unhex(t, v.adb)); !bytes.Equal(msgB, want) {
		t.Fatalf("MSGb %x, want %x", msgB, want)
	}
	if k, ok := cpaceScalarMultVfy(vectorScalar(t, v.ya), unhex(t, v.bigYb)); !ok || !bytes.Equal(k, unhex(t, v.k)) {
		t.Fatalf("K %x, want %s", k, v.k)
	}
	iskA, adB, err := a.Finish(msgB)
	if err != nil {
		t.Fatal(err)
	}
	iskB, adA, err := b.Finish(msgA)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(iskA, unhex(t, v.iskIR)) || !bytes.Equal(iskB, iskA) {
		t.Fatalf("ISK %x / %x, want %s", iskA, iskB, v.iskIR)
	}
	if string(adA) != "ADa" || string(adB) != "ADb" {
		t.Fatalf("associated data %q %q", adA, adB)
	}
}

func TestCPaceRefusesTheDraftsInvalidPoints(t *testing.T) {
	s := vectorScalar(t, "7cd0e075fa7955ba52c02759a6c90dbbfc10e6d40aea8d283e407d88cf538a05")
	valid := unhex(t, "2c3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d654b4a51c")
	want := unhex(t, "7c13645fe790a468f62c39beb7388e541d8405d1ade69d1778c5fe3e7f6b600e")
	if k, ok := cpaceScalarMultVfy(s, valid); !ok || !bytes.Equal(k, want) {
		t.Fatalf("valid point: %x %v", k, ok)
	}
	for name, p := range map[string]string{
		"not a point": "2b3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d654b4a51c",
		"identity":    strings.Repeat("00", 32),
	} {
		if _, ok := cpaceScalarMultVfy(s, unhex(t, p)); ok {
			t.Errorf("%s accepted", name)
		}
		c, _, err := NewCPace([]byte("code"), nil, nil, nil, true)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Finish(lvCat(unhex(t, p), nil)); !errors.Is(err, ErrCPaceMessage) {
			t.Errorf("%s in a message: %v", name, err)
		}
	}
}

func TestCPaceKeysAgreeOnlyWhenTheCodesMatch(t *testing.T) {
	run := func(codeA, codeB string) (ka, kb []byte) {
		a, msgA, err := NewCPace([]byte(codeA), []byte("ci"), []byte("sid"), nil, true)
		if err != nil {
			t.Fatal(err)
		}
		b, msgB, err := NewCPace([]byte(codeB), []byte("ci"), []byte("sid"), nil, false)
		if err != nil {
			t.Fatal(err)
		}
		ka, _, errA := a.Finish(msgB)
		kb, _, errB := b.Finish(msgA)
		if errA != nil || errB != nil {
			t.Fatal(errA, errB)
		}
		return ka, kb
	}
	if ka, kb := run("4711-0815", "4711-0815"); !bytes.Equal(ka, kb) {
		t.Error("same code, different keys")
	}
	if ka, kb := run("4711-0815", "4711-0816"); bytes.Equal(ka, kb) {
		t.Error("different codes, same key")
	}
}

func TestCPaceRefusesMessagesThatDoNotParse(t *testing.T) {
	_, good, err := NewCPace([]byte("code"), nil, nil, []byte("ad"), false)
	if err != nil {
		t.Fatal(err)
	}
	for name, msg := range map[string][]byte{
		"empty":              nil,
		"short point":        lvCat(good[1:32], nil),
		"trailing byte":      append(bytes.Clone(good), 0),
		"length past end":    append([]byte{0x21}, good[1:]...),
		"non-minimal length": append([]byte{0xa0, 0x00}, good[1:]...),
		"huge ad":            lvCat(good[1:33], make([]byte, cpaceMaxAD+1)),
	} {
		c, _, err := NewCPace([]byte("code"), nil, nil, nil, true)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Finish(msg); !errors.Is(err, ErrCPaceMessage) {
			t.Errorf("%s: %v", name, err)
		}
	}
	c, _, _ := NewCPace([]byte("code"), nil, nil, nil, true)
	if _, _, err := c.Finish(good); err != nil {
		t.Fatalf("good message refused: %v", err)
	}
	if _, _, err := c.Finish(good); err == nil {
		t.Error("a second Finish was allowed")
	}
}

func FuzzCPaceFinish(f *testing.F) {
	_, good, _ := NewCPace([]byte("code"), nil, nil, []byte("ad"), false)
	f.Add(good)
	f.Add([]byte{})
	f.Add([]byte{0x20})
	f.Fuzz(func(t *testing.T, msg []byte) {
		c, _, err := NewCPace([]byte("code"), nil, nil, nil, true)
		if err != nil {
			t.Fatal(err)
		}
		isk, _, err := c.Finish(msg)
		if err == nil && len(isk) != CPaceISKLen {
			t.Fatalf("key of %d bytes", len(isk))
		}
	})
}
