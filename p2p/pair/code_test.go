package pair

import (
	"errors"
	"testing"
)

func TestParseCodeTakesWhatPeopleType(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    string
		locator byte
	}{
		{"1234 5678", "1234 5678", 12},
		{"12345678", "1234 5678", 12},
		{"1234-5678", "1234 5678", 12},
		{"  1234 5678\n", "1234 5678", 12},
		{"12 34 56 78", "1234 5678", 12},
		{"1-2-3-4 5678", "1234 5678", 12},
		{"0000 0000", "0000 0000", 0},
		{"0099 9999", "0099 9999", 0},
		{"9999 9999", "9999 9999", 99},
		{"4711-0815", "4711 0815", 47},
	} {
		c, err := ParseCode(tc.in)
		if err != nil {
			t.Errorf("ParseCode(%q): %v", tc.in, err)
			continue
		}
		if c.String() != tc.want || c.Locator() != tc.locator {
			t.Errorf("ParseCode(%q) = %q, locator %d; want %q, %d", tc.in, c, c.Locator(), tc.want, tc.locator)
		}
	}
}

func TestParseCodeRefusesWhatIsNotACode(t *testing.T) {
	for _, in := range []string{
		"", " ", "-", "1234567", "1234 567", "123456789", "1234 56789", "1234 567a", "abcd efgh",
		"1234_5678", "1234.5678", "1234\t5678", "１２３４５６７８", "١٢٣٤٥٦٧٨", "+12345678", "1234 5678 0",
	} {
		if c, err := ParseCode(in); !errors.Is(err, ErrCodeFormat) {
			t.Errorf("ParseCode(%q) = %v, %v; want %v", in, c, err, ErrCodeFormat)
		}
	}
}

func TestNewCodesReadBackAndKeyAllEightDigits(t *testing.T) {
	seen := map[Code]bool{}
	for range 200 {
		c, err := NewCode()
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseCode(c.String())
		if err != nil || back != c {
			t.Fatalf("%q reads back as %v, %v", c, back, err)
		}
		if s := string(c.secret()); len(s) != 8 || s[:4]+" "+s[4:] != c.String() {
			t.Fatalf("secret %q for code %q", s, c)
		}
		seen[c] = true
	}
	// 200 draws from 10^8 repeat with odds of about 2 in 10^4: a repeat
	// here means the draw is broken, not unlucky.
	if len(seen) < 199 {
		t.Fatalf("only %d distinct codes in 200 draws", len(seen))
	}
}
