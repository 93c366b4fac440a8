package tui

import (
	"github.com/rivo/tview"

	"jarvis/app"
)

// renderStatus draws the bottom bar: who we are, who is online, how Tor
// stands, where help is. On a phone the address, the ID, our name and the
// help key give way, so who is online and how Tor stands stay in view.
func (u *UI) renderStatus() {
	help := "F1"
	if u.main.width >= narrowWidth {
		help = "F1 help"
	}
	online, total := u.onlineCount()
	summary, summaryShort := u.theme.summary(u.engineUp, online, total)
	tor, torShort := u.theme.torBar(u.tor)
	parts := []barPart{
		{text: peerText(u.self.Name, false), rank: 3},
		{text: u.self.ID.Short(), rank: 2},
		{text: tview.Escape(u.self.ListenAddr), rank: 1},
		{text: summary, short: summaryShort, rank: 6},
		{text: tor, short: torShort, rank: 5},
		{text: help, rank: 4},
	}
	u.main.status.SetText(fitParts(parts, u.main.width))
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
