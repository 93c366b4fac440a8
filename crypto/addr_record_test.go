package crypto

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"testing"
)

// addrRecordVector is the all-0x01 identity's record, version 2, of
// 192.0.2.7:7420 and the onion address of tor's vector key (onion_test.go),
// port 7420. PROTOCOL.md quotes it.
const addrRecordVector = "fbe47a8265217c77f201904f9893d130ecaaa3a00000000000000002020e3139322e302e322e373a373432304332356e6a71616d637765666c70766b6c37336a34737a61686869686f63347874336b7463676a6e7061696e67723579686b656e6c357369642e6f6e696f6e3a3734323060165fda0a6b2fbf3c30ccd871f763acdce7f75070e5deae05b49752adb78dcf82eb76f2c4c1759e4abbb099562a7abe54fcf43f8076aa99c2ae997ae1bec700"

const vectorOnionAddr = "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid.onion:7420"

func TestAddrRecordVector(t *testing.T) {
	k := fixedIdentity(t, 1)
	r, err := SignAddrRecord(k, 2, []string{"192.0.2.7:7420", vectorOnionAddr})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := r.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(enc); got != addrRecordVector {
		t.Fatalf("record = %s\nwant     %s", got, addrRecordVector)
	}
	// The signature, checked without the code under test: Ed25519 over the
	// label and everything before it.
	body, sig := enc[:len(enc)-64], enc[len(enc)-64:]
	if !ed25519.Verify(pubKey(k), append([]byte("jarvis-addr-record-v1"), body...), sig) {
		t.Fatal("vector signature is not Ed25519 over label ‖ body")
	}
	back, err := ParseAddrRecord(enc)
	if err != nil {
		t.Fatal(err)
	}
	if err := back.Verify(k.Public()); err != nil {
		t.Fatalf("vector does not verify: %v", err)
	}
	if back.Owner != k.ID() || back.Version != 2 || !slices.Equal(back.Addrs, r.Addrs) {
		t.Fatalf("parsed %+v, want %+v", back, r)
	}
}

func TestAddrRecordRefusesWhatItsOwnerDidNotSign(t *testing.T) {
	owner, other := fixedIdentity(t, 1), fixedIdentity(t, 2)
	good, err := SignAddrRecord(owner, 5, []string{"192.0.2.7:7420"})
	if err != nil {
		t.Fatal(err)
	}
	forged, err := SignAddrRecord(other, 5, []string{"192.0.2.7:7420"})
	if err != nil {
		t.Fatal(err)
	}
	forged.Owner = owner.ID() // claims to be owner's, signed by other
	cases := map[string]struct {
		r    AddrRecord
		keys PublicIdentity
	}{
		"checked with another's keys": {good, other.Public()},
		"signed by another key":       {forged, owner.Public()},
		"address changed": {func() AddrRecord {
			r := good
			r.Addrs = []string{"192.0.2.8:7420"}
			return r
		}(), owner.Public()},
		"address added": {func() AddrRecord {
			r := good
			r.Addrs = []string{"192.0.2.7:7420", "198.51.100.1:1"}
			return r
		}(), owner.Public()},
		"version raised": {func() AddrRecord {
			r := good
			r.Version++
			return r
		}(), owner.Public()},
		"owner changed": {func() AddrRecord {
			r := good
			r.Owner = other.ID()
			return r
		}(), owner.Public()},
	}
	for name, c := range cases {
		if err := c.r.Verify(c.keys); !errors.Is(err, ErrAddrRecordSignature) {
			t.Errorf("%s: err = %v, want ErrAddrRecordSignature", name, err)
		}
	}
	if err := good.Verify(owner.Public()); err != nil {
		t.Fatalf("the good record: %v", err)
	}
}

func TestAddrRecordRefusesBadContents(t *testing.T) {
	k := fixedIdentity(t, 1)
	nine := make([]string, MaxAddrs+1)
	for i := range nine {
		nine[i] = fmt.Sprintf("192.0.2.%d:7420", i+1)
	}
	bad := map[string]struct {
		version uint64
		addrs   []string
	}{
		"version 0":         {0, []string{"192.0.2.7:7420"}},
		"too many":          {1, nine},
		"no port":           {1, []string{"192.0.2.7"}},
		"port 0":            {1, []string{"192.0.2.7:0"}},
		"control character": {1, []string{"a\x00b:1"}},
		"bad onion":         {1, []string{"aaaa.onion:1"}},
		"twice":             {1, []string{"192.0.2.7:1", "192.0.2.7:1"}},
	}
	for name, c := range bad {
		if _, err := SignAddrRecord(k, c.version, c.addrs); !errors.Is(err, ErrAddrRecordMalformed) {
			t.Errorf("sign %s: err = %v, want ErrAddrRecordMalformed", name, err)
		}
		r := AddrRecord{Owner: k.ID(), Version: c.version, Addrs: c.addrs}
		if err := r.Verify(k.Public()); !errors.Is(err, ErrAddrRecordMalformed) {
			t.Errorf("verify %s: err = %v, want ErrAddrRecordMalformed", name, err)
		}
	}
	if _, err := SignAddrRecord(k, 1, nil); err != nil {
		t.Fatalf("a record of no addresses (unreachable for now): %v", err)
	}
}

func TestParseAddrRecordIsStrict(t *testing.T) {
	k := fixedIdentity(t, 1)
	r, _ := SignAddrRecord(k, 7, []string{"192.0.2.7:7420", "[2001:db8::1]:7420"})
	enc, _ := r.AppendBinary(nil)
	tooMany := slices.Clone(enc)
	tooMany[IDSize+8] = MaxAddrs + 1
	dup, _ := AddrRecord{Owner: k.ID(), Version: 1, Addrs: []string{"a:1"}}.AppendBinary(nil)
	dup = slices.Concat(dup[:IDSize+8], []byte{2, 3, 'a', ':', '1', 3, 'a', ':', '1'}, dup[len(dup)-64:])
	bad := map[string][]byte{
		"empty":            nil,
		"truncated":        enc[:len(enc)-1],
		"trailing":         append(slices.Clone(enc), 0),
		"too many":         tooMany,
		"version 0":        slices.Concat(enc[:IDSize], make([]byte, 8), enc[IDSize+8:]),
		"an address twice": dup,
		"too long":         make([]byte, MaxAddrRecordSize+1),
	}
	for name, b := range bad {
		if _, err := ParseAddrRecord(b); !errors.Is(err, ErrAddrRecordMalformed) {
			t.Errorf("%s: err = %v, want ErrAddrRecordMalformed", name, err)
		}
	}
	if _, err := ParseAddrRecord(enc); err != nil {
		t.Fatal(err)
	}
}

func pubKey(k *Identity) ed25519.PublicKey {
	p := k.Public()
	return p.Sign[:]
}
