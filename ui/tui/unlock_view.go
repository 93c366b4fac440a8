package tui

import (
	"context"
	"errors"
	"fmt"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"jarvis/app"
)

// The create and unlock screens run Argon2 (about half a second) on a
// worker goroutine and show "working…" meanwhile.

const (
	pageCreate = "create"
	pageUnlock = "unlock"
	pageMain   = "main"
	pageLock   = "lock"
)

// centered puts p in the middle of the screen at most w×h big.
func centered(p tview.Primitive, w, h int) tview.Primitive {
	return tview.NewFlex().
		AddItem(nil, 0, 1, false).
		AddItem(tview.NewFlex().SetDirection(tview.FlexRow).
			AddItem(nil, 0, 1, false).
			AddItem(p, h, 0, true).
			AddItem(nil, 0, 1, false), w, 0, true).
		AddItem(nil, 0, 1, false)
}

// showCreate shows the first-run screen.
func (u *UI) showCreate() {
	hint := tview.NewTextView().SetDynamicColors(true).SetWrap(true).SetWordWrap(true)
	status := tview.NewTextView().SetDynamicColors(true)
	name := newLineEdit("Your name   ")
	pass1 := newLineEdit("Passphrase  ").SetMask('•')
	pass2 := newLineEdit("Repeat it   ").SetMask('•')
	pass1.SetChangedFunc(func(text string) { hint.SetText(strength(text)) })
	hint.SetText(strength(""))

	created := false // the identity exists; only starting the core failed
	submit := func() {
		if u.busy {
			return
		}
		switch {
		case created:
		case name.GetText() == "":
			status.SetText(u.theme.paint("red", "Type a display name: it is what your contacts see."))
			u.app.SetFocus(name)
			return
		case pass1.GetText() == "":
			status.SetText(u.theme.paint("red", "Choose a passphrase."))
			u.app.SetFocus(pass1)
			return
		case pass1.GetText() != pass2.GetText():
			status.SetText(u.theme.paint("red", "The passphrases differ. Type them again."))
			pass2.SetText("")
			u.app.SetFocus(pass2)
			return
		}
		u.busy = true
		status.SetText("Creating your identity… (this takes a moment)")
		n, pass := name.GetText(), []byte(pass1.GetText())
		pass1.SetText("")
		pass2.SetText("")
		retry := created
		u.async(func(ctx context.Context) func() {
			var err error
			if !retry {
				err = u.cfg.Account.Create(ctx, n, pass)
			}
			clear(pass)
			madeIdentity := err == nil
			var core *app.Core
			if err == nil {
				core, err = u.cfg.NewCore()
			}
			return func() {
				u.busy = false
				created = created || madeIdentity
				if err != nil {
					if created {
						err = fmt.Errorf("your identity is saved, but Jarvis could not start (%w); press Create to retry", err)
					}
					status.SetText(u.theme.paint("red", tview.Escape(err.Error())))
					u.app.SetFocus(pass1)
					return
				}
				u.firstRun = true
				u.pages.RemovePage(pageCreate)
				u.startCore(core)
			}
		})
	}
	// Enter and Tab move down, Backtab up; Enter on the last field creates.
	fields := []*lineEdit{name, pass1, pass2}
	for i, f := range fields {
		f.SetDoneFunc(func(k tcell.Key) {
			switch {
			case k == tcell.KeyEnter && i == len(fields)-1:
				submit()
			case k == tcell.KeyEnter || k == tcell.KeyTab:
				u.app.SetFocus(fields[(i+1)%len(fields)])
			case k == tcell.KeyBacktab:
				u.app.SetFocus(fields[(i+len(fields)-1)%len(fields)])
			}
		})
	}
	form := tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(name, 2, 0, true).
		AddItem(pass1, 2, 0, false).
		AddItem(pass2, 2, 0, false).
		AddItem(tview.NewTextView().SetText("Enter on the last line creates it."), 1, 0, false)

	intro := tview.NewTextView().SetDynamicColors(true).SetWrap(true).SetWordWrap(true).
		SetText("[::b]Welcome to Jarvis.[::-] Create your identity: a name your contacts will see and a passphrase that protects everything on this device.\n\n" +
			u.theme.paint("yellow", "Your passphrase cannot be recovered. If you forget it, your identity and messages are gone.") +
			"\nCtrl+Q quits.")
	layout := tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(intro, 6, 0, false).
		AddItem(form, 8, 0, true).
		AddItem(hint, 2, 0, false).
		AddItem(status, 2, 0, false)
	layout.SetBorder(true).SetTitle(" Jarvis · new identity ")
	u.pages.AddAndSwitchToPage(pageCreate, centered(layout, 58, 20), true)
	u.app.SetFocus(name)
}

// showUnlock shows the passphrase prompt for an existing identity.
func (u *UI) showUnlock() {
	field := newLineEdit("Passphrase ").SetMask('•')
	status := tview.NewTextView().SetDynamicColors(true).SetWrap(true).SetWordWrap(true).
		SetText("Type your passphrase and press Enter. Ctrl+Q quits.")
	field.SetDoneFunc(func(k tcell.Key) {
		if k != tcell.KeyEnter || u.busy || field.GetText() == "" {
			return
		}
		u.busy = true
		pass := []byte(field.GetText())
		field.SetText("")
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
	u.pages.AddAndSwitchToPage(pageUnlock, centered(layout, 50, 9), true)
	u.app.SetFocus(field)
}
