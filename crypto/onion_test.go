package crypto

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha3"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// torVector is tor's own (src/test/test_hs_common.c, test_build_address):
// the RFC 8032 test 1 public key and the address hs_build_address.py made for it.
const (
	torVectorPub  = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
	torVectorHost = "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid.onion"
)

func TestOnionAddressMatchesTorsVector(t *testing.T) {
	pub, _ := hex.DecodeString(torVectorPub)
	if got := OnionAddress(pub); got != torVectorHost {
		t.Fatalf("OnionAddress = %s, want %s", got, torVectorHost)
	}
	back, err := ParseOnionHost(torVectorHost)
	if err != nil || !back.Equal(ed25519.PublicKey(pub)) {
		t.Fatalf("ParseOnionHost = %x, %v; want %s", back, err, torVectorPub)
	}
}

func TestOnionAddressRoundTripsForFreshKeys(t *testing.T) {
	for range 20 {
		pub, _, _ := ed25519.GenerateKey(rand.Reader)
		host := OnionAddress(pub)
		if len(host) != onionHostLen {
			t.Fatalf("len(%s) = %d", host, len(host))
		}
		back, err := ParseOnionHost(host)
		if err != nil || !back.Equal(pub) {
			t.Fatalf("ParseOnionHost(%s) = %x, %v; want %x", host, back, err, pub)
		}
	}
}

// onionWith encodes pub with a checksum made for version v, so only the version is wrong when v != 3.
func onionWith(pub []byte, v byte) string {
	h := []byte(".onion checksum")
	h = append(append(h, pub...), v)
	sum := sha3.Sum256(h)
	raw := append(append(append([]byte{}, pub...), sum[:2]...), v)
	return onionEncoding.EncodeToString(raw) + OnionSuffix
}

func TestParseOnionHostRejects(t *testing.T) {
	pub, _ := hex.DecodeString(torVectorPub)
	smallOrder := make([]byte, 32)
	smallOrder[0] = 1 // the identity point
	label := strings.TrimSuffix(torVectorHost, OnionSuffix)
	tests := []struct{ name, host string }{
		{"a mistyped character (checksum)", "35" + torVectorHost[2:]},
		{"version 2 with its own checksum", onionWith(pub, 2)},
		{"version 4 with its own checksum", onionWith(pub, 4)},
		{"a small-order key", onionWith(smallOrder, 3)},
		{"uppercase", strings.ToUpper(label) + OnionSuffix},
		{"an old v2 name", "expyuzz4wqqyqhjn.onion"},
		{"one character short", label[1:] + OnionSuffix},
		{"no suffix", label},
		{"a trailing dot", torVectorHost + "."},
		{"a subdomain", "www." + torVectorHost},
		{"a character outside base32", "1" + torVectorHost[1:]},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseOnionHost(tt.host); err == nil {
				t.Fatalf("ParseOnionHost(%q) accepted it", tt.host)
			}
		})
	}
}

func TestValidateAddrChecksOnionHosts(t *testing.T) {
	tests := []struct {
		addr string
		ok   bool
	}{
		{torVectorHost + ":7420", true},
		{"192.0.2.7:7420", true},
		{"example.org:7420", true},
		{torVectorHost, false},                            // no port
		{torVectorHost + ":0", false},                     // bad port
		{"35" + torVectorHost[2:] + ":7420", false},       // checksum
		{strings.ToUpper(torVectorHost) + ":7420", false}, // one spelling only
		{"expyuzz4wqqyqhjn.onion:7420", false},            // v2 is gone
	}
	for _, tt := range tests {
		if err := ValidateAddr(tt.addr); (err == nil) != tt.ok {
			t.Errorf("ValidateAddr(%q) = %v, want ok=%v", tt.addr, err, tt.ok)
		}
	}
}

