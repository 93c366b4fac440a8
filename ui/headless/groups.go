package headless

import (
	"context"

	"jarvis/app"
	"jarvis/crypto"
)

// The group commands and JSON shapes; README documents each. "id" names
// the group (ID, 4+ character ID prefix or unique name), "to" a contact
// or member.

type groupMemberJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Display is the name with the short ID added when another member
	// has the same name: what to show.
	Display string `json:"display"`
	Role    string `json:"role"`
	Online  bool   `json:"online"`
	Self    bool   `json:"self"`
}

type groupJSONT struct {
	ID           string            `json:"id"`
	Name         string            `json:"name"`
	Description  string            `json:"description"`
	Version      uint64            `json:"version"`
	State        string            `json:"state"`
	Role         string            `json:"role,omitempty"`
	Members      []groupMemberJSON `json:"members"`
	Online       int               `json:"online"`
	Unread       int               `json:"unread"`
	InvitedBy    string            `json:"invited_by,omitempty"`
	LastActivity int64             `json:"last_activity"`
}

type groupLine struct {
	Event string     `json:"event"`
	Ref   string     `json:"ref,omitempty"`
	Group groupJSONT `json:"group"`
}

type groupsLine struct {
	Event  string       `json:"event"`
	Ref    string       `json:"ref,omitempty"`
	Groups []groupJSONT `json:"groups"`
}

type groupInviteLine struct {
	Event    string     `json:"event"`
	Group    groupJSONT `json:"group"`
	From     string     `json:"from"`
	FromName string     `json:"from_name"`
}

// groupSystemLine is a roster line as it happens (and group_removed). The
// line is also kept in the group's history, where group_history returns it
// with "system": true and the same "id" and "cursor".
type groupSystemLine struct {
	Event  string `json:"event"`
	Group  string `json:"group"`
	Text   string `json:"text"`
	ID     string `json:"id,omitempty"`
	Cursor int64  `json:"cursor,omitempty"`
}

func groupToJSON(g app.Group) groupJSONT {
	out := groupJSONT{
		ID: g.ID.String(), Name: g.Name, Description: g.Description, Version: g.Version, State: g.State.String(),
		Members: make([]groupMemberJSON, len(g.Members)), Online: g.Online, Unread: g.Unread,
		LastActivity: millis(g.LastActivity),
	}
	if g.MyRole != 0 {
		out.Role = g.MyRole.String()
	}
	if !g.InvitedBy.IsZero() {
		out.InvitedBy = g.InvitedBy.String()
	}
	for i, m := range g.Members {
		out.Members[i] = groupMemberJSON{ID: m.ID.String(), Name: m.Name, Display: m.Display, Role: m.Role.String(),
			Online: m.Online, Self: m.Self}
	}
	return out
}

func groupEventJSON(ev app.Event) any {
	switch ev := ev.(type) {
	case app.GroupInvite:
		return groupInviteLine{Event: "group_invite", Group: groupToJSON(ev.Group), From: ev.From.String(), FromName: ev.FromName}
	case app.GroupUpdated:
		return groupLine{Event: "group_updated", Group: groupToJSON(ev.Group)}
	case app.GroupSystem:
		line := groupSystemLine{Event: "group_system", Group: ev.Group.String(), Text: ev.Text, Cursor: ev.Cursor}
		if ev.ID != (crypto.MessageID{}) {
			line.ID = ev.ID.String()
		}
		return line
	case app.GroupRemoved:
		return groupSystemLine{Event: "group_removed", Group: ev.ID.String()}
	}
	return nil
}

// onGroup adapts a core command on the group named in "id".
func onGroup(do func(*app.Core, context.Context, crypto.GroupID) error) handler {
	return func(h *headless, ctx context.Context, r request) error {
		g, err := h.core.ResolveGroup(ctx, r.ID)
		if err != nil {
			return err
		}
		return do(h.core, ctx, g)
	}
}

// onMember adapts a core command on the member named in "to" of the group
// named in "id".
func onMember(do func(*app.Core, context.Context, crypto.GroupID, crypto.ID) error) handler {
	return func(h *headless, ctx context.Context, r request) error {
		g, err := h.core.ResolveGroup(ctx, r.ID)
		if err != nil {
			return err
		}
		who, err := h.core.ResolveMember(ctx, g, r.To)
		if err != nil {
			return err
		}
		return do(h.core, ctx, g, who)
	}
}

func (h *headless) groups(ctx context.Context, r request) error {
	list, err := h.core.Groups(ctx)
	if err != nil {
		return err
	}
	out := make([]groupJSONT, len(list))
	for i, g := range list {
		out[i] = groupToJSON(g)
	}
	h.out.write(groupsLine{Event: "groups", Ref: r.Ref, Groups: out})
	return nil
}

func (h *headless) createGroup(ctx context.Context, r request) error {
	g, err := h.core.CreateGroup(ctx, r.Name, r.Text)
	if err != nil {
		return err
	}
	h.out.write(groupLine{Event: "group_created", Ref: r.Ref, Group: groupToJSON(g)})
	return nil
}

// invite asks the contact in "to" into the group in "id": a contact, not a
// member, so it resolves among contacts.
func (h *headless) invite(ctx context.Context, r request) error {
	g, err := h.core.ResolveGroup(ctx, r.ID)
	if err != nil {
		return err
	}
	who, err := h.core.ResolveContact(ctx, r.To)
	if err != nil {
		return err
	}
	return h.core.Invite(ctx, g, who)
}

func (h *headless) renameGroup(ctx context.Context, r request) error {
	return h.editGroup(ctx, r.ID, func(g *app.Group) { g.Name = r.Name })
}

// nick sets our own name in the group: only a member can rename itself.
func (h *headless) nick(ctx context.Context, r request) error {
	id, err := h.core.ResolveGroup(ctx, r.ID)
	if err != nil {
		return err
	}
	return h.core.SetMyGroupName(ctx, id, r.Name)
}

func (h *headless) setTopic(ctx context.Context, r request) error {
	return h.editGroup(ctx, r.ID, func(g *app.Group) { g.Description = r.Text })
}

// editGroup changes a group's name or description, keeping the other.
func (h *headless) editGroup(ctx context.Context, what string, edit func(*app.Group)) error {
	id, err := h.core.ResolveGroup(ctx, what)
	if err != nil {
		return err
	}
	g, err := h.core.Group(ctx, id)
	if err != nil {
		return err
	}
	edit(&g)
	return h.core.SetGroupInfo(ctx, id, g.Name, g.Description)
}
