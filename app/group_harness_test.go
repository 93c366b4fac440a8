package app

import (
	"context"
	"testing"

	"jarvis/crypto"
)

// makeGroup has owner create a group and invite each member (befriending
// them first); every member accepts and all see the full roster.
func makeGroup(t *testing.T, owner *node, members ...*node) crypto.GroupID {
	t.Helper()
	for _, n := range members {
		befriend(t, owner, n)
	}
	return inviteAll(t, owner, members...)
}

// inviteAll has owner create a group and invite members, who are already
// its contacts; each accepts. It returns once everyone sees everyone.
func inviteAll(t *testing.T, owner *node, members ...*node) crypto.GroupID {
	t.Helper()
	ctx := context.Background()
	g, err := owner.core.CreateGroup(ctx, "team", "a test group")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range members {
		if err := owner.core.Invite(ctx, g.ID, n.core.Self().ID); err != nil {
			t.Fatal(err)
		}
		n.waitFor("group invite", func(e Event) bool {
			inv, ok := e.(GroupInvite)
			return ok && inv.Group.ID == g.ID
		})
		if err := n.core.AcceptInvite(ctx, g.ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range append([]*node{owner}, members...) {
		waitGroupSize(t, n, g.ID, len(members)+1)
	}
	return g.ID
}

func waitGroupSize(t *testing.T, n *node, id crypto.GroupID, size int) {
	t.Helper()
	eventually(t, n.name+" sees the roster", func() bool {
		g, err := n.core.Group(context.Background(), id)
		return err == nil && len(g.Members) == size && g.State == GroupActive
	})
}

func isGroupText(id crypto.GroupID, text string) func(Event) bool {
	return func(e Event) bool {
		m, ok := e.(MessageReceived)
		return ok && m.Message.Conversation == GroupChat(id) && m.Message.Text == text && !m.Message.Outgoing
	}
}

func sendGroup(t *testing.T, n *node, id crypto.GroupID, text string) {
	t.Helper()
	if _, err := n.core.Send(context.Background(), GroupChat(id), text); err != nil {
		t.Fatal(err)
	}
}

// groupOnline asks n's group manager whether it has a session with id.
func groupOnline(t *testing.T, n *node, id crypto.ID) bool {
	t.Helper()
	var on bool
	err := n.core.doGroup(context.Background(), func(ctx context.Context, m *groupManager) error {
		on = m.online(id)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return on
}

// onManager runs fn on n's group manager goroutine.
func onManager(t *testing.T, n *node, fn func(ctx context.Context, m *groupManager)) {
	t.Helper()
	err := n.core.doGroup(context.Background(), func(ctx context.Context, m *groupManager) error {
		fn(ctx, m)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// withoutSystem drops the roster lines from a history, leaving messages.
func withoutSystem(hist []Message) []Message {
	var out []Message
	for _, m := range hist {
		if !m.System {
			out = append(out, m)
		}
	}
	return out
}
