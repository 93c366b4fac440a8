package tui

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/rivo/tview"

	"jarvis/app"
	"jarvis/crypto"
)

// theme turns semantic colours into tview tags, or into nothing (and
// attributes only) when NO_COLOR is set.
type theme struct{ color bool }

func newTheme(forceNoColor bool) theme {
	return theme{color: !forceNoColor && os.Getenv("NO_COLOR") == ""}
}

// tag returns a colour tag, or "" without colour.
func (t theme) tag(color string) string {
	if !t.color {
		return ""
	}
	return "[" + color + "]"
}

// reset ends a tag opened by tag.
func (t theme) reset() string {
	if !t.color {
		return ""
	}
	return "[-]"
}

// paint wraps already escaped text in a colour.
func (t theme) paint(color, text string) string {
	return t.tag(color) + text + t.reset()
}

// statePieces is the mark after an outgoing message. Only the newest
// message the other side has read says "read" (lastRead); older read
// ones show as delivered, so the screen is not a column of "read".
func (t theme) statePieces(s app.MessageState, lastRead bool) []piece {
	switch s {
	case app.StateQueued:
		return []piece{{t.tag("gray"), "◷"}}
	case app.StateSent:
		return []piece{{t.tag("gray"), "✓"}}
	case app.StateDelivered:
		return []piece{{"", "✓✓"}}
	case app.StateRead:
		if !lastRead {
			return []piece{{"", "✓✓"}}
		}
		return []piece{{t.tag("dodgerblue"), "✓✓"}, {"", " read"}}
	case app.StateFailed:
		return []piece{{t.tag("red"), "✗ failed"}}
	}
	return nil
}

// summary is the status bar's "X/Y online" with its colour: grey when the
// engine is down, red when nobody is online, amber for some, green for all.
// short is for a narrow bar; "" when text is already short.
func (t theme) summary(engineUp bool, online, total int) (text, short string) {
	count := fmt.Sprintf("● %d/%d online", online, total)
	switch {
	case !engineUp:
		return t.paint("gray", "● offline (network down)"), t.paint("gray", "● network down")
	case total > 0 && online == total:
		return t.paint("green", count), ""
	case online > 0:
		return t.paint("orange", count), ""
	}
	return t.paint("red", count), ""
}

// dot is a contact's status mark in the list and header.
func (t theme) dot(c app.Contact) string {
	switch {
	case c.State == app.ContactPendingIn:
		return t.paint("yellow", "?")
	case c.State == app.ContactPendingOut:
		return t.paint("gray", "…")
	case c.Online:
		return t.paint("green", "●")
	}
	return t.paint("gray", "○")
}

// dayLabel is the text of a day separator.
func dayLabel(d, now time.Time) string {
	y1, m1, d1 := d.Date()
	y2, m2, d2 := now.Date()
	switch {
	case y1 == y2 && m1 == m2 && d1 == d2:
		return "Today"
	case y1 == y2 && m1 == m2 && d1 == d2-1:
		return "Yesterday"
	case y1 == y2:
		return d.Format("Mon 2 Jan")
	}
	return d.Format("Mon 2 Jan 2006")
}

func sameDay(a, b time.Time) bool {
	y1, m1, d1 := a.Date()
	y2, m2, d2 := b.Date()
	return y1 == y2 && m1 == m2 && d1 == d2
}

// maxSeparator is the widest a separator line gets.
const maxSeparator = 32

// separator centres label in a rule of width w.
func separator(label string, w int) string {
	// Capped, because the text is laid out before the view's final width is
	// known (a resize or F2 narrows it later), and a line that overflows
	// wraps into two ugly halves.
	w = min(w, maxSeparator)
	if w < len(label)+6 {
		return "── " + label + " ──"
	}
	side := (w - len([]rune(label)) - 2) / 2
	return strings.Repeat("─", side) + " " + label + " " + strings.Repeat("─", w-side-len([]rune(label))-2)
}

// strength is the hint under the new passphrase: what is refused, and
// the rough estimate of crypto.CheckNewPassphrase for the rest.
func strength(pass []byte) string {
	if len(pass) == 0 {
		return "Use at least 4 random words, e.g. \"correct horse battery staple\"."
	}
	bits, err := crypto.CheckNewPassphrase(pass)
	switch {
	case err != nil:
		return fmt.Sprintf("Too short or repetitive: use at least %d characters, best 4 random words.", crypto.MinPassphraseRunes)
	case bits < crypto.WeakPassphraseBits:
		return "Strength: weak — anyone with this device could guess it. Make it longer."
	case bits < crypto.FairPassphraseBits:
		return "Strength: fair — a few more words would help."
	}
	return "Strength: strong."
}

// barPart is one piece of a one-line bar (the header, the status bar).
// When the line is too wide, the piece of lowest rank gives way first:
// to its short form if it has one, then entirely.
type barPart struct {
	text  string // tview markup
	short string // "" for none
	rank  int
}

// fitParts joins parts with " · " after a leading space, giving way as
// barPart says until the line fits width (0: not laid out yet, keep all).
func fitParts(parts []barPart, width int) string {
	parts = slices.DeleteFunc(slices.Clone(parts), func(p barPart) bool { return p.text == "" })
	for {
		text := " "
		for i, p := range parts {
			if i > 0 {
				text += " · "
			}
			text += p.text
		}
		last := len(parts) == 1 && !parts[0].canShorten()
		if width == 0 || last || tview.TaggedStringWidth(text) <= width {
			return text // the last part stays even if the view must cut it
		}
		parts = giveWay(parts)
	}
}

func (p barPart) canShorten() bool { return p.short != "" && p.text != p.short }

// giveWay shortens or drops the lowest ranked of parts.
func giveWay(parts []barPart) []barPart {
	low := 0
	for i, p := range parts {
		if p.rank < parts[low].rank {
			low = i
		}
	}
	if parts[low].canShorten() {
		parts[low].text = parts[low].short
		return parts
	}
	return slices.Delete(parts, low, low+1)
}
