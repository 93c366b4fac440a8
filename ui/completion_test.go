package ui

import "testing"

func TestCompleteLineOffersCommandsThenNames(t *testing.T) {
	names := []string{"Bob", "alice", "Alfred"}
	tests := []struct {
		line string
		want []string // successive Tab results
	}{
		{"/re", []string{"/reject ", "/remove ", "/rename ", "/reject "}},
		{"/co", []string{"/code "}},
		{"/info al", []string{"/info Alfred", "/info alice"}},
		{"hi b", []string{"hi Bob"}},
	}
	for _, tt := range tests {
		c := completeLine(tt.line, names)
		if c == nil {
			t.Fatalf("%q: no completion", tt.line)
		}
		for i, want := range tt.want {
			if got := c.next(); got != want {
				t.Fatalf("%q tab %d = %q, want %q", tt.line, i+1, got, want)
			}
		}
	}
	for _, line := range []string{"/zz", "//re", "hi zed"} {
		if c := completeLine(line, names); c != nil {
			t.Fatalf("%q: unexpected completion %q", line, c.cands)
		}
	}
}
