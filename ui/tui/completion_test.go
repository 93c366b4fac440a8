package tui

import (
	"slices"
	"testing"

	"jarvis/app"
	"jarvis/crypto"
)

func TestCompleteLineOffersCommandsThenNames(t *testing.T) {
	cmds := newCommandTable()
	names := []string{"Bob", "alice", "Alfred"}
	tests := []struct {
		line string
		want []string // successive Tab results
	}{
		{"/re", []string{"/reject ", "/remove ", "/rename ", "/reject "}},
		{"/co", []string{"/code "}},
		{"/de", []string{"/decline ", "/delete ", "/demote "}},
		{"/me", []string{"/members "}},
		{"/info al", []string{"/info Alfred", "/info alice"}},
		{"hi b", []string{"hi Bob"}},
		{"b", []string{"Bob: "}}, // first on the line: addressed, as in IRC
		{"al", []string{"Alfred: ", "alice: "}},
	}
	for _, tt := range tests {
		c := cmds.complete(tt.line, names)
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
		if c := cmds.complete(line, names); c != nil {
			t.Fatalf("%q: unexpected completion %q", line, c.cands)
		}
	}
}

func TestSplitGroupArgTakesTheFirstSeparator(t *testing.T) {
	tests := []struct{ arg, name, desc string }{
		{"Team", "Team", ""},
		{"Team — weekend plans", "Team", "weekend plans"},
		{"Team -- a - b", "Team", "a - b"},
		{"Team - plans — more", "Team", "plans — more"},
		{"  Book club  ", "Book club", ""},
		{"well-named", "well-named", ""},
	}
	for _, tt := range tests {
		if name, desc := splitGroupArg(tt.arg); name != tt.name || desc != tt.desc {
			t.Errorf("splitGroupArg(%q) = %q, %q; want %q, %q", tt.arg, name, desc, tt.name, tt.desc)
		}
	}
}

func TestTabOffersAMemberByTheNameShown(t *testing.T) {
	me, bob, b2, b3 := crypto.ID{1}, crypto.ID{2}, crypto.ID{3}, crypto.ID{4}
	team := app.GroupChat(crypto.GroupID{9})
	l := newConvList()
	l.upsertGroup(app.Group{ID: team.Group(), Name: "Team", State: app.GroupActive, Members: []app.GroupMember{
		{ID: me, Name: "Alice", Self: true},
		{ID: bob, Name: "b", Display: "Bobby B."}, // a contact, under the user's label
		{ID: b2, Name: "Cy", Display: "Cy (" + b2.Short() + ")"},
		{ID: b3, Name: "Cy", Display: "Cy (" + b3.Short() + ")"},
	}})
	l.cur = team
	got := l.candidates(argMember)
	want := []string{"Bobby B.", b2.Short(), b3.Short()}
	if !slices.Equal(got, want) {
		t.Fatalf("Tab offers %q, want %q", got, want)
	}
}
