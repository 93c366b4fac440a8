//go:build bench

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// bBackupMessages is the history the backup figures are measured with.
const bBackupMessages = 100_000

// bBackupRuns is how often backup and restore are each timed.
const bBackupRuns = 3

// bCLIRun is one run of a jarvis subcommand: wall time, exec to exit, and
// the process's peak resident size.
type bCLIRun struct {
	took  time.Duration
	hwmKB int64
}

// bRunCLI runs `jarvis --data dir ARGS` with the bench passphrase. The
// peak RSS is VmHWM of the process, read every millisecond until it exits
// (VmHWM only grows). The kernel's ru_maxrss cannot be used: Go starts a
// child with vfork semantics, and Linux carries the parent's high-water
// mark across the exec into the child's.
func bRunCLI(t testing.TB, bin, dir string, args ...string) bCLIRun {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--data", dir, "--tor", "off"}, args...)...)
	cmd.Env = append(os.Environ(), "JARVIS_PASSPHRASE="+benchPass)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	peak := bPeakStatus(cmd.Process.Pid, "VmHWM", time.Millisecond, done)
	err := cmd.Wait()
	took := time.Since(t0)
	close(done)
	hwm := <-peak
	if err != nil {
		t.Fatalf("jarvis %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return bCLIRun{took: took, hwmKB: hwm}
}

// bBackupSection measures `jarvis backup` and `jarvis restore` of an
// account with 100k messages under the production KDF, as the user runs
// them: time from exec to exit and peak RSS, against the goals of ≤ 5 s
// each and ≤ 64 MB above the RSS of the same account's node when idle.
func bBackupSection(t *testing.T, r *bReport, bin string) {
	acc := bPopulateAccount(t, 1, bBackupMessages)
	file := filepath.Join(t.TempDir(), "big.backup")
	// Beside the figures that count, what streaming costs without the
	// Argon2id's 64 MiB: one run each while the account has a cheap KDF.
	cheapBack := bRunCLI(t, bin, acc.dir, "backup", file)
	cheapRest := bRunCLI(t, bin, filepath.Join(t.TempDir(), "cheap"), "restore", file)
	bSetRealKDF(t, acc)
	idle := bStartBig(t, bin, acc, 2*time.Second, 0)
	var backTime, backHWM, restTime, restHWM bSamples
	for i := range bBackupRuns {
		b := bRunCLI(t, bin, acc.dir, "backup", file)
		backTime, backHWM = append(backTime, float64(b.took)), append(backHWM, float64(b.hwmKB))
		dir := filepath.Join(t.TempDir(), fmt.Sprint("restored", i))
		rs := bRunCLI(t, bin, dir, "restore", file)
		restTime, restHWM = append(restTime, float64(rs.took)), append(restHWM, float64(rs.hwmKB))
	}
	db, _ := os.Stat(filepath.Join(acc.dir, "jarvis.db"))
	bk, _ := os.Stat(file)
	if db != nil && bk != nil {
		r.detail("Backup of %d messages: database %s, backup file %s; idle node on it: RSS %s, peak %s.",
			bBackupMessages, bFmtMB(float64(db.Size())/1024), bFmtMB(float64(bk.Size())/1024),
			bFmtMB(float64(idle.rssKB)), bFmtMB(float64(idle.hwmKB)))
	}
	row := func(what string, took, hwm bSamples) {
		med := time.Duration(took.median())
		r.add(bRow{what + " of 100k messages (production KDF), exec → exit", bFmtDur(med), bSpread(took, bNsStr),
			"—", "—", "≤ 5 s", bVerdict(med <= 5*time.Second)})
		above := hwm.median() - float64(idle.rssKB)
		r.add(bRow{"…its peak RSS above the idle node's RSS", bFmtMB(above), bSpread(hwm, func(v float64) string { return bFmtMB(v) + " peak" }),
			"idle " + bFmtMB(float64(idle.rssKB)), "—", "≤ 64 MB", bVerdict(above <= 64*1024)})
	}
	row("jarvis backup", backTime, backHWM)
	row("jarvis restore", restTime, restHWM)
	r.add(bRow{"…peak RSS of backup / restore with a cheap KDF (excluded: no Argon2id)",
		bFmtMB(float64(cheapBack.hwmKB)) + " / " + bFmtMB(float64(cheapRest.hwmKB)), "one run each",
		"idle " + bFmtMB(float64(idle.rssKB)), "—", "report", "reported"})
	t.Logf("backup: %v (peak KiB %v); restore: %v (peak KiB %v); idle RSS %d KiB", backTime, backHWM, restTime, restHWM, idle.rssKB)
}

// TestBenchBackup runs the backup section alone: go test -tags bench
// -run TestBenchBackup ./ui/e2e.
func TestBenchBackup(t *testing.T) {
	bin, _, _ := bBuildBinary(t)
	r := &bReport{}
	bBackupSection(t, r, bin)
	bLogReport(t, r)
}
