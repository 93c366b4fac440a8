package headless

import (
	"context"
	"errors"
	"strings"

	"jarvis/app"
	"jarvis/crypto"
)

// The group commands of the headless protocol; README documents each.
// Fields: "id" names the group (ID, 4+ character ID prefix, or unique
// name), "to" a contact or member, "name"/"text" the rest.

type groupMemberJSON struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Role   string `json:"role"`
	Online bool   `json:"online"`
	Self   bool   `json:"self"`
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

type groupSystemLine struct {
	Event string `json:"event"`
	Group string `json:"group"`
	Text  string `json:"text"`
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
		out.Members[i] = groupMemberJSON{ID: m.ID.String(), Name: m.Name, Role: m.Role.String(), Online: m.Online, Self: m.Self}
	}
	return out
}

// dispatchGroup runs the group commands; handled is false for others.
func (h *headless) dispatchGroup(ctx context.Context, cmd headlessCommand) (handled bool, err error) {
	if !strings.HasPrefix(cmd.Cmd, "group") {
		return false, nil
	}
	switch cmd.Cmd {
	case "groups":
		list, err := h.core.Groups(ctx)
		if err != nil {
			return true, err
		}
		out := make([]groupJSONT, len(list))
		for i, g := range list {
			out[i] = groupToJSON(g)
		}
		h.out.write(groupsLine{Event: "groups", Ref: cmd.Ref, Groups: out})
		return true, nil
	case "group_create":
		g, err := h.core.CreateGroup(ctx, cmd.Name, cmd.Text)
		if err != nil {
			return true, err
		}
		h.out.write(groupLine{Event: "group_created", Ref: cmd.Ref, Group: groupToJSON(g)})
		return true, nil
	}
	gid, err := h.resolveGroup(ctx, cmd.ID)
	if err != nil {
		return true, err
	}
	switch cmd.Cmd {
	case "group_invite":
		who, err := h.resolve(ctx, cmd.To)
		if err != nil {
			return true, err
		}
		return true, h.core.Invite(ctx, gid, who)
	case "group_accept":
		return true, h.core.AcceptInvite(ctx, gid)
	case "group_decline":
		return true, h.core.DeclineInvite(ctx, gid)
	case "group_kick", "group_promote", "group_demote":
		who, err := h.resolveMember(ctx, gid, cmd.To)
		if err != nil {
			return true, err
		}
		switch cmd.Cmd {
		case "group_kick":
			return true, h.core.Kick(ctx, gid, who)
		case "group_promote":
			return true, h.core.Promote(ctx, gid, who)
		}
		return true, h.core.Demote(ctx, gid, who)
	case "group_leave":
		return true, h.core.Leave(ctx, gid)
	case "group_delete":
		return true, h.core.DeleteGroup(ctx, gid)
	case "group_rename", "group_topic":
		g, err := h.core.Group(ctx, gid)
		if err != nil {
			return true, err
		}
		name, desc := g.Name, g.Description
		if cmd.Cmd == "group_rename" {
			name = cmd.Name
		} else {
			desc = cmd.Text
		}
		return true, h.core.SetGroupInfo(ctx, gid, name, desc)
	case "group_send":
		return true, h.send(ctx, app.GroupChat(gid), cmd)
	case "group_read":
		return true, h.core.MarkRead(ctx, app.GroupChat(gid))
	case "group_history":
		return true, h.history(ctx, app.GroupChat(gid), cmd)
	}
	return false, nil
}

func (h *headless) resolveGroup(ctx context.Context, what string) (crypto.GroupID, error) {
	if what == "" {
		return crypto.GroupID{}, errors.New("missing group: give \"id\" as a group ID or name")
	}
	return h.core.ResolveGroup(ctx, what)
}

func (h *headless) resolveMember(ctx context.Context, gid crypto.GroupID, who string) (crypto.ID, error) {
	if who == "" {
		return crypto.ID{}, errors.New("missing member: give \"to\" as an ID or name")
	}
	return h.core.ResolveMember(ctx, gid, who)
}
