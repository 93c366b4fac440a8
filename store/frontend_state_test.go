package store

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestFrontendStateIsKeptSealed(t *testing.T) {
	ctx := context.Background()
	s, path := newAccount(t)
	if got, err := s.FrontendState(ctx); err != nil || got != nil {
		t.Fatalf("before any write: %q, %v", got, err)
	}
	secret := []byte(`{"drafts":{"bob":"half a secret thought"}}`)
	for _, state := range [][]byte{[]byte("first"), secret} {
		if err := s.PutFrontendState(ctx, state); err != nil {
			t.Fatal(err)
		}
		got, err := s.FrontendState(ctx)
		if err != nil || !bytes.Equal(got, state) {
			t.Fatalf("FrontendState = %q, %v; want %q", got, err, state)
		}
	}
	if _, err := s.w.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "*"))
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil && bytes.Contains(b, []byte("half a secret thought")) {
			t.Fatalf("%s holds a draft in the clear", f)
		}
	}
}
