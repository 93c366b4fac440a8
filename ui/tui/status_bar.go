package tui

import (
	"github.com/rivo/tview"

	"jarvis/app"
)

// barPart is one piece of the status bar; when the bar is too wide the
// pieces of lowest rank go first.
type barPart struct {
	text string // tview markup
	rank int
}

// renderStatus draws the bottom bar: who we are, who is online, how Tor
// stands, where help is. On a phone the address, then the ID, then our
// name give way, so "who is online" and Tor always show.
func (u *UI) renderStatus() {
	help := "F1"
	if u.main.width >= narrowWidth {
		help = "F1 help"
	}
	online, total := u.onlineCount()
	parts := []barPart{
		{peerText(u.self.Name, false), 3},
		{u.self.ID.Short(), 2},
		{tview.Escape(u.self.ListenAddr), 1},
		{u.theme.summary(u.engineUp, online, total), 6},
		{u.theme.torBar(u.tor), 5},
		{help, 4},
	}
	u.main.status.SetText(fitBar(parts, u.main.width))
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

// fitBar joins parts with " · ", dropping the lowest ranked until the
// line fits width (0: not laid out yet, keep all).
func fitBar(parts []barPart, width int) string {
	for {
		text := " "
		for i, p := range parts {
			if i > 0 {
				text += " · "
			}
			text += p.text
		}
		if width == 0 || len(parts) == 1 || tview.TaggedStringWidth(text) <= width {
			return text
		}
		parts = dropLowest(parts)
	}
}

// dropLowest returns parts without its lowest ranked piece.
func dropLowest(parts []barPart) []barPart {
	low := 0
	for i, p := range parts {
		if p.rank < parts[low].rank {
			low = i
		}
	}
	return append(parts[:low:low], parts[low+1:]...)
}
