package app

import (
	"context"
	"errors"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"jarvis/app/search"
	"jarvis/store"
)

// The search index lives in memory only: after unlock, one goroutine reads
// the sealed history, newest first, into it, while every message stored
// from then on goes in as it is stored. Nothing of it reaches the disk.

// SearchQuery is one search: words, an optional conversation, a limit.
type SearchQuery = search.Query

// IndexProgress reports the search index reading history after unlock:
// Indexed of Total messages read; Ready once all of it is searchable.
// It comes at each percent and once more when ready.
type IndexProgress struct {
	Indexed, Total int
	Ready          bool
}

func (IndexProgress) isEvent() {}

// searchIndex is the core's index and how far it has read history.
type searchIndex struct {
	idx            *search.Index
	indexed, total atomic.Int64
	ready          atomic.Bool
	readyOnce      sync.Once
}

func newSearchIndex() *searchIndex { return &searchIndex{idx: search.New()} }

// doc is m as the index takes it; system lines are not searched.
func searchDoc(m Message) (search.Doc, bool) {
	if m.System || m.Text == "" {
		return search.Doc{}, false
	}
	return search.Doc{ID: m.ID, Conversation: m.Conversation, Author: m.Author, At: m.At, Cursor: m.Cursor, Text: m.Text}, true
}

// put indexes a message just stored, ours or a peer's.
func (s *searchIndex) put(m Message) {
	if d, ok := searchDoc(m); ok {
		s.idx.Put(d)
	}
}

// follow keeps the index in step with the events that change history.
func (s *searchIndex) follow(e Event) {
	switch e := e.(type) {
	case MessageReceived:
		s.put(e.Message)
	case MessageEdited:
		s.idx.Edit(e.ID, e.Text)
	case MessageDeleted:
		s.idx.Remove(e.ID)
	case ContactRemoved:
		s.idx.RemoveConversation(ContactChat(e.ID))
	case GroupRemoved:
		s.idx.RemoveConversation(GroupChat(e.ID))
	}
}

// build reads every conversation's history into the index, a page at a
// time, so searches run between pages.
func (c *Core) buildSearchIndex(ctx context.Context) {
	s := c.search
	defer s.finish(c)
	if err := c.waitNames(ctx); err != nil {
		return
	}
	total, err := c.account.store.MessageCount(ctx)
	if err != nil {
		c.searchFailed(ctx, err)
		return
	}
	s.total.Store(int64(total))
	s.idx.Reserve(total)
	lastPct := int64(-1)
	for _, conv := range c.conversationIDs() {
		err := c.readHistory(ctx, conv, func(page []store.Message) {
			docs := make([]search.Doc, 0, len(page))
			for _, r := range page {
				if d, ok := searchDoc(messageFromStore(r, c.self.ID, "")); ok {
					docs = append(docs, d)
				}
			}
			s.idx.Fill(docs)
			if pct := s.indexed.Add(int64(len(page))) * 100 / max(s.total.Load(), 1); pct != lastPct && pct < 100 {
				lastPct = pct
				c.emit(IndexProgress{Indexed: int(s.indexed.Load()), Total: total})
			}
		})
		if err != nil {
			c.searchFailed(ctx, err)
			return
		}
	}
}

// buildPage is how many messages the index reads at a time: a few
// milliseconds of work, after which it yields (see readHistory).
const buildPage = 250

// readHistory hands f every page of conv's history, newest first,
// yielding the processor after each page: the build is the one long
// CPU-bound job of the process, and a search or a key waiting to run
// goes first.
func (c *Core) readHistory(ctx context.Context, conv ConversationID, f func([]store.Message)) error {
	for before := int64(0); ; {
		page, err := c.account.store.History(ctx, conv, before, buildPage)
		if err != nil {
			return err
		}
		f(page)
		runtime.Gosched()
		if len(page) < buildPage {
			return nil
		}
		before = page[0].Seq
	}
}

// finish marks the index ready, even after a failure: what it holds is
// searchable, and "indexing" must not hang on forever. Reading the whole
// history left garbage of many times the index's size in Go's heap; it is
// handed back to the system at once, as after the unlock's KDF, since the
// resident size is what a phone's background killer weighs.
func (s *searchIndex) finish(c *Core) {
	s.readyOnce.Do(func() {
		debug.FreeOSMemory()
		s.ready.Store(true)
		n, t := s.progress()
		c.emit(IndexProgress{Indexed: n, Total: t, Ready: true})
	})
}

func (s *searchIndex) progress() (indexed, total int) {
	n, t := s.indexed.Load(), s.total.Load()
	return int(min(n, t)), int(t)
}

func (c *Core) searchFailed(ctx context.Context, err error) {
	if ctx.Err() == nil {
		c.emit(Failure{Op: "read history for search", Err: err})
	}
}

// conversationIDs lists every conversation the directory knows.
func (c *Core) conversationIDs() []ConversationID {
	var out []ConversationID
	for _, e := range c.dir.contactList() {
		out = append(out, ContactChat(e.id))
	}
	for _, e := range c.dir.groupList() {
		out = append(out, GroupChat(e.id))
	}
	return out
}

// SearchProgress reports how far the index has read history after unlock.
func (c *Core) SearchProgress() (indexed, total int, ready bool) {
	n, t := c.search.progress()
	return n, t, c.search.ready.Load()
}

// Search finds messages holding every word of q.Text (the last word may
// be a prefix), folded for case and accents, best first: last word whole
// before prefix-only, then newest first. Until the index is ready it
// searches what it has read. The texts are read from the store.
func (c *Core) Search(ctx context.Context, q SearchQuery) ([]Message, error) {
	hits := c.search.idx.Search(q)
	names := make(map[ConversationID]func(store.Message) string)
	out := make([]Message, 0, len(hits))
	for _, h := range hits {
		m, err := c.messageAt(ctx, h, names)
		if errors.Is(err, errGone) {
			continue // deleted since it was indexed
		}
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

var errGone = errors.New("message gone")

// messageAt reads the message a hit names, with its author's name.
func (c *Core) messageAt(ctx context.Context, h search.Hit, names map[ConversationID]func(store.Message) string) (Message, error) {
	name, ok := names[h.Conversation]
	if !ok {
		var err error
		if name, err = c.authorNames(h.Conversation); err != nil {
			if errors.Is(err, ErrUnknownContact) || errors.Is(err, ErrUnknownGroup) {
				return Message{}, errGone
			}
			return Message{}, err
		}
		names[h.Conversation] = name
	}
	rows, err := c.account.store.History(ctx, h.Conversation, h.Cursor+1, 1)
	if err != nil {
		return Message{}, err
	}
	if len(rows) != 1 || rows[0].ID != h.ID {
		return Message{}, errGone
	}
	return messageFromStore(rows[0], c.self.ID, name(rows[0])), nil
}
