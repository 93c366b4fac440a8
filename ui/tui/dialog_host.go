package tui

import (
	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// dialogHost shows one dialog at a time over the current page, and gives
// the focus back when it closes. UI embeds it.
type dialogHost struct {
	app     *tview.Application
	pages   *tview.Pages
	dialog  string            // name of the open dialog page, "" for none
	size    func() (w, h int) // the screen's size
	refocus func()            // focuses what the dialog covered
}

// dialogButton is a labelled action at the bottom of a dialog.
type dialogButton struct {
	label  string
	action func()
}

// showDialog opens a dialog over the current page, as tall as its text
// needs (it scrolls when the screen is shorter). Esc (in captureKey) or
// a button closes it; the input line and its draft are left alone. The
// last button takes the focus: put the safe choice there.
func (d *dialogHost) showDialog(name, title string, body *tview.TextView, w int, buttons ...dialogButton) {
	box := tview.NewFlex().SetDirection(tview.FlexRow).AddItem(body, 0, 1, len(buttons) == 0)
	focus := tview.Primitive(body)
	if len(buttons) > 0 {
		form := buttonRow(body, buttons)
		form.SetFocus(len(buttons) - 1)
		box.AddItem(form, 1, 0, true)
		focus = form
	}
	body.SetDoneFunc(func(k tcell.Key) {
		if k == tcell.KeyEnter {
			d.closeDialog()
		}
	})
	rows := 2 // the border
	if len(buttons) > 0 {
		rows++
	}
	d.openBox(name, title, box, focus, w, func(w int) int { return textRows(body.GetText(false), w-2) + rows })
}

// showBare is showDialog on the whole screen without a border, for text
// the user may select with the mouse: intro (word-wrapped) above body,
// which wraps only at the screen's edge, so a code stays one unbroken
// run of characters.
func (d *dialogHost) showBare(name, intro, body string, buttons ...dialogButton) {
	d.closeDialog()
	sw, _ := d.size()
	text := tview.NewTextView().SetDynamicColors(true).SetScrollable(true).SetWrap(true).SetWordWrap(false).SetText(body)
	form := buttonRow(text, buttons)
	form.SetFocus(len(buttons) - 1)
	box := tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(textBody(intro), textRows(intro, sw)+1, 0, false).
		AddItem(text, 0, 1, false).
		AddItem(form, 1, 0, true)
	d.pages.AddPage(name, centered(box, 0, 0, nil), true, true)
	d.dialog = name
	d.app.SetFocus(form)
}

// openBox shows box framed and centred, w wide at most and as tall as
// need says for the width it gets, never larger than the screen, and
// focuses focus.
func (d *dialogHost) openBox(name, title string, box *tview.Flex, focus tview.Primitive, w int, need func(w int) int) {
	d.closeDialog()
	box.SetBorder(true).SetTitle(" " + title + " ")
	d.pages.AddPage(name, centered(box, w, 0, need), true, true)
	d.dialog = name
	d.app.SetFocus(focus)
}

// buttonRow lays the buttons out under body. ← and → move between the
// buttons, as Shift+Tab and Tab do; ↑, ↓ and page keys scroll the body
// while a button has the focus.
func buttonRow(body *tview.TextView, buttons []dialogButton) *tview.Form {
	form := tview.NewForm().SetButtonsAlign(tview.AlignCenter)
	for _, b := range buttons {
		form.AddButton(b.label, b.action)
	}
	form.SetBorderPadding(0, 0, 0, 0)
	form.SetInputCapture(func(ev *tcell.EventKey) *tcell.EventKey {
		switch ev.Key() {
		case tcell.KeyUp, tcell.KeyDown, tcell.KeyPgUp, tcell.KeyPgDn, tcell.KeyHome, tcell.KeyEnd:
			body.InputHandler()(ev, func(tview.Primitive) {})
			return nil
		case tcell.KeyLeft:
			return tcell.NewEventKey(tcell.KeyBacktab, 0, tcell.ModNone)
		case tcell.KeyRight:
			return tcell.NewEventKey(tcell.KeyTab, 0, tcell.ModNone)
		}
		return ev
	})
	return form
}

// closeDialog closes the open dialog, if any, and gives the focus back.
func (d *dialogHost) closeDialog() {
	if d.dialog == "" {
		return
	}
	d.pages.RemovePage(d.dialog)
	d.dialog = ""
	d.refocus()
}

// confirm asks a yes/no question; yes runs only on "Yes". "No" has the
// focus, so an Enter meant for the input line changes nothing.
func (d *dialogHost) confirm(title, question string, yes func()) {
	d.showDialog("confirm", title, textBody(question), 50,
		dialogButton{"Yes", func() { d.closeDialog(); yes() }},
		dialogButton{"No", d.closeDialog})
}

func textBody(text string) *tview.TextView {
	return tview.NewTextView().SetDynamicColors(true).SetWrap(true).SetWordWrap(true).SetScrollable(true).SetText(text)
}
