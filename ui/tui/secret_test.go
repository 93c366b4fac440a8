package tui

import (
	"context"
	"slices"
	"testing"

	"github.com/gdamore/tcell/v2"
)

// TestAPassphraseFieldLeavesNoCopyOfWhatWasTyped types into a masked
// field, editing on the way, and checks that every array that ever held
// the text is zero once the passphrase is taken.
func TestAPassphraseFieldLeavesNoCopyOfWhatWasTyped(t *testing.T) {
	e := newLineEdit("Passphrase ").SetMask('•')
	var seen []int
	e.SetSecretChangedFunc(func(pass []byte) { seen = append(seen, len(pass)) })
	var arrays [][]rune
	press := func(ev *tcell.EventKey) {
		e.InputHandler()(ev, nil)
		arrays = append(arrays, e.text[:cap(e.text)])
	}
	for _, r := range "secret pass" {
		press(tcell.NewEventKey(tcell.KeyRune, r, tcell.ModNone))
	}
	press(tcell.NewEventKey(tcell.KeyLeft, 0, tcell.ModNone))
	press(tcell.NewEventKey(tcell.KeyBackspace2, 0, tcell.ModNone))
	press(tcell.NewEventKey(tcell.KeyCtrlK, 0, tcell.ModNone))
	e.PasteHandler()("word", nil)
	arrays = append(arrays, e.text[:cap(e.text)])

	pass := e.takeSecret()
	if string(pass) != "secret paword" {
		t.Fatalf("takeSecret = %q", pass)
	}
	if !e.empty() {
		t.Error("the field still holds text")
	}
	for i, a := range arrays {
		if slices.ContainsFunc(a, func(r rune) bool { return r != 0 }) {
			t.Errorf("array %d still holds %q", i, string(a))
		}
	}
	if len(seen) == 0 {
		t.Error("the strength hint was never told of a change")
	}
}

func TestCreateRefusesAShortOrRepeatedPassphraseAndSaysWhy(t *testing.T) {
	acc := openAccount(t, t.TempDir())
	t.Cleanup(func() { acc.Close() })
	s := startUI(t, acc, 80, 24)
	s.wait("cannot be recovered")
	s.typeText("Alice")
	s.key(tcell.KeyTab)
	for _, weak := range []string{"short", "zzzzzzzzzzzz"} {
		s.typeText(weak)
		s.wait("Too short or repetitive")
		s.key(tcell.KeyTab)
		s.enter(weak)
		s.wait("too easy to guess")
		if ok, err := acc.Exists(context.Background()); err != nil || ok {
			t.Fatalf("a refused passphrase %q created an identity (%v, %v)", weak, ok, err)
		}
	}
	s.typeText("password")
	s.wait("Strength: weak")
	s.key(tcell.KeyTab)
	s.enter("password")
	s.wait("Your identity is ready")
	s.quit()
}
