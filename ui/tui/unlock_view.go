package tui

import (
	"context"
	"errors"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"jarvis/app"
)

// The create (create_view.go) and unlock screens run Argon2 (about half a second) on a
// worker goroutine and show "working…" meanwhile.

const (
	pageCreate = "create"
	pageUnlock = "unlock"
	pageMain   = "main"
	pageLock   = "lock"
)

// showUnlock shows the passphrase prompt for an existing identity.
func (u *UI) showUnlock() {
	field := newLineEdit("Passphrase ").SetMask('•')
	status := tview.NewTextView().SetDynamicColors(true).SetWrap(true).SetWordWrap(true).
		SetText("Type your passphrase and press Enter. Ctrl+Q quits.")
	field.SetDoneFunc(func(k tcell.Key) {
		if k != tcell.KeyEnter || u.busy || field.empty() {
			return
		}
		u.busy = true
		pass := field.takeSecret()
		status.SetText("Unlocking… (this takes a moment)")
		u.async(func(ctx context.Context) func() {
			err := u.cfg.Account.Unlock(ctx, pass)
			clear(pass)
			var core *app.Core
			if err == nil {
				core, err = u.cfg.NewCore()
			}
			return func() {
				u.busy = false
				switch {
				case errors.Is(err, app.ErrWrongPassphrase):
					status.SetText(u.theme.paint("red", "Wrong passphrase. Try again, or press Ctrl+Q to quit."))
				case err != nil:
					status.SetText(u.theme.paint("red", tview.Escape(err.Error())))
				default:
					u.pages.RemovePage(pageUnlock)
					u.startCore(core)
				}
			}
		})
	})
	layout := tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(tview.NewTextView().SetText("Jarvis is locked."), 2, 0, false).
		AddItem(field, 2, 0, true).
		AddItem(status, 3, 0, false)
	layout.SetBorder(true).SetTitle(" Jarvis · unlock ")
	u.pages.AddAndSwitchToPage(pageUnlock, centered(layout, 50, 9, nil), true)
	u.app.SetFocus(field)
}
