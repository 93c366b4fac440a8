package tui

import (
	"context"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"jarvis/app"
	"jarvis/crypto"
)

// dialogButton is a labelled action at the bottom of a dialog.
type dialogButton struct {
	label  string
	action func()
}

// showDialog opens a dialog over the current page. Esc (in captureKey) or
// a button closes it; the input line and its draft are left alone.
func (u *UI) showDialog(name, title string, body *tview.TextView, w, h int, buttons ...dialogButton) {
	u.closeDialog()
	sw, sh := 80, 24
	if u.screen != nil {
		sw, sh = u.screen.Size()
	}
	w, h = min(w, sw-2), min(h, sh-2)
	box := tview.NewFlex().SetDirection(tview.FlexRow).AddItem(body, 0, 1, len(buttons) == 0)
	focus := tview.Primitive(body)
	if len(buttons) > 0 {
		form := tview.NewForm().SetButtonsAlign(tview.AlignCenter)
		for _, b := range buttons {
			form.AddButton(b.label, b.action)
		}
		form.SetBorderPadding(0, 0, 0, 0)
		// Arrows and page keys scroll the text while a button has the focus.
		form.SetInputCapture(func(ev *tcell.EventKey) *tcell.EventKey {
			switch ev.Key() {
			case tcell.KeyUp, tcell.KeyDown, tcell.KeyPgUp, tcell.KeyPgDn, tcell.KeyHome, tcell.KeyEnd:
				body.InputHandler()(ev, func(tview.Primitive) {})
				return nil
			}
			return ev
		})
		box.AddItem(form, 1, 0, true)
		focus = form
	}
	body.SetDoneFunc(func(k tcell.Key) {
		if k == tcell.KeyEnter {
			u.closeDialog()
		}
	})
	box.SetBorder(true).SetTitle(" " + title + " ")
	u.pages.AddPage(name, centered(box, w, h), true, true)
	u.dialog = name
	u.app.SetFocus(focus)
}

// closeDialog closes the open dialog, if any, and gives the focus back.
func (u *UI) closeDialog() {
	if u.dialog == "" {
		return
	}
	u.pages.RemovePage(u.dialog)
	u.dialog = ""
	switch {
	case u.locked && u.lock != nil:
		u.app.SetFocus(u.lock.field)
	case u.main != nil:
		u.app.SetFocus(u.main.input)
	}
}

func textBody(text string) *tview.TextView {
	return tview.NewTextView().SetDynamicColors(true).SetWrap(true).SetWordWrap(true).SetScrollable(true).SetText(text)
}

// confirm asks a yes/no question; yes runs only on "Yes".
func (u *UI) confirm(title, question string, yes func()) {
	u.showDialog("confirm", title, textBody(question), 50, 7,
		dialogButton{"Yes", func() { u.closeDialog(); yes() }},
		dialogButton{"No", u.closeDialog})
}

func (u *UI) confirmQuit() {
	u.confirm("Quit", "Quit Jarvis? Your contacts will see you go offline.", u.quit)
}

// showCode shows our link code, a QR code of it, and a copy button.
func (u *UI) showCode() {
	code := u.self.Code
	var b strings.Builder
	b.WriteString("Send this code to the person you want to chat with. They type [::b]/add[::-] and paste it.\n" +
		"It holds your public keys and addresses, nothing secret.\n\n")
	b.WriteString(tview.Escape(code) + "\n\n")
	if q, err := qrText(code); err == nil {
		b.WriteString("Or let them scan this (scroll with ↓ / PgDn):\n")
		b.WriteString(u.theme.tag("white:black") + q + u.theme.tag("-:-") + "\n")
	}
	body := textBody(b.String())
	u.showDialog("code", "Your link code", body, 76, 40,
		dialogButton{"Copy", func() {
			if u.screen != nil {
				u.screen.SetClipboard([]byte(code))
			}
			u.closeDialog()
			u.notice("Code copied to the clipboard (if your terminal allows OSC 52). You can also select it with the mouse.")
		}},
		dialogButton{"Close", u.closeDialog})
}

// showInfo shows a contact's details with a verify toggle.
func (u *UI) showInfo(id crypto.ID) {
	conv := u.convs[id]
	if conv == nil {
		return
	}
	c := conv.contact
	var b strings.Builder
	b.WriteString("[::b]" + peerText(c.Name, false) + "[::-]\n")
	b.WriteString("ID       " + c.ID.String() + "\n")
	b.WriteString("State    " + describeState(c) + "\n")
	if len(c.Addrs) > 0 {
		b.WriteString("Address  " + peerText(strings.Join(c.Addrs, ", "), false) + "\n")
	}
	b.WriteString("\n[::b]Safety number[::-] — compare it with theirs in person or on a call:\n")
	b.WriteString(groupSafety(c.SafetyNumber) + "\n")
	if c.Verified {
		b.WriteString(u.theme.paint("green", "✔ You marked this contact verified."))
	} else {
		b.WriteString(u.theme.paint("orange", "Not verified. If the numbers match, choose Verify."))
	}
	label := "Verify"
	if c.Verified {
		label = "Unverify"
	}
	u.showDialog("info", "Contact", textBody(b.String()), 64, 16,
		dialogButton{label, func() {
			u.closeDialog()
			u.run(func(ctx context.Context, core appCore) (string, error) {
				if err := core.SetVerified(ctx, id, !c.Verified); err != nil {
					return "", err
				}
				if c.Verified {
					return "Marked unverified.", nil
				}
				return "Marked verified.", nil
			})
		}},
		dialogButton{"Close", u.closeDialog})
}

func describeState(c app.Contact) string {
	switch c.State {
	case app.ContactPendingIn:
		return "asked to add you"
	case app.ContactPendingOut:
		return "request sent, waiting for them"
	}
	if c.Online {
		return "contact, online"
	}
	return "contact, offline"
}

// groupSafety lays the 12 groups of a safety number out in 3 rows of 4.
func groupSafety(s string) string {
	groups := strings.Fields(s)
	var rows []string
	for i := 0; i < len(groups); i += 4 {
		rows = append(rows, "  "+strings.Join(groups[i:min(i+4, len(groups))], " "))
	}
	return strings.Join(rows, "\n")
}
