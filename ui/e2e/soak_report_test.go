//go:build soak

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// `make soak` runs every TestSoak… section; each writes its Markdown to
// $SOAK_OUT/NN-name.md before it fails on a missed goal, and then
// TestReliabilityReport puts the sections, in order, under a header into
// RELIABILITY.md at the module root.

// relSections are the sections the report expects, in order; one that is
// missing is named as missing, never silently dropped.
var relSections = []struct{ file, what string }{
	{"10-crash.md", "crash trials (TestSoakCrash)"},
	{"20-network.md", "a bad network (TestSoakNetwork)"},
	{"30-floods.md", "floods (TestSoakFloods)"},
	{"40-disk.md", "disk and database faults (TestSoakDisk)"},
	{"50-fuzz.md", "long fuzzing (make soak-fuzz)"},
}

// relSection is one section's Markdown as it is built: paragraphs and
// tables in the order they were added, then the "Shrunk to fit" line.
type relSection struct {
	title  string
	blocks []relBlock
	shrunk string
}

// relBlock is a paragraph (text) or a table (head and rows).
type relBlock struct {
	text string
	head []string
	rows [][]string
}

func (s *relSection) para(f string, a ...any) {
	s.blocks = append(s.blocks, relBlock{text: fmt.Sprintf(f, a...)})
}
func (s *relSection) note(f string, a ...any)   { s.para(f, a...) }
func (s *relSection) columns(names ...string)   { s.blocks = append(s.blocks, relBlock{head: names}) }
func (s *relSection) shrink(f string, a ...any) { s.shrunk = fmt.Sprintf(f, a...) }

// row adds a row to the last table.
func (s *relSection) row(cells ...any) {
	b := &s.blocks[len(s.blocks)-1]
	b.rows = append(b.rows, relCells(cells))
}

func relCells(cells []any) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = fmt.Sprint(c)
	}
	return out
}

func (s *relSection) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## %s\n\n", s.title)
	for _, bl := range s.blocks {
		if bl.head == nil {
			b.WriteString(bl.text + "\n\n")
			continue
		}
		b.WriteString("| " + strings.Join(bl.head, " | ") + " |\n|")
		b.WriteString(strings.Repeat("---|", len(bl.head)) + "\n")
		for _, r := range bl.rows {
			b.WriteString("| " + strings.Join(r, " | ") + " |\n")
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "Shrunk to fit: %s\n", relOr(s.shrunk, "nothing."))
	return b.String()
}

func relOr(s, dflt string) string {
	if s == "" {
		return dflt
	}
	return s
}

// relWrite writes the section to $SOAK_OUT/file (to the test's log only
// when SOAK_OUT is unset, as under a plain go test).
func relWrite(t testing.TB, file string, s *relSection) {
	t.Helper()
	md := s.markdown()
	dir := os.Getenv("SOAK_OUT")
	if dir == "" {
		t.Logf("SOAK_OUT unset; the section would read:\n%s", md)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, file), []byte(md), 0o644); err != nil {
		t.Fatalf("write section: %v", err)
	}
}

// relVerdict is how a goal reads in a table.
func relVerdict(met bool) string {
	if met {
		return "**met**"
	}
	return "**missed**"
}

func TestReliabilityReport(t *testing.T) {
	dir := os.Getenv("SOAK_OUT")
	if dir == "" {
		t.Skip("SOAK_OUT names the folder of section files; run `make soak`")
	}
	var body, shrunk, missing []string
	files := relSectionFiles(t, dir)
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f.file))
		if err != nil {
			missing = append(missing, fmt.Sprintf("- **Missing:** %s: `%s` was not written (the section did not run, or died before writing it; see the run's log).", f.what, f.file))
			continue
		}
		text := strings.TrimSpace(string(b))
		body = append(body, text)
		for _, line := range strings.Split(text, "\n") {
			if rest, ok := strings.CutPrefix(line, "Shrunk to fit: "); ok {
				shrunk = append(shrunk, fmt.Sprintf("- %s: %s", f.what, rest))
			}
		}
	}
	var b strings.Builder
	b.WriteString("# Reliability\n\n")
	b.WriteString("Written by `make soak` (the `TestSoak…` tests under `-tags soak` in ui/e2e, then `make soak-fuzz`, then `TestReliabilityReport`). One fresh run; do not edit by hand.\n\n")
	fmt.Fprintf(&b, "- Date: %s\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "- Machine: %s, %d cores, %s RAM, Linux %s\n", relCPUModel(), runtime.NumCPU(), relRAM(), relKernel())
	fmt.Fprintf(&b, "- Go: %s\n", runtime.Version())
	fmt.Fprintf(&b, "- Commit: %s\n", relCommit())
	if os.Getenv("SOAK_SHARED") != "" {
		fmt.Fprintf(&b, "- Note: %s\n", os.Getenv("SOAK_SHARED"))
	}
	if os.Getenv("SOAK_FAILED") == "1" {
		b.WriteString("- **At least one section missed a goal or failed**: `make soak` exited non-zero; see the sections below.\n")
	}
	b.WriteString("\nEvery scenario drives real `jarvis --headless` processes (or, where named, app cores in one process) and counts what a user would see. Figures are from this one run on a shared 2-core machine; goals are stated beside them.\n\n")
	b.WriteString("What was shrunk to fit the time (≤ 30 minutes in all):\n\n")
	if len(shrunk) == 0 {
		b.WriteString("- nothing\n")
	}
	b.WriteString(strings.Join(shrunk, "\n") + "\n")
	if len(missing) > 0 {
		b.WriteString("\n" + strings.Join(missing, "\n") + "\n")
	}
	for _, s := range body {
		b.WriteString("\n" + s + "\n")
	}
	root := relModuleRoot(t)
	if err := os.WriteFile(filepath.Join(root, "RELIABILITY.md"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", filepath.Join(root, "RELIABILITY.md"))
	if len(missing) > 0 {
		t.Errorf("%d section(s) missing", len(missing))
	}
}

// relSectionFiles are the expected sections plus any other NN-name.md the
// run wrote, in file-name order.
func relSectionFiles(t *testing.T, dir string) []struct{ file, what string } {
	t.Helper()
	out := slices.Clone(relSections)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		known := slices.ContainsFunc(out, func(s struct{ file, what string }) bool { return s.file == name })
		if !known && strings.HasSuffix(name, ".md") {
			out = append(out, struct{ file, what string }{name, strings.TrimSuffix(name, ".md")})
		}
	}
	slices.SortFunc(out, func(a, b struct{ file, what string }) int { return strings.Compare(a.file, b.file) })
	return out
}

func relCPUModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func relRAM() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "unknown"
	}
	var kb int64
	fmt.Sscanf(strings.TrimPrefix(strings.Split(string(b), "\n")[0], "MemTotal:"), "%d", &kb)
	return fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
}

func relKernel() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

func relCommit() string {
	out, err := exec.Command("git", "describe", "--always", "--dirty", "--abbrev=12").Output()
	if err != nil {
		return "unknown (not a git checkout)"
	}
	return strings.TrimSpace(string(out))
}

// relModuleRoot is the folder holding go.mod (the tests run in ui/e2e).
func relModuleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}
