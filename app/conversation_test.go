package app

import (
	"testing"

	"jarvis/crypto"
)

func TestConversationIDKeepsKindAndID(t *testing.T) {
	var cid crypto.ID
	var gid crypto.GroupID
	for i := range cid {
		cid[i] = byte(i + 1)
	}
	for i := range gid {
		gid[i] = byte(i + 1)
	}
	c, g := ContactChat(cid), GroupChat(gid)
	if c.IsGroup() || !g.IsGroup() {
		t.Fatal("kinds mixed up")
	}
	if c.Contact() != cid || g.Group() != gid {
		t.Fatal("IDs not kept")
	}
	if c.Group() != (crypto.GroupID{}) || g.Contact() != (crypto.ID{}) {
		t.Fatal("the other kind's accessor must return the zero ID")
	}
	if c == g {
		t.Fatal("a contact and a group with the same leading bytes must differ")
	}
	if c.String() != cid.String() || g.String() != gid.String() {
		t.Fatal("String must be the plain ID")
	}
}
