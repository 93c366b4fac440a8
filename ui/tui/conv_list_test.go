package tui

import (
	"testing"

	"jarvis/app"
	"jarvis/crypto"
)

// At start the contact list is read while sessions come up: the session's
// PeerStatus may reach the UI before the list, or between the list's read
// and its arrival. Either way the contact must show as online.
func TestPresenceHeardBeforeTheContactListArrivesIsKept(t *testing.T) {
	bob := crypto.ID{2}
	listRead := app.Contact{ID: bob, Name: "Bob", State: app.ContactAccepted} // read while Bob was offline

	before := newConvList()
	if conv := before.notePresence(app.PeerStatus{ID: bob, Online: true, Path: app.PathDirect}); conv != nil {
		t.Fatal("a presence event made a conversation of its own")
	}
	if c := before.upsertContact(listRead).contact; !c.Online || c.Path != app.PathDirect {
		t.Fatalf("online before the list arrived, shown as %+v", c)
	}

	between := newConvList()
	between.upsertContact(listRead)
	between.notePresence(app.PeerStatus{ID: bob, Online: true, Path: app.PathLAN})
	between.notePresence(app.PeerStatus{ID: bob, Online: false})
	if c := between.upsertContact(listRead).contact; c.Online {
		t.Fatalf("went offline last, shown as %+v", c)
	}
}
