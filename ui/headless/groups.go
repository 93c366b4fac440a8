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

type groupMessageJSON struct {
	ID       string `json:"id"`
	Group    string `json:"group"`
	From     string `json:"from"`
	FromName string `json:"from_name"`
	Outgoing bool   `json:"outgoing"`
	Text     string `json:"text"`
	Time     int64  `json:"time"`
	SentAt   int64  `json:"sent_at"`
	Seq      uint64 `json:"seq"`
	Cursor   int64  `json:"cursor"`
}

type groupMessageLine struct {
	Event string `json:"event"`
	groupMessageJSON
}

type groupSystemLine struct {
	Event string `json:"event"`
	Group string `json:"group"`
	Text  string `json:"text"`
}

type groupSentLine struct {
	Event string `json:"event"`
	Ref   string `json:"ref,omitempty"`
	ID    string `json:"id"`
	Group string `json:"group"`
}

type groupHistoryLine struct {
	Event    string             `json:"event"`
	Ref      string             `json:"ref,omitempty"`
	Group    string             `json:"group"`
	Messages []groupMessageJSON `json:"messages"`
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

func groupMessageToJSON(m app.GroupMessage) groupMessageJSON {
	return groupMessageJSON{
		ID: m.ID.String(), Group: m.Group.String(), From: m.Author.String(), FromName: m.AuthorName,
		Outgoing: m.Outgoing, Text: m.Text, Time: millis(m.At), SentAt: millis(m.SentAt), Seq: m.Seq, Cursor: m.Cursor,
	}
}

// groupEventJSON maps group events to JSON lines; nil for other events.
func groupEventJSON(ev app.Event) any {
	switch ev := ev.(type) {
	case app.GroupInvite:
		return groupInviteLine{Event: "group_invite", Group: groupToJSON(ev.Group), From: ev.From.String(), FromName: ev.FromName}
	case app.GroupUpdated:
		return groupLine{Event: "group_updated", Group: groupToJSON(ev.Group)}
	case app.GroupMessageReceived:
		return groupMessageLine{Event: "group_message", groupMessageJSON: groupMessageToJSON(ev.Message)}
	case app.GroupSystem:
		return groupSystemLine{Event: "group_system", Group: ev.Group.String(), Text: ev.Text}
	case app.GroupRemoved:
		return groupSystemLine{Event: "group_removed", Group: ev.ID.String()}
	}
	return nil
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
		id, err := h.core.SendGroup(ctx, gid, cmd.Text)
		if err != nil {
			return true, err
		}
		h.out.write(groupSentLine{Event: "group_sent", Ref: cmd.Ref, ID: id.String(), Group: gid.String()})
		return true, nil
	case "group_read":
		return true, h.core.MarkGroupRead(ctx, gid)
	case "group_history":
		msgs, err := h.core.GroupHistory(ctx, gid, cmd.Before, cmd.Limit)
		if err != nil {
			return true, err
		}
		out := make([]groupMessageJSON, len(msgs))
		for i, m := range msgs {
			out[i] = groupMessageToJSON(m)
		}
		h.out.write(groupHistoryLine{Event: "group_history", Ref: cmd.Ref, Group: gid.String(), Messages: out})
		return true, nil
	}
	return false, nil
}

func (h *headless) resolveGroup(ctx context.Context, what string) (crypto.GroupID, error) {
	if what == "" {
		return crypto.GroupID{}, errors.New("missing group: give \"id\" as a group ID or name")
	}
	return h.core.ResolveGroup(ctx, what)
}

// resolveMember accepts a full ID, a unique member name, or a contact.
func (h *headless) resolveMember(ctx context.Context, gid crypto.GroupID, who string) (crypto.ID, error) {
	if who == "" {
		return crypto.ID{}, errors.New("missing member: give \"to\" as an ID or name")
	}
	if id, err := crypto.ParseID(who); err == nil {
		return id, nil
	}
	g, err := h.core.Group(ctx, gid)
	if err != nil {
		return crypto.ID{}, err
	}
	var found []crypto.ID
	for _, m := range g.Members {
		if strings.EqualFold(m.Name, who) || (len(who) >= 4 && strings.HasPrefix(m.ID.String(), strings.ToLower(who))) {
			found = append(found, m.ID)
		}
	}
	switch len(found) {
	case 0:
		return crypto.ID{}, app.ErrUnknownMember
	case 1:
		return found[0], nil
	}
	return crypto.ID{}, app.ErrAmbiguousName
}
