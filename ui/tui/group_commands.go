package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"jarvis/app"
	"jarvis/crypto"
)

// runGroup runs a core group command on a worker; a failure shows as
// "what: reason" in the notice line.
func runGroup(u *UI, what string, work func(ctx context.Context, core appCore) (string, error)) {
	u.run(func(ctx context.Context, core appCore) (string, error) {
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

// activeGroup is the group c acts on if we are a member of it; otherwise
// it says what to do and returns nil. Dispatch has checked it is a group.
func activeGroup(u *UI, c call) *conversation {
	gc := u.convs[c.target]
	switch gc.group.State {
	case app.GroupActive:
		return gc
	case app.GroupInvited:
		u.notice("Join the group first: /accept, or /reject to decline.")
	default:
		u.notice("You are no longer in this group. /delete removes it.")
	}
	return nil
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

func createGroup(u *UI, c call) bool {
	name, desc := splitGroupArg(c.arg)
	if name == "" {
		u.notice("Usage: " + c.usage())
		return false
	}
	if err := crypto.ValidateName(name); err != nil {
		u.notice("That group name will not do: " + err.Error())
		return false
	}
	runGroup(u, "Could not create the group", func(ctx context.Context, core appCore) (string, error) {
		g, err := core.CreateGroup(ctx, name, desc)
		if err != nil {
			return "", err
		}
		u.post(func() {
			u.upsertGroup(g)
			u.sortConvs()
			u.open(app.GroupChat(g.ID))
			u.notice(sentence("Created #"+name) + " Add contacts with /invite NAME.")
			u.renderAll()
		})
		return "", nil
	})
	return true
}

// join makes the handler of /join or /decline.
func join(accept bool) func(*UI, call) bool {
	return func(u *UI, c call) bool { return answerInvite(u, c.target.Group(), accept) }
}

func answerInvite(u *UI, id crypto.GroupID, accept bool) bool {
	g := u.convs[app.GroupChat(id)].group
	name := "#" + plainPeerText(g.Name, false)
	if g.State != app.GroupInvited {
		u.notice(name + " has no invite waiting for an answer.")
		return false
	}
	if accept {
		runGroup(u, "Could not join "+name, func(ctx context.Context, core appCore) (string, error) {
			if err := core.AcceptInvite(ctx, id); err != nil {
				return "", err
			}
			u.post(func() {
				u.open(app.GroupChat(id))
				u.notice(sentence("You joined "+name) + " Messages arrive as members come online.")
			})
			return "", nil
		})
	} else {
		runGroup(u, "Could not decline", func(ctx context.Context, core appCore) (string, error) {
			return sentence("Declined the invite to " + name), core.DeclineInvite(ctx, id)
		})
	}
	return true
}

func invite(u *UI, c call) bool {
	gc := activeGroup(u, c)
	if gc == nil {
		return false
	}
	if c.arg == "" {
		u.notice("Usage: " + c.usage() + " — a contact to add to this group (admins).")
		return false
	}
	id, err := c.names.contact(c.arg)
	if err != nil {
		u.notice(err.Error())
		return false
	}
	conv := u.contact(id)
	if conv == nil {
		u.notice(c.arg + " is not on the screen yet; try again in a moment.")
		return false
	}
	contact := conv.contact
	who := plainPeerText(contact.Name, false)
	if contact.State != app.ContactAccepted {
		u.notice(who + " is not a contact yet; they must accept your request first.")
		return false
	}
	for _, m := range gc.group.Members {
		if m.ID == contact.ID {
			u.notice(who + " is already in this group.")
			return false
		}
	}
	gid := gc.group.ID
	runGroup(u, "Could not invite "+who, func(ctx context.Context, core appCore) (string, error) {
		return sentence("Invited "+who) + " The invite reaches them when they are online.", core.Invite(ctx, gid, contact.ID)
	})
	return true
}

func members(u *UI, c call) bool {
	showMembers(u, u.convs[c.target].group)
	return true
}

func kick(u *UI, c call) bool {
	return editMember(u, c, "remove", "Removed %s from the group.", appCore.Kick)
}

func promote(u *UI, c call) bool {
	return editMember(u, c, "promote", "%s is now an admin.", appCore.Promote)
}

func demote(u *UI, c call) bool {
	return editMember(u, c, "demote", "%s is now a plain member.", appCore.Demote)
}

// editMember changes the role or membership of the member c names: verb
// says what failed ("Could not " + verb + " NAME"), done is a format for
// what happened.
func editMember(u *UI, c call, verb, done string, edit func(appCore, context.Context, crypto.GroupID, crypto.ID) error) bool {
	gc := activeGroup(u, c)
	if gc == nil {
		return false
	}
	if c.arg == "" {
		u.notice("Usage: " + c.usage() + " — a member of this group.")
		return false
	}
	m, err := c.names.member(gc.group.ID, c.arg)
	if err != nil {
		u.notice(err.Error())
		return false
	}
	if m == u.self.ID {
		u.notice("That is you. /leave leaves the group.")
		return false
	}
	id, who := gc.group.ID, plainPeerText(u.nameIn(gc.group, m), false)
	runGroup(u, "Could not "+verb+" "+who, func(ctx context.Context, core appCore) (string, error) {
		return fmt.Sprintf(done, who), edit(core, ctx, id, m)
	})
	return true
}

func leave(u *UI, c call) bool {
	gc := activeGroup(u, c)
	if gc == nil {
		return false
	}
	id, name := gc.group.ID, "#"+plainPeerText(gc.group.Name, false)
	u.confirm("Leave group", "Leave "+tviewSafe(name)+"? You stop receiving its messages. The history stays until /delete.", func() {
		runGroup(u, "Could not leave "+name, func(ctx context.Context, core appCore) (string, error) {
			return sentence("You left "+name) + " /delete removes its history.", core.Leave(ctx, id)
		})
	})
	return true
}

func topic(u *UI, c call) bool {
	gc := activeGroup(u, c)
	if gc == nil {
		return false
	}
	if c.arg == "" {
		u.notice("Usage: " + c.usage() + " — sets the group's description (admins).")
		return false
	}
	id, name, text := gc.group.ID, gc.group.Name, c.arg
	runGroup(u, "Could not set the topic", func(ctx context.Context, core appCore) (string, error) {
		return "Topic set.", core.SetGroupInfo(ctx, id, name, text)
	})
	return true
}

func renameGroup(u *UI, c call) bool {
	gc := activeGroup(u, c)
	if gc == nil {
		return false
	}
	name := c.arg
	if name == "" {
		u.notice("Usage: " + c.usage() + " — renames this group for everyone (admins).")
		return false
	}
	if err := crypto.ValidateName(name); err != nil {
		u.notice("That name will not do: " + err.Error())
		return false
	}
	id, desc := gc.group.ID, gc.group.Description
	runGroup(u, "Could not rename the group", func(ctx context.Context, core appCore) (string, error) {
		return sentence("Renamed the group to #" + name), core.SetGroupInfo(ctx, id, name, desc)
	})
	return true
}

// nick changes our own name in the group: only we can, and the others
// see a system line.
func nick(u *UI, c call) bool {
	gc := activeGroup(u, c)
	if gc == nil {
		return false
	}
	name := c.arg
	if name == "" {
		u.notice("Usage: " + c.usage() + " — your name in this group, as the others see it.")
		return false
	}
	if err := crypto.ValidateName(name); err != nil {
		u.notice("That name will not do: " + err.Error())
		return false
	}
	id, where := gc.group.ID, "#"+plainPeerText(gc.group.Name, false)
	runGroup(u, "Could not change your name", func(ctx context.Context, core appCore) (string, error) {
		return sentence("You are now " + plainPeerText(name, false) + " in " + where), core.SetMyGroupName(ctx, id, name)
	})
	return true
}

func deleteGroup(u *UI, id crypto.GroupID) {
	name := "#" + plainPeerText(u.convs[app.GroupChat(id)].group.Name, false)
	u.confirmByName("Delete group", "Delete "+tviewSafe(name)+" and its whole history from this device? "+
		"If you are still a member, you leave it. This cannot be undone.", name, func() {
		runGroup(u, "Could not delete "+name, func(ctx context.Context, core appCore) (string, error) {
			return sentence("Deleted " + name), core.DeleteGroup(ctx, id)
		})
	})
}

// sentence ends s with a full stop, unless a name at its end already
// brings one ("Renamed to Bobby B.", not "Bobby B..").
func sentence(s string) string {
	if strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "…") {
		return s
	}
	return s + "."
}

// tviewSafe escapes already sanitised text for a markup widget.
func tviewSafe(s string) string { return peerText(s, false) }
