package pair

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
)

// codeSpace is the number of 8-digit codes.
const codeSpace = 100_000_000

// Code is a pairing code: 8 decimal digits. The first two are its locator,
// which discovery sends in clear; all eight key the PAKE. The zero Code is
// "0000 0000", a valid code; make codes with NewCode or ParseCode.
type Code struct {
	n uint32 // 0 ≤ n < codeSpace
}

// NewCode draws a code uniformly from all 10^8.
func NewCode() (Code, error) {
	// rand.Int draws by rejection, so no code is likelier than another.
	n, err := rand.Int(rand.Reader, big.NewInt(codeSpace))
	if err != nil {
		return Code{}, fmt.Errorf("pair: draw a code: %w", err)
	}
	return Code{n: uint32(n.Uint64())}, nil
}

// ParseCode reads a code as a person types it: 8 digits, grouped by spaces
// or dashes or not at all ("1234 5678", "1234-5678", "12345678").
func ParseCode(s string) (Code, error) {
	var n uint32
	digits := 0
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r == ' ' || r == '-':
		case r >= '0' && r <= '9' && digits < 8:
			n = n*10 + uint32(r-'0')
			digits++
		default:
			return Code{}, ErrCodeFormat
		}
	}
	if digits != 8 {
		return Code{}, ErrCodeFormat
	}
	return Code{n: n}, nil
}

// String shows the code as two groups of four digits: "1234 5678".
func (c Code) String() string {
	return fmt.Sprintf("%04d %04d", c.n/10_000, c.n%10_000)
}

// Locator is the code's first two digits (0–99). Discovery broadcasts it so
// the joiner finds the right host; it is no secret, which leaves 6 digits
// against anyone on the LAN.
func (c Code) Locator() byte {
	return byte(c.n / 1_000_000)
}

// secret is CPace's password: all 8 digits as ASCII, the locator included,
// so the host and the joiner agree on exactly what was shown and typed.
func (c Code) secret() []byte {
	return fmt.Appendf(nil, "%08d", c.n)
}
