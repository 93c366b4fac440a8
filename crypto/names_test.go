package crypto

import "testing"

func TestNamesWithInvisibleCharactersAreRefused(t *testing.T) {
	refused := []string{
		"Bob\u200b", "B\u200cob", "Bo\u200db", "\u200eBob", "Bob\u200f",
		"Bob\u2060", "Bob\u2064", "\ufeffBob", "\u3164", "Bob\u3164", "\u115f\u1160", "Bob\uffa0",
		"Bob\u202e", "\u2066Bob\u2069", "Bob\u061c", "Bob\U000e0041",
	}
	for _, name := range refused {
		if err := ValidateName(name); err == nil {
			t.Errorf("ValidateName(%+q) accepted a name with an invisible character", name)
		}
		if got := StripInvisible(name); got != "Bob" && got != "" {
			t.Errorf("StripInvisible(%+q) = %+q", name, got)
		}
	}
	for _, name := range []string{"Bob", "Zoë", "李小龍", "Ольга", "مريم", "Bob 🙂"} {
		if err := ValidateName(name); err != nil {
			t.Errorf("ValidateName(%q): %v", name, err)
		}
		if StripInvisible(name) != name {
			t.Errorf("StripInvisible changed %q", name)
		}
	}
}
