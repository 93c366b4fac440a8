package crypto

import (
	"errors"
	"testing"
)

func TestANewPassphraseIsRefusedWhenShortOrOneRepeatedCharacter(t *testing.T) {
	tests := []struct {
		pass    string
		refused bool
		minBits int
		maxBits int
	}{
		{"", true, 0, 0},
		{"abc1234", true, 0, 0},
		{"ééééééé", true, 0, 0}, // 14 bytes, 7 characters
		{"zzzzzzzzzzzzzzzzzzzz", true, 0, 0},
		{"password", false, 0, WeakPassphraseBits - 1},
		{"Tr0ub4dor&3", false, WeakPassphraseBits, FairPassphraseBits - 1},
		{"correct horse battery staple", false, FairPassphraseBits, 1000},
	}
	for _, tt := range tests {
		bits, err := CheckNewPassphrase([]byte(tt.pass))
		if refused := errors.Is(err, ErrPassphraseTooWeak); refused != tt.refused {
			t.Errorf("%q: err %v, want refused=%v", tt.pass, err, tt.refused)
			continue
		}
		if !tt.refused && (bits < tt.minBits || bits > tt.maxBits) {
			t.Errorf("%q: %d bits, want %d–%d", tt.pass, bits, tt.minBits, tt.maxBits)
		}
	}
}
