package pair

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// The key schedule's vector (PROTOCOL.md §12), computed apart from this code
// with Python's cryptography package: ISK = 00..3f, sid = 40..4f,
// MSGa = 20 ‖ aa×32 ‖ 00, MSGb = 20 ‖ bb×32 ‖ 00.
func TestTheKeyScheduleMatchesItsVector(t *testing.T) {
	isk := make([]byte, 64)
	sid := make([]byte, sidLen)
	for i := range isk {
		isk[i] = byte(i)
	}
	for i := range sid {
		sid[i] = byte(0x40 + i)
	}
	msgA := append(append([]byte{0x20}, bytes.Repeat([]byte{0xaa}, 32)...), 0)
	msgB := append(append([]byte{0x20}, bytes.Repeat([]byte{0xbb}, 32)...), 0)
	k, err := deriveKeys(isk, sid, msgA, msgB)
	if err != nil {
		t.Fatal(err)
	}
	sealedJ, err := seal(k.joinerSeal, typeConfirm, []byte("jarvis://joiner"))
	if err != nil {
		t.Fatal(err)
	}
	sealedH, err := seal(k.hostSeal, typeFinal, []byte("jarvis://host"))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []struct {
		name string
		got  []byte
		want string
	}{
		{"host's MAC", k.mac(k.hostMAC), "80e41a5d66921149df2fbcb7c35a31a467e41e3b7b0cd839664a4ee469f2669f"},
		{"joiner's MAC", k.mac(k.joinerMAC), "7069eb67a4c619b341385b093f7f7caf1d823a8ecd30f59823b7f460c7a45023"},
		{"joiner's sealed link code", sealedJ, "706d2c6cff878076acfe2504cb14dcab98c9d7815ca1f84732bcd245dd8b29"},
		{"host's sealed link code", sealedH, "d24151e849e21a180f6bdcc7668e8c4974ac5082bd0c394ab1809f8014"},
	} {
		if hex.EncodeToString(v.got) != v.want {
			t.Errorf("%s = %x, want %s", v.name, v.got, v.want)
		}
	}
}
