package lan

import (
	"bytes"
	"testing"

	"jarvis/crypto"
)

func TestPacketsRoundTrip(t *testing.T) {
	for _, p := range []packet{
		{kind: kindPresence, nonce: [nonceLen]byte{1, 2}, epoch: 5920000,
			entries: [][crypto.LANEntryLen]byte{{1}, {2}, {3}, {4}}},
		{kind: kindPresence, epoch: 1},
		{kind: kindPairing, nonce: [nonceLen]byte{9}, epoch: 2, port: 40001, locator: 42},
	} {
		got, err := decodePacket(p.encode())
		if err != nil {
			t.Fatalf("%+v: %v", p, err)
		}
		if !bytes.Equal(got.encode(), p.encode()) {
			t.Fatalf("round trip changed %+v into %+v", p, got)
		}
	}
}

func TestMalformedPacketsAreRefused(t *testing.T) {
	good := packet{kind: kindPresence, epoch: 3, entries: [][crypto.LANEntryLen]byte{{1}}}.encode()
	pairing := packet{kind: kindPairing, epoch: 3, port: 7420, locator: 7}.encode()
	mutate := func(b []byte, f func([]byte) []byte) []byte { return f(bytes.Clone(b)) }
	for name, b := range map[string][]byte{
		"empty":                nil,
		"header only":          good[:headerLen],
		"wrong magic":          mutate(good, func(b []byte) []byte { b[0] = 'X'; return b }),
		"future version":       mutate(good, func(b []byte) []byte { b[4] = 2; return b }),
		"unknown kind":         mutate(good, func(b []byte) []byte { b[5] = 9; return b }),
		"port zero":            mutate(pairing, func(b []byte) []byte { b[headerLen], b[headerLen+1] = 0, 0; return b }),
		"count too high":       mutate(good, func(b []byte) []byte { b[headerLen] = 2; return b }),
		"trailing byte":        append(bytes.Clone(good), 0),
		"locator over 99":      mutate(pairing, func(b []byte) []byte { b[headerLen+2] = 100; return b }),
		"pairing too long":     append(bytes.Clone(pairing), 0),
		"more than maxEntries": append(append([]byte{}, good[:headerLen]...), append([]byte{maxEntries + 1}, make([]byte, (maxEntries+1)*crypto.LANEntryLen)...)...),
	} {
		if _, err := decodePacket(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzDecodeAnnouncement(f *testing.F) {
	f.Add(packet{kind: kindPresence, epoch: 3, entries: [][crypto.LANEntryLen]byte{{1}, {2}}}.encode())
	f.Add(packet{kind: kindPairing, epoch: 3, port: 7420, locator: 12}.encode())
	f.Add([]byte("JVLN"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodePacket(b)
		if err != nil {
			return
		}
		if !bytes.Equal(p.encode(), b) {
			t.Fatalf("%x decodes to %+v, which encodes differently", b, p)
		}
	})
}
