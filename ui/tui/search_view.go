package tui

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"github.com/rivo/uniseg"

	"jarvis/app"
	"jarvis/app/search"
)

// The search dialog: a query line, a status line and the results, two
// rows each (where and who; the matching line, its words highlighted).
// Results follow the query as it is typed, once the keys pause for
// searchPause. Enter opens the message in its conversation; Esc returns.

// searchPause is how long typing must stop before a search runs, so a
// fast typist's every key does not cost one.
const searchPause = 120 * time.Millisecond

// searchWidth is the dialog's widest; a phone gets the whole screen.
const searchWidth = 90

// searchState is the open search dialog.
type searchState struct {
	box     *tview.Flex
	input   *tview.InputField
	status  *tview.TextView
	list    *tview.List
	in      app.ConversationID // zero: every conversation
	results []app.Message
	err     error
	latest  atomic.Uint64 // the newest query's number; older answers are dropped
}

// searchCommand is /search [--here] [WORDS].
func searchCommand(u *UI, c call) bool {
	words, here := c.arg, false
	if rest, ok := strings.CutPrefix(words, "--here"); ok && (rest == "" || rest[0] == ' ') {
		words, here = strings.TrimSpace(rest), true
	}
	if here && u.convs[u.cur] == nil {
		u.notice("Open a conversation first, or search everywhere: /search WORDS.")
		return false
	}
	u.openSearch(words, here)
	return true
}

// openSearch shows the dialog with query typed, over every conversation
// or, with here, the open one.
func (u *UI) openSearch(query string, here bool) {
	sv := &searchState{
		input:  tview.NewInputField().SetLabel("Find: ").SetText(query),
		status: tview.NewTextView().SetDynamicColors(true).SetWrap(false),
		list:   tview.NewList().SetHighlightFullLine(true).SetWrapAround(false),
	}
	if here {
		sv.in = u.cur
	}
	sv.input.SetFieldBackgroundColor(tcell.ColorDefault)
	sv.list.SetSecondaryTextColor(tcell.ColorDefault)
	sv.input.SetChangedFunc(func(string) { u.runSearch(sv) })
	sv.list.SetSelectedFunc(func(i int, _, _ string, _ rune) { u.jumpTo(sv.results[i]) }) // a click, then Enter
	sv.input.SetInputCapture(func(ev *tcell.EventKey) *tcell.EventKey { return u.searchKey(sv, ev) })
	sv.box = tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(sv.input, 1, 0, true).
		AddItem(sv.status, 1, 0, false).
		AddItem(sv.list, 0, 1, false)
	u.openBox("search", u.searchTitle(sv), sv.box, sv.input, searchWidth, func(int) int { return 1 << 10 })
	u.search = sv
	u.showResults(sv)
	u.runSearch(sv)
}

func (u *UI) searchTitle(sv *searchState) string {
	if conv := u.convs[sv.in]; conv != nil && sv.in != (app.ConversationID{}) {
		return "Search in " + u.convTitle(conv)
	}
	return "Search all conversations"
}

// convTitle is a conversation's name as the results show it: a group's
// with its "#".
func (u *UI) convTitle(conv *conversation) string {
	if conv.id.IsGroup() {
		return "#" + plainPeerText(conv.name(), false)
	}
	return plainPeerText(conv.name(), false)
}

// searchKey handles the keys the query line does not: moving through the
// results, opening one, and Ctrl+F switching between every conversation
// and the open one.
func (u *UI) searchKey(sv *searchState, ev *tcell.EventKey) *tcell.EventKey {
	switch ev.Key() {
	case tcell.KeyUp, tcell.KeyDown, tcell.KeyPgUp, tcell.KeyPgDn:
		sv.list.InputHandler()(ev, func(tview.Primitive) {})
		return nil
	case tcell.KeyEnter:
		if i := sv.list.GetCurrentItem(); i >= 0 && i < len(sv.results) {
			u.jumpTo(sv.results[i])
		}
		return nil
	case tcell.KeyCtrlF:
		if sv.in != (app.ConversationID{}) {
			sv.in = app.ConversationID{}
		} else if u.convs[u.cur] != nil {
			sv.in = u.cur
		}
		sv.box.SetTitle(" " + u.searchTitle(sv) + " ")
		u.runSearch(sv)
		return nil
	}
	return ev
}

// runSearch searches for the query once typing pauses; an answer to an
// older query than the newest is dropped.
func (u *UI) runSearch(sv *searchState) {
	n := sv.latest.Add(1)
	q := app.SearchQuery{Text: sv.input.GetText(), In: sv.in}
	if strings.TrimSpace(q.Text) == "" || u.core == nil {
		sv.results, sv.err = nil, nil
		u.showResults(sv)
		return
	}
	core := u.core
	u.async(func(ctx context.Context) func() {
		select {
		case <-time.After(searchPause):
		case <-ctx.Done():
			return nil
		}
		if sv.latest.Load() != n {
			return nil // another key came: its search will run
		}
		msgs, err := core.Search(ctx, q)
		return func() {
			if sv.latest.Load() != n || u.search != sv || u.dialog != "search" {
				return
			}
			sv.results, sv.err = msgs, err
			u.showResults(sv)
		}
	})
}

// showResults fills the list and the status line.
func (u *UI) showResults(sv *searchState) {
	sv.list.Clear()
	query, width := sv.input.GetText(), u.searchWidth()
	for _, m := range sv.results {
		sv.list.AddItem(u.resultTitle(m, width), resultLine(m.Text, query, width), 0, nil)
	}
	sv.status.SetText(u.searchStatus(sv))
}