// onionCodeVector is the all-0x01 identity's code, name "Ada", with only
// torVectorHost:7420 (PROTOCOL.md §10): 237 characters.
const onionCodeVector = "jarvis://agfiry65oqe7dfp5klns2pf2lvzmuzyjx4ozieq36n2iqanub5xvzjhaskjlmuocpc4xolcwt5p2toyt3edli2vwrso7txbliqe7riqjanawiyibimzdk3tkofqw2y3xmvtgy4dwnnwdom3kgrzxuylinbuwq33dgr4him3lorrwo2toobqws3thoi2xs2dlmvxgynltnfsc433onfxw4orxgqzdbuerervq"

func TestLinkCodeOnionVector(t *testing.T) {
	k := fixedIdentity(t, 1).Public()
	code, err := EncodeLinkCode(LinkCode{Name: "Ada", Keys: k, Addrs: []string{torVectorHost + ":7420"}})
	if err != nil {
		t.Fatal(err)
	}
	if code != onionCodeVector {
		t.Fatalf("code = %s\nwant   %s", code, onionCodeVector)
	}
}

func TestLinkCodeCarriesAnOnionAddress(t *testing.T) {
	k := fixedIdentity(t, 1).Public()
	addrs := []string{"192.0.2.7:7420", torVectorHost + ":7420"}
	code, err := EncodeLinkCode(LinkCode{Name: "Ada", Keys: k, Addrs: addrs})
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseLinkCode(code)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.Addrs, ",") != strings.Join(addrs, ",") {
		t.Fatalf("addresses = %q, want %q", c.Addrs, addrs)
	}
	bad := LinkCode{Name: "Ada", Keys: k, Addrs: []string{"35" + torVectorHost[2:] + ":7420"}}
	if _, err := EncodeLinkCode(bad); err == nil {
		t.Fatal("EncodeLinkCode accepted an onion address with a bad checksum")
	}
}

func FuzzParseOnionHost(f *testing.F) {
	f.Add(torVectorHost)
	f.Add("expyuzz4wqqyqhjn.onion")
	f.Add(strings.ToUpper(torVectorHost))
	f.Add(".onion")
	f.Add(onionWith(make([]byte, 32), 3))
	f.Fuzz(func(t *testing.T, host string) {
		pub, err := ParseOnionHost(host)
		if err != nil {
			return
		}
		// One key, one spelling: whatever is accepted is what OnionAddress makes.
		if again := OnionAddress(pub); again != host {
			t.Fatalf("accepted %q, which re-derives as %q", host, again)
		}
	})
}

// An address like "x.onion:7420" passed the general rules before onion names
// were checked, so a roster holding one still parses; no genesis or change
// brings such an address into a group, while a valid onion address may come.
func TestRostersKeepLegacyOnionAddressesButAdmitOnlyValidOnes(t *testing.T) {
	const legacyAddr = "expyuzz4wqqyqhjn.onion:7420"
	legacy, ids := testRoster(t)
	rand.Read(legacy.Group[:])
	legacy.Members[0].Addrs = []string{legacyAddr}
	enc, err := SignRoster(legacy, ids[0])
	if err != nil {
		t.Fatalf("sign a roster with a legacy onion address: %v", err)
	}
	if _, err := ParseRoster(enc); err != nil {
		t.Fatalf("a stored roster with a legacy onion address no longer parses: %v", err)
	}
	if err := CheckGenesis(legacy); !errors.Is(err, ErrRosterTransition) {
		t.Errorf("genesis with an invalid onion address = %v, want refused", err)
	}

	base, ids := signedBase(t)
	member := ids[2]
	for addr, ok := range map[string]bool{legacyAddr: false, torVectorHost + ":7420": true} {
		n := base.Clone()
		n.Group, n.Version = base.Group, base.Version+1
		for i := range n.Members {
			if n.Members[i].Keys == member.Public() {
				n.Members[i].Addrs = []string{addr}
			}
		}
		if _, err := SignRoster(n, member); err != nil {
			t.Fatalf("%s: sign: %v", addr, err)
		}
		if err := CheckTransition(base, n); (err == nil) != ok {
			t.Errorf("self-update to %s: CheckTransition = %v, want ok=%v", addr, err, ok)
		}
	}
}
