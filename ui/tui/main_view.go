package tui

import (
	"fmt"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"jarvis/app"
)

const (
	listWidth   = 24
	narrowWidth = 80 // below this the conversation list starts hidden
)

// mainView holds the widgets of the main screen.
type mainView struct {
	root   *tview.Flex
	body   *tview.Flex
	list   *tview.List
	right  *tview.Flex
	header *tview.TextView
	chat   *tview.TextView
	notice *tview.TextView
	input  *lineEdit
	status *tview.TextView

	width, height int
	narrow        bool
	showList      bool
	rebuilding    bool // suppress the list's changed callback

	shown      chatRows // the open conversation as laid out
	noticeRows int      // the notice's height

	note         noteText     // the notice shown above the input line
	history      inputHistory // Up and Down with no conversation open
	lastKey      time.Time    // when the previous key arrived (pasteGap)
	pendingEnter time.Time    // a fast Enter not yet known as Enter or a pasted line break
	pendingSeen  time.Time    // when the UI handled that Enter: its quiet window starts here
	completion   *completion
	typing       typingHint
	pick         msgPick // the selected message, a reply or edit under way (selection.go)
}

func (u *UI) showMain() {
	mv := &mainView{
		list:   tview.NewList().ShowSecondaryText(false).SetHighlightFullLine(true).SetWrapAround(false),
		header: tview.NewTextView().SetDynamicColors(true).SetWrap(false),
		chat:   tview.NewTextView().SetDynamicColors(true).SetWrap(true).SetWordWrap(true).SetScrollable(true),
		notice: tview.NewTextView().SetDynamicColors(true).SetWrap(false),
		input:  newLineEdit("> ").SetMultiline(true),
		status: tview.NewTextView().SetDynamicColors(true).SetWrap(false),

		noticeRows: 1,
	}
	mv.list.SetBorder(true).SetTitle(" Chats ")
	mv.list.SetChangedFunc(func(i int, _, _ string, _ rune) {
		if mv.rebuilding || i < 0 || i >= len(u.order) {
			return
		}
		u.open(u.order[i])
		u.app.SetFocus(mv.input)
	})
	mv.input.SetDoneFunc(func(k tcell.Key) {
		if k == tcell.KeyEnter {
			u.submit()
		}
	})
	mv.input.SetChangedFunc(func(string) { u.typed() })
	mv.typing.tell = u.tellTyping
	mv.right = tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(mv.header, 1, 0, false).
		AddItem(mv.chat, 0, 1, false).
		AddItem(mv.notice, 1, 0, false).
		AddItem(mv.input, 1, 0, true)
	mv.body = tview.NewFlex().
		AddItem(mv.list, listWidth, 0, false).
		AddItem(mv.right, 0, 1, true)
	mv.root = tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(mv.body, 0, 1, true).
		AddItem(mv.status, 1, 0, false)
	mv.showList = true
	if !u.theme.color {
		mv.header.SetTextStyle(tcell.StyleDefault.Reverse(true))
		mv.status.SetTextStyle(tcell.StyleDefault.Reverse(true))
	} else {
		mv.header.SetBackgroundColor(tcell.ColorNavy)
		mv.status.SetBackgroundColor(tcell.ColorNavy)
	}
	u.main = mv
	u.pages.AddAndSwitchToPage(pageMain, mv.root, true)
	u.app.SetFocus(mv.input)
	u.renderAll()
}

// resize applies the layout for a w×h terminal; below narrowWidth the list
// hides unless toggled. It reports whether the size changed.
func (mv *mainView) resize(w, h int) bool {
	if w == mv.width && h == mv.height {
		return false
	}
	narrow := w < narrowWidth
	if narrow != mv.narrow || mv.width == 0 {
		mv.showList = !narrow
	}
	mv.narrow, mv.width, mv.height = narrow, w, h
	mv.applyList()
	return true
}

func (mv *mainView) applyList() {
	if mv.showList {
		mv.body.ResizeItem(mv.list, listWidth, 0)
	} else {
		mv.body.ResizeItem(mv.list, 0, 0)
	}
}

// toggleList shows or hides the conversation list (F2 or Alt+L).
func (u *UI) toggleList() {
	u.main.showList = !u.main.showList
	u.main.applyList()
	u.renderAll() // the chat's rows are laid out for its width
}

func (u *UI) renderAll() {
	if u.main == nil {
		return
	}
	u.renderList()
	u.renderHeader()
	u.renderChat()
	u.renderNotice()
	u.renderStatus()
}

// renderHeader shows who the open conversation is with.
func (u *UI) renderHeader() {
	conv := u.convs[u.cur]
	pos := u.listPosition()
	text := " Jarvis"
	if conv != nil && conv.id.IsGroup() {
		text = u.groupHeader(conv.group)
	} else if conv != nil {
		width := u.main.headerWidth()
		if width > 0 {
			width = max(1, width-tview.TaggedStringWidth(pos))
		}
		text = u.theme.contactHeader(conv.contact, width, time.Now())
	}
	u.main.header.SetText(text + pos)
}

// headerWidth is the header's width once laid out, 0 before.
func (mv *mainView) headerWidth() int {
	if mv.showList && mv.width > 0 {
		return max(0, mv.width-listWidth)
	}
	return mv.width
}

// contactHeader is the header line for an open chat, fitted to width:
// the ID, then the path's address, give way on a phone; the name and
// whether they are verified never do.
func (t theme) contactHeader(c app.Contact, width int, now time.Time) string {
	who := t.dot(c) + " [::b]" + peerText(c.Name, false) + "[::-] "
	switch {
	case c.State == app.ContactPendingIn:
		who += t.paint("yellow", "contact request")
	case c.State == app.ContactPendingOut:
		who += t.paint("gray", "request sent")
	case c.Verified:
		who += t.paint("green", "✔ verified")
	default:
		who += t.paint("orange", "unverified")
	}
	parts := []barPart{{text: who, rank: 3}}
	if c.State == app.ContactAccepted {
		parts = append(parts, barPart{text: reach(c, false, now), short: pathName(c), rank: 2})
	}
	parts = append(parts, barPart{text: c.ID.Short(), rank: 1})
	return fitParts(parts, width)
}

// listPosition tells, while the list is hidden, where the open
// conversation is; the status bar's "Act:" says what waits elsewhere.
func (u *UI) listPosition() string {
	if u.main.showList {
		return ""
	}
	return fmt.Sprintf(" · %d/%d", u.indexOf(u.cur)+1, len(u.order))
}

// expireAt asks the pump to tick at t, when what is shown ends. Nothing
// ticks otherwise: an idle screen wakes nobody (a phone's battery
// notices a redraw every two seconds). Only the UI goroutine calls it.
func (u *UI) expireAt(t time.Time) {
	if u.expiry == nil {
		return
	}
	select {
	case u.expiry <- t:
	default: // the pump has one due time pending; it keeps the earlier
		select {
		case old := <-u.expiry:
			if old.Before(t) {
				t = old
			}
		default:
		}
		u.expiry <- t // the only sender, so there is room now
	}
}

// clearChat empties the open conversation's window on screen; the history
// stays in the store and PgUp loads it back.
func (u *UI) clearChat() {
	if conv := u.convs[u.cur]; conv != nil {
		conv.clear()
	}
	u.renderChat()
}
