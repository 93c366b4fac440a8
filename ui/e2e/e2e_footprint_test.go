package e2e

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// statusKiB reads one "Vm…: N kB" line of /proc/PID/status.
func statusKiB(t *testing.T, pid int, field string) int {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			if err != nil {
				t.Fatalf("%s: %v", field, err)
			}
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// The Argon2id unlock takes 64 MiB; what stays resident afterwards is what
// a phone's background killer weighs. The bound is generous so a noisy
// machine cannot make it flaky; `make bench` reports the real figure.
func TestResidentMemoryAfterARealUnlockStaysSmall(t *testing.T) {
	const limitKiB = 40 << 10
	bin := buildJarvis(t)
	dir := t.TempDir()
	if out, err := runCLI(t, bin, dir, passA, "--tor", "off", "init", "--name", aliceName); err != nil { // production KDF
		t.Fatalf("init: %v\n%s", err, out)
	}
	p := startHeadless(t, bin, dir, freePort(t), passA)
	p.waitEvent("ready", nil)
	time.Sleep(5 * time.Second) // the figure the issue asks for: 5 s after unlock
	pid := p.cmd.Process.Pid
	rss, peak := statusKiB(t, pid, "VmRSS"), statusKiB(t, pid, "VmHWM")
	t.Logf("resident %d KiB 5 s after unlock, peak %d KiB", rss, peak)
	if peak < 64<<10 {
		t.Fatalf("peak %d KiB: the unlock did not use the production KDF's 64 MiB, so this proves nothing", peak)
	}
	if rss > limitKiB {
		t.Fatalf("resident %d KiB 5 s after unlock, want ≤ %d KiB: the KDF's memory was not returned", rss, limitKiB)
	}
	p.quit()
}
