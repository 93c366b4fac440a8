package search

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// A word is a run of letters and digits, folded: lower case, accents
// dropped (é → e, Å → a), so "Café" and "cafe" are the same word. Han,
// Hiragana and Katakana, written without spaces, count one character a
// word, so any run of them is found by its characters.

// word is one word of a text: its folded form and where it stands in the
// original, in bytes.
type word struct {
	folded     string
	start, end int
}

// words splits text into its folded words, in order.
func words(text string) []word {
	var out []word
	var buf []byte
	start := -1
	flush := func(end int) {
		if start >= 0 && len(buf) > 0 {
			out = append(out, word{folded: string(buf), start: start, end: end})
		}
		buf, start = buf[:0], -1
	}
	for i, r := range text {
		switch {
		case isIdeograph(r):
			flush(i)
			start = i
			buf = foldRune(buf, r)
			flush(i + utf8.RuneLen(r))
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			if start < 0 {
				start = i
			}
			buf = foldRune(buf, r)
		default:
			flush(i)
		}
	}
	flush(len(text))
	return out
}

func isIdeograph(r rune) bool {
	return r >= 0x2e80 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r))
}

// foldRune appends r lower-cased without its accents. ASCII, nearly all
// of what people type, takes the short path.
func foldRune(dst []byte, r rune) []byte {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(dst, byte(r))
	}
	var one [utf8.UTFMax]byte
	n := utf8.EncodeRune(one[:], r)
	var dec [4 * utf8.UTFMax]byte
	for _, d := range string(norm.NFD.Append(dec[:0], one[:n]...)) {
		if unicode.Is(unicode.Mn, d) {
			continue // the accent itself
		}
		dst = utf8.AppendRune(dst, unicode.ToLower(d))
	}
	return dst
}

// Highlights returns the byte ranges of text to show highlighted for
// query: each word that starts with one of the query's words, which is
// what made the message match.
func Highlights(text, query string) [][2]int {
	q := parse(query)
	var out [][2]int
	for _, w := range words(text) {
		for _, t := range q.terms {
			if len(w.folded) >= len(t) && w.folded[:len(t)] == t {
				out = append(out, [2]int{w.start, w.end})
				break
			}
		}
	}
	return out
}
