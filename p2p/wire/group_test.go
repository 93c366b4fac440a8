package wire

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"jarvis/crypto"
)

func sampleGroupMessages() map[string]Message {
	var g [16]byte
	var a, r [20]byte
	var eph [32]byte
	var box [48]byte
	var sig [64]byte
	for i := range sig {
		sig[i] = byte(i)
	}
	g[0], a[0], r[0], eph[0], box[0] = 1, 2, 3, 4, 5
	return map[string]Message{
		"group-invite":     GroupInvite{Roster: []byte("roster bytes")},
		"group-roster":     GroupRoster{Roster: bytes.Repeat([]byte{7}, 300)},
		"group-senderkey":  GroupSenderKey{Group: g, Epoch: 3, Author: a, Recipient: r, StartSeq: 9, Eph: eph, Box: box, Sig: sig},
		"group-message":    GroupMessage{Group: g, Author: a, Epoch: 2, Seq: 41, Ciphertext: []byte("ct"), Sig: sig},
		"group-sync":       GroupSync{Group: g, Version: 5, Vector: []GroupSyncEntry{{Author: a, Seq: 4}, {Author: r, Seq: 1}}},
		"group-sync-reply": GroupSync{Group: g, Version: 1, Reply: true},
	}
}

func TestGroupRecordsRoundTrip(t *testing.T) {
	for name, m := range sampleGroupMessages() {
		t.Run(name, func(t *testing.T) {
			b, err := Append(nil, m)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeAll(b)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || !reflect.DeepEqual(got[0], m) {
				t.Fatalf("round trip: got %#v, want %#v", got, m)
			}
		})
	}
}

func TestGroupRecordsRefuseOverLimitAndEmpty(t *testing.T) {
	bad := []Message{
		GroupRoster{},
		GroupInvite{Roster: make([]byte, crypto.MaxRosterBytes+1)},
		GroupMessage{Ciphertext: make([]byte, MaxGroupCiphertext+1)},
		GroupSync{Vector: make([]GroupSyncEntry, MaxSyncAuthors+1)},
	}
	for _, m := range bad {
		if _, err := Append(nil, m); !errors.Is(err, ErrOverLimit) {
			t.Errorf("%T: err = %v, want ErrOverLimit", m, err)
		}
	}
	// A sync whose reply flag is 2 is not canonical.
	b, _ := Append(nil, GroupSync{})
	b[2+1+16+8] = 2
	if _, err := DecodeAll(b); !errors.Is(err, ErrInvalidBool) {
		t.Fatalf("err = %v, want ErrInvalidBool", err)
	}
}

func TestGroupMessageOfMaxBodyFitsAFrame(t *testing.T) {
	b, err := Append(nil, GroupMessage{Ciphertext: []byte(strings.Repeat("x", MaxGroupCiphertext))})
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 32<<10-16 {
		t.Fatalf("max group message record is %d bytes", len(b))
	}
}

// FuzzDecodeGroup drives the group decoders with the same canonical
// round-trip property as FuzzDecodeAll.
func FuzzDecodeGroup(f *testing.F) { fuzzCanonical(f, sampleGroupMessages()) }

// TestWriteGroupFuzzSeeds regenerates testdata/fuzz/FuzzDecodeGroup when
// JARVIS_WRITE_SEEDS=1.
func TestWriteGroupFuzzSeeds(t *testing.T) {
	if os.Getenv("JARVIS_WRITE_SEEDS") != "1" {
		t.Skip("set JARVIS_WRITE_SEEDS=1 to regenerate the seed corpus")
	}
	seeds := map[string][]byte{
		"malformed-empty-roster":    record(TypeGroupRoster, 0, 0),
		"malformed-roster-overrun":  record(TypeGroupInvite, 0, 9, 1),
		"malformed-sync-bool":       record(TypeGroupSync, append(make([]byte, 24), 3, 0, 0)...),
		"malformed-sync-count":      record(TypeGroupSync, append(make([]byte, 25), 0xff, 0xff)...),
		"malformed-senderkey-short": record(TypeGroupSenderKey, 1, 2, 3),
	}
	writeSeedCorpus(t, "FuzzDecodeGroup", seeds, sampleGroupMessages())
}

