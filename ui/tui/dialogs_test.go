package tui

import (
	"slices"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"
)

func TestDangerousDialogsTakeAStrayEnterAsNo(t *testing.T) {
	core, bob, team := teamCore()
	s := startWithCore(t, core, 100, 30)
	s.wait("#Team")
	s.screen.InjectKey(tcell.KeyRune, '1', tcell.ModAlt)
	s.wait("#Team · 2 members")

	s.enter("/leave")
	s.wait("Leave #Team?")
	s.key(tcell.KeyEnter) // meant for the input line
	s.waitGone("Leave #Team?")

	s.key(tcell.KeyCtrlC)
	s.wait("Quit Jarvis?")
	s.key(tcell.KeyEnter)
	s.waitGone("Quit Jarvis?")

	s.enter("/delete")
	s.wait("Type #Team and press Enter")
	s.key(tcell.KeyEnter)
	s.wait("That is not the name.")
	s.enter("tea")
	s.wait("That is not the name.")
	s.key(tcell.KeyEsc)
	s.waitGone("That is not the name.")
	if got := core.called(); len(got) != 0 {
		t.Fatalf("core saw %q before anything was confirmed", got)
	}

	s.enter("/delete")
	s.wait("and press Enter to delete it.")
	s.enter("team")
	s.wait("Deleted #Team.")

	s.screen.InjectKey(tcell.KeyRune, '2', tcell.ModAlt) // Bob
	s.enter("/delete")
	s.wait("Type Bob and press Enter")
	s.enter("Bob")
	s.wait("Removed Bob.")
	s.quit()
	want := []string{"delete " + team.String()[:8], "remove " + bob.Short()}
	if got := core.called(); !slices.Equal(got, want) {
		t.Fatalf("core saw %q, want %q", got, want)
	}
}

func TestNameMatchesIgnoresCaseAndAGroupsHash(t *testing.T) {
	for _, tc := range []struct {
		typed, name string
		want        bool
	}{
		{"Bob", "Bob", true},
		{" bob ", "Bob", true},
		{"trip", "#Trip", true},
		{"#trip", "#Trip", true},
		{"", "#Trip", false},
		{"Tri", "#Trip", false},
		{"Bo", "Bob", false},
	} {
		if got := nameMatches(tc.typed, tc.name); got != tc.want {
			t.Errorf("nameMatches(%q, %q) = %v, want %v", tc.typed, tc.name, got, tc.want)
		}
	}
}

func TestAFailedCommandIsKeptSelectedAndTheNextTypingReplacesIt(t *testing.T) {
	core, _, _ := teamCore()
	s := startWithCore(t, core, 100, 30)
	s.wait("#Team")
	s.screen.InjectKey(tcell.KeyRune, '2', tcell.ModAlt) // Bob
	s.enter("/rename")
	s.wait("Usage: /rename")
	s.wait("> /rename")
	s.typeText("/nick Al")
	s.wait("> /nick Al")
	if strings.Contains(s.contents(), "/rename/nick") {
		t.Fatal("the next command was appended to the failed one")
	}
	s.key(tcell.KeyCtrlU)
	s.enter("/renam")
	s.wait("Did you mean /rename?")
	s.key(tcell.KeyEnd) // any other key keeps the text, to fix it
	s.typeText("e")
	s.wait("> /rename")
	s.quit()
}

// ← and → move between a dialog's buttons as Shift+Tab and Tab do: from
// the safe "No", ← reaches "Yes", and → goes back.
func TestArrowsMoveBetweenADialogsButtons(t *testing.T) {
	core, _, team := teamCore()
	s := startWithCore(t, core, 100, 30)
	s.wait("#Team")
	s.screen.InjectKey(tcell.KeyRune, '1', tcell.ModAlt)
	s.wait("#Team · 2 members")
	s.enter("/leave")
	s.wait("Leave #Team?")
	s.key(tcell.KeyLeft)
	s.key(tcell.KeyRight)
	s.key(tcell.KeyEnter) // back on No
	s.waitGone("Leave #Team?")
	if got := core.called(); len(got) != 0 {
		t.Fatalf("core saw %q after No", got)
	}
	s.enter("/leave")
	s.wait("Leave #Team?")
	s.key(tcell.KeyLeft)
	s.key(tcell.KeyEnter) // Yes
	s.waitGone("Leave #Team?")
	s.quit()
	if got, want := core.called(), []string{"leave " + team.String()[:8]}; !slices.Equal(got, want) {
		t.Fatalf("core saw %q, want %q", got, want)
	}
}
