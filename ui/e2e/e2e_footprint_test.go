package e2e

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// bProcStatus reads a field like VmHWM (in kB) from /proc/PID/status; the
// footprint test and the bench share it.
func bProcStatus(pid int, field string) (kb int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				return strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	return 0, fmt.Errorf("%s not in /proc/%d/status", field, pid)
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
	rss, err := bProcStatus(pid, "VmRSS")
	if err != nil {
		t.Fatal(err)
	}
	peak, err := bProcStatus(pid, "VmHWM")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("resident %d KiB 5 s after unlock, peak %d KiB", rss, peak)
	if peak < 64<<10 {
		t.Fatalf("peak %d KiB: the unlock did not use the production KDF's 64 MiB, so this proves nothing", peak)
	}
	if rss > limitKiB {
		t.Fatalf("resident %d KiB 5 s after unlock, want ≤ %d KiB: the KDF's memory was not returned", rss, limitKiB)
	}
	p.quit()
}
