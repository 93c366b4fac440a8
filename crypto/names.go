package crypto

import "strings"

// IsInvisible reports runes that draw nothing, or reorder what is drawn,
// and so let two different names look the same: zero-width spaces and
// joiners, word joiners and invisible operators, the byte-order mark,
// Hangul fillers, the soft hyphen and similar, bidi controls, and tag
// characters (which can carry a hidden text).
func IsInvisible(r rune) bool {
	switch {
	case r >= 0x200b && r <= 0x200f, // zero-width space, ZWNJ, ZWJ, LRM, RLM
		r >= 0x2060 && r <= 0x2064,   // word joiner, invisible operators
		r >= 0x202a && r <= 0x202e,   // bidi embeddings and overrides
		r >= 0x2066 && r <= 0x2069,   // bidi isolates
		r >= 0xe0000 && r <= 0xe007f: // tag characters
		return true
	}
	switch r {
	case 0xfeff, // zero-width no-break space (BOM)
		0x3164, 0x115f, 0x1160, 0xffa0, // Hangul fillers
		0x061c,         // Arabic letter mark
		0x00ad,         // soft hyphen
		0x034f,         // combining grapheme joiner
		0x180e,         // Mongolian vowel separator
		0x17b4, 0x17b5, // Khmer inherent vowels
		0x2800: // braille blank
		return true
	}
	return false
}

// StripInvisible removes every rune IsInvisible reports, for showing a
// name stored before such names were refused.
func StripInvisible(s string) string {
	if strings.IndexFunc(s, IsInvisible) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if IsInvisible(r) {
			return -1
		}
		return r
	}, s)
}
