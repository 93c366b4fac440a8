package app

import (
	"context"
	"testing"

	"jarvis/crypto"
	"jarvis/store"
)

// shownMember is how n lists member id of group gid.
func shownMember(t *testing.T, n *node, gid crypto.GroupID, id crypto.ID) string {
	t.Helper()
	g, err := n.core.Group(context.Background(), gid)
	if err != nil {
		t.Fatal(err)
	}
	for _, gm := range g.Members {
		if gm.ID == id {
			return gm.Display
		}
	}
	t.Fatalf("%s does not list %s", n.name, id.Short())
	return ""
}

func TestAPrivateRenameNeverReachesAGroupRoster(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		label func(a *node, bID crypto.ID) error
	}{
		{"a label given with Rename", func(a *node, bID crypto.ID) error {
			return a.core.Rename(ctx, bID, "Bobby B.")
		}},
		// An account renamed before labels had their own column holds the
		// label where the own name belongs: b puts its own name back on
		// joining.
		{"a label stored as the name", func(a *node, bID crypto.ID) error {
			return a.core.editContact(ctx, bID, func(sc *store.Contact) { sc.Name = "Bobby B." })
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := newNode(t, "a", t.TempDir(), "")
			b := newNode(t, "b", t.TempDir(), "")
			c := newNode(t, "c", t.TempDir(), "")
			befriend(t, a, b)
			befriend(t, a, c)
			bID := b.core.Self().ID
			if err := tc.label(a, bID); err != nil {
				t.Fatal(err)
			}
			gid := inviteAll(t, a, b, c)
			eventually(t, "b's own name in every roster", func() bool {
				for _, n := range []*node{a, b, c} {
					r, _ := currentRoster(t, n, gid)
					if m, _ := r.Member(bID); m.Name != "b" {
						return false
					}
				}
				return true
			})
			for _, tt := range []struct {
				who  *node
				want string
			}{{a, "Bobby B."}, {b, "b"}, {c, "b"}} {
				if got := shownMember(t, tt.who, gid, bID); got != tt.want {
					t.Errorf("%s shows b as %q, want %q", tt.who.name, got, tt.want)
				}
			}
			sendGroup(t, b, gid, "hi all")
			ev := c.waitFor("b's text", isGroupText(gid, "hi all"))
			if got := ev.(MessageReceived).Message.AuthorName; got != "b" {
				t.Errorf("c shows b's text as from %q, want b", got)
			}
			ev = a.waitFor("b's text", isGroupText(gid, "hi all"))
			if got := ev.(MessageReceived).Message.AuthorName; got != "Bobby B." {
				t.Errorf("a shows b's text as from %q, want the label", got)
			}
		})
	}
}

func TestANickFromBeforeNicksWereKeptIsNeverUndone(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	a := newNode(t, "a", t.TempDir(), "")
	b := newNode(t, "b", t.TempDir(), "")
	gid := makeGroup(t, a, b)
	bID := b.core.Self().ID
	if err := b.core.SetMyGroupName(ctx, gid, "Bobby"); err != nil {
		t.Fatal(err)
	}
	onManager(t, b, func(_ context.Context, m *groupManager) { m.groups[gid].local.Nick = "" }) // as stored before
	// a must hold the nick first: a rival version of a's would win (owner).
	eventually(t, "a takes b's nick", func() bool {
		r, _ := currentRoster(t, a, gid)
		me, _ := r.Member(bID)
		return me.Name == "Bobby"
	})
	if err := a.core.SetGroupInfo(ctx, gid, "team", "a new topic"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "b takes the topic", func() bool {
		r, _ := currentRoster(t, b, gid)
		return r.Description == "a new topic"
	})
	r, _ := currentRoster(t, b, gid)
	if me, _ := r.Member(bID); me.Name != "Bobby" {
		t.Fatalf("b's nick became %q", me.Name)
	}
	var nick string
	onManager(t, b, func(_ context.Context, m *groupManager) { nick = m.groups[gid].local.Nick })
	if nick != "Bobby" {
		t.Fatalf("the nick was not remembered: %q", nick)
	}
}
