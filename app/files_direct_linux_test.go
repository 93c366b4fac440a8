package app

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func TestChunksGoPastThePageCacheWhereTheyCanAndLandTheSame(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.part")
	part, err := openPart(path, true)
	if err != nil {
		t.Fatal(err)
	}
	defer part.Close()
	direct := openDirect(part, directBatch*fileChunk)
	if direct == nil {
		if os.Getenv("CI") != "" {
			t.Fatal("the temp directory's file system refuses O_DIRECT: this test proves nothing here")
		}
		t.Skip("this file system refuses O_DIRECT; the buffered path is the only one")
	}
	defer direct.close()
	want := make([]byte, 4*fileChunk+1000)
	rand.Read(want)
	// Chunks in memory off a page boundary, as a fake network delivers
	// them, are copied to an aligned buffer; the engine's are not.
	unaligned := make([]byte, len(want)+1)[1:]
	copy(unaligned, want)
	aligned := pageAligned(t, len(want))
	copy(aligned, want)
	chunk := func(i int, bad bool, from []byte) chunkWritten {
		b := from[i*fileChunk : min(len(want), (i+1)*fileChunk)]
		if bad {
			b = make([]byte, len(b)) // what a bad peer sent: never written
		}
		return chunkWritten{index: i, bad: bad, job: chunkJob{index: i, off: int64(i * fileChunk), data: b}}
	}
	// Chunks 2 and 3 follow each other: one direct write, from where they
	// lie. Chunk 0 alone, and chunk 1 after a bad copy of it. The short
	// last chunk cannot go direct and takes the buffered path.
	for _, batch := range [][]chunkWritten{
		{chunk(2, false, aligned), chunk(3, false, aligned)},
		{chunk(0, false, aligned), chunk(1, true, aligned)},
	} {
		writeRuns(direct, part, batch)
	}
	if direct.buf != nil {
		t.Fatal("chunks on page boundaries were copied before their direct write")
	}
	for _, batch := range [][]chunkWritten{
		{chunk(1, false, unaligned), chunk(4, false, unaligned)},
	} {
		writeRuns(direct, part, batch)
		for _, r := range batch {
			if r.err != nil {
				t.Fatalf("chunk %d: %v", r.index, r.err)
			}
		}
	}
	if done, _ := direct.writeAt(0, want[:1000]); done {
		t.Fatal("an unaligned length went the direct way")
	}
	if direct.buf == nil {
		t.Fatal("a chunk off a page boundary went direct without a copy")
	}
	if done, _ := direct.writeAt(0, unaligned[:3*fileChunk], unaligned[:3*fileChunk]); done {
		t.Fatal("more than the buffer went the direct way")
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read back %d bytes (%v), want the %d written", len(got), err, len(want))
	}
}

func TestTheDirectPathRefusesAFileSwappedUnderItsName(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.part")
	part, err := openPart(path, true)
	if err != nil {
		t.Fatal(err)
	}
	defer part.Close()
	// Someone puts another file, then a symlink, where the part was.
	os.Remove(path)
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if d := openDirect(part, fileChunk); d != nil {
		d.close()
		t.Fatal("opened another file than the part for direct writes")
	}
	os.Remove(path)
	if err := os.Symlink(filepath.Join(dir, "elsewhere"), path); err != nil {
		t.Fatal(err)
	}
	if d := openDirect(part, fileChunk); d != nil {
		d.close()
		t.Fatal("followed a symlink for direct writes")
	}
}

// pageAligned returns n bytes on a page boundary, unmapped when t ends.
func pageAligned(t *testing.T, n int) []byte {
	b, err := unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Munmap(b) })
	return b
}

func TestAShortDirectWriteGoesOnFromWhereItStopped(t *testing.T) {
	a, b, c := []byte("aaaa"), []byte("bbbb"), []byte("cc")
	for _, tc := range []struct {
		n    int
		want string
	}{{0, "aaaabbbbcc"}, {3, "abbbbcc"}, {4, "bbbbcc"}, {9, "c"}, {10, ""}} {
		var got []byte
		for _, p := range skipWritten([][]byte{a, b, c}, tc.n) {
			got = append(got, p...)
		}
		if string(got) != tc.want {
			t.Errorf("after %d bytes written, left %q, want %q", tc.n, got, tc.want)
		}
	}
}
