package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rivo/tview"

	"jarvis/app"
	"jarvis/crypto"
)

// showCode shows our link code, a QR code of it, and a copy button. A
// screen too narrow for the QR code (a phone in portrait) gets the code
// alone, on the whole screen without a border, so a mouse selection
// takes nothing else.
func showCode(u *UI) {
	u.self = u.core.Self() // our addresses, and so the code, follow the network
	code := u.self.Code
	copyCode := dialogButton{"Copy", func() {
		if u.screen != nil {
			u.screen.SetClipboard([]byte(code))
		}
		u.closeDialog()
		u.notice("Code copied to the clipboard (if your terminal allows OSC 52). " + selectTip)
	}}
	q, err := qrText(code)
	if w, _ := u.screenSize(); err != nil || w < qrWidth(q)+4 {
		u.showBare("code", narrowCodeText(qrWidth(q)+4), tview.Escape(code), copyCode, dialogButton{"Close", u.closeDialog})
		return
	}
	u.showDialog("code", "Your link code", textBody(codeText(u.theme, code, q, u.tor)), 76,
		copyCode, dialogButton{"Close", u.closeDialog})
}

// selectTip says how to select text while Jarvis has the mouse.
const selectTip = "To select it yourself, hold Shift and drag: Jarvis captures the mouse."

// qrWidth is the width of a QR code drawn by qrText.
func qrWidth(q string) int {
	first, _, _ := strings.Cut(q, "\n")
	return len([]rune(first))
}

func codeText(t theme, code, q string, st app.TorStatus) string {
	var b strings.Builder
	b.WriteString("Send this code to the person you want to chat with. They type [::b]/add[::-] and paste it.\n" +
		"It holds your public keys and addresses, nothing secret.\n\n")
	b.WriteString(tview.Escape(code) + "\n\n")
	// Whether the onion address in the code answers yet.
	b.WriteString("Tor: " + torDetail(st) + "\n\n")
	b.WriteString("Or let them scan this (scroll with ↓ / PgDn):\n")
	b.WriteString(t.tag("white:black") + q + t.tag("-:-") + "\n")
	return b.String()
}

// narrowCodeText introduces the link code on a screen too narrow for its
// QR code, which needs need columns.
func narrowCodeText(need int) string {
	return fmt.Sprintf("Your link code. Widen the window to scan it (the QR code needs %d columns).\n"+
		"They type /add and paste it; line breaks do not matter.\n%s", need, selectTip)
}

// showStatus shows who we are and how contacts reach us: the addresses
// in our link code and the state of our Tor path, with the reason when
// tor is missing.
func showStatus(u *UI) {
	u.self = u.core.Self()
	u.showDialog("status", "You", textBody(selfInfoText(u.self, u.tor)), 64, dialogButton{"Close", u.closeDialog})
}

func selfInfoText(self app.Self, st app.TorStatus) string {
	var b strings.Builder
	b.WriteString("[::b]" + peerText(self.Name, false) + "[::-]\n")
	b.WriteString("ID       " + self.ID.String() + "\n")
	listen := tview.Escape(self.ListenAddr)
	if listen == "" {
		listen = "none: reachable only at your onion address (--tor only)"
	}
	b.WriteString("Listen   " + listen + "\n")
	if len(self.Addrs) > 0 {
		b.WriteString("Address  " + tview.Escape(strings.Join(self.Addrs, ", ")) + "\n")
	}
	b.WriteString("Tor      " + torDetail(st) + "\n")
	b.WriteString("\n/code shows your link code, to share.")
	return b.String()
}

// showContactInfo shows a contact's details with a verify toggle.
func showContactInfo(u *UI, id crypto.ID) {
	c := u.contact(id).contact
	label := "Verify"
	if c.Verified {
		label = "Unverify"
	}
	u.showDialog("info", "Contact", textBody(contactInfoText(u.theme, c)), 64,
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

func contactInfoText(t theme, c app.Contact) string {
	var b strings.Builder
	b.WriteString("[::b]" + peerText(c.Name, false) + "[::-]\n")
	b.WriteString("ID       " + c.ID.String() + "\n")
	b.WriteString("State    " + describeState(c) + "\n")
	b.WriteString("Reached  " + reach(c, true, time.Now()) + "\n")
	if len(c.Addrs) > 0 {
		b.WriteString("Address  " + peerText(strings.Join(c.Addrs, ", "), false) + "\n")
	}
	b.WriteString("\n[::b]Safety number[::-] — compare it with theirs in person or on a call:\n")
	b.WriteString(groupSafety(c.SafetyNumber) + "\n")
	if c.Verified {
		b.WriteString(t.paint("green", "✔ You marked this contact verified."))
	} else {
		b.WriteString(t.paint("orange", "Not verified. If the numbers match, choose Verify."))
	}
	return b.String()
}

func describeState(c app.Contact) string {
	switch c.State {
	case app.ContactPendingIn:
		return "asked to add you"
	case app.ContactPendingOut:
		return "request sent, waiting for them"
	}
	return "contact" // the Reached line says whether and how they are online
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
