package tui

import (
	"fmt"
	"strings"

	"jarvis/app"
)

// renderStatus draws the bottom bar: the activity elsewhere (weechat's
// "Act:"), who we are, who is online, how Tor stands, where help is. On
// a phone our ID, our name and the help key give way, so the activity,
// who is online and how Tor stands stay in view. Our addresses are in
// /status, not here.
func (u *UI) renderStatus() {
	online, total := u.onlineCount()
	summary, summaryShort := u.theme.summary(u.engineUp, online, total)
	tor, torShort := u.theme.torBar(u.tor)
	parts := []barPart{
		{text: u.activity(), rank: 7},
		{text: peerText(u.self.Name, false), rank: 3},
		{text: u.self.ID.Short(), rank: 2},
		{text: summary, short: summaryShort, rank: 6},
		{text: tor, short: torShort, rank: 5},
	}
	if u.elsewhere {
		// Until a restart: the contacts that moved are not redialled.
		parts = append(parts, barPart{text: u.theme.paint("red", "active on another device"), short: u.theme.paint("red", "other device"), rank: 8})
	}
	if !u.helpSeen {
		parts = append(parts, barPart{text: "F1 help", short: "F1", rank: 4})
	}
	u.main.status.SetText(fitParts(parts, u.main.width))
}

// activity lists, by their numbers (Alt+1…9), the other conversations
// where something waits: "Act: 2(3) 4" is three unread messages in the
// second and a request or invite in the fourth; "" when nothing does.
func (u *UI) activity() string {
	var items []string
	for i, k := range u.order {
		conv := u.convs[k]
		switch {
		case k == u.cur:
		case conv.unread > 0:
			items = append(items, fmt.Sprintf("%d(%d)", i+1, conv.unread))
		case conv.awaitingAnswer():
			items = append(items, fmt.Sprintf("%d", i+1))
		}
	}
	if len(items) == 0 {
		return ""
	}
	text := "Act: " + strings.Join(items, " ")
	if !u.theme.color {
		return "[::b]" + text + "[::-]"
	}
	return u.theme.paint("yellow", text)
}

// onlineCount is how many accepted contacts are online, of how many.
func (u *UI) onlineCount() (online, total int) {
	for k, c := range u.convs {
		if !k.IsGroup() && c.contact.State == app.ContactAccepted {
			total++
			if c.contact.Online {
				online++
			}
		}
	}
	return online, total
}
