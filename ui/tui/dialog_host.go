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

// showDialog opens a dialog over the current page. Esc (in captureKey) or
// a button closes it; the input line and its draft are left alone. The
// last button takes the focus: put the safe choice there.
func (d *dialogHost) showDialog(name, title string, body *tview.TextView, w, h int, buttons ...dialogButton) {
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
	d.openBox(name, title, box, focus, w, h)
}

// openBox shows box framed and centred, at most w×h and never larger
// than the screen, and focuses focus.
func (d *dialogHost) openBox(name, title string, box *tview.Flex, focus tview.Primitive, w, h int) {
	d.closeDialog()
	sw, sh := d.size()
	w, h = min(w, sw-2), min(h, sh-2)
	box.SetBorder(true).SetTitle(" " + title + " ")
	d.pages.AddPage(name, centered(box, w, h), true, true)
	d.dialog = name
	d.app.SetFocus(focus)
}

// buttonRow lays the buttons out under body. Arrows and page keys scroll
// the body while a button has the focus.
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
	d.showDialog("confirm", title, textBody(question), 50, 7,
		dialogButton{"Yes", func() { d.closeDialog(); yes() }},
		dialogButton{"No", d.closeDialog})
}

func textBody(text string) *tview.TextView {
	return tview.NewTextView().SetDynamicColors(true).SetWrap(true).SetWordWrap(true).SetScrollable(true).SetText(text)
}
