package cli

import "testing"

func TestByteSizeTakesPlainNumbersAndBinarySuffixes(t *testing.T) {
	good := map[string]int64{"1048576": 1 << 20, "512K": 512 << 10, "500M": 500 << 20, "8G": 8 << 30, "8GiB": 8 << 30, "1t": 1 << 40, "2gb": 2 << 30}
	for in, want := range good {
		var b byteSize
		if err := b.Set(in); err != nil || int64(b) != want {
			t.Errorf("Set(%q) = %d, %v; want %d", in, b, err, want)
		}
	}
	for _, in := range []string{"", "G", "-1", "0", "1.5G", "9999999999T", "12X"} {
		var b byteSize
		if err := b.Set(in); err == nil {
			t.Errorf("Set(%q) took %d", in, b)
		}
	}
}
