package app

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
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
	chunk := func(i int, bad bool) chunkWritten {
		b := want[i*fileChunk : min(len(want), (i+1)*fileChunk)]
		if bad {
			b = make([]byte, len(b)) // what a bad peer sent: never written
		}
		return chunkWritten{index: i, bad: bad, job: chunkJob{index: i, off: int64(i * fileChunk), data: b}}
	}
	// Chunks 2 and 3 follow each other: one direct write. Chunk 0 alone,
	// and chunk 1 after a bad copy of it. The short last chunk cannot go
	// direct and takes the buffered path.
	for _, batch := range [][]chunkWritten{
		{chunk(2, false), chunk(3, false)},
		{chunk(0, false), chunk(1, true)},
		{chunk(1, false), chunk(4, false)},
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
	if done, _ := direct.writeAt(0, want[:3*fileChunk], want[:3*fileChunk]); done {
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
