// Package search is the in-memory full-text index of message history:
// words folded for case and accents, every word of a query must match and
// the last may be a prefix. It keeps no text and writes nothing to disk.
package search

import (
	"slices"
	"sync"
	"time"

	"jarvis/crypto"
	"jarvis/store"
)

// Doc is a message as the index takes it. Text is read, never kept: a hit
// names the message, and its owner reads the text from the sealed store.
type Doc struct {
	ID           crypto.MessageID
	Conversation store.ConversationID
	Author       crypto.ID
	At           time.Time // the time shown beside the message
	Cursor       int64     // the store's cursor, for paging to it
	Text         string
}

// doc is a Doc as kept: conversation and author are numbers into tables,
// the time is in milliseconds, so a doc stays a few dozen bytes.
type doc struct {
	id     crypto.MessageID
	conv   uint32
	author uint32
	at     int64
	cursor int64
	live   bool // false once removed or replaced
}

// Index is safe for concurrent use. A search takes a read lock and never
// waits for a busy actor; writers hold the lock for one batch at most.
type Index struct {
	mu      sync.RWMutex
	docs    []doc
	byID    map[crypto.MessageID]uint32 // live doc of each message
	gone    map[crypto.MessageID]bool   // removed: never indexed again
	post    map[string][]uint32         // word → docs holding it, ascending
	terms   terms
	convs   interned[store.ConversationID]
	authors interned[crypto.ID]
}

// New returns an empty index.
func New() *Index {
	return &Index{
		byID:    make(map[crypto.MessageID]uint32),
		gone:    make(map[crypto.MessageID]bool),
		post:    make(map[string][]uint32),
		convs:   newInterned[store.ConversationID](),
		authors: newInterned[crypto.ID](),
	}
}

// Put indexes d, replacing the text of a message already indexed (an
// edit). A message once removed stays out.
func (x *Index) Put(d Doc) {
	ws := distinctWords(d.Text) // outside the lock: searches go on meanwhile
	x.mu.Lock()
	defer x.mu.Unlock()
	x.put(d, ws, true)
}

// Fill indexes docs read from history, skipping any message already
// indexed or removed: what arrived live while history was being read is
// newer than the store's copy the reader saw.
func (x *Index) Fill(docs []Doc) {
	ws := make([][]string, len(docs))
	for i, d := range docs {
		ws[i] = distinctWords(d.Text)
	}
	for len(docs) > 0 {
		n := min(len(docs), fillChunk)
		x.fill(docs[:n], ws[:n])
		docs, ws = docs[n:], ws[n:]
	}
}

// fillChunk is how many docs Fill adds under one hold of the lock: a
// search waits for one chunk at most, well under a millisecond.
const fillChunk = 128

func (x *Index) fill(docs []Doc, ws [][]string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for i, d := range docs {
		x.put(d, ws[i], false)
	}
}

// Edit replaces the text of an indexed message, keeping where and when it
// was written; it reports false for a message not indexed (yet: history
// being read will bring the store's copy, already edited).
func (x *Index) Edit(id crypto.MessageID, text string) bool {
	ws := distinctWords(text)
	x.mu.Lock()
	defer x.mu.Unlock()
	n, ok := x.byID[id]
	if !ok {
		return false
	}
	d := x.docs[n]
	x.put(Doc{ID: id, Conversation: x.convs.list[d.conv], Author: x.authors.list[d.author],
		At: time.UnixMilli(d.at), Cursor: d.cursor}, ws, true)
	return true
}

// distinctWords are the folded words of text, each once.
func distinctWords(text string) []string {
	ws := words(text)
	out := make([]string, 0, len(ws))
	seen := make(map[string]bool, len(ws))
	for _, w := range ws {
		if !seen[w.folded] {
			seen[w.folded] = true
			out = append(out, w.folded)
		}
	}
	return out
}

func (x *Index) put(d Doc, ws []string, replace bool) {
	if x.gone[d.ID] {
		return
	}
	if n, ok := x.byID[d.ID]; ok {
		if !replace {
			return
		}
		x.docs[n].live = false
	}
	n := uint32(len(x.docs))
	x.docs = append(x.docs, doc{id: d.ID, conv: x.convs.number(d.Conversation), author: x.authors.number(d.Author),
		at: d.At.UnixMilli(), cursor: d.Cursor, live: true})
	x.byID[d.ID] = n
	for _, w := range ws {
		list, known := x.post[w]
		if !known {
			x.terms.add(w)
		}
		x.post[w] = append(list, n)
	}
}

// Reserve makes room for n more messages at once, so that filling the
// index from history does not copy its tables as they grow, each copy
// holding up every search for the time it takes.
func (x *Index) Reserve(n int) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.docs = slices.Grow(x.docs, n)
	if len(x.byID) == 0 {
		x.byID = make(map[crypto.MessageID]uint32, n)
	}
}

// Remove takes a message out of every result, for good (a delete). Its
// postings stay until the process ends; a search skips them.
func (x *Index) Remove(id crypto.MessageID) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if n, ok := x.byID[id]; ok {
		x.docs[n].live = false
		delete(x.byID, id)
	}
	x.gone[id] = true
}

// RemoveConversation takes every message of conv out (a contact or group
// deleted here). Unlike Remove it does not bar them for good: a contact
// added again starts afresh.
func (x *Index) RemoveConversation(conv store.ConversationID) {
	x.mu.Lock()
	defer x.mu.Unlock()
	c, ok := x.convs.lookup(conv)
	if !ok {
		return
	}
	for i := range x.docs {
		if d := &x.docs[i]; d.live && d.conv == c {
			d.live = false
			delete(x.byID, d.id)
		}
	}
}

// Len is the number of messages a search can find.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.byID)
}

// interned numbers the distinct values of a field, so each doc holds four
// bytes instead of the value.
type interned[T comparable] struct {
	list []T
	num  map[T]uint32
}

func newInterned[T comparable]() interned[T] { return interned[T]{num: make(map[T]uint32)} }

func (t *interned[T]) number(v T) uint32 {
	if n, ok := t.num[v]; ok {
		return n
	}
	n := uint32(len(t.list))
	t.list = append(t.list, v)
	t.num[v] = n
	return n
}

func (t *interned[T]) lookup(v T) (uint32, bool) {
	n, ok := t.num[v]
	return n, ok
}

// terms is the dictionary kept sorted for prefix lookups: a sorted list
// and the words added since, merged in once they are an eighth of it, so
// adding stays cheap and a lookup scans few unsorted words.
type terms struct {
	sorted []string
	fresh  []string
}

func (t *terms) add(w string) {
	t.fresh = append(t.fresh, w)
	if len(t.fresh) < max(256, len(t.sorted)/8) {
		return
	}
	slices.Sort(t.fresh)
	t.sorted = mergeSorted(t.sorted, t.fresh)
	t.fresh = t.fresh[:0]
}

func mergeSorted(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if a[i] < b[j] {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[j])
			j++
		}
	}
	return append(append(out, a[i:]...), b[j:]...)
}

// withPrefix calls f for every word starting with p.
func (t *terms) withPrefix(p string, f func(string)) {
	i, _ := slices.BinarySearch(t.sorted, p)
	for ; i < len(t.sorted) && hasPrefix(t.sorted[i], p); i++ {
		f(t.sorted[i])
	}
	for _, w := range t.fresh {
		if hasPrefix(w, p) {
			f(w)
		}
	}
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }
