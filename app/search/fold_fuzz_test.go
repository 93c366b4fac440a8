package search

import (
	"testing"
	"unicode/utf8"
)

// FuzzWordsOfAnyText: a peer's text, whatever its bytes, splits into
// words that lie inside it, in order, and that a search for them finds.
func FuzzWordsOfAnyText(f *testing.F) {
	for _, s := range []string{"", "Café crème", "東京で会い", "a\u0301b", "\xff\xfe", "x̧̨̛̖̗̘̙̜̝̞̟", "İstanbul ß ǅ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		end := 0
		for _, w := range words(text) {
			if w.start < end || w.end <= w.start || w.end > len(text) || w.folded == "" || !utf8.ValidString(w.folded) {
				t.Fatalf("word %+v out of place in %q", w, text)
			}
			end = w.end
		}
		x := New()
		x.Put(Doc{ID: [16]byte{1}, Text: text})
		for _, w := range words(text) {
			if len(x.Search(Query{Text: w.folded + " "})) != 1 {
				t.Fatalf("the word %q of %q is not found", w.folded, text)
			}
		}
		for _, h := range Highlights(text, text) {
			if h[0] < 0 || h[1] > len(text) || h[0] >= h[1] {
				t.Fatalf("highlight %v out of %q", h, text)
			}
		}
	})
}
