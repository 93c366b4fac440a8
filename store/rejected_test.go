package store

import (
	"bytes"
	"context"
	"os"
	"testing"
)

func TestRejectedIDsSurviveAReopenAndAreNotReadableOnDisk(t *testing.T) {
	ctx := context.Background()
	s, path := newAccount(t)
	eve, bob := newIdentity(t).ID(), newIdentity(t).ID()
	l, err := s.Rejected(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Add(ctx, eve); err != nil {
		t.Fatal(err)
	}
	if err := l.Add(ctx, eve); err != nil {
		t.Fatalf("adding twice: %v", err)
	}
	if !l.Has(eve) || l.Has(bob) {
		t.Fatal("Has does not match what was added")
	}
	s.Close()

	s = openAt(t, path)
	if err := s.Unlock(ctx, testPass); err != nil {
		t.Fatal(err)
	}
	l, err = s.Rejected(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !l.Has(eve) || l.Has(bob) {
		t.Fatal("the list changed across a reopen")
	}
	if err := l.Remove(ctx, eve); err != nil {
		t.Fatal(err)
	}
	if l.Has(eve) {
		t.Fatal("removed ID still rejected")
	}
	if err := l.Add(ctx, bob); err != nil {
		t.Fatal(err)
	}
	s.Close()
	for _, p := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		for _, id := range [][]byte{eve[:], bob[:], []byte(eve.String()), []byte(bob.String())} {
			if bytes.Contains(b, id) {
				t.Fatalf("%s holds a rejected ID in the clear", p)
			}
		}
	}
}

func TestTheRejectedListNeedsTheUnlockedStore(t *testing.T) {
	_, path := newAccount(t)
	s := openAt(t, path+"-other")
	if _, err := s.Rejected(context.Background()); err == nil {
		t.Fatal("a locked store gave out the rejected list")
	}
}
