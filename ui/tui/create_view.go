package tui

import (
	"context"
	"errors"
	"fmt"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"jarvis/app"
	"jarvis/crypto"
)

// createForm is the first-run screen: a display name and a passphrase
// typed twice.
type createForm struct {
	name, pass1, pass2 *lineEdit
	hint, status       *tview.TextView
	created            bool // the identity exists; only starting the core failed
}

func newCreateForm() *createForm {
	f := &createForm{
		name:   newLineEdit("Your name   "),
		pass1:  newLineEdit("Passphrase  ").SetMask('•'),
		pass2:  newLineEdit("Repeat it   ").SetMask('•'),
		hint:   tview.NewTextView().SetDynamicColors(true).SetWrap(true).SetWordWrap(true),
		status: tview.NewTextView().SetDynamicColors(true),
	}
	f.pass1.SetSecretChangedFunc(func(pass []byte) { f.hint.SetText(strength(pass)) })
	f.hint.SetText(strength(nil))
	return f
}

// problem says what is wrong with the fields and which one to fix, and
// clears a repeat that differs; "" when they will do, or when the
// identity exists and only starting the core is retried.
func (f *createForm) problem() (string, *lineEdit) {
	switch {
	case f.created:
	case f.name.GetText() == "":
		return "Type a display name: it is what your contacts see.", f.name
	case f.pass1.empty():
		return "Choose a passphrase.", f.pass1
	case !f.pass1.sameText(f.pass2):
		f.pass2.SetText("")
		return "The passphrases differ. Type them again.", f.pass2
	}
	if msg := f.weakness(); msg != "" {
		f.pass1.SetText("")
		f.pass2.SetText("")
		return msg, f.pass1
	}
	return "", nil
}

// weakness says why the passphrase is refused, or "" when it will do.
func (f *createForm) weakness() string {
	pass := f.pass1.secret()
	defer clear(pass)
	var weak *crypto.WeakPassphraseError
	if _, err := crypto.CheckNewPassphrase(pass); errors.As(err, &weak) {
		return "This passphrase is too easy to guess: " + weak.Reason + "."
	}
	return ""
}

// layout is the page: the warning, the fields, the strength hint, the
// status line.
func (f *createForm) layout(t theme) tview.Primitive {
	form := tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(f.name, 2, 0, true).
		AddItem(f.pass1, 2, 0, false).
		AddItem(f.pass2, 2, 0, false).
		AddItem(tview.NewTextView().SetText("Enter on the last line creates it."), 1, 0, false)
	intro := tview.NewTextView().SetDynamicColors(true).SetWrap(true).SetWordWrap(true).
		SetText("[::b]Welcome to Jarvis.[::-] Create your identity: a name your contacts will see and a passphrase that protects everything on this device.\n\n" +
			t.paint("yellow", "Your passphrase cannot be recovered. If you forget it, your identity and messages are gone.") +
			"\nCtrl+Q quits.")
	page := tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(intro, 6, 0, false).
		AddItem(form, 8, 0, true).
		AddItem(f.hint, 2, 0, false).
		AddItem(f.status, 2, 0, false)
	page.SetBorder(true).SetTitle(" Jarvis · new identity ")
	// The texts take the rows they need at the width the screen gives.
	need := func(w int) int {
		rows := 2 + 8 // the border, the fields
		for _, tv := range []*tview.TextView{intro, f.hint, f.status} {
			n := textRows(tv.GetText(false), w-2)
			if tv == intro {
				n++ // a blank row before the fields
			}
			page.ResizeItem(tv, n, 0)
			rows += n
		}
		return rows
	}
	return centered(page, 58, 20, need)
}

// showCreate shows the first-run screen. Enter and Tab move down, Backtab
// up; Enter on the last field creates the identity.
func (u *UI) showCreate() {
	f := newCreateForm()
	fields := []*lineEdit{f.name, f.pass1, f.pass2}
	for i, field := range fields {
		field.SetDoneFunc(func(k tcell.Key) {
			switch {
			case k == tcell.KeyEnter && i == len(fields)-1:
				u.create(f)
			case k == tcell.KeyEnter || k == tcell.KeyTab:
				u.app.SetFocus(fields[(i+1)%len(fields)])
			case k == tcell.KeyBacktab:
				u.app.SetFocus(fields[(i+len(fields)-1)%len(fields)])
			}
		})
	}
	u.pages.AddAndSwitchToPage(pageCreate, f.layout(u.theme), true)
	u.app.SetFocus(f.name)
}

// create makes the identity (Argon2, on a worker) and starts the core.
// If the identity was made but the core did not start, a second try only
// starts the core.
func (u *UI) create(f *createForm) {
	if u.busy {
		return
	}
	if msg, field := f.problem(); msg != "" {
		f.status.SetText(u.theme.paint("red", msg))
		u.app.SetFocus(field)
		return
	}
	u.busy = true
	f.status.SetText("Creating your identity… (this takes a moment)")
	name, pass := f.name.GetText(), f.pass1.takeSecret()
	clear(f.pass2.takeSecret())
	retry := f.created
	u.async(func(ctx context.Context) func() {
		var err error
		if !retry {
			err = u.cfg.Account.Create(ctx, name, pass)
		}
		clear(pass)
		madeIdentity := err == nil
		var core *app.Core
		if err == nil {
			core, err = u.cfg.NewCore()
		}
		return func() {
			u.busy = false
			f.created = f.created || madeIdentity
			if err != nil {
				if f.created {
					err = fmt.Errorf("your identity is saved, but Jarvis could not start (%w); press Enter on the last line to retry", err)
				}
				f.status.SetText(u.theme.paint("red", tview.Escape(err.Error())))
				u.app.SetFocus(f.pass1)
				return
			}
			u.firstRun = true
			u.pages.RemovePage(pageCreate)
			u.startCore(core)
		}
	})
}
