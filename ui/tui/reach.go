package tui

import (
	"time"

	"jarvis/app"
)

// pathLAN is the path name the core will give LAN sessions; it has none
// yet, and the header is ready for it.
const pathLAN = "lan"

// reach says how a contact is reached now: "direct 192.0.2.7:7420",
// "onion", "LAN", "offline (last seen 14:02)" or "offline". full adds the
// onion address we dialled, too long for the header but useful in /info.
func reach(c app.Contact, full bool, now time.Time) string {
	if !c.Online {
		if c.LastSeen.IsZero() {
			return "offline"
		}
		return "offline (last seen " + seenAt(c.LastSeen.Local(), now) + ")"
	}
	name := c.Path
	switch c.Path {
	case app.PathDirect:
	case pathLAN:
		name = "LAN"
	case app.PathOnion:
		if !full {
			return "onion"
		}
	case "":
		return "online" // a core that does not say
	}
	if c.Remote == "" {
		return peerText(name, false)
	}
	// Remote may come from a link code: peer text.
	return peerText(name+" "+c.Remote, false)
}

// seenAt is a last-seen time: the clock today, with the day before.
func seenAt(t, now time.Time) string {
	if sameDay(t, now) {
		return t.Format("15:04")
	}
	return t.Format("2 Jan 15:04")
}
