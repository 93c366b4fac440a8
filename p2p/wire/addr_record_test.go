package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"reflect"
	"testing"

	"jarvis/crypto"
)

// sampleAddrRecords are AddrRecord messages of each shape. Their signatures
// are made up: the codec does not check them, the app does.
func sampleAddrRecords() map[string]Message {
	var owner crypto.ID
	var sig [64]byte
	for i := range owner {
		owner[i] = byte(i + 1)
	}
	for i := range sig {
		sig[i] = byte(200 - i)
	}
	onion := "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid.onion:7420"
	full := make([]string, crypto.MaxAddrs)
	for i := range full {
		full[i] = "192.0.2." + string(rune('1'+i)) + ":7420"
	}
	return map[string]Message{
		"addr-record":         AddrRecord{Owner: owner, Version: 1, Addrs: []string{"192.0.2.7:7420", "[2001:db8::1]:7420", onion}, Sig: sig},
		"addr-record-none":    AddrRecord{Owner: owner, Version: 1<<64 - 1, Sig: sig},
		"addr-record-full":    AddrRecord{Owner: owner, Version: 42, Addrs: full, Sig: sig},
		"addr-record-version": AddrRecord{Owner: owner, Version: 1_700_000_000_000, Addrs: []string{"example.org:1"}, Sig: sig},
	}
}

func TestAddrRecordRoundTripsAsTheCryptoEncoding(t *testing.T) {
	for name, m := range sampleAddrRecords() {
		b, err := Append(nil, m)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b[2] != 14 {
			t.Fatalf("%s: type %d, want 14", name, b[2])
		}
		enc, _ := crypto.AddrRecord(m.(AddrRecord)).AppendBinary(nil)
		if !bytes.Equal(b[3:], enc) || int(binary.BigEndian.Uint16(b)) != 1+len(enc) {
			t.Fatalf("%s: body is not the crypto encoding", name)
		}
		got, err := DecodeAll(b)
		if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], m) {
			t.Fatalf("%s: round trip %#v, %v", name, got, err)
		}
	}
}

func TestAddrRecordDecoderRefusesMalformed(t *testing.T) {
	good, _ := Append(nil, sampleAddrRecords()["addr-record"])
	body := good[3:]
	count := crypto.IDSize + 8
	withCount := func(n byte) []byte {
		b := bytes.Clone(body)
		b[count] = n
		return b
	}
	bad := map[string][]byte{
		"empty":            record(TypeAddrRecord),
		"no signature":     record(TypeAddrRecord, body[:len(body)-64]...),
		"short signature":  record(TypeAddrRecord, body[:len(body)-1]...),
		"trailing byte":    record(TypeAddrRecord, append(bytes.Clone(body), 0)...),
		"count over limit": record(TypeAddrRecord, withCount(crypto.MaxAddrs+1)...),
		"count overruns":   record(TypeAddrRecord, withCount(4)...),
		"version 0":        record(TypeAddrRecord, append(append(bytes.Clone(body[:crypto.IDSize]), make([]byte, 8)...), body[count:]...)...),
		"bad address":      record(TypeAddrRecord, append(append(bytes.Clone(body[:count]), 1, 3, 'a', ':', '0'), body[len(body)-64:]...)...),
	}
	for name, b := range bad {
		if _, err := DecodeAll(b); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
	if _, err := Append(nil, AddrRecord{Version: 0}); !errors.Is(err, crypto.ErrAddrRecordMalformed) {
		t.Fatalf("encode version 0: err = %v", err)
	}
}

// FuzzDecodeAddrRecord drives the address record decoder with the same
// canonical round-trip property as FuzzDecodeAll.
func FuzzDecodeAddrRecord(f *testing.F) { fuzzCanonical(f, sampleAddrRecords()) }

// TestWriteAddrRecordFuzzSeeds regenerates testdata/fuzz/FuzzDecodeAddrRecord
// when JARVIS_WRITE_SEEDS=1.
func TestWriteAddrRecordFuzzSeeds(t *testing.T) {
	if os.Getenv("JARVIS_WRITE_SEEDS") != "1" {
		t.Skip("set JARVIS_WRITE_SEEDS=1 to regenerate the seed corpus")
	}
	seeds := map[string][]byte{
		"malformed-addr-record-empty": record(TypeAddrRecord),
		"malformed-addr-record-count": record(TypeAddrRecord, append(make([]byte, crypto.IDSize+7), 1, 9)...),
		"malformed-addr-record-short": record(TypeAddrRecord, append(make([]byte, crypto.IDSize+7), 1, 1, 5, 'a')...),
	}
	writeSeedCorpus(t, "FuzzDecodeAddrRecord", seeds, sampleAddrRecords())
}
