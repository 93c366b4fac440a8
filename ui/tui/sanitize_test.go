package tui

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

func TestPeerTextShowsMarkupAndEscapesLiterally(t *testing.T) {
	tests := []struct {
		name, in, want string
		multiline      bool
	}{
		{"colour tag stays text", "[red]evil[-]", "[red]evil[-]", false},
		{"region tag stays text", `["x"]hi[""]`, `["x"]hi[""]`, false},
		{"CSI colour removed", "a\x1b[31mred\x1b[0m b", "ared b", false},
		{"OSC title removed", "x\x1b]0;pwned\x07y", "xy", false},
		{"OSC 52 with ST removed", "x\x1b]52;c;aGk=\x1b\\y", "xy", false},
		{"C1 CSI removed", "a\u009b31mb", "ab", false},
		{"bell and backspace dropped", "a\x07\x08b", "ab", false},
		{"newline kept in messages", "one\ntwo", "one\ntwo", true},
		{"newline flattened in names", "one\ntwo", "one two", false},
		{"carriage return dropped", "over\rwrite", "overwrite", true},
		{"bidi override dropped", "abc\u202edcb", "abcdcb", false},
		{"emoji kept", "hi 👋 ünï", "hi 👋 ünï", false},
		{"a message keeps ZWJ sequences and VS16; a skin tone shows as the base", "👋🏽 👨‍👩 ❤️", "👋 👨‍👩 ❤️", true},
		{"a name loses the invisible joiner", "👋🏽 👨‍👩 ❤️", "👋 👨👩 ❤️", false},
		{"lone ESC at end", "abc\x1b", "abc", false},
		{"invalid UTF-8 replaced", "a\xffb", "a\uFFFDb", false},
		{"URL tag cannot hide a link", "[:::https://evil.example]click", "［:::https://evil.example]click", false},
		{"unusual tag characters escaped", "[a/b]", "[a/b]", false},
		{"zero-width and fillers dropped from names", "B\u200bo\u2060b\ufeff\u3164\u115f\u1160\uffa0\u200c", "Bob", false},
		{"ZWNJ kept in messages", "می\u200cخواهم", "می\u200cخواهم", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := plainPeerText(tt.in, tt.multiline); got != tt.want {
				t.Fatalf("plainPeerText(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got := rendered(peerText(tt.in, tt.multiline)); got != tt.want {
				t.Fatalf("rendered peerText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// rendered returns what a markup-enabled TextView would display.
func rendered(markup string) string {
	tv := tview.NewTextView().SetDynamicColors(true).SetRegions(true)
	tv.SetText(markup)
	return strings.TrimSuffix(tv.GetText(true), "\n")
}

func FuzzPeerText(f *testing.F) {
	for _, s := range []string{"[red]evil[-]", "\x1b[2J\x1b]0;x\x07", "[::b][", "a[", "[\"r\"]", "\u009b1m", "[#ff0000]x[]", "[a[b]c]"} {
		f.Add(s, "[red]x")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, multiline := range []bool{false, true} {
			out := peerText(a, multiline)
			for _, r := range out {
				if r == 0x1b || (r < 0x20 && r != '\n') || (r >= 0x7f && r <= 0x9f) {
					t.Fatalf("peerText(%q) contains control %U", a, r)
				}
				if !multiline && r == '\n' {
					t.Fatalf("peerText(%q, false) contains a newline", a)
				}
			}
			if !utf8.ValidString(out) {
				t.Fatalf("peerText(%q) is not valid UTF-8", a)
			}
			// Escaped text must render exactly as the plain text, alone and
			// when glued to our own tags, so no markup is left unbalanced.
			pa, pb := plainPeerText(a, multiline), plainPeerText(b, multiline)
			if got := rendered(out); got != strings.TrimSuffix(pa, "\n") {
				t.Fatalf("peerText(%q) renders as %q, want %q", a, got, pa)
			}
			glued := "[yellow]" + out + "[-]: [::b]" + peerText(b, multiline) + "[::-]"
			if got, want := rendered(glued), strings.TrimSuffix(pa+": "+pb, "\n"); got != want {
				t.Fatalf("glued %q + %q renders as %q, want %q", a, b, got, want)
			}
		}
	})
}

// TestTviewStillLosesTheLineAfterASkinTone is why isSkinTone exists: the
// day it fails, tview draws such an emoji and what follows, and the
// fallback can go.
func TestTviewStillLosesTheLineAfterASkinTone(t *testing.T) {
	sc := tcell.NewSimulationScreen("UTF-8")
	if err := sc.Init(); err != nil {
		t.Fatal(err)
	}
	defer sc.Fini()
	sc.SetSize(20, 1)
	tv := tview.NewTextView().SetText("a 👍🏽 after")
	tv.SetRect(0, 0, 20, 1)
	tv.Draw(sc)
	cells, w, _ := sc.GetContents()
	var row strings.Builder
	for x := range w {
		row.WriteString(string(cells[x].Runes))
	}
	if strings.Contains(row.String(), "after") {
		t.Fatal("tview now draws the text after a skin-tone emoji: drop isSkinTone")
	}
}
