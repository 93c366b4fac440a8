package tui

import (
	"context"
	"errors"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"jarvis/app"
)

// lockView is the lock screen: it shows no names and no text, and only the
// right passphrase (checked by re-deriving the key) leaves it. The core
// keeps running underneath.
type lockView struct {
	root     tview.Primitive
	field    *lineEdit
	status   *tview.TextView
	checking bool
}

// lockScreen hides everything behind the lock screen.
func (u *UI) lockScreen() {
	if u.locked || u.main == nil {
		return
	}
	u.closeDialog()
	u.stopTyping()
	u.saveKeptNow()
	u.locked = true
	if u.lock == nil {
		u.lock = u.newLockView()
		u.pages.AddPage(pageLock, u.lock.root, true, false)
	}
	u.lock.field.SetText("")
	u.lock.status.SetText("Type your passphrase and press Enter. Ctrl+Q quits.")
	u.pages.SwitchToPage(pageLock)
	u.app.SetFocus(u.lock.field)
}

func (u *UI) newLockView() *lockView {
	lv := &lockView{
		field:  newLineEdit("Passphrase ").SetMask('•'),
		status: tview.NewTextView().SetDynamicColors(true).SetWrap(true).SetWordWrap(true),
	}
	lv.field.SetDoneFunc(func(k tcell.Key) {
		if k != tcell.KeyEnter || lv.checking || lv.field.empty() {
			return
		}
		lv.checking = true
		pass := lv.field.takeSecret()
		lv.status.SetText("Checking…")
		account := u.cfg.Account
		u.async(func(ctx context.Context) func() {
			err := account.CheckPassphrase(ctx, pass)
			clear(pass)
			return func() {
				lv.checking = false
				switch {
				case err == nil:
					u.unlockScreen()
				case errors.Is(err, app.ErrWrongPassphrase):
					lv.status.SetText(u.theme.paint("red", "Wrong passphrase. Try again, or press Ctrl+Q to quit."))
				default:
					lv.status.SetText(u.theme.paint("red", tview.Escape(err.Error())))
				}
			}
		})
	})
	box := tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(tview.NewTextView().SetText("Jarvis is locked. Messages keep arriving."), 2, 0, false).
		AddItem(lv.field, 2, 0, true).
		AddItem(lv.status, 3, 0, false)
	box.SetBorder(true).SetTitle(" Locked ")
	lv.root = centered(box, 52, 9, nil)
	return lv
}

func (u *UI) unlockScreen() {
	u.locked = false
	u.pages.SwitchToPage(pageMain)
	u.app.SetFocus(u.main.input)
	u.markCurrentRead()
	u.renderAll()
}

// lockKey filters keys while locked: only the passphrase field sees them,
// and only Ctrl+Q (quit) and Ctrl+C (ask to quit) do anything else.
func (u *UI) lockKey(ev *tcell.EventKey) *tcell.EventKey {
	switch ev.Key() {
	case tcell.KeyCtrlQ:
		u.quit()
		return nil
	case tcell.KeyCtrlC:
		u.confirmQuit()
		return nil
	case tcell.KeyCtrlL:
		u.redraw()
		return nil
	case tcell.KeyEsc, tcell.KeyTab, tcell.KeyBacktab:
		if u.dialog != "" && ev.Key() == tcell.KeyEsc {
			u.closeDialog()
		}
		return nil
	}
	if u.dialog != "" {
		return ev
	}
	if u.app.GetFocus() != u.lock.field {
		u.app.SetFocus(u.lock.field)
	}
	return ev
}
