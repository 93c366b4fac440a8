package tui

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"

	"jarvis/crypto"
)

// peerText makes a string that came from another person safe to put inside
// tview markup: escape sequences and control characters are removed and
// what remains is escaped so it can never be read as a style or region tag.
// Newlines survive only when multiline is set (message bodies); names and
// other one-line fields get spaces instead, and lose invisible characters. Every peer-supplied string
// reaches the screen through this function or plainPeerText.
func peerText(s string, multiline bool) string {
	return escapedTag.ReplaceAllString(plainPeerText(s, multiline), "$1[]")
}

var (
	// escapedTag is tview.Escape's pattern widened to every character tview
	// accepts inside a tag, so "[:::x/y]" is escaped too.
	escapedTag = regexp.MustCompile(`(\[[^\[\]]+\[*)\]`)
	// urlTagStart finds the start of a tview URL tag ("[fg:bg:attr:url]"):
	// a URL runs to the next "]" across brackets and even our own tags, so
	// no escaping helps; its "[" becomes a fullwidth bracket instead.
	urlTagStart = regexp.MustCompile(`\[[^\[\]:]*:[^\[\]:]*:[^\[\]:]*:`)
)

// isolate drops runes at either end that would join a grapheme cluster with
// whatever we print next to the text (a leading combining mark, a trailing
// prepend character), so peer text cannot change our own labels.
func isolate(s string) string {
	for s != "" {
		if c, _, _, _ := uniseg.FirstGraphemeClusterInString(" "+s, -1); c == " " {
			break
		}
		_, size := utf8.DecodeRuneInString(s)
		s = s[size:]
	}
	for s != "" {
		last := ""
		g := uniseg.NewGraphemes(s + "a")
		for g.Next() {
			last = g.Str()
		}
		if last == "a" {
			break
		}
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}

// plainPeerText strips terminal escape sequences and control characters
// without escaping markup, for widgets that do not interpret tags and for
// width calculations.
func plainPeerText(s string, multiline bool) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			b.WriteRune(utf8.RuneError)
			i++
			continue
		}
		switch {
		case r == 0x1b: // ESC: drop the whole sequence it starts
			i += escapeLen(s[i:])
			continue
		case r == 0x9b || r == 0x9d || r == 0x90 || r == 0x98 || r == 0x9e || r == 0x9f:
			// C1 introducers (CSI, OSC, DCS, SOS, PM, APC) start sequences too.
			i += size + sequenceBodyLen(s[i+size:], r)
			continue
		case r == '\n' && multiline:
			b.WriteByte('\n')
		case r == '\t', r == '\n', r == '\r' && !multiline:
			b.WriteByte(' ')
		case isUnsafeRune(r), isSkinTone(r):
			// dropped
		case !multiline && crypto.IsInvisible(r):
			// Names (and other one-line fields) lose zero-width and filler
			// characters, so a name stored before they were refused cannot
			// pass for another; message bodies keep them (ZWNJ is spelling
			// in Persian).
		default:
			b.WriteRune(r)
		}
		i += size
	}
	out := isolate(b.String())
	return urlTagStart.ReplaceAllStringFunc(out, func(m string) string { return "［" + m[1:] })
}

// isUnsafeRune reports control characters and invisible formatting runes
// that could reorder or hide text (bidi overrides, as in "trojan source").
func isUnsafeRune(r rune) bool {
	if r < 0x20 || (r >= 0x7f && r <= 0x9f) {
		return true
	}
	switch {
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	case r == 0xfeff, r >= 0xfff9 && r <= 0xfffb:
		return true
	}
	return unicode.Is(unicode.Co, r) || unicode.Is(unicode.Cs, r)
}

// isSkinTone reports the emoji skin-tone modifiers. tview (v0.42) loses
// the rest of a line after an emoji with one, so on screen, and only
// there, such an emoji shows as its base; ZWJ sequences and the emoji
// variation selector show as written. The stored text is never changed.
func isSkinTone(r rune) bool { return r >= 0x1f3fb && r <= 0x1f3ff }

// escapeLen returns the length of the escape sequence at the start of s,
// which begins with ESC.
func escapeLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case '[':
		return 2 + sequenceBodyLen(s[2:], 0x9b)
	case ']', 'P', 'X', '^', '_':
		return 2 + sequenceBodyLen(s[2:], 0x9d)
	}
	// Two-character sequences (ESC c, ESC 7, ESC ( B …): drop ESC and
	// the next rune, and an extra charset designator after ( ) * +.
	_, size := utf8.DecodeRuneInString(s[1:])
	n := 1 + size
	if strings.IndexByte("()*+-./#%", s[1]) >= 0 && len(s) > n {
		_, size2 := utf8.DecodeRuneInString(s[n:])
		n += size2
	}
	return n
}

// sequenceBodyLen returns how many bytes of s belong to a sequence started
// by the introducer intro (0x9b for CSI, anything else for a string
// sequence ended by BEL or ST).
func sequenceBodyLen(s string, intro rune) int {
	if intro == 0x9b {
		// CSI: parameter and intermediate bytes, then one final byte.
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c >= 0x40 && c <= 0x7e {
				return i + 1
			}
			if c < 0x20 || c >= 0x7f {
				return i // malformed: stop here, the rest is filtered normally
			}
		}
		return len(s)
	}
	// String sequences run until BEL, ESC \ or the C1 ST (U+009C).
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == 0x07:
			return i + 1
		case s[i] == 0x1b:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			return i
		case strings.HasPrefix(s[i:], "\u009c"):
			return i + len("\u009c")
		}
	}
	return len(s)
}
