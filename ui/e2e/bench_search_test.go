//go:build bench

package e2e

import (
	"encoding/json"
	"fmt"
	"runtime"
	"testing"
	"time"

	"jarvis/app/search"
	"jarvis/crypto"
	"jarvis/store"
)

// bSearchSizes are the histories search is measured over.
var bSearchSizes = []int{100_000, 1_000_000}

// bSearchRuns is how many measured queries each size gets, after
// bSearchWarm unmeasured ones.
const (
	bSearchRuns = 200
	bSearchWarm = 20
)

// bSearchProbeEvery is how often a keystroke's search is sent while the
// index reads history: a fast typist's pace.
const bSearchProbeEvery = 25 * time.Millisecond

// bSearchFigures are one size's results.
type bSearchFigures struct {
	msgs                int
	build               time.Duration // node ready → search_index ready
	query               []time.Duration
	duringIndex         []time.Duration // search RTTs while the index was building
	rssKB               int64           // the node's RSS once the index is ready
	indexBytes          uint64          // heap of the index alone, in process
	indexOnly           []time.Duration // search.Index.Search alone, in process
	contains, fts       []time.Duration
	ftsBuild, populated time.Duration
}

// bSearchSection measures search as the user runs it: a headless node on
// a store of sealed messages reads its history into the index after
// unlock, then answers `search` commands. Beside it, in this process, the
// index alone, a strings.Contains scan and SQLite FTS5 over the same texts.
func bSearchSection(t *testing.T, r *bReport, bin string) {
	for _, n := range bSearchSizes {
		f := bSearchSize(t, bin, n)
		bSearchRows(r, f)
	}
	r.note("Search: 1:1 histories of made-up words drawn by a Zipf law (30k words, 4–16 a message, 10 contacts); each query is three " +
		"neighbouring words of a random stored message, the last typed without a space (so it also matches as a prefix). " +
		"Latency is the `search` command's round trip through a headless node (50 results, their texts read from the sealed store). " +
		"\"During indexing\" sends one such search every 25 ms while the index reads history after unlock: what a keystroke in " +
		"the search dialog waits for. Index memory is the Go heap the index holds (no texts), measured in process.")
}

func bSearchSize(t *testing.T, bin string, n int) bSearchFigures {
	acc := bPopulateSearch(t, n)
	f := bSearchFigures{msgs: n, populated: acc.populate}
	queries := bSearchQueries(acc.texts, bSearchWarm+bSearchRuns)

	p, ready := bLaunchNode(t, bNodeSpec{bin: bin, name: "Searcher", dir: acc.dir, listen: bFreePort(t)})
	indexed := p.expect(func(e bEvent) bool { return e.Event == "search_index" && e.Ready })
	up := p.wait(ready, 60*time.Second, "ready")
	done := p.wait(indexed, 10*time.Minute, "search index")
	f.build = done.At.Sub(up.At)
	for i, q := range queries {
		rtt := bSearchOnce(t, p, fmt.Sprint("q", i), q)
		if i >= bSearchWarm {
			f.query = append(f.query, rtt)
		}
	}
	var err error
	if f.rssKB, err = bProcStatus(p.pid(), "VmRSS"); err != nil {
		t.Fatal(err)
	}
	p.stop()

	// Again from unlock, typing all the while the index builds.
	p, ready = bLaunchNode(t, bNodeSpec{bin: bin, name: "Searcher", dir: acc.dir, listen: bFreePort(t)})
	indexed = p.expect(func(e bEvent) bool { return e.Event == "search_index" && e.Ready })
	p.wait(ready, 60*time.Second, "ready")
	f.duringIndex = bTypeWhileIndexing(t, p, indexed, queries)
	p.stop()

	f.indexBytes, f.indexOnly = bIndexInProcess(acc.texts, queries[bSearchWarm:])
	f.contains = bContainsScan(t, acc.texts, queries[bSearchWarm:bSearchWarm+bSearchRefRuns])
	f.fts, f.ftsBuild = bFTS5(t, acc.texts, queries[bSearchWarm:bSearchWarm+bSearchRefRuns])
	t.Logf("search %d: populate %v, build %v, query p50 %v p99 %v, during indexing p50 %v p99 %v max %v (n=%d), RSS %d KiB, index %d B",
		n, f.populated, f.build, bPercentile(f.query, .5), bPercentile(f.query, .99),
		bPercentile(f.duringIndex, .5), bPercentile(f.duringIndex, .99), bPercentile(f.duringIndex, 1), len(f.duringIndex),
		f.rssKB, f.indexBytes)
	return f
}

// bSearchOnce sends one search and returns its round trip; a query built
// from a stored message that finds nothing fails the run.
func bSearchOnce(t *testing.T, p *bProc, ref, q string) time.Duration {
	ch := p.expect(func(e bEvent) bool { return e.Event == "search_results" && e.Ref == ref })
	t0 := time.Now()
	p.send(map[string]any{"cmd": "search", "ref": ref, "text": q})
	p.flush()
	e := p.wait(ch, time.Minute, "search results")
	var res []json.RawMessage
	if err := json.Unmarshal(e.Results, &res); err != nil || (len(res) == 0 && e.Ready) {
		t.Fatalf("search %q found nothing (%v): %s", q, err, e.Results)
	}
	return e.At.Sub(t0)
}

// bTypeWhileIndexing sends a search every bSearchProbeEvery until the
// index is ready, and returns their round trips.
func bTypeWhileIndexing(t *testing.T, p *bProc, indexed chan bEvent, queries []string) []time.Duration {
	var rtts []time.Duration
	tick := time.NewTicker(bSearchProbeEvery)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-indexed:
			return rtts
		case <-tick.C:
		}
		rtts = append(rtts, bSearchOnce(t, p, fmt.Sprint("k", i), queries[i%len(queries)]))
	}
}

// bIndexInProcess builds the index from texts in this process and returns
// the heap it holds and the time of each query against it alone.
func bIndexInProcess(texts, queries []string) (uint64, []time.Duration) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	x := search.New()
	base := time.Now()
	docs := make([]search.Doc, 0, 5000)
	for i, text := range texts {
		var id crypto.MessageID
		id[0], id[1], id[2], id[3] = byte(i), byte(i>>8), byte(i>>16), byte(i>>24)
		docs = append(docs, search.Doc{ID: id, Conversation: store.ContactChat(crypto.ID{byte(i % bSearchContacts)}),
			Author: crypto.ID{byte(i % bSearchContacts)}, At: base.Add(time.Duration(i) * time.Second), Cursor: int64(i + 1), Text: text})
		if len(docs) == cap(docs) || i == len(texts)-1 {
			x.Fill(docs)
			docs = docs[:0]
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	var took []time.Duration
	for _, q := range queries {
		t0 := time.Now()
		x.Search(search.Query{Text: q})
		took = append(took, time.Since(t0))
	}
	runtime.KeepAlive(x)
	return after.HeapAlloc - before.HeapAlloc, took
}
