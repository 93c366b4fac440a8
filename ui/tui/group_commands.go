package tui

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"time"

	"jarvis/app"
	"jarvis/crypto"
)

// groupCommand runs the group commands; handled is false for a name it
// does not know, keep as for command.
func (u *UI) groupCommand(name, arg string) (handled, keep bool) {
	switch name {
	case "/group":
		return true, u.createGroup(arg)
	case "/join", "/decline":
		k, ok := u.resolve(arg, "group")
		if !ok {
			return true, false
		}
		return true, u.answerInvite(k.group, name == "/join")
	case "/invite":
		return true, u.invite(arg)
	case "/kick", "/promote", "/demote":
		return true, u.memberAction(name, arg)
	case "/leave":
		return true, u.leave()
	case "/topic":
		return true, u.topic(arg)
	case "/members":
		gc := u.openGroupFor("/members")
		if gc == nil {
			return true, false
		}
		u.showMembers(gc.group)
		return true, true
	}
	return false, false
}

// runGroup runs a core group command on a worker; a failure shows as
// "what: reason" in the notice line.
func (u *UI) runGroup(what string, work func(ctx context.Context, core *app.Core) (string, error)) {
	u.run(func(ctx context.Context, core *app.Core) (string, error) {
		msg, err := work(ctx, core)
		if err != nil {
			return "", errors.New(what + ": " + groupErrText(err))
		}
		return msg, nil
	})
}

// groupErrText rewords the core errors whose advice points elsewhere.
func groupErrText(err error) string {
	switch {
	case errors.Is(err, app.ErrUnknownGroup):
		return "that group is no longer on this device"
	case errors.Is(err, app.ErrUnknownContact):
		return "no such contact; add them with /add first"
	case errors.Is(err, app.ErrNotInGroup):
		return "you are not a member of this group any more"
	}
	return err.Error()
}

// openGroupFor returns the open group, or says that cmd needs one.
func (u *UI) openGroupFor(cmd string) *groupConv {
	gc := u.groups[u.cur.group]
	if gc == nil {
		u.notice(cmd + " works in a group: open one first (Ctrl+N), or create one with /group NAME.")
	}
	return gc
}

// activeGroupFor is openGroupFor for commands that need membership.
func (u *UI) activeGroupFor(cmd string) *groupConv {
	gc := u.openGroupFor(cmd)
	switch {
	case gc == nil:
	case gc.group.State == app.GroupInvited:
		u.notice("Join the group first: /accept, or /reject to decline.")
		return nil
	case gc.group.State != app.GroupActive:
		u.notice("You are no longer in this group. /delete removes it.")
		return nil
	}
	return gc
}

// splitGroupArg splits "NAME — description" (also " -- " or " - ").
func splitGroupArg(arg string) (name, desc string) {
	cut := -1
	width := 0
	for _, sep := range []string{"—", " -- ", " - "} {
		if i := strings.Index(arg, sep); i >= 0 && (cut < 0 || i < cut) {
			cut, width = i, len(sep)
		}
	}
	if cut < 0 {
		return strings.TrimSpace(arg), ""
	}
	return strings.TrimSpace(arg[:cut]), strings.TrimSpace(arg[cut+width:])
}

func (u *UI) createGroup(arg string) bool {
	name, desc := splitGroupArg(arg)
	if name == "" {
		u.notice("Usage: /group NAME [— description]")
		return false
	}
	if err := crypto.ValidateName(name); err != nil {
		u.notice("That group name will not do: " + err.Error())
		return false
	}
	u.runGroup("Could not create the group", func(ctx context.Context, core *app.Core) (string, error) {
		g, err := core.CreateGroup(ctx, name, desc)
		if err != nil {
			return "", err
		}
		u.post(func() {
			u.upsertGroup(g)
			u.sortConvs()
			u.open(groupKey(g.ID))
			u.renderAll()
		})
		return "Created #" + name + ". Add contacts with /invite NAME.", nil
	})
	return true
}

// queueSend gives r a random echo ID, under which the message shows until
// the core reports it stored, and hands it to the sender goroutine; false
// (with a notice) if too many sends are already waiting.
func (u *UI) queueSend(r sendRequest) (sendRequest, bool) {
	rand.Read(r.echo[:])
	select {
	case u.sends <- r:
		return r, true
	default:
		u.notice("Too many messages waiting; try again in a moment.")
		return r, false
	}
}

// sendGroup shows a group message at once and queues it; false keeps the
// draft.
func (u *UI) sendGroup(text string) bool {
	gc := u.groups[u.cur.group]
	switch {
	case gc == nil:
		return false
	case gc.group.State == app.GroupInvited:
		u.notice("Join the group first: /accept")
		return false
	case gc.group.State != app.GroupActive:
		u.notice("You are no longer in this group; you cannot write here.")
		return false
	}
	r, ok := u.queueSend(sendRequest{group: gc.group.ID, text: text})
	if !ok {
		return false
	}
	echo, now := r.echo, time.Now()
	gc.lines = append(gc.lines, groupLine{
		msg:    app.Message{ID: echo, Conversation: app.GroupChat(gc.group.ID), Author: u.self.ID, Outgoing: true, Text: text, SentAt: now, At: now},
		queued: true, echoKey: echo,
	})
	gc.marker = app.MessageID{}
	gc.group.LastActivity = now
	u.sortConvs()
	u.renderAll()
	u.main.chat.ScrollToEnd()
	return true
}

