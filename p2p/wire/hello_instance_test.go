package wire

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// A Hello carries an instance only when it has one, and decodes either
// way, so a peer from before instances is still understood.
func TestHelloInstanceIsOptional(t *testing.T) {
	old := Hello{Addrs: []string{"192.0.2.1:5000"}}
	old.Sign[0], old.Sig[0] = 1, 2
	withInst := old
	withInst.Instance[15] = 9
	oldEnc, _ := Append(nil, old)
	newEnc, err := Append(nil, withInst)
	if err != nil {
		t.Fatal(err)
	}
	if len(newEnc) != len(oldEnc)+InstanceSize || !bytes.Equal(newEnc[2:len(oldEnc)], oldEnc[2:]) {
		t.Fatal("the instance is not a suffix of the old encoding")
	}
	for _, m := range []Hello{old, withInst} {
		enc, _ := Append(nil, m)
		got, err := DecodeAll(enc)
		if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], m) {
			t.Fatalf("round trip of %+v: %+v, %v", m, got, err)
		}
	}
	// A zero instance written out is a second encoding of "none": refused.
	zero := append(bytes.Clone(oldEnc), make([]byte, InstanceSize)...)
	zero[1] += InstanceSize
	if _, err := DecodeAll(zero); !errors.Is(err, ErrZeroInstance) {
		t.Fatalf("zero instance: %v", err)
	}
	short := append(bytes.Clone(oldEnc), 1, 2, 3)
	short[1] += 3
	if _, err := DecodeAll(short); !errors.Is(err, ErrTruncated) {
		t.Fatalf("short instance: %v", err)
	}
}
