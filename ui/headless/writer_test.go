package headless

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestJSONLinesSpellOutC1BidiAndInvisibleCharacters(t *testing.T) {
	text := "a\u0085b\u009bc\u202ed\u2066e\u200ef\u061cg\u200bh\ufeffi\u3164j\U000e0041k é 👋 \u2028"
	var out bytes.Buffer
	w := newJSONWriter(&out)
	w.write(map[string]any{"event": "message", "text": text})
	w.close()

	line := out.String()
	for _, want := range []string{`\u0085`, `\u009b`, `\u202e`, `\u2066`, `\u200e`, `\u061c`, `\u200b`, `\ufeff`, `\u3164`, `\udb40\udc41`, "é 👋"} {
		if !strings.Contains(line, want) {
			t.Errorf("line lacks %s: %s", want, line)
		}
	}
	for _, r := range line {
		if (r >= 0x80 && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c {
			t.Errorf("line holds %U raw: %q", r, line)
		}
	}
	var m map[string]any
	if err := json.Unmarshal(out.Bytes(), &m); err != nil {
		t.Fatalf("escaped line is not JSON: %v", err)
	}
	if m["text"] != text {
		t.Errorf("text decodes as %+q, want %+q", m["text"], text)
	}
}

func FuzzJSONWriterKeepsLinesValid(f *testing.F) {
	for _, s := range []string{"hi", "\u0085\u202e", "\U000e0041", "\xff\xfe", "\u2028\u2029", `"\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var out bytes.Buffer
		w := newJSONWriter(&out)
		w.write(map[string]any{"text": s})
		w.close()
		var m map[string]any
		if err := json.Unmarshal(out.Bytes(), &m); err != nil {
			t.Fatalf("line for %+q is not JSON: %v\n%s", s, err, out.String())
		}
		want := string([]rune(s)) // each invalid byte becomes U+FFFD, as encoding/json does
		if m["text"] != want {
			t.Fatalf("text %+q decodes as %+q", s, m["text"])
		}
		for _, r := range out.String() {
			if (r >= 0x80 && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
				t.Fatalf("line for %+q holds %U raw", s, r)
			}
		}
	})
}
