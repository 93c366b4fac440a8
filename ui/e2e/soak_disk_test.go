//go:build soak

package e2e

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// relTmpfs mounts a tmpfs of the given size (e.g. "16m") on a fresh
// folder: a disk that fills up. It is unmounted when the test ends, after
// the nodes on it have stopped (cleanups run last-registered first).
func relTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs (root needed): %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	return dir
}

// relFullPhase is one phase of the disk-full scenario: stream s goes from
// A to B while a file leaves the disk of one node nearly full, until that
// node reports the full disk; then the file goes and what was acked must
// all arrive, and 100 new messages after it.
type relFullPhase struct {
	what       string
	errorText  string // the node's first disk-full line
	acked      int
	refused    int // sends answered with an error (not acked)
	refusedYet int // …and shown at the receiver all the same
	res        relTrialResult
	after      int           // of the 100 sent once the space was back, shown
	recovery   time.Duration // space back → everything acked and the 100 shown
	full       bool          // the disk-full error was seen
}

func (c *relCluster) diskFullPhase(s *relStream, full int, mount string) relFullPhase {
	ph := relFullPhase{what: fmt.Sprintf("%s's disk full", c.specs[full].name)}
	errCh := c.nodes[full].expect(func(e relEvent) bool { return strings.Contains(e.Error, "disk is full") })
	filler := fillDisk(c.t, mount, 200<<10)
	s.onlyAcked = true // a refused send is the person's to repeat, not Jarvis's
	c.mu.Lock()
	c.streams = []*relStream{s}
	c.mu.Unlock()
	stop := make(chan struct{})
	defer close(stop)
	c.writer(s, 0, stop)
	select {
	case e := <-errCh:
		ph.full, ph.errorText = true, e.Error
	case <-time.After(60 * time.Second):
	}
	time.Sleep(2 * time.Second) // let the stream run against the full disk a while
	if err := os.Remove(filler); err != nil {
		c.t.Fatal(err)
	}
	freed := time.Now()
	after := newRelStream(s.prefix+"-after", s.from, s.to, 100)
	c.mu.Lock()
	c.streams = append(c.streams, after)
	c.mu.Unlock()
	c.writer(after, 0, stop)
	c.drain([]*relStream{s, after})
	ph.recovery = time.Since(freed)
	c.count([]*relStream{s}, &ph.res)
	c.mu.Lock()
	defer c.mu.Unlock()
	ph.acked, ph.refused, ph.after = len(s.acked), len(s.failed), len(after.shown[0])
	for k := range s.failed {
		if s.shown[0][k] > 0 {
			ph.refusedYet++
		}
	}
	return ph
}

// relDamage is one way to damage a stopped account's database.
type relDamage struct {
	name string
	do   func(path string, size int64) error
}

