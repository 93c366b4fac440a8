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
	direct := openDirect(part, fileChunk)
	if direct == nil {
		if os.Getenv("CI") != "" {
			t.Fatal("the temp directory's file system refuses O_DIRECT: this test proves nothing here")
		}
		t.Skip("this file system refuses O_DIRECT; the buffered path is the only one")
	}
	defer direct.close()
	want := make([]byte, 2*fileChunk+1000)
	rand.Read(want)
	// Chunk 1 first: direct writes at any aligned offset; the short last
	// chunk cannot go direct and takes the buffered path.
	for _, i := range []int{1, 0, 2} {
		b := want[i*fileChunk : min(len(want), (i+1)*fileChunk)]
		if err := writeChunkData(direct, part, b, int64(i*fileChunk)); err != nil {
			t.Fatal(err)
		}
	}
	if done, _ := direct.writeAt(want[:1000], 0); done {
		t.Fatal("an unaligned length went the direct way")
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
