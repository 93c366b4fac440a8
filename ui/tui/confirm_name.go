package tui

import (
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// confirmByName asks before something that cannot be undone: yes runs
// only once the user has typed name (case aside; a group's "#" may be
// left out) and pressed Enter or Delete. A stray Enter does nothing, and
// Esc or Cancel keeps everything.
func (d *dialogHost) confirmByName(title, question, name string, yes func()) {
	body := textBody(question + "\n\nType [::b]" + tview.Escape(name) + "[::-] and press Enter to delete it.")
	field := newLineEdit("> ")
	try := func() {
		if !nameMatches(field.GetText(), name) {
			body.SetText(question + "\n\n" + "[::b]That is not the name.[::-] Type [::b]" + tview.Escape(name) +
				"[::-] to delete it, or press Esc to keep it.")
			return
		}
		d.closeDialog()
		yes()
	}
	form := buttonRow(body, []dialogButton{{"Delete", try}, {"Cancel", d.closeDialog}})
	field.SetDoneFunc(func(k tcell.Key) {
		switch k {
		case tcell.KeyEnter:
			try()
		case tcell.KeyTab, tcell.KeyBacktab:
			d.app.SetFocus(form)
		}
	})
	form.SetCancelFunc(d.closeDialog)
	box := tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(body, 0, 1, false).
		AddItem(field, 1, 0, true).
		AddItem(form, 1, 0, false)
	d.openBox("confirm", title, box, field, 50, func(w int) int { return textRows(body.GetText(false), w-2) + 4 })
}

// nameMatches reports whether typed names what name names.
func nameMatches(typed, name string) bool {
	typed = strings.TrimSpace(typed)
	return typed != "" && (strings.EqualFold(typed, name) || strings.EqualFold("#"+typed, name))
}