func (u *UI) answerInvite(id crypto.GroupID, accept bool) bool {
	g := u.groups[id].group
	name := "#" + plainPeerText(g.Name, false)
	if g.State != app.GroupInvited {
		u.notice(name + " has no invite waiting for an answer.")
		return false
	}
	if accept {
		u.runGroup("Could not join "+name, func(ctx context.Context, core *app.Core) (string, error) {
			if err := core.AcceptInvite(ctx, id); err != nil {
				return "", err
			}
			u.post(func() { u.open(groupKey(id)) })
			return "You joined " + name + ". Messages arrive as members come online.", nil
		})
	} else {
		u.runGroup("Could not decline", func(ctx context.Context, core *app.Core) (string, error) {
			return "Declined the invite to " + name + ".", core.DeclineInvite(ctx, id)
		})
	}
	return true
}

func (u *UI) invite(arg string) bool {
	gc := u.activeGroupFor("/invite")
	if gc == nil {
		return false
	}
	if arg == "" {
		u.notice("Usage: /invite NAME — a contact to add to this group (admins).")
		return false
	}
	k, ok := u.resolve(arg, "contact")
	if !ok {
		return false
	}
	c := u.convs[k.contact].contact
	who := plainPeerText(c.Name, false)
	if c.State != app.ContactAccepted {
		u.notice(who + " is not a contact yet; they must accept your request first.")
		return false
	}
	for _, m := range gc.group.Members {
		if m.ID == c.ID {
			u.notice(who + " is already in this group.")
			return false
		}
	}
	id := gc.group.ID
	u.runGroup("Could not invite "+who, func(ctx context.Context, core *app.Core) (string, error) {
		return "Invited " + who + ". The invite reaches them when they are online.", core.Invite(ctx, id, c.ID)
	})
	return true
}

// member finds a member of g other than us by name (case-insensitive) or
// ID prefix of at least 4 characters.
func (u *UI) member(g app.Group, arg string) (app.GroupMember, bool) {
	var found []app.GroupMember
	for _, m := range g.Members {
		if !m.Self && strings.EqualFold(plainPeerText(m.Name, false), arg) {
			found = append(found, m)
		}
	}
	if len(found) == 0 && len(arg) >= 4 {
		for _, m := range g.Members {
			if !m.Self && strings.HasPrefix(m.ID.String(), strings.ToLower(arg)) {
				found = append(found, m)
			}
		}
	}
	switch len(found) {
	case 1:
		return found[0], true
	case 0:
		u.notice("No other member called " + arg + "; /members lists them.")
	default:
		u.notice("Several members are called " + arg + "; use the start of the ID (see /members).")
	}
	return app.GroupMember{}, false
}

func (u *UI) memberAction(cmd, arg string) bool {
	gc := u.activeGroupFor(cmd)
	if gc == nil {
		return false
	}
	if arg == "" {
		u.notice("Usage: " + cmd + " NAME — a member of this group.")
		return false
	}
	m, ok := u.member(gc.group, arg)
	if !ok {
		return false
	}
	id, who := gc.group.ID, plainPeerText(m.Name, false)
	switch cmd {
	case "/kick":
		u.runGroup("Could not remove "+who, func(ctx context.Context, core *app.Core) (string, error) {
			return "Removed " + who + " from the group.", core.Kick(ctx, id, m.ID)
		})
	case "/promote":
		u.runGroup("Could not promote "+who, func(ctx context.Context, core *app.Core) (string, error) {
			return who + " is now an admin.", core.Promote(ctx, id, m.ID)
		})
	case "/demote":
		u.runGroup("Could not demote "+who, func(ctx context.Context, core *app.Core) (string, error) {
			return who + " is now a plain member.", core.Demote(ctx, id, m.ID)
		})
	}
	return true
}

func (u *UI) leave() bool {
	gc := u.activeGroupFor("/leave")
	if gc == nil {
		return false
	}
	id, name := gc.group.ID, "#"+plainPeerText(gc.group.Name, false)
	u.confirm("Leave group", "Leave "+tviewSafe(name)+"? You stop receiving its messages. The history stays until /delete.", func() {
		u.runGroup("Could not leave "+name, func(ctx context.Context, core *app.Core) (string, error) {
			return "You left " + name + ". /delete removes its history.", core.Leave(ctx, id)
		})
	})
	return true
}

func (u *UI) topic(text string) bool {
	gc := u.activeGroupFor("/topic")
	if gc == nil {
		return false
	}
	if text == "" {
		u.notice("Usage: /topic TEXT — sets the group's description (admins).")
		return false
	}
	id, name := gc.group.ID, gc.group.Name
	u.runGroup("Could not set the topic", func(ctx context.Context, core *app.Core) (string, error) {
		return "Topic set.", core.SetGroupInfo(ctx, id, name, text)
	})
	return true
}

func (u *UI) renameGroup(name string) bool {
	gc := u.activeGroupFor("/rename")
	if gc == nil {
		return false
	}
	if name == "" {
		u.notice("Usage: /rename NAME — renames this group for everyone (admins).")
		return false
	}
	if err := crypto.ValidateName(name); err != nil {
		u.notice("That name will not do: " + err.Error())
		return false
	}
	id, desc := gc.group.ID, gc.group.Description
	u.runGroup("Could not rename the group", func(ctx context.Context, core *app.Core) (string, error) {
		return "Renamed the group to #" + name + ".", core.SetGroupInfo(ctx, id, name, desc)
	})
	return true
}

func (u *UI) deleteGroup(id crypto.GroupID) {
	name := "#" + plainPeerText(u.groups[id].group.Name, false)
	u.confirm("Delete group", "Delete "+tviewSafe(name)+" and its whole history from this device? "+
		"If you are still a member, you leave it. This cannot be undone.", func() {
		u.runGroup("Could not delete "+name, func(ctx context.Context, core *app.Core) (string, error) {
			return "Deleted " + name + ".", core.DeleteGroup(ctx, id)
		})
	})
}

// tviewSafe escapes already sanitised text for a markup widget.
func tviewSafe(s string) string { return peerText(s, false) }
