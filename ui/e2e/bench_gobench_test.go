//go:build bench

package e2e

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// bGoBench holds parsed `go test -bench` results: per benchmark name (the
// -N GOMAXPROCS suffix kept off), one map of unit → value per run.
type bGoBench map[string][]map[string]float64

// metric returns one unit across all runs of a benchmark.
func (g bGoBench) metric(name, unit string) bSamples {
	var s bSamples
	for _, run := range g[name] {
		if v, ok := run[unit]; ok {
			s = append(s, v)
		}
	}
	return s
}

// bRunGoBench runs `go test -bench` on pkgs with extra flags and parses it.
func bRunGoBench(t testing.TB, into bGoBench, pattern string, extra []string, pkgs ...string) {
	t.Helper()
	args := []string{"test", "-tags", "bench", "-p", "1", "-run", "^$", "-bench", pattern, "-benchmem"}
	args = append(append(args, extra...), pkgs...)
	out, err := bExecGo(args...)
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("go %s\n%s", strings.Join(args, " "), out)
	bParseGoBench(into, out)
}

// moduleRoot is the repository root, relative to this package's directory
// (go test runs each package in its own directory).
const moduleRoot = "../.."

// bExecGo runs the go command in the module root and returns its output.
func bExecGo(args ...string) ([]byte, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = moduleRoot
	cmd.Env = os.Environ()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

func bParseGoBench(into bGoBench, out []byte) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := f[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		run := map[string]float64{}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				break
			}
			run[f[i+1]] = v
		}
		into[name] = append(into[name], run)
	}
}

// bProfileShare runs one benchmark under -cpuprofile and returns, for each
// function asked about, its cumulative share of the CPU samples (percent).
func bProfileShare(t testing.TB, pkg, bench, benchtime string, funcs []string) (map[string]float64, string) {
	t.Helper()
	dir := t.TempDir()
	prof, exe := dir+"/cpu.prof", dir+"/pkg.test"
	args := []string{"test", "-run", "^$", "-bench", bench, "-benchtime", benchtime,
		"-cpuprofile", prof, "-o", exe, pkg}
	out, err := bExecGo(args...)
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	top, err := bExecGo("tool", "pprof", "-top", "-cum", "-nodefraction", "0", "-nodecount", "2000", exe, prof)
	if err != nil {
		t.Fatalf("pprof: %v\n%s", err, top)
	}
	share := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(top))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		// flat flat% sum% cum cum% name...
		if len(f) < 6 || !strings.HasSuffix(f[4], "%") {
			continue
		}
		name := strings.Join(f[5:], " ")
		for _, want := range funcs {
			if name == want {
				v, _ := strconv.ParseFloat(strings.TrimSuffix(f[4], "%"), 64)
				share[want] = v
			}
		}
	}
	return share, string(out)
}
