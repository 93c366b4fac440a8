package tor

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"jarvis/p2p/tor/tornet"
)

// All tor tests of this package share one network, started on first use and stopped in TestMain.
var network tornet.Shared

func TestMain(m *testing.M) { os.Exit(network.Run(m)) }

// privateNetwork returns the torrc lines that join the package's private network.
func privateNetwork(t *testing.T) []string {
	t.Helper()
	return network.Torrc(t)
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
