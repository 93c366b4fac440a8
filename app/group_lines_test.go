package app

import (
	"testing"

	"jarvis/crypto"
)

func TestDisplayNamesNeverLetOneMemberPassForAnother(t *testing.T) {
	bob, bob2, mal, ann := testID(0x11), testID(0x22), testID(0x33), testID(0x44)
	names := disambiguate(map[crypto.ID]string{
		bob:  "Bob",
		bob2: "b\u200bob", // another "bob" once screens drop the zero-width space
		mal:  "Bob (" + bob.Short() + ")",
		ann:  "Ann (work)",
	})
	want := map[crypto.ID]string{
		bob:  "Bob (" + bob.Short() + ")",
		bob2: "b\u200bob (" + bob2.Short() + ")",
		mal:  "Bob (" + bob.Short() + ") (" + mal.Short() + ")",
		ann:  "Ann (work)", // not the shape of a short ID
	}
	for id, w := range want {
		if names[id] != w {
			t.Errorf("%s shows as %q, want %q", id.Short(), names[id], w)
		}
	}
}