// searchStatus says how many were found, and "indexing N%" while the
// index still reads history.
func (u *UI) searchStatus(sv *searchState) string {
	var parts []string
	switch {
	case sv.err != nil:
		parts = append(parts, "Search failed: "+sv.err.Error())
	case strings.TrimSpace(sv.input.GetText()) == "":
		parts = append(parts, "Type words to find")
	case len(sv.results) == 0:
		parts = append(parts, "No messages match")
	case len(sv.results) == 1:
		parts = append(parts, "1 message")
	default:
		parts = append(parts, fmt.Sprintf("%d messages", len(sv.results)))
	}
	if n, total, ready := u.core.SearchProgress(); !ready {
		parts = append(parts, fmt.Sprintf("indexing %d%%", n*100/max(total, 1)))
	}
	text := strings.Join(parts, " · ")
	if hint := " · Ctrl+F: here/all"; uniseg.StringWidth(text+hint) <= u.searchWidth() {
		text += hint // where there is room
	}
	return u.theme.tag("gray") + tview.Escape(text) + u.theme.reset()
}

// searchWidth is the width inside the dialog's border.
func (u *UI) searchWidth() int {
	w, _ := u.screenSize()
	return min(searchWidth, max(w-2, 1)) - 2
}

// resultTitle is a result's first row: conversation, author, time.
func (u *UI) resultTitle(m app.Message, width int) string {
	where := ""
	if conv := u.convs[m.Conversation]; conv != nil {
		where = u.convTitle(conv) + " · "
	}
	who := m.AuthorName
	if m.Outgoing {
		who = u.self.Name
	}
	at := m.At.Local()
	ps := []piece{{"[::b]", where + plainPeerText(who, false)}, {"", " · " + dayLabel(at, time.Now()) + " " + at.Format("15:04")}}
	return wrapPieces(ps, width, 0)[0]
}

// resultLine is the line of text that matched, its words highlighted,
// cut so the first of them shows even on a narrow screen.
func resultLine(text, query string, width int) string {
	spans := search.Highlights(text, query)
	start := 0
	if len(spans) > 0 {
		start = strings.LastIndexByte(text[:spans[0][0]], '\n') + 1
	}
	end := len(text)
	if i := strings.IndexByte(text[start:], '\n'); i >= 0 {
		end = start + i
	}
	lead := ""
	if len(spans) > 0 {
		before := []rune(text[start:spans[0][0]])
		if len(before) > width/3 && uniseg.StringWidth(text[start:end]) > width {
			kept := string(before[len(before)-width/3:])
			if i := strings.IndexByte(kept, ' '); i >= 0 {
				kept = kept[i+1:] // whole words only
			}
			start, lead = spans[0][0]-len(kept), "…"
		}
	}
	ps := []piece{{"", lead}}
	at := start
	for _, s := range spans {
		if s[0] < start || s[1] > end {
			continue
		}
		ps = append(ps, piece{"", plainPeerText(text[at:s[0]], false)}, piece{"[::r]", plainPeerText(text[s[0]:s[1]], false)})
		at = s[1]
	}
	ps = append(ps, piece{"", plainPeerText(text[at:end], false)})
	return wrapPieces(ps, width, 0)[0]
}

// indexProgress follows the index reading history: the open dialog's
// status shows it, and once it is ready the query runs again, over all of
// history.
func (u *UI) indexProgress(p app.IndexProgress) {
	sv := u.search
	if sv == nil || u.dialog != "search" {
		return
	}
	if p.Ready {
		u.runSearch(sv)
	}
	sv.status.SetText(u.searchStatus(sv))
}

// jumpTo opens the conversation of m at m, marked, in the middle of its
// context: the page of history that ends there and half a page after it.
// PgUp pages further back; PgDn past the end comes to the newest.
func (u *UI) jumpTo(m app.Message) {
	u.closeDialog()
	conv := u.convs[m.Conversation]
	if conv == nil {
		u.notice("That conversation is gone.")
		return
	}
	conv.target = m.ID
	if conv.find(m.ID) >= 0 {
		u.open(m.Conversation)
		u.showTarget(conv)
		return
	}
	conv.loading = true // the page below replaces the window; no other load may race it
	u.open(m.Conversation)
	core := u.core
	u.async(func(ctx context.Context) func() {
		msgs, err := core.History(ctx, m.Conversation, m.Cursor+1, pageSize)
		var after []app.Message
		if err == nil {
			after, err = core.HistoryAfter(ctx, m.Conversation, m.Cursor, pageSize/2)
		}
		return func() {
			conv.loading = false
			if err != nil {
				u.notice("Could not read history: " + err.Error())
				return
			}
			lines := make([]line, 0, len(msgs)+len(after))
			for _, h := range append(msgs, after...) {
				lines = append(lines, line{msg: h})
			}
			conv.lines = lines
			conv.loaded, conv.hasOlder, conv.hasNewer = true, len(msgs) >= pageSize, len(after) >= pageSize/2
			if u.cur == conv.id {
				u.showTarget(conv)
			}
		}
	})
}

// showTarget scrolls the open conversation so its target message stands
// a third of the way down the view.
func (u *UI) showTarget(conv *conversation) {
	u.layoutChat()
	_, h := u.main.chatSize()
	if row := u.main.shown.target; row >= 0 {
		conv.top, conv.follow = max(0, row-h/3), false
	}
	u.renderAll()
}