func relDamages(n int) []relDamage {
	ds := []relDamage{
		{"truncated to 0 bytes", func(p string, _ int64) error { return os.Truncate(p, 0) }},
		{"truncated to one page", func(p string, _ int64) error { return os.Truncate(p, 4096) }},
		{"truncated to half", func(p string, size int64) error { return os.Truncate(p, size/2) }},
		{"last page cut off", func(p string, size int64) error { return os.Truncate(p, size-4096) }},
		{"last byte cut off", func(p string, size int64) error { return os.Truncate(p, size-1) }},
		{"header overwritten", func(p string, _ int64) error { return relOverwrite(p, 0, []byte("garbage garbage!")) }},
	}
	for range n {
		ds = append(ds, relDamage{"one random bit flipped", func(p string, size int64) error {
			off := rand.Int64N(size)
			b := make([]byte, 1)
			f, err := os.OpenFile(p, os.O_RDWR, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			if _, err := f.ReadAt(b, off); err != nil {
				return err
			}
			b[0] ^= 1 << rand.IntN(8)
			_, err = f.WriteAt(b, off)
			return err
		}})
	}
	return ds
}

func relOverwrite(path string, off int64, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteAt(b, off)
	return err
}

// relCopyDir copies the files of a data directory (no subfolders).
func relCopyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o700); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || e.Name() == "filler" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSoakDisk: a disk that fills up under the receiver, then under the
// sender; a stopped account's database truncated or bit-flipped; and the
// clock of one node jumping a day either way.
func TestSoakDisk(t *testing.T) {
	msgs := relEnvInt("SOAK_DISK_MSGS", 3000)
	flips := relEnvInt("SOAK_DISK_FLIPS", 40)
	sec := &relSection{title: "Disk and database faults"}
	bin := buildJarvis(t)
	mounts := []string{relTmpfs(t, "16m"), relTmpfs(t, "16m")}
	specs := []relSpec{
		{bin: bin, name: "A", dir: filepath.Join(mounts[0], "a"), listen: freePort(t)},
		{bin: bin, name: "B", dir: filepath.Join(mounts[1], "b"), listen: freePort(t)},
	}
	c := newRelClusterOf(t, specs)
	recv := c.diskFullPhase(newRelStream("full-recv", 0, []int{1}, msgs), 1, mounts[1])
	send := c.diskFullPhase(newRelStream("full-send", 0, []int{1}, msgs), 0, mounts[0])
	want := relTexts(c.nodes[0].history("history", c.ids[1], nil))
	for _, n := range c.nodes {
		n.stop()
	}

	sec.para("**Disk full.** A and B are `jarvis --headless` processes whose data directories lie on tmpfs mounts of 16 MiB each. A file fills the receiver's disk until 200 KiB are left, and A sends %d numbered messages to B as fast as it can; once B reports the full disk (and 2 s more), the file is removed. Then the same with the sender's disk full: a send that cannot be stored is answered with an error line, not acked. Once the space is back, A sends 100 new messages. Counted from the lines each node printed and B's history at the end: every acked message must arrive, once and in order (the refused ones are the person's to send again, so they are not counted as lost, but one refused and delivered all the same would be a lie), and so must the 100.", msgs)
	sec.columns("phase", "the node's message", "acked", "refused (error)", "refused yet delivered", "acked, not delivered", "duplicated", "out of order", "the 100 after", "space back → all shown")
	for _, ph := range []relFullPhase{recv, send} {
		msg := "*none seen within 60 s*"
		if ph.full {
			msg = "`" + firstLine(ph.errorText) + "`"
		}
		sec.row(ph.what, msg, ph.acked, ph.refused, ph.refusedYet, ph.res.lost, ph.res.dup, ph.res.outOfOrder, ph.after, ph.recovery.Round(100*time.Millisecond))
	}
	fullOK := recv.full && send.full
	for _, ph := range []relFullPhase{recv, send} {
		fullOK = fullOK && ph.res.lost == 0 && ph.res.dup == 0 && ph.res.outOfOrder == 0 && ph.refusedYet == 0 && ph.after == 100
	}
	sec.note("Disk full: %s (goal: a clear message, nothing acked that is not stored, every message through once the space is back).", relVerdict(fullOK))

	damageOK := relDamageTrials(t, sec, specs[0], c.ids[1], want, flips)
	clockOK := relClockSection(t, sec)
	shrunk := "nothing."
	if msgs != 3000 || flips != 40 {
		shrunk = fmt.Sprintf("%d messages per disk-full phase, %d bit flips.", msgs, flips)
	}
	sec.shrink("%s The clock jumps run in one process with an injected clock (CLOCK_REALTIME cannot be set for one process, and time namespaces shift only the monotonic clocks).", shrunk)
	relWrite(t, "40-disk.md", sec)
	if !fullOK || !damageOK || !clockOK {
		t.Errorf("disk faults: disk full %v, damaged database %v, clock jumps %v (true = goal met)", fullOK, damageOK, clockOK)
	}
}

func relTexts(msgs []relHistoryMsg) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Text
	}
	return out
}

