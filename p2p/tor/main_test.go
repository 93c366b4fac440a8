package tor

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"jarvis/p2p/tor/tornet"
)

// All tor tests live in this package so that `go test ./...` never runs two private networks at once. The network
// starts on first use and stops in TestMain whatever happened.
var network struct {
	once sync.Once
	dir  string
	n    *tornet.Network
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if network.n != nil {
		began := time.Now()
		if err := network.n.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping the private tor network:", err)
		}
		if testing.Verbose() {
			fmt.Printf("private tor network stopped in %v\n", time.Since(began).Round(time.Millisecond))
		}
	}
	if network.dir != "" {
		_ = os.RemoveAll(network.dir)
	}
	os.Exit(code)
}

// privateNetwork returns the torrc lines that join the package's private network, starting it on first use.
// A missing tor fails the test: CI installs tor, so a skip would hide a broken setup.
func privateNetwork(t *testing.T) []string {
	t.Helper()
	network.once.Do(func() {
		if network.dir, network.err = os.MkdirTemp("", "tornet-"); network.err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		network.n, network.err = tornet.Start(ctx, network.dir)
		if network.err == nil {
			t.Logf("private tor network ready in %v", network.n.ReadyAfter.Round(time.Millisecond))
		}
	})
	if network.err != nil {
		t.Fatalf("private tor network: %v", network.err)
	}
	return network.n.ClientTorrc()
}

// bootstrapLimit is generous: bootstraps normally take 2–3 s, but before tornet gave clients NumEntryGuards 3 a
// client sometimes stalled at 95 % for about a minute (see tornet), and a busy CI machine is slower still.
const bootstrapLimit = 150 * time.Second

// startTor starts a Jarvis-owned tor on the private network with its data in dir, waits until it is bootstrapped
// and stops it at the end of the test.
func startTor(t *testing.T, dir string) *Tor {
	t.Helper()
	rc := privateNetwork(t)
	began := time.Now()
	tr, err := Start(context.Background(), Config{Dir: dir, TestOnlyTorrc: rc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tr.Close() })
	select {
	case <-tr.Ready():
		took := time.Since(began)
		t.Logf("client tor bootstrapped in %v", took.Round(time.Millisecond))
		if took > 20*time.Second {
			logTail(t, filepath.Join(dir, "tor", "notice.log"))
		}
	case <-time.After(bootstrapLimit):
		logTail(t, filepath.Join(dir, "tor", "notice.log"))
		t.Fatalf("tor did not bootstrap within %v: %+v", bootstrapLimit, tr.Current())
	}
	return tr
}

// logTail logs the end of a tor log, to explain a slow or failed bootstrap.
func logTail(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Logf("no tor log: %v", err)
		return
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	t.Logf("last lines of %s:\n%s", path, strings.Join(lines[max(0, len(lines)-40):], "\n"))
}
