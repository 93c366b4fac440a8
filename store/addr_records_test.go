package store

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"testing"

	"jarvis/crypto"
)

func TestAddrRecordKeepsOnlyTheNewestVersion(t *testing.T) {
	ctx := context.Background()
	s, path := newAccount(t)
	bob := newIdentity(t).ID()
	if _, err := s.AddrRecord(ctx, bob); !errors.Is(err, ErrNotFound) {
		t.Fatalf("before any: err = %v, want ErrNotFound", err)
	}
	steps := []struct {
		version uint64
		addrs   []string
		stored  bool
	}{
		{5, []string{"192.0.2.1:7420"}, true},
		{5, []string{"192.0.2.66:1"}, false}, // the same version again
		{4, []string{"192.0.2.66:1"}, false}, // an older one
		{6, []string{"192.0.2.2:7420", "[2001:db8::2]:7420"}, true},
		{1<<64 - 1, nil, true}, // past int64: still ordered as unsigned
		{1 << 63, []string{"192.0.2.66:1"}, false},
	}
	for _, st := range steps {
		ok, err := s.PutAddrRecord(ctx, AddrRecord{ID: bob, Version: st.version, Addrs: st.addrs})
		if err != nil || ok != st.stored {
			t.Fatalf("put version %d: stored %v, %v; want %v", st.version, ok, err, st.stored)
		}
	}
	s.Close()
	s = reopen(t, path)
	got, err := s.AddrRecord(ctx, bob)
	if err != nil || got.Version != 1<<64-1 || len(got.Addrs) != 0 {
		t.Fatalf("after reopen: %+v, %v", got, err)
	}
	if _, err := s.PutAddrRecord(ctx, AddrRecord{ID: bob}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("version 0: err = %v, want ErrInvalid", err)
	}
}

func TestAddrRecordsListsEveryIdentityAndSealsAddresses(t *testing.T) {
	ctx := context.Background()
	s, path := newAccount(t)
	want := map[string][]string{}
	for i := range 3 {
		id := newIdentity(t).ID()
		addrs := []string{fmt.Sprintf("198.51.100.%d:4711", 100+i)}
		want[id.String()] = addrs
		if _, err := s.PutAddrRecord(ctx, AddrRecord{ID: id, Version: uint64(i + 1), Addrs: addrs}); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.AddrRecords(ctx)
	if err != nil || len(list) != 3 {
		t.Fatalf("list: %d records, %v", len(list), err)
	}
	for _, r := range list {
		if !slices.Equal(want[r.ID.String()], r.Addrs) {
			t.Fatalf("%s: %v, want %v", r.ID.Short(), r.Addrs, want[r.ID.String()])
		}
	}
	s.Close()
	for _, p := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if bytes.Contains(b, []byte("198.51.100.")) {
			t.Fatalf("%s holds an address in the clear", p)
		}
	}
}

func TestTamperedAddrRecordsAreRefused(t *testing.T) {
	ctx := context.Background()
	for name, stmt := range map[string]string{
		"version raised":    `UPDATE addr_records SET version = version + 1`,
		"MAC removed":       `UPDATE addr_records SET mac = x''`,
		"addresses swapped": `UPDATE addr_records SET addrs = (SELECT addrs FROM addr_records ORDER BY id DESC LIMIT 1)`,
	} {
		t.Run(name, func(t *testing.T) {
			s, path := newAccount(t)
			a, b := newIdentity(t).ID(), newIdentity(t).ID()
			for i, r := range []AddrRecord{{ID: a, Version: 3, Addrs: []string{"192.0.2.1:1"}}, {ID: b, Version: 3, Addrs: []string{"192.0.2.2:2"}}} {
				if _, err := s.PutAddrRecord(ctx, r); err != nil {
					t.Fatal(i, err)
				}
			}
			s.Close()
			tamperFile(t, path, stmt)
			s = reopen(t, path)
			defer s.Close()
			_, err := s.AddrRecords(ctx)
			if name == "addresses swapped" {
				// One row keeps its own addresses; the other's fail to open.
				if err == nil {
					t.Fatal("swapped addresses opened")
				}
				return
			}
			wantTampered(t, err, "addr_records")
			// A put over a tampered row is refused, not re-MAC'd.
			_, err = s.PutAddrRecord(ctx, AddrRecord{ID: a, Version: 9})
			wantTampered(t, err, "addr_records")
		})
	}
}

// TestAddrRecordMACVector pins the addr_records row MAC PROTOCOL.md §9
// gives; the value was computed independently (Python hmac/hashlib).
func TestAddrRecordMACVector(t *testing.T) {
	var mk crypto.MasterKey
	for i := range mk {
		mk[i] = byte(i)
	}
	rm, err := newRowMACer(mk)
	if err != nil {
		t.Fatal(err)
	}
	var id crypto.ID
	for i := range id {
		id[i] = 1
	}
	if got := hex.EncodeToString(rm.sum(addrRecordMACInput(id, 2))); got != "3426cf8f54344a93acd62bfd9e61aa383207af479bdf769f57ab12308ee620d7" {
		t.Fatalf("addr_records MAC = %s", got)
	}
}