// relDamageTrials copies A's stopped account, damages each copy one way,
// starts it and judges what a person would see; then restores a backup
// over one damaged copy.
func relDamageTrials(t *testing.T, sec *relSection, a relSpec, peer string, want []string, flips int) bool {
	base := filepath.Join(t.TempDir(), "base")
	relCopyDir(t, a.dir, base)
	backup := filepath.Join(t.TempDir(), "a.jbak")
	spec := a
	spec.dir = base
	if out, err := spec.command("backup", backup).CombinedOutput(); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	fi, err := os.Stat(filepath.Join(base, "jarvis.db"))
	if err != nil {
		t.Fatal(err)
	}
	kinds, examples := make(map[string]int), make(map[string]string)
	var order []string
	allOK := true
	var lastDamaged relSpec
	for i, d := range relDamages(flips) {
		s := a
		s.dir = filepath.Join(t.TempDir(), fmt.Sprint("damaged", i))
		relCopyDir(t, base, s.dir)
		db := filepath.Join(s.dir, "jarvis.db")
		if err := d.do(db, fi.Size()); err != nil {
			t.Fatal(err)
		}
		kind, example, ok := relProbe(t, s, peer).verdict(db, want)
		if !ok { // keep the damaged file for a look
			t.Errorf("%s: %s: %s (kept in %s)", d.name, kind, example, s.dir)
		}
		key := d.name + "\x00" + kind
		if kinds[key] == 0 {
			order = append(order, key)
			examples[key] = strings.ReplaceAll(strings.ReplaceAll(example, s.dir, "DIR"), "|", "/")
		}
		kinds[key]++
		allOK = allOK && ok
		lastDamaged = s
	}
	sec.para("**A damaged database.** A's account after the disk-full run (%d messages in its chat with B, %d KiB) is stopped and backed up with `jarvis backup`. Each trial copies the data directory, damages `jarvis.db` one way, starts `jarvis --headless` on it and reads the whole chat: a clear error at start (exit 1, naming the file and the restore command) passes; so does a start whose history is intact (a flipped bit in unused space) or whose damaged rows are refused with an error line; a panic, an unclear error or a history changed without a word fails.", len(want), fi.Size()>>10)
	sec.columns("damage", "what the person sees", "trials", "first example")
	for _, key := range order {
		name, kind, _ := strings.Cut(key, "\x00")
		ex := examples[key]
		if ex != "" {
			ex = "`" + strings.ReplaceAll(ex, "`", "'") + "`"
		}
		sec.row(name, kind, kinds[key], ex)
	}
	restored := lastDamaged
	out, err := restored.command("restore", "--force", backup).CombinedOutput()
	after := relProbe(t, restored, peer)
	back := err == nil && !after.exited && strings.Join(after.texts, "\n") == strings.Join(want, "\n")
	if !back {
		t.Errorf("restore over a damaged copy: %v\n%s\n%s", err, out, after.stderr)
	}
	sec.note("Damaged database: %s. `jarvis restore --force` of the backup over the last damaged copy, as the error says: %s.", relVerdict(allOK), map[bool]string{true: "the account and its whole chat came back", false: "**failed**"}[back])
	return allOK && back
}

// relClockSection runs the clock-jump test (an ordinary test of package
// app, also part of make test) and reports it.
func relClockSection(t *testing.T, sec *relSection) bool {
	cmd := exec.Command("go", "test", "-count=1", "-run", "^TestClockJumpsKeepOrderAndDedup$", "-v", "./app")
	cmd.Dir = relModuleRoot(t)
	t0 := time.Now()
	out, err := cmd.CombinedOutput()
	ok := err == nil && strings.Contains(string(out), "--- PASS: TestClockJumpsKeepOrderAndDedup")
	if !ok {
		t.Errorf("clock jumps: %v\n%s", err, out)
	}
	sec.para("**Clock jumps.** `CLOCK_REALTIME` cannot be given to one process alone (a time namespace shifts only the monotonic and boot clocks), so this part runs two app cores in one process (`TestClockJumpsKeepOrderAndDedup` in package app, also part of `make test`), A's managers reading an injected clock (`app.Config.Clock`). A and B write 90 numbered messages each to each other and to their group; a third of the way A's clock jumps a day ahead, two thirds of the way two days back (to a day behind the real time), and B restarts half way, so A's outbox is sent again. The check: each side holds every message of the other once, in the order written, in the chat and in the group. The store's own `stored_at` stamp still reads the real clock.")
	sec.note("Clock jumps: %s (took %s).", relVerdict(ok), time.Since(t0).Round(100*time.Millisecond))
	return ok
}
