package tornet

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"
)

// Shared is one private network per test binary, started by the first test that needs it and stopped by Close in
// TestMain whatever happened. Keep every test that uses one in a package of its own run, so that `go test` never
// runs two networks at once on a small machine.
type Shared struct {
	once sync.Once
	dir  string
	n    *Network
	err  error
}

// Torrc returns the client torrc lines that join the network, starting it on first use. A missing tor fails the
// test: CI installs tor, so a skip would hide a broken setup.
func (s *Shared) Torrc(t testing.TB) []string {
	t.Helper()
	s.once.Do(func() {
		if s.dir, s.err = os.MkdirTemp("", "tornet-"); s.err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		s.n, s.err = Start(ctx, s.dir)
		if s.err == nil {
			t.Logf("private tor network ready in %v", s.n.ReadyAfter.Round(time.Millisecond))
		}
	})
	if s.err != nil {
		t.Fatalf("private tor network: %v", s.err)
	}
	return s.n.ClientTorrc()
}

// WaitLimit is how long a test waits for something that takes a tor bootstrap, a descriptor upload and an onion
// handshake: seconds here, up to a minute or two on a loaded CI machine.
const WaitLimit = 3 * time.Minute

// Run runs the package's tests, then stops the network whatever happened; call it from TestMain:
// os.Exit(network.Run(m)).
func (s *Shared) Run(m *testing.M) int {
	code := m.Run()
	s.Close()
	return code
}

// Close stops the network, if it started, and removes its directory.
func (s *Shared) Close() {
	if s.n != nil {
		began := time.Now()
		if err := s.n.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping the private tor network:", err)
		}
		if testing.Verbose() {
			fmt.Printf("private tor network stopped in %v\n", time.Since(began).Round(time.Millisecond))
		}
	}
	if s.dir != "" {
		_ = os.RemoveAll(s.dir)
	}
}
