package store

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"jarvis/crypto"
)

func TestTransfersKeepTheirRowsAndSealTheirNames(t *testing.T) {
	s, path := newAccount(t)
	ctx := context.Background()
	peer := crypto.ID{7}
	in := Transfer{ID: [16]byte{1}, Peer: peer, Root: [32]byte{2}, Size: 1000, ChunkSize: 100,
		Name: "secret-holiday-name.jpg", Path: "/home/u/secret-holiday-path.jpg", Hashes: bytes.Repeat([]byte{3}, 320),
		State: 2, Done: 4, Reason: "", Created: 55}
	if err := s.PutTransfer(ctx, in); err != nil {
		t.Fatal(err)
	}
	if err := s.SetTransferProgress(ctx, in.ID, 3, 9); err != nil {
		t.Fatal(err)
	}
	got, err := s.Transfers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := in
	want.State, want.Done = 3, 9
	if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if _, err := s.w.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "*"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if bytes.Contains(b, []byte("secret-holiday")) {
			t.Fatalf("%s holds a transfer name or path in the clear", f)
		}
	}
}

func TestAGroupTransferKeepsItsGroup(t *testing.T) {
	s, _ := newAccount(t)
	ctx := context.Background()
	rows := []Transfer{
		{ID: [16]byte{1}, Peer: crypto.ID{7}, Root: [32]byte{2}, Size: 10, ChunkSize: 100, Name: "a", State: 1, Created: 1},
		{ID: [16]byte{2}, Peer: crypto.ID{8}, Group: crypto.GroupID{9, 9}, Root: [32]byte{3}, Size: 10, ChunkSize: 100,
			Name: "b", State: 1, Created: 2},
	}
	for _, r := range rows {
		if err := s.PutTransfer(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Transfers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i].Hashes = nil
	}
	if !reflect.DeepEqual(got, rows) {
		t.Fatalf("got %+v\nwant %+v", got, rows)
	}
}
