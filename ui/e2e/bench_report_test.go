//go:build bench

package e2e

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// bSamples are several measurements of one figure.
type bSamples []float64

func (s bSamples) sorted() bSamples { c := slices.Clone(s); slices.Sort(c); return c }

func (s bSamples) median() float64 {
	if len(s) == 0 {
		return 0
	}
	c := s.sorted()
	if len(c)%2 == 1 {
		return c[len(c)/2]
	}
	return (c[len(c)/2-1] + c[len(c)/2]) / 2
}

func (s bSamples) min() float64 { return slices.Min(append(bSamples{0}, s...)[1:]) }
func (s bSamples) max() float64 { return slices.Max(append(bSamples{0}, s...)[1:]) }

// bPercentile of durations, nearest rank.
func bPercentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	c := slices.Clone(d)
	slices.Sort(c)
	i := int(float64(len(c)) * p)
	if i >= len(c) {
		i = len(c) - 1
	}
	return c[i]
}

// bRow is one line of the summary table.
type bRow struct {
	figure, value, spread, reference, ratio, target, verdict string
}

// bReport collects the run's results and renders BENCHMARKS.md.
type bReport struct {
	started time.Time
	rows    []bRow
	details []string
	notes   []string
}

func (r *bReport) add(x bRow)                { r.rows = append(r.rows, x) }
func (r *bReport) detail(f string, a ...any) { r.details = append(r.details, fmt.Sprintf(f, a...)) }
func (r *bReport) note(f string, a ...any)   { r.notes = append(r.notes, fmt.Sprintf(f, a...)) }

func bVerdict(met bool) string {
	if met {
		return "**met**"
	}
	return "**missed**"
}

func bCpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	n := 0
	model := "unknown"
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "model name":
			model = strings.TrimSpace(v)
		case "processor":
			n++
		}
	}
	return fmt.Sprintf("%s (%d logical CPUs)", model, n)
}

func (r *bReport) markdown(goVersion string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Benchmarks\n\n")
	fmt.Fprintf(&b, "Written by `make bench` (`go test -tags bench -run '^TestBenchmarkReport$' -timeout 45m -v ./ui/e2e`, see `bench_test.go`). ")
	fmt.Fprintf(&b, "One fresh run; do not edit by hand.\n\n")
	fmt.Fprintf(&b, "- Date: %s (run took %s)\n", r.started.UTC().Format("2006-01-02 15:04 MST"), time.Since(r.started).Round(time.Second))
	fmt.Fprintf(&b, "- CPU: %s, GOMAXPROCS %d\n", bCpuModel(), runtime.GOMAXPROCS(0))
	fmt.Fprintf(&b, "- Go: %s\n", goVersion)
	fmt.Fprintf(&b, "- OS: %s/%s\n\n", runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(&b, "The machine is shared and noisy, so every figure is the median of several runs with its min–max, ")
	fmt.Fprintf(&b, "next to a reference measured in the same run. Targets are goals, not test assertions.\n\n")
	fmt.Fprintf(&b, "| figure | median | min–max | reference (same run) | ratio | target | verdict |\n")
	fmt.Fprintf(&b, "|---|---|---|---|---|---|---|\n")
	for _, x := range r.rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", x.figure, x.value, x.spread, x.reference, x.ratio, x.target, x.verdict)
	}
	b.WriteString("\n## What each figure means\n\n")
	for _, d := range r.details {
		b.WriteString(d)
		b.WriteString("\n\n")
	}
	b.WriteString("## How this run was shrunk to fit 10 minutes on 2 cores\n\n")
	for _, n := range r.notes {
		fmt.Fprintf(&b, "- %s\n", n)
	}
	return b.String()
}

// Formatting helpers.

func bFmtRate(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.1fk", v/1e3)
	default:
		return fmt.Sprintf("%.0f", v)
	}
}

func bFmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	default:
		return fmt.Sprintf("%.1f µs", float64(d)/1e3)
	}
}

func bDurs(s bSamples) (med, lo, hi time.Duration) {
	return time.Duration(s.median()), time.Duration(s.min()), time.Duration(s.max())
}

func bFmtMB(kb float64) string { return fmt.Sprintf("%.1f MB", kb/1024) }

func bRatio(v, ref float64, of string) string {
	if ref == 0 {
		return "—"
	}
	x := v / ref
	switch {
	case x >= 10:
		return fmt.Sprintf("%.0f× %s", x, of)
	case x >= 0.1:
		return fmt.Sprintf("%.2f× %s", x, of)
	default:
		return fmt.Sprintf("%.4f× %s (1/%.0f)", x, of, 1/x)
	}
}
