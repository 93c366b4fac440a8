package wire

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
)

// FuzzDecodeAll checks that decoding never panics and that everything that
// decodes re-encodes to the same bytes (the encoding is canonical).
func FuzzDecodeAll(f *testing.F) { fuzzCanonical(f, sampleMessages()) }

// fuzzCanonical seeds f with samples and checks, for any input, that
// decoding never panics and that whatever decodes re-encodes to the same
// bytes and decodes again to the same messages.
func fuzzCanonical(f *testing.F, samples map[string]Message) {
	for _, m := range samples {
		b, err := Append(nil, m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		msgs, err := DecodeAll(b)
		if err != nil {
			return
		}
		var out []byte
		for _, m := range msgs {
			if out, err = Append(out, m); err != nil {
				t.Fatalf("decoded %#v does not re-encode: %v", m, err)
			}
		}
		again, err := DecodeAll(out)
		if err != nil {
			t.Fatalf("re-encoded payload does not decode: %v", err)
		}
		if !reflect.DeepEqual(msgs, again) {
			t.Fatalf("decode(encode(decode(b))) differs:\n%#v\n%#v", msgs, again)
		}
		if !bytes.Equal(out, b) {
			t.Fatalf("encoding is not canonical:\nin  %x\nout %x", b, out)
		}
	})
}

// TestWriteFuzzSeeds regenerates testdata/fuzz/FuzzDecodeAll when
// JARVIS_WRITE_SEEDS=1; otherwise it is skipped.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("JARVIS_WRITE_SEEDS") != "1" {
		t.Skip("set JARVIS_WRITE_SEEDS=1 to regenerate the seed corpus")
	}
	seeds := map[string][]byte{
		"malformed-unknown-type":  record(99),
		"malformed-truncated":     {0, 9, byte(TypePing), 1},
		"malformed-trailing":      record(TypeRekey, 0),
		"malformed-bad-utf8":      record(TypeContactAccept, 2, 0xc3, 0x28),
		"malformed-over-limit":    record(TypeAck, 0xff, 0xff),
		"malformed-lone-byte":     {0},
		"malformed-bool":          record(TypeTyping, 7),
		"malformed-addrs-overrun": record(TypeAddress, 1, 200, 'a'),
	}
	writeSeedCorpus(t, "FuzzDecodeAll", seeds, sampleMessages())
}

// writeSeedCorpus writes malformed inputs plus the encoding of every sample
// as the seed corpus of the fuzz target named target.
func writeSeedCorpus(t *testing.T, target string, malformed map[string][]byte, samples map[string]Message) {
	t.Helper()
	seeds := make(map[string][]byte, len(malformed)+len(samples))
	for name, b := range malformed {
		seeds[name] = b
	}
	for name, m := range samples {
		b, err := Append(nil, m)
		if err != nil {
			t.Fatal(err)
		}
		seeds[name] = b
	}
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(seeds))
	for n := range seeds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", seeds[n])
		if err := os.WriteFile(filepath.Join(dir, n), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
