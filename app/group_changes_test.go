package app

import (
	"crypto/rand"
	"slices"
	"testing"

	"jarvis/crypto"
)

func testMember(t *testing.T, name string, role crypto.Role) crypto.RosterMember {
	t.Helper()
	id, err := crypto.GenerateIdentity(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return crypto.RosterMember{Keys: id.Public(), Name: name, Role: role}
}

func TestRosterChangesReadAsLinesForTheConversation(t *testing.T) {
	ann := testMember(t, "ann", crypto.RoleOwner)
	bob := testMember(t, "bob", crypto.RoleMember)
	carl := testMember(t, "carl", crypto.RoleMember)
	me := testMember(t, "me", crypto.RoleMember)
	roster := func(name string, ms ...crypto.RosterMember) *crypto.Roster {
		return &crypto.Roster{Name: name, Members: ms, Signer: ann.Keys.ID()}
	}
	admin := bob
	admin.Role = crypto.RoleAdmin
	tests := []struct {
		name       string
		prev, next *crypto.Roster
		signer     crypto.RosterMember
		want       []string
	}{
		{"an add", roster("t", ann, me), roster("t", ann, me, bob), ann, []string{"ann added bob"}},
		{"adding us", roster("t", ann), roster("t", ann, me), ann, []string{"ann added you"}},
		{"a removal", roster("t", ann, bob, carl), roster("t", ann, bob), ann, []string{"ann removed carl"}},
		{"a leave", roster("t", ann, bob), roster("t", ann), bob, []string{"bob left"}},
		{"a promotion", roster("t", ann, bob), roster("t", ann, admin), ann, []string{"ann made bob an admin"}},
		{"a rename", roster("t", ann), roster("u", ann), ann, []string{`ann renamed the group to "u"`}},
		{"nothing", roster("t", ann, bob), roster("t", ann, bob), ann, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.next.Signer = tt.signer.Keys.ID()
			got := rosterChanges(tt.prev, tt.next, me.Keys.ID())
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}
