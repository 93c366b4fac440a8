package search

import (
	"container/heap"
	"slices"
	"time"
	"unicode"
	"unicode/utf8"

	"jarvis/crypto"
	"jarvis/store"
)

// Limits on the results of one search.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Query is one search.
type Query struct {
	Text  string
	In    store.ConversationID // zero: every conversation
	Limit int                  // ≤ 0: DefaultLimit; at most MaxLimit
}

// Hit is one message found. Whole is false when the last word of the
// query matched only as the start of a longer word.
type Hit struct {
	ID           crypto.MessageID
	Conversation store.ConversationID
	Author       crypto.ID
	At           time.Time
	Cursor       int64
	Whole        bool
}

// parsed is a query's folded words, each once, in order. prefix says the
// last one may match the start of a word: the user is still typing it
// (the text does not end with a space or a mark).
type parsed struct {
	terms  []string
	prefix bool
}

func parse(text string) parsed {
	var p parsed
	for _, w := range words(text) {
		if !slices.Contains(p.terms, w.folded) {
			p.terms = append(p.terms, w.folded)
		}
	}
	if len(p.terms) == 0 {
		return p
	}
	last, _ := utf8.DecodeLastRuneInString(text)
	p.prefix = unicode.IsLetter(last) || unicode.IsDigit(last) || unicode.Is(unicode.Mn, last)
	return p
}

// Search returns the messages holding every word of q, best first. The
// ranking: messages where the last word is a whole word before those where
// it only starts a longer one, then newest first.
func (x *Index) Search(q Query) []Hit {
	p := parse(q.Text)
	if len(p.terms) == 0 {
		return nil
	}
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	x.mu.RLock()
	defer x.mu.RUnlock()
	conv, ok := uint32(0), true
	if q.In != (store.ConversationID{}) {
		if conv, ok = x.convs.lookup(q.In); !ok {
			return nil
		}
	}
	top := &ranked{limit: limit}
	keep := func(n uint32, whole bool) {
		d := &x.docs[n]
		if d.live && (q.In == (store.ConversationID{}) || d.conv == conv) {
			top.offer(candidate{n: n, whole: whole, at: d.at})
		}
	}
	exact := p.terms
	if p.prefix {
		exact = p.terms[:len(p.terms)-1]
	}
	cand, all := x.intersect(exact)
	if !p.prefix {
		for _, n := range cand {
			keep(n, true)
		}
		return x.hits(top.sorted())
	}
	x.matchPrefix(p.terms[len(p.terms)-1], cand, all, keep)
	return x.hits(top.sorted())
}

// intersect returns the docs holding every word of exact, ascending; all
// is true when exact is empty and every doc qualifies.
func (x *Index) intersect(exact []string) (docs []uint32, all bool) {
	if len(exact) == 0 {
		return nil, true
	}
	lists := make([][]uint32, len(exact))
	for i, t := range exact {
		lists[i] = x.post[t]
	}
	slices.SortFunc(lists, func(a, b []uint32) int { return len(a) - len(b) })
	docs = lists[0]
	for _, l := range lists[1:] {
		docs = intersectSorted(docs, l)
	}
	return docs, false
}

// matchPrefix calls keep for each doc among cand (or any doc, with all)
// holding a word that starts with p; whole when it holds p itself.
func (x *Index) matchPrefix(p string, cand []uint32, all bool, keep func(uint32, bool)) {
	var allowed, seen bitset
	if !all {
		allowed = newBitset(len(x.docs))
		for _, n := range cand {
			allowed.set(n)
		}
	}
	seen = newBitset(len(x.docs))
	for _, n := range x.post[p] {
		if all || allowed.has(n) {
			seen.set(n)
			keep(n, true)
		}
	}
	x.terms.withPrefix(p, func(t string) {
		if t == p {
			return
		}
		for _, n := range x.post[t] {
			if (all || allowed.has(n)) && !seen.has(n) {
				seen.set(n)
				keep(n, false)
			}
		}
	})
}

func (x *Index) hits(cs []candidate) []Hit {
	out := make([]Hit, len(cs))
	for i, c := range cs {
		d := x.docs[c.n]
		out[i] = Hit{ID: d.id, Conversation: x.convs.list[d.conv], Author: x.authors.list[d.author],
			At: time.UnixMilli(d.at), Cursor: d.cursor, Whole: c.whole}
	}
	return out
}

func intersectSorted(a, b []uint32) []uint32 {
	var out []uint32
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

type bitset []uint64

func newBitset(n int) bitset       { return make(bitset, (n+63)/64) }
func (b bitset) set(n uint32)      { b[n/64] |= 1 << (n % 64) }
func (b bitset) has(n uint32) bool { return b[n/64]&(1<<(n%64)) != 0 }

// candidate is a doc found, with what ranks it.
type candidate struct {
	n     uint32
	whole bool
	at    int64
}

// better orders candidates best first: whole words, then newest, then the
// later indexed.
func better(a, b candidate) bool {
	if a.whole != b.whole {
		return a.whole
	}
	if a.at != b.at {
		return a.at > b.at
	}
	return a.n > b.n
}

// ranked keeps the best limit candidates offered, in a heap with the worst
// on top, so a common word costs no sort of every message holding it.
type ranked struct {
	limit int
	c     []candidate
}

func (r *ranked) offer(c candidate) {
	if len(r.c) < r.limit {
		heap.Push(r, c)
		return
	}
	if better(c, r.c[0]) {
		r.c[0] = c
		heap.Fix(r, 0)
	}
}

func (r *ranked) sorted() []candidate {
	slices.SortFunc(r.c, func(a, b candidate) int {
		if better(a, b) {
			return -1
		}
		return 1
	})
	return r.c
}

func (r *ranked) Len() int           { return len(r.c) }
func (r *ranked) Less(i, j int) bool { return better(r.c[j], r.c[i]) }
func (r *ranked) Swap(i, j int)      { r.c[i], r.c[j] = r.c[j], r.c[i] }
func (r *ranked) Push(v any)         { r.c = append(r.c, v.(candidate)) }
func (r *ranked) Pop() any {
	v := r.c[len(r.c)-1]
	r.c = r.c[:len(r.c)-1]
	return v
}
