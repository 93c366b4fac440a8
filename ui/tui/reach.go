package tui

import (
	"time"

	"jarvis/app"
)

// pathName is how a contact is reached, in one word: "direct", "onion",
// "LAN" or "offline"; the header falls back to it when space is short.
func pathName(c app.Contact) string {
	switch {
	case !c.Online:
		return "offline"
	case c.Path == app.PathLAN:
		return "LAN"
	case c.Path == "":
		return "online" // a core that does not say
	}
	return peerText(c.Path, false)
}

// reach says how a contact is reached now: "direct 192.0.2.7:7420",
// "onion", "LAN", "offline (last seen 14:02)" or "offline". full adds the
// onion address we dialled, too long for the header but useful in /info.
func reach(c app.Contact, full bool, now time.Time) string {
	name := pathName(c)
	switch {
	case !c.Online && !c.LastSeen.IsZero():
		return name + " (last seen " + seenAt(c.LastSeen.Local(), now) + ")"
	case !c.Online || c.Path == "" || c.Remote == "" || c.Path == app.PathOnion && !full:
		return name
	}
	// Remote may come from a link code: peer text.
	return name + " " + peerText(c.Remote, false)
}

// seenAt is a last-seen time: the clock today, with the day before.
func seenAt(t, now time.Time) string {
	if sameDay(t, now) {
		return t.Format("15:04")
	}
	return t.Format("2 Jan 15:04")
}
