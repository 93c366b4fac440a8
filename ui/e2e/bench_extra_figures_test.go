//go:build bench

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// bBuildStatic builds the pure-Go binary (modernc SQLite, no cgo), the one
// that is static, and returns its size.
func bBuildStatic(t testing.TB) (size int64, static bool) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "jarvis-purego")
	cmd := exec.Command("go", "build", "-tags", "purego", "-trimpath", "-ldflags", "-s -w", "-o", path, "jarvis")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build purego: %v\n%s", err, out)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size(), bIsStatic(path)
}

var (
	bFormedRe    = regexp.MustCompile(`forming a group of (\d+) took (\S+)`)
	bDeliveredRe = regexp.MustCompile(`one message reached all (\d+) other members in (\S+)`)
)

// bGroupFifty runs the 50-member group test (without the race detector)
// and reads the times it logs: forming the group, and one message reaching
// every other member.
func bGroupFifty(t testing.TB) (form, deliver time.Duration) {
	t.Helper()
	out, err := bExecGo("test", "-run", "^TestFiftyMembersOneMessageReachesAll$", "-count", "1", "-v", "./app")
	if err != nil {
		t.Errorf("50-member group test: %v\n%s", err, out)
		return 0, 0
	}
	if m := bFormedRe.FindSubmatch(out); m != nil {
		form, _ = time.ParseDuration(string(m[2]))
	}
	if m := bDeliveredRe.FindSubmatch(out); m != nil {
		deliver, _ = time.ParseDuration(string(m[2]))
	}
	return form, deliver
}

// bFsyncLatency times appending 4 KiB to a file in the temp directory and
// syncing it, as a WAL commit does: the floor under each durable write.
func bFsyncLatency(t testing.TB, n int) (p50, p99 time.Duration) {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "fsync"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	lat := make([]time.Duration, 0, n)
	for range n {
		start := time.Now()
		if _, err := f.Write(buf); err != nil {
			t.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			t.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	return bPercentile(lat, 0.50), bPercentile(lat, 0.99)
}
