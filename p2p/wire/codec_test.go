package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"testing"

	"jarvis/crypto"
)

func sampleMessages() map[string]Message {
	id1 := crypto.MessageID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	id2 := crypto.MessageID{0xff}
	var sign [32]byte
	var sig [64]byte
	for i := range sign {
		sign[i] = byte(i)
	}
	for i := range sig {
		sig[i] = byte(255 - i)
	}
	return map[string]Message{
		"hello":           Hello{Sign: sign, Addrs: []string{"192.0.2.1:5000", "[2001:db8::1]:5000"}, Sig: sig},
		"hello-noaddrs":   Hello{Sign: sign, Sig: sig},
		"contact-request": ContactRequest{Name: "Zoë", Addrs: []string{"example.org:5000"}},
		"contact-accept":  ContactAccept{Name: strings.Repeat("n", crypto.MaxName)},
		"contact-reject":  ContactReject{},
		"text":            Text{ID: id1, SentAt: 1_700_000_000_123, Body: "hello, wörld ✓"},
		"text-negative":   Text{ID: id2, SentAt: -1, Body: ""},
		"text-max":        Text{ID: id1, Body: strings.Repeat("x", MaxBody)},
		"ack":             Ack{IDs: []crypto.MessageID{id1, id2}},
		"read":            Read{IDs: []crypto.MessageID{id2}},
		"typing-on":       Typing{Active: true},
		"typing-off":      Typing{},
		"ping":            Ping{Nonce: 0xdeadbeefcafef00d},
		"pong":            Pong{Nonce: 7},
		"bye":             Bye{Reason: "shutting down"},
		"address":         Address{Addrs: []string{"a:1", "b:2", "c:3", "d:4", "e:5", "f:6", "g:7", "h:8"}},
		"rekey":           Rekey{},
	}
}

func TestEveryMessageRoundTrips(t *testing.T) {
	for name, m := range sampleMessages() {
		t.Run(name, func(t *testing.T) {
			b, err := Append(nil, m)
			if err != nil {
				t.Fatalf("Append: %v", err)
			}
			if got := int(binary.BigEndian.Uint16(b)); got != len(b)-2 {
				t.Fatalf("length prefix %d, record has %d bytes after it", got, len(b)-2)
			}
			got, err := DecodeAll(b)
			if err != nil {
				t.Fatalf("DecodeAll: %v", err)
			}
			if len(got) != 1 || !reflect.DeepEqual(got[0], m) {
				t.Fatalf("round trip: got %#v, want %#v", got, m)
			}
		})
	}
}

func TestSeveralRecordsDecodeInOrder(t *testing.T) {
	msgs := []Message{Ping{Nonce: 1}, Text{Body: "a"}, Typing{Active: true}, Rekey{}}
	var b []byte
	var err error
	for _, m := range msgs {
		if b, err = Append(b, m); err != nil {
			t.Fatal(err)
		}
	}
	got, err := DecodeAll(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []Message{Ping{Nonce: 1}, Text{Body: "a"}, Typing{Active: true}, Rekey{}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v, want %#v", got, want)
	}
}

func TestAppendRejectsInvalidMessages(t *testing.T) {
	tooManyAddrs := make([]string, crypto.MaxAddrs+1)
	cases := []struct {
		name string
		m    Message
		want error
	}{
		{"nil", nil, ErrUnknownType},
		{"pointer", &Ping{}, ErrUnknownType},
		{"long name", ContactAccept{Name: strings.Repeat("n", crypto.MaxName+1)}, ErrOverLimit},
		{"long body", Text{Body: strings.Repeat("x", MaxBody+1)}, ErrOverLimit},
		{"bad utf8 body", Text{Body: "\xff\xfe"}, ErrInvalidUTF8},
		{"bad utf8 name", ContactRequest{Name: "a\xc3"}, ErrInvalidUTF8},
		{"too many addrs", Address{Addrs: tooManyAddrs}, ErrOverLimit},
		{"long addr", Hello{Addrs: []string{strings.Repeat("a", crypto.MaxAddr+1)}}, ErrOverLimit},
		{"too many ids", Ack{IDs: make([]crypto.MessageID, MaxIDs+1)}, ErrOverLimit},
		{"long reason", Bye{Reason: strings.Repeat("r", MaxReason+1)}, ErrOverLimit},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			prefix := []byte{9, 9}
			out, err := Append(prefix, c.m)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if !bytes.Equal(out, prefix) {
				t.Fatalf("dst changed on error: %x", out)
			}
		})
	}
}

func record(t Type, body ...byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(len(body)+1))
	return append(append(b, byte(t)), body...)
}

func TestDecodeAllRejectsMalformedPayloads(t *testing.T) {
	valid, _ := Append(nil, Ping{Nonce: 1})
	cases := []struct {
		name string
		b    []byte
		want error
	}{
		{"unknown type", record(99), ErrUnknownType},
		{"type zero", record(0), ErrUnknownType},
		{"lone length byte", []byte{0}, ErrTruncated},
		{"zero length", []byte{0, 0}, ErrTruncated},
		{"length past end", []byte{0, 9, byte(TypePing), 1}, ErrTruncated},
		{"short ping", record(TypePing, 1, 2, 3), ErrTruncated},
		{"long ping", record(TypePing, 1, 2, 3, 4, 5, 6, 7, 8, 9), ErrTrailing},
		{"body on rekey", record(TypeRekey, 0), ErrTrailing},
		{"valid then garbage", append(append([]byte{}, valid...), 0), ErrTruncated},
		{"typing 2", record(TypeTyping, 2), ErrInvalidBool},
		{"name over limit", record(TypeContactAccept, append([]byte{crypto.MaxName + 1}, bytes.Repeat([]byte("a"), crypto.MaxName+1)...)...), ErrOverLimit},
		{"bad utf8", record(TypeContactAccept, 2, 0xc3, 0x28), ErrInvalidUTF8},
		{"too many addrs", record(TypeAddress, crypto.MaxAddrs+1), ErrOverLimit},
		{"ids over limit", record(TypeAck, 0x04, 0x01), ErrOverLimit},
		{"ids truncated", record(TypeAck, 0, 2, 1, 2, 3), ErrTruncated},
		{"body over limit", record(TypeBye, 0x01, 0x01), ErrOverLimit},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msgs, err := DecodeAll(c.b)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if msgs != nil {
				t.Fatalf("messages returned with error: %v", msgs)
			}
		})
	}
}

func TestEmptyPayloadDecodesToNothing(t *testing.T) {
	msgs, err := DecodeAll(nil)
	if err != nil || len(msgs) != 0 {
		t.Fatalf("DecodeAll(nil) = %v, %v", msgs, err)
	}
}

func TestTextEncodingIsStable(t *testing.T) {
	// A fixed vector so an accidental format change fails loudly.
	b, err := Append(nil, Text{ID: crypto.MessageID{1}, SentAt: 2, Body: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0, 29, byte(TypeText)}
	want = append(want, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) // ID
	want = append(want, 0, 0, 0, 0, 0, 0, 0, 2)                         // SentAt
	want = append(want, 0, 2, 'h', 'i')                                 // Body
	if !bytes.Equal(b, want) {
		t.Fatalf("got  %x\nwant %x", b, want)
	}
}
