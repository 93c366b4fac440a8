package tui

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestQRTextIsSquareAndUsesHalfBlocks(t *testing.T) {
	out, err := qrText("jarvis://example-link-code")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out, "\n")
	width := utf8.RuneCountInString(lines[0])
	for i, l := range lines {
		if n := utf8.RuneCountInString(l); n != width {
			t.Fatalf("line %d is %d wide, want %d", i, n, width)
		}
		if strings.Trim(l, " █▀▄") != "" {
			t.Fatalf("line %d has characters other than half blocks: %q", i, l)
		}
	}
	// Two modules per line, plus the quiet zone on both sides.
	if want := (width + 1) / 2; len(lines) != want {
		t.Fatalf("%d lines for a %d-wide code, want %d", len(lines), width, want)
	}
	// The quiet zone's first row is all light.
	if strings.Trim(lines[0], "█") != "" {
		t.Fatalf("quiet zone missing: %q", lines[0])
	}
}
