package tor

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"

	"github.com/cretz/bine/torutil"
	tored25519 "github.com/cretz/bine/torutil/ed25519"

	"jarvis/crypto"
)

// crypto.OnionAddress owns the derivation; bine's is a second, independent
// one (Listen also checks it against tor's own answer on the private network).
func TestOnionAddressAgreesWithBine(t *testing.T) {
	for range 20 {
		pub, _, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		want := torutil.OnionServiceIDFromV3PublicKey(tored25519.FromCryptoPublicKey(pub)) + ".onion"
		if got := crypto.OnionAddress(pub); got != want {
			t.Fatalf("crypto.OnionAddress = %s, bine says %s", got, want)
		}
	}
}
