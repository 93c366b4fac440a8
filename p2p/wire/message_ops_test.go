package wire

import (
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"

	"jarvis/crypto"
)

func sampleMessageOps() map[string]Message {
	id := crypto.MessageID{1, 2, 3}
	target := crypto.MessageID{9, 8, 7}
	return map[string]Message{
		"reply":          Reply{ID: id, SentAt: 1_700_000_000_000, ReplyTo: target, Body: "yes, that one"},
		"reply-max":      Reply{ID: id, ReplyTo: target, Body: strings.Repeat("r", MaxBody)},
		"reaction":       Reaction{ID: id, SentAt: 5, Target: target, Emoji: "👍"},
		"reaction-clear": Reaction{ID: id, SentAt: 6, Target: target},
		"reaction-max":   Reaction{ID: id, Target: target, Emoji: strings.Repeat("e", MaxEmoji)},
		"edit":           Edit{ID: id, SentAt: 7, Target: target, Body: "fixed typo"},
		"delete":         Delete{ID: id, SentAt: 8, Target: target},
	}
}

func TestMessageOperationsRoundTripAloneAndInAGroupText(t *testing.T) {
	for name, m := range sampleMessageOps() {
		t.Run(name, func(t *testing.T) {
			b, err := Append(nil, m)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeAll(b)
			if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], m) {
				t.Fatalf("round trip: %v %#v", err, got)
			}
			gb, err := AppendGroupText(nil, GroupText{SentAt: 42, Record: m})
			if err != nil {
				t.Fatal(err)
			}
			gt, err := ParseGroupText(gb)
			if err != nil || gt.SentAt != 42 || !reflect.DeepEqual(gt.Record, m) {
				t.Fatalf("group text round trip: %v %#v", err, gt)
			}
		})
	}
}

func TestMessageOperationsOverTheirLimitsAreRefused(t *testing.T) {
	target := crypto.MessageID{1}
	cases := map[string]Message{
		"long emoji":     Reaction{Target: target, Emoji: strings.Repeat("e", MaxEmoji+1)},
		"empty edit":     Edit{Target: target},
		"long reply":     Reply{ReplyTo: target, Body: strings.Repeat("r", MaxBody+1)},
		"negative clock": Delete{SentAt: -1, Target: target},
		"bad utf8":       Edit{Target: target, Body: "\xff"},
	}
	for name, m := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := Append(nil, m); err == nil {
				t.Fatal("encoded")
			}
		})
	}
	// The decoder refuses the same: an empty edit body and a negative clock.
	for name, rec := range map[string][]byte{
		"empty edit":     record(TypeEdit, append(make([]byte, 40), 0, 0)...),
		"negative clock": record(TypeDelete, append(append(make([]byte, 16), 0x80, 0, 0, 0, 0, 0, 0, 0), make([]byte, 16)...)...),
		"truncated":      record(TypeReaction, 1, 2, 3),
	} {
		if _, err := DecodeAll(rec); err == nil {
			t.Fatalf("%s decoded", name)
		}
	}
}

func TestAGroupTextRefusesRecordsThatAreNotContent(t *testing.T) {
	_, err := AppendGroupText(nil, GroupText{Record: Ack{}})
	if !errors.Is(err, ErrNotGroupContent) {
		t.Fatalf("err = %v, want ErrNotGroupContent", err)
	}
}

// FuzzDecodeMessageOps: never panic; what decodes re-encodes to the same
// bytes. Seeded with every message operation record.
func FuzzDecodeMessageOps(f *testing.F) { fuzzCanonical(f, sampleMessageOps()) }

// The vector PROTOCOL.md gives for a Delete record.
func TestADeleteRecordEncodesAsTheProtocolSays(t *testing.T) {
	b, err := Append(nil, Delete{ID: crypto.MessageID{1}, SentAt: 2, Target: crypto.MessageID{2}})
	if err != nil {
		t.Fatal(err)
	}
	want := "0029" + "12" + "01000000000000000000000000000000" + "0000000000000002" + "02000000000000000000000000000000"
	if got := hex.EncodeToString(b); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}
