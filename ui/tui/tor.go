package tui

import (
	"errors"
	"strconv"

	"jarvis/app"
	"jarvis/p2p/tor"
)

// torBar is our Tor path in a few words for the status bar, in the
// summary's colours: green once contacts can reach us through it, yellow
// while it comes up, grey when it is off by choice, orange when it is
// missing. short is for a narrow bar, "" when text is short already; the
// full reason is in /status.
func (t theme) torBar(st app.TorStatus) (text, short string) {
	switch st.State {
	case app.TorStateOff:
		return t.paint("gray", "direct only"), ""
	case app.TorStateStarting:
		return t.paint("yellow", "tor starting"), ""
	case app.TorStateBootstrapping:
		return t.paint("yellow", "tor "+strconv.Itoa(st.Progress)+"%"), ""
	case app.TorStateReady:
		return t.paint("green", "onion ready"), ""
	}
	// The sentinel, not the wording, picks the words: the bar has no room
	// for the install hint, and /status shows the error whole.
	if errors.Is(st.Err, tor.ErrNotInstalled) {
		return t.paint("orange", "no tor: not installed"), t.paint("orange", "no tor")
	}
	return t.paint("orange", "tor unavailable"), t.paint("orange", "no tor")
}

// torDetail is the Tor line of /status and /code: the state, our onion
// address once published, and the core's own words when tor is missing
// (they say what to install).
func torDetail(st app.TorStatus) string {
	switch st.State {
	case app.TorStateOff:
		return "off (--tor off): direct connections only"
	case app.TorStateStarting:
		return "starting"
	case app.TorStateBootstrapping:
		return "connecting, " + strconv.Itoa(st.Progress) + "%"
	case app.TorStateReady:
		return "ready — contacts reach you at " + peerText(st.Onion, false)
	}
	if st.Err == nil {
		return "unavailable"
	}
	return "unavailable — " + peerText(st.Err.Error(), false)
}
