package crypto

import (
	"crypto/rand"
	"testing"

	"golang.org/x/crypto/curve25519"
)

// BenchmarkX25519 is one X25519 scalar multiplication with the library
// flynn/noise uses: the unit a Noise_XX handshake spends four of per side.
func BenchmarkX25519(b *testing.B) {
	scalar := make([]byte, 32)
	rand.Read(scalar)
	peer, err := curve25519.X25519(scalar, curve25519.Basepoint)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := curve25519.X25519(scalar, peer); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkUnwrapDefaultKDF is unlocking with the production Argon2id cost
// (t=3, 64 MiB, p=4): what every start pays before anything else.
func BenchmarkUnwrapDefaultKDF(b *testing.B) {
	p, err := NewKDFParams(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	mk, err := NewMasterKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	pass := []byte("correct horse battery staple")
	wrapped, err := WrapMasterKey(rand.Reader, pass, p, mk)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := UnwrapMasterKey(pass, p, wrapped); err != nil {
			b.Fatal(err)
		}
	}
}
