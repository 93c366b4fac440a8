package crypto

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"testing"
)

// sealBackup writes header and plain as a complete backup file.
func sealBackup(t *testing.T, pass []byte, plain []byte, flags uint8) []byte {
	t.Helper()
	mk, _ := NewMasterKey(rand.Reader)
	wrapped, err := WrapMasterKey(rand.Reader, pass, testKDF(), mk)
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewBackupHeader(rand.Reader, testKDF(), wrapped, flags)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := h.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	key, err := BackupStreamKey(mk, h)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	out.Write(enc)
	w, err := NewBackupWriter(key, &out)
	if err != nil {
		t.Fatal(err)
	}
	// Uneven writes, so chunk boundaries fall inside them.
	for p := plain; len(p) > 0; {
		n := min(len(p), 1000+len(p)%7777)
		if _, err := w.Write(p[:n]); err != nil {
			t.Fatal(err)
		}
		p = p[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// openBackup reads a whole backup file with pass.
func openBackup(file, pass []byte) ([]byte, error) {
	r := bytes.NewReader(file)
	h, err := ReadBackupHeader(r)
	if err != nil {
		return nil, err
	}
	_, key, err := OpenBackupKey(pass, h)
	if err != nil {
		return nil, err
	}
	br, err := NewBackupReader(key, r)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(br)
}

func TestBackupRoundTrip(t *testing.T) {
	pass := []byte("correct horse battery staple")
	for _, n := range []int{0, 1, backupChunkSize - 1, backupChunkSize, backupChunkSize + 1, 3*backupChunkSize + 17, 4 * backupChunkSize} {
		plain := make([]byte, n)
		rand.Read(plain)
		file := sealBackup(t, pass, plain, 0)
		got, err := openBackup(file, pass)
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		if !bytes.Equal(got, plain) {
			t.Fatalf("%d bytes: round trip changed the data", n)
		}
	}
}

func TestBackupRefusesDamage(t *testing.T) {
	pass := []byte("correct horse battery staple")
	plain := bytes.Repeat([]byte("secret text "), 3*backupChunkSize/12)
	file := sealBackup(t, pass, plain, 0)
	hdr, _ := ReadBackupHeader(bytes.NewReader(file))
	hlen, _ := hdr.MarshalBinary()
	chunk := backupChunkSize + 16
	flip := func(i int) []byte { b := bytes.Clone(file); b[i] ^= 1; return b }
	tests := []struct {
		name string
		file []byte
		pass []byte
		want error
	}{
		{"wrong passphrase", file, []byte("not the passphrase"), ErrWrongPassphrase},
		{"empty", nil, pass, ErrNotBackup},
		{"other file", []byte("SQLite format 3\x00 and more bytes"), pass, ErrNotBackup},
		{"header only", file[:len(hlen)], pass, ErrBackupCorrupt},
		{"header cut", file[:len(hlen)-3], pass, ErrBackupCorrupt},
		{"cut at a chunk boundary", file[:len(hlen)+chunk], pass, ErrBackupCorrupt},
		{"cut inside a chunk", file[:len(hlen)+chunk+100], pass, ErrBackupCorrupt},
		{"last byte cut", file[:len(file)-1], pass, ErrBackupCorrupt},
		{"trailing byte", append(bytes.Clone(file), 0), pass, ErrBackupCorrupt},
		{"bit flipped in the first chunk", flip(len(hlen) + 10), pass, ErrBackupCorrupt},
		{"bit flipped in the last chunk", flip(len(file) - 20), pass, ErrBackupCorrupt},
		{"bit flipped in the nonce", flip(len(hlen) - 1), pass, ErrBackupCorrupt},
		{"flags changed", func() []byte { b := bytes.Clone(file); b[9] = BackupNoHistory; return b }(), pass, ErrBackupCorrupt},
		{"chunks swapped", func() []byte {
			b := bytes.Clone(file)
			c1 := bytes.Clone(b[len(hlen) : len(hlen)+chunk])
			copy(b[len(hlen):], b[len(hlen)+chunk:len(hlen)+2*chunk])
			copy(b[len(hlen)+chunk:], c1)
			return b
		}(), pass, ErrBackupCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := openBackup(tt.file, tt.pass)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestBackupHeaderNewerVersion(t *testing.T) {
	file := sealBackup(t, []byte("pass phrase"), []byte("x"), 0)
	file[len(backupMagic)] = BackupVersion + 1
	_, err := ReadBackupHeader(bytes.NewReader(file))
	if !errors.Is(err, ErrBackupTooNew) {
		t.Fatalf("err = %v, want ErrBackupTooNew", err)
	}
}

func TestBackupHeaderCapsKDFCost(t *testing.T) {
	h := BackupHeader{Version: BackupVersion, KDF: testKDF(), Wrapped: []byte{1}}
	h.KDF.MemoryKiB = maxBackupKDFMemoryKiB + 1
	enc, err := h.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ReadBackupHeader(bytes.NewReader(enc)); !errors.Is(err, ErrBackupCorrupt) {
		t.Fatalf("err = %v, want ErrBackupCorrupt for a 4 GiB+ KDF", err)
	}
}

// FuzzReadBackupHeader: never panic; what parses re-encodes to the bytes it
// consumed.
func FuzzReadBackupHeader(f *testing.F) {
	h := BackupHeader{Version: BackupVersion, Flags: BackupNoHistory, KDF: testKDF(), Wrapped: bytes.Repeat([]byte{7}, 72)}
	enc, _ := h.MarshalBinary()
	f.Add(enc)
	f.Add(enc[:len(enc)-1])
	f.Add(append(bytes.Clone(enc), 1, 2, 3))
	f.Add([]byte(backupMagic + "\x02"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		h, err := ReadBackupHeader(r)
		if err != nil {
			return
		}
		out, err := h.MarshalBinary()
		consumed := b[:len(b)-r.Len()]
		if err != nil || !bytes.Equal(out, consumed) {
			t.Fatalf("header does not re-encode: %v\nin  %x\nout %x", err, consumed, out)
		}
	})
}

// TestBackupVector pins the header encoding, the stream key and the
// sealing of a one-chunk stream (PROTOCOL.md §10); the values were checked
// against Python's hmac and cryptography's ChaCha20Poly1305.
func TestBackupVector(t *testing.T) {
	var mk MasterKey
	for i := range mk {
		mk[i] = 5
	}
	h := BackupHeader{Version: 1, KDF: testKDF(), Wrapped: bytes.Repeat([]byte{7}, 72)}
	for i := range h.Nonce {
		h.Nonce[i] = 8
	}
	enc, err := h.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	key, err := BackupStreamKey(mk, h)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w, _ := NewBackupWriter(key, &out)
	w.Write([]byte("hi"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ what, got, want string }{
		{"header", hex.EncodeToString(enc), "4a4152564953424b01001b010000000100000040011009090909090909090909090909090909480707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070808080808080808080808080808080808080808080808080808080808080808"},
		{"stream key", hex.EncodeToString(key[:]), "bcd32e7b0ae8b1a7fa29fa68e527d7c65fd84f9e38b9929f2d6f276bb4f50b60"},
		{"sealed \"hi\"", hex.EncodeToString(out.Bytes()), "6640c3172aa4d8c29c1d84c693c9eeec22c8"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %s, want %s", c.what, c.got, c.want)
		}
	}
}

// FuzzBackupReader: a stream under a known key never panics the reader,
// and whatever opens is exactly what the writer makes of its plaintext
// (the construction has one encoding per plaintext).
func FuzzBackupReader(f *testing.F) {
	var key [32]byte
	seal := func(plain []byte) []byte {
		var out bytes.Buffer
		w, _ := NewBackupWriter(key, &out)
		w.Write(plain)
		w.Close()
		return out.Bytes()
	}
	f.Add(seal(nil))
	f.Add(seal([]byte("hi")))
	two := seal(bytes.Repeat([]byte{1}, backupChunkSize+5))
	f.Add(two)
	f.Add(two[:backupChunkSize+16])
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := NewBackupReader(key, bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		plain, err := io.ReadAll(r)
		if err != nil {
			if !errors.Is(err, ErrBackupCorrupt) {
				t.Fatalf("error %v is not ErrBackupCorrupt", err)
			}
			return
		}
		if !bytes.Equal(seal(plain), b) {
			t.Fatal("opened a stream the writer would not have written")
		}
	})
}
