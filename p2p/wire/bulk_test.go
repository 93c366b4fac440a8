package wire

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func sampleBulk() []FileData {
	return []FileData{
		{Root: [32]byte{5}, Index: 2, Data: []byte("abc")},
		{Root: [32]byte{6}, Hashes: true, Index: 1, Data: bytes.Repeat([]byte{7}, 32000)},
		{Root: [32]byte{8}, Index: 1<<32 - 1, Data: bytes.Repeat([]byte{9}, MaxBulkData)},
	}
}

func TestBulkPayloadsRoundTrip(t *testing.T) {
	for _, d := range sampleBulk() {
		b, err := AppendBulk(nil, d)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeBulk(b)
		if err != nil || !reflect.DeepEqual(got, d) {
			t.Fatalf("index %d: decoded %d bytes, %v", d.Index, len(got.Data), err)
		}
	}
}

func TestBulkPayloadsRefuseWhatBreaksTheirLimits(t *testing.T) {
	for name, d := range map[string]FileData{
		"empty":     {Index: 1},
		"too long":  {Data: make([]byte, MaxBulkData+1)},
		"an offset": {Offset: 1, Data: []byte("x")},
	} {
		if _, err := AppendBulk(nil, d); !errors.Is(err, ErrOverLimit) {
			t.Errorf("%s: encoded with %v", name, err)
		}
	}
	good, _ := AppendBulk(nil, FileData{Data: []byte("x")})
	for name, b := range map[string][]byte{
		"header only": good[:BulkHeaderSize],
		"bad flag":    append(append(bytes.Clone(good[:FileHashSize]), 2), good[FileHashSize+1:]...),
		"too long":    make([]byte, MaxBulkPayload+1),
	} {
		if _, err := DecodeBulk(b); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

// FuzzDecodeBulk checks that a bulk payload never panics the decoder and
// that whatever decodes encodes back to the same bytes.
func FuzzDecodeBulk(f *testing.F) {
	for _, d := range sampleBulk()[:2] {
		b, _ := AppendBulk(nil, d)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := DecodeBulk(b)
		if err != nil {
			return
		}
		out, err := AppendBulk(nil, d)
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("decoded %d bytes re-encode to %d, %v", len(b), len(out), err)
		}
	})
}
