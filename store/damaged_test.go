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
