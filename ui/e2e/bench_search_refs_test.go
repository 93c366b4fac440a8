//go:build bench

package e2e

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// bSearchRefRuns is how many queries each reference answers: a scan of a
// million texts takes a while.
const bSearchRefRuns = 50

// bContainsScan times the naive search: every text lower-cased once
// beforehand, then for each query a scan of all of them with
// strings.Contains for each word.
func bContainsScan(t *testing.T, texts, queries []string) []time.Duration {
	lower := make([]string, len(texts))
	for i, s := range texts {
		lower[i] = strings.ToLower(s)
	}
	var took []time.Duration
	for _, q := range queries {
		words := strings.Fields(q)
		t0 := time.Now()
		found := 0
		for i := len(lower) - 1; i >= 0; i-- {
			if bHoldsAll(lower[i], words) {
				found++
			}
		}
		took = append(took, time.Since(t0))
		if found == 0 {
			t.Fatalf("the scan found nothing for %q", q)
		}
	}
	return took
}

func bHoldsAll(s string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// bFTS5 loads texts into SQLite FTS5 (diacritics removed, as the index
// folds them) in a plaintext database in a temporary directory, times the
// queries (the last word as a prefix, 50 newest results), and deletes the
// database. It returns the query times and the time to load it.
func bFTS5(t *testing.T, texts, queries []string) ([]time.Duration, time.Duration) {
	dir, err := os.MkdirTemp("", "jarvis-fts5-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open(bSQLDriver(), filepath.Join(dir, "fts.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t0 := time.Now()
	if _, err := db.Exec(`CREATE VIRTUAL TABLE m USING fts5(text, tokenize = 'unicode61 remove_diacritics 2')`); err != nil {
		t.Fatalf("FTS5 (cgo builds need -tags sqlite_fts5): %v", err)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	ins, err := tx.Prepare(`INSERT INTO m (rowid, text) VALUES (?, ?)`)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range texts {
		if _, err := ins.Exec(i+1, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	build := time.Since(t0)
	var took []time.Duration
	for _, q := range queries {
		words := strings.Fields(q)
		for i, w := range words {
			words[i] = `"` + w + `"`
		}
		match := strings.Join(words, " ") + "*"
		t0 := time.Now()
		rows, err := db.Query(`SELECT rowid, text FROM m WHERE m MATCH ? ORDER BY rowid DESC LIMIT 50`, match)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			n++
		}
		rows.Close()
		took = append(took, time.Since(t0))
		if n == 0 {
			t.Fatalf("FTS5 found nothing for %s", match)
		}
	}
	return took, build
}

// bSQLDriver is the SQLite driver this build registered: mattn's (cgo)
// or modernc's (purego).
func bSQLDriver() string {
	if slices.Contains(sql.Drivers(), "sqlite3") {
		return "sqlite3"
	}
	return "sqlite"
}

// bSearchRows adds one size's figures to the report.
func bSearchRows(r *bReport, f bSearchFigures) {
	size := fmt.Sprintf("%dk", f.msgs/1000)
	if f.msgs >= 1_000_000 {
		size = fmt.Sprintf("%dM", f.msgs/1_000_000)
	}
	goal := 20 * time.Millisecond
	if f.msgs >= 1_000_000 {
		goal = 100 * time.Millisecond
	}
	p50, p99 := bPercentile(f.query, .5), bPercentile(f.query, .99)
	refs := fmt.Sprintf("Contains scan %s, FTS5 %s", bFmtDur(bPercentile(f.contains, .5)), bFmtDur(bPercentile(f.fts, .5)))
	r.add(bRow{"Search, 3 words over " + size + " messages, p50 (headless `search`)", bFmtDur(p50),
		"p99 " + bFmtDur(p99) + fmt.Sprintf(" (n=%d)", len(f.query)), refs,
		fmt.Sprintf("%.1f× faster than the scan", float64(bPercentile(f.contains, .5))/float64(max(p50, 1))),
		"≤ " + bFmtDur(goal), bVerdict(p50 <= goal)})
	r.add(bRow{"…the index alone (in process), p50 / p99", bFmtDur(bPercentile(f.indexOnly, .5)) + " / " + bFmtDur(bPercentile(f.indexOnly, .99)),
		fmt.Sprintf("n=%d", len(f.indexOnly)), "FTS5 p99 " + bFmtDur(bPercentile(f.fts, .99)), "—", "report", "reported"})
	r.add(bRow{"Search index build after unlock, " + size + " messages", bFmtDur(f.build), "one run",
		fmt.Sprintf("FTS5 load %s", bFmtDur(f.ftsBuild)), "—", "report", "reported"})
	worst := bPercentile(f.duringIndex, .99)
	r.add(bRow{"…a keystroke's search while indexing, p99", bFmtDur(worst),
		fmt.Sprintf("p50 %s, max %s (n=%d)", bFmtDur(bPercentile(f.duringIndex, .5)), bFmtDur(bPercentile(f.duringIndex, 1)), len(f.duringIndex)),
		"—", "—", "≤ 50 ms", bVerdict(len(f.duringIndex) > 0 && worst <= 50*time.Millisecond)})
	per100k := float64(f.indexBytes) / 1024 * 100_000 / float64(f.msgs)
	r.add(bRow{"Search index memory per 100k messages (" + size + " indexed)", bFmtMB(per100k),
		"node RSS " + bFmtMB(float64(f.rssKB)), "—", "—", "≤ 30 MB", bVerdict(per100k <= 30*1024)})
}

// TestBenchSearch runs the search section alone: go test -tags
// 'bench sqlite_fts5' -run TestBenchSearch -timeout 45m ./ui/e2e.
func TestBenchSearch(t *testing.T) {
	bin, _, _ := bBuildBinary(t)
	r := &bReport{}
	bSearchSection(t, r, bin)
	bLogReport(t, r)
}
