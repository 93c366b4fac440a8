package store

import (
	"context"
	"errors"
	"os"
	"testing"
)

// TestADamagedFileIsReportedAsDamagedNamingIt: a database truncated or
// overwritten while Jarvis was stopped is ErrDamaged, naming the file,
// whether Open or the first read finds it; never another error, never a
// fresh empty account.
func TestADamagedFileIsReportedAsDamagedNamingIt(t *testing.T) {
	for _, c := range []struct {
		name   string
		damage func(path string, size int64) error
	}{
		{"truncated to one page", func(p string, _ int64) error { return os.Truncate(p, 4096) }},
		{"truncated to half", func(p string, size int64) error { return os.Truncate(p, size/2) }},
		{"header overwritten", func(p string, _ int64) error { return overwrite(p, 0, []byte("not a database, no")) }},
		{"page 1 b-tree header flipped", func(p string, _ int64) error { return overwrite(p, 100, []byte{0xff}) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, path := newAccount(t)
			putContact(t, s, "Ada")
			s.Close()
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.damage(path, fi.Size()); err != nil {
				t.Fatal(err)
			}
			s, err = Open(path)
			if err == nil {
				defer s.Close()
				_, err = s.HasIdentity(context.Background())
				if err == nil {
					err = s.Unlock(context.Background(), testPass)
				}
			}
			var d *DamagedError
			if !errors.Is(err, ErrDamaged) || !errors.As(err, &d) || d.Path != path {
				t.Fatalf("err = %v, want ErrDamaged naming %s", err, path)
			}
		})
	}
}

func overwrite(path string, off int64, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteAt(b, off)
	return err
}

// TestCheckIntegrityFindsDamageNoQueryTouched: garbage over one page deep in
// the file leaves Open and Unlock working; CheckIntegrity finds it.
func TestCheckIntegrityFindsDamageNoQueryTouched(t *testing.T) {
	ctx := context.Background()
	s, path := newAccount(t)
	c := putContact(t, s, "Ada")
	if _, err := s.AddIncoming(ctx, messages(t, c.ID, 2000, func(i int) string { return "a message of some length" })); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckIntegrity(ctx); err != nil {
		t.Fatalf("a healthy file: %v", err)
	}
	s.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	garbage := make([]byte, 4096)
	for i := range garbage {
		garbage[i] = byte(i * 7)
	}
	if err := overwrite(path, (fi.Size()/4096/2)*4096, garbage); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path)
	if err := s.Unlock(ctx, testPass); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	var d *DamagedError
	if err := s.CheckIntegrity(ctx); !errors.As(err, &d) || d.Path != path {
		t.Fatalf("CheckIntegrity = %v, want ErrDamaged naming %s", err, path)
	}
}
