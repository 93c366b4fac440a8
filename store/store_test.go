package store

import (
	"context"
	"crypto/rand"
	"path/filepath"
	"testing"
	"time"

	"jarvis/crypto"
)

var testPass = []byte("correct horse battery staple")

// testKDF is deliberately cheap; production uses crypto.NewKDFParams.
func testKDF(t testing.TB) crypto.KDFParams {
	t.Helper()
	salt := make([]byte, 16)
	rand.Read(salt)
	return crypto.KDFParams{Time: 1, MemoryKiB: 8 * 1024, Threads: 1, Salt: salt}
}

func newIdentity(t testing.TB) *crypto.Identity {
	t.Helper()
	id, err := crypto.GenerateIdentity(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// openAt opens the store at path and closes it when the test ends.
func openAt(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// newAccount returns an unlocked store with an identity, and its path.
func newAccount(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "jarvis.db")
	s := openAt(t, path)
	if err := s.CreateIdentity(context.Background(), testPass, testKDF(t), newIdentity(t), "Me"); err != nil {
		t.Fatalf("CreateIdentity: %v", err)
	}
	return s, path
}

func newContact(t testing.TB, name string, activity time.Time) Contact {
	t.Helper()
	keys := newIdentity(t).Public()
	return Contact{
		ID: keys.ID(), Keys: keys, Name: name, Addrs: []string{"198.51.100.7:5000", "[2001:db8::1]:5000"}, State: ContactAccepted,
		CreatedAt: time.UnixMilli(1_700_000_000_000), LastActivity: activity,
	}
}

func putContact(t testing.TB, s *Store, name string) Contact {
	t.Helper()
	c := newContact(t, name, time.UnixMilli(1_700_000_000_000))
	if err := s.PutContact(context.Background(), c); err != nil {
		t.Fatalf("PutContact: %v", err)
	}
	return c
}

// outboxCount reports how many of the contact's messages wait for an ack,
// straight from the table, so it works while the store is locked.
func outboxCount(ctx context.Context, s *Store, contact crypto.ID) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM messages
		WHERE contact = ? AND outgoing = 1 AND state IN (1, 2)`, contact.String()).Scan(&n)
	return n, err
}

func newMessageID(t testing.TB) crypto.MessageID {
	t.Helper()
	var id crypto.MessageID
	rand.Read(id[:])
	return id
}

func messages(t testing.TB, contact crypto.ID, n int, text func(i int) string) []Message {
	t.Helper()
	out := make([]Message, n)
	for i := range out {
		out[i] = Message{ID: newMessageID(t), Contact: contact, Text: text(i),
			SentAt: time.UnixMilli(1_700_000_000_000 + int64(i))}
	}
	return out
}

func ids(msgs []Message) []crypto.MessageID {
	out := make([]crypto.MessageID, len(msgs))
	for i, m := range msgs {
		out[i] = m.ID
	}
	return out
}
