package wire

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func sampleFileMessages() map[string]Message {
	return map[string]Message{
		"offer":        FileOffer{ID: [16]byte{1}, Root: [32]byte{2}, Size: 1 << 30, ChunkSize: 261632, Name: "report.pdf"},
		"offer empty":  FileOffer{ID: [16]byte{1}, ChunkSize: 1, Name: "x"},
		"status":       FileStatus{ID: [16]byte{3}, Status: FileFail, Reason: "disk full"},
		"accept":       FileStatus{ID: [16]byte{3}, Status: FileAccept},
		"get chunk":    FileGet{Root: [32]byte{4}, Index: 7},
		"get hashes":   FileGet{Root: [32]byte{4}, Hashes: true},
		"data":         FileData{Root: [32]byte{5}, Index: 2, Offset: 32704, Data: []byte("abc")},
		"data maximal": FileData{Root: [32]byte{5}, Hashes: true, Data: bytes.Repeat([]byte{9}, MaxFileData)},
	}
}

func TestFileRecordsRoundTrip(t *testing.T) {
	for name, m := range sampleFileMessages() {
		b, err := Append(nil, m)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := DecodeAll(b)
		if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], m) {
			t.Fatalf("%s: decoded %#v, %v", name, got, err)
		}
	}
}

func TestFileRecordsRefuseWhatBreaksTheirLimits(t *testing.T) {
	bad := map[string]Message{
		"no name":       FileOffer{ChunkSize: 1},
		"long name":     FileOffer{ChunkSize: 1, Name: strings.Repeat("a", MaxFileName+1)},
		"zero chunk":    FileOffer{Name: "a"},
		"huge chunk":    FileOffer{Name: "a", ChunkSize: MaxFileChunk + 1},
		"huge file":     FileOffer{Name: "a", ChunkSize: 1, Size: MaxFileSize + 1},
		"no status":     FileStatus{},
		"status 6":      FileStatus{Status: 6},
		"long reason":   FileStatus{Status: FileFail, Reason: strings.Repeat("r", MaxFileReason+1)},
		"empty data":    FileData{},
		"too much data": FileData{Data: make([]byte, MaxFileData+1)},
	}
	for name, m := range bad {
		if _, err := Append(nil, m); !errors.Is(err, ErrOverLimit) {
			t.Errorf("%s: err = %v, want ErrOverLimit", name, err)
		}
	}
	// The decoder refuses the same: an offer whose chunk size is zero.
	b, _ := Append(nil, FileOffer{Name: "a", ChunkSize: 1})
	b[2+1+16+32+8+3] = 0
	if _, err := DecodeAll(b); !errors.Is(err, ErrOverLimit) {
		t.Fatalf("zero chunk size decoded: %v", err)
	}
}

func TestAFullFileDataPieceFitsOneFrameWithRekey(t *testing.T) {
	b, err := Append(nil, FileData{Data: make([]byte, MaxFileData)})
	if err != nil {
		t.Fatal(err)
	}
	if len(b)+3 > 32<<10 {
		t.Fatalf("a full piece is %d bytes: it and a Rekey do not fit a frame", len(b))
	}
}

func TestAFileOfferTravelsInAGroupMessage(t *testing.T) {
	offer := FileOffer{ID: [16]byte{1}, ChunkSize: 5, Size: 9, Name: "a.txt"}
	b, err := AppendGroupText(nil, GroupText{SentAt: 5, Record: offer})
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseGroupText(b)
	if err != nil || !reflect.DeepEqual(got.Record, offer) {
		t.Fatalf("got %#v, %v", got, err)
	}
	if _, err := AppendGroupText(nil, GroupText{Record: FileGet{}}); !errors.Is(err, ErrNotGroupContent) {
		t.Fatalf("a FileGet in a group message: %v", err)
	}
}

// FuzzDecodeFile drives the file decoders with the canonical round trip of
// FuzzDecodeAll.
func FuzzDecodeFile(f *testing.F) { fuzzCanonical(f, sampleFileMessages()) }