func TestGroupTextRoundTripsAndRefusesWhatTextRefuses(t *testing.T) {
	for _, gt := range []GroupText{{SentAt: 1_700_000_000_123, Body: "hi ✓"}, {SentAt: 0}, {Body: strings.Repeat("x", MaxBody)}} {
		b, err := AppendGroupText(nil, gt)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := ParseGroupText(b); err != nil || got != gt {
			t.Fatalf("round trip: %+v, %v; want %+v", got, err, gt)
		}
	}
	if b, _ := AppendGroupText(nil, GroupText{SentAt: 2, Body: "hi"}); !bytes.Equal(b, []byte{0, 0, 0, 0, 0, 0, 0, 2, 'h', 'i'}) {
		t.Fatalf("encoding %x", b)
	}
	for name, c := range map[string]struct {
		b    []byte
		want error
	}{
		"short":      {[]byte{0, 0, 0}, ErrTruncated},
		"bad utf8":   {append(make([]byte, 8), 0xc3, 0x28), ErrInvalidUTF8},
		"over limit": {make([]byte, 8+MaxBody+1), ErrOverLimit},
		// The flag bit announces a record: a session's own (Ping) is not
		// content, a truncated one is refused, and two are one too many.
		"ping inside":      {append(flagged(), 0, 9, byte(TypePing), 0, 0, 0, 0, 0, 0, 0, 1), ErrNotGroupContent},
		"record truncated": {append(flagged(), 0, 9), ErrTruncated},
		"record too long":  {append(flagged(), make([]byte, maxGroupRecord+1)...), ErrOverLimit},
	} {
		if _, err := ParseGroupText(c.b); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", name, err, c.want)
		}
	}
	if _, err := AppendGroupText(nil, GroupText{Body: "\xff"}); !errors.Is(err, ErrInvalidUTF8) {
		t.Fatalf("encode bad utf8: %v", err)
	}
	if _, err := AppendGroupText(nil, GroupText{SentAt: -1, Body: "x"}); !errors.Is(err, ErrOverLimit) {
		t.Fatalf("encode a negative time (it would read as a record): %v", err)
	}
	if _, err := AppendGroupText(nil, GroupText{SentAt: 1, Record: Ping{Nonce: 1}}); !errors.Is(err, ErrNotGroupContent) {
		t.Fatalf("encode a Ping as group content: %v", err)
	}
}

// flagged is a GroupText header with the record flag and sent_at 1.
func flagged() []byte { return []byte{0x80, 0, 0, 0, 0, 0, 0, 1} }

// FuzzParseGroupText: never panic; what parses re-encodes to the same bytes.
func FuzzParseGroupText(f *testing.F) {
	b, _ := AppendGroupText(nil, GroupText{SentAt: 5, Body: "hello"})
	f.Add(b)
	f.Add(b[:7])
	f.Fuzz(func(t *testing.T, b []byte) {
		gt, err := ParseGroupText(b)
		if err != nil {
			return
		}
		if out, err := AppendGroupText(nil, gt); err != nil || !bytes.Equal(out, b) {
			t.Fatalf("group text does not re-encode: %v", err)
		}
	})
}

// Store migration 6 strips exactly this header from the sender keys that
// steps 3 to 5 stored as whole records; keep the two in step.
func TestAGroupSenderKeyRecordIsAThreeByteHeaderThenTheKey(t *testing.T) {
	k := crypto.SenderKey(sampleGroupMessages()["group-senderkey"].(GroupSenderKey))
	rec, err := Append(nil, GroupSenderKey(k))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := k.AppendBinary(nil)
	want := append([]byte{0x00, 0xd9, byte(TypeGroupSenderKey)}, body...)
	if crypto.SenderKeySize != 216 || !bytes.Equal(rec, want) {
		t.Fatalf("record is % x (key size %d), want 00 d9 16 then the %d-byte key", rec[:3], crypto.SenderKeySize, len(body))
	}
}
