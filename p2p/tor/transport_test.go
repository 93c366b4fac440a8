package tor

import (
	"crypto/ed25519"
	"testing"
	"time"

	"jarvis/crypto"
)

// These need no tor: they check only how the transport picks addresses.
func TestTheTransportHandlesOnlyV3OnionAddresses(t *testing.T) {
	pub := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)).Public().(ed25519.PublicKey)
	onion := crypto.OnionAddress(pub)
	broken := []byte(onion)
	broken[10] = map[bool]byte{true: 'b', false: 'a'}[broken[10] == 'a']
	tr := (&Tor{cfg: Config{DialTimeout: DefaultDialTimeout}}).Transport()
	tests := []struct {
		addr string
		want bool
	}{
		{onion + ":7420", true},
		{onion, false},                    // no port
		{"abc.onion:7420", false},         // not a v3 name
		{"192.0.2.7:7420", false},         // direct TCP's
		{"example.org:7420", false},       // direct TCP's
		{string(broken) + ":7420", false}, // checksum broken
	}
	for _, tt := range tests {
		if got := tr.Handles(tt.addr); got != tt.want {
			t.Errorf("Handles(%q) = %v, want %v", tt.addr, got, tt.want)
		}
	}
	dt, ok := tr.(interface{ DialTimeout() time.Duration })
	if !ok || dt.DialTimeout() <= 2*DefaultDialTimeout {
		t.Fatal("the transport must ask for time for a NEWNYM retry")
	}
}
