package crypto

import (
	"crypto/sha512"
	"fmt"
	"strings"
)

// safetyIterations slows down a search for a key whose fingerprint collides
// with someone else's in the digits people actually compare.
const safetyIterations = 5200

// SafetyNumber returns the 60-digit number two people compare to make sure
// each holds the other's real keys. It is symmetric: both sides get the same
// digits, because the two 30-digit halves are put in sorted order.
func SafetyNumber(a, b PublicIdentity) string {
	fa, fb := fingerprintDigits(a), fingerprintDigits(b)
	if fb < fa {
		fa, fb = fb, fa
	}
	all := fa + fb
	groups := make([]string, 0, len(all)/5)
	for i := 0; i < len(all); i += 5 {
		groups = append(groups, all[i:i+5])
	}
	return strings.Join(groups, " ")
}

// fingerprintDigits turns one identity into 30 decimal digits: six 5-byte
// chunks of an iterated SHA-512, each reduced mod 100000.
func fingerprintDigits(p PublicIdentity) string {
	h := sha512.New()
	h.Write([]byte("jarvis-safety-v1"))
	h.Write(p.Sign[:])
	h.Write(p.DH[:])
	sum := h.Sum(nil)
	for i := 1; i < safetyIterations; i++ {
		h.Reset()
		h.Write(sum)
		h.Write(p.Sign[:])
		h.Write(p.DH[:])
		sum = h.Sum(sum[:0])
	}
	var b strings.Builder
	for i := 0; i < 6; i++ {
		c := sum[i*5 : i*5+5]
		n := uint64(c[0])<<32 | uint64(c[1])<<24 | uint64(c[2])<<16 | uint64(c[3])<<8 | uint64(c[4])
		fmt.Fprintf(&b, "%05d", n%100000)
	}
	return b.String()
}
