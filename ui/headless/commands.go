package headless

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"jarvis/app"
)

// request is one line on stdin. Ref, if given, is echoed in the reply so a
// script can match answers to questions.
type request struct {
	Cmd      string `json:"cmd"`
	Ref      string `json:"ref,omitempty"`
	Code     string `json:"code,omitempty"`
	ID       string `json:"id,omitempty"`
	To       string `json:"to,omitempty"`
	With     string `json:"with,omitempty"`
	Text     string `json:"text,omitempty"`
	Name     string `json:"name,omitempty"`
	Limit    int    `json:"limit,omitempty"`
	Before   int64  `json:"before,omitempty"`
	Active   bool   `json:"active,omitempty"`
	Verified *bool  `json:"verified,omitempty"`
	File     string `json:"file,omitempty"`

	// search
	In string `json:"in,omitempty"`
	// Message operations (message_ops.go).
	ReplyTo  string `json:"reply_to,omitempty"`
	Emoji    string `json:"emoji,omitempty"`
	Everyone bool   `json:"everyone,omitempty"`
	Path     string `json:"path,omitempty"`
	// Group files (files.go): file_send to a group.
	Group string `json:"group,omitempty"`
}

// field returns the text field called name, "" when the line left it out.
// Only text fields can be required: numbers and flags have defaults.
func (r *request) field(name string) string {
	switch name {
	case "code":
		return r.Code
	case "id":
		return r.ID
	case "to":
		return r.To
	case "with":
		if r.With == "" {
			return r.ID // history has always taken "id" too
		}
		return r.With
	case "text":
		return r.Text
	case "name":
		return r.Name
	case "file":
		return r.File
	case "path":
		return r.Path
	case "group":
		return r.Group
	}
	return ""
}

// A handler runs one command. Answers go to h.out; a returned error
// becomes an "error" line carrying the request's ref.
type handler func(h *headless, ctx context.Context, r request) error

// command is one entry of the headless protocol: the JSON "cmd", the
// fields it cannot do without, the ones it may take, a line of help and
// its handler. The table below is the only list of commands: dispatch,
// the "help" answer and the errors that name commands come from it.
type command struct {
	name     string
	needs    []string // text fields that must be given and non-empty
	optional []string
	help     string
	run      handler
}

// errQuit ends the session; it is never shown.
var errQuit = errors.New("quit")

// commandTable lists every command in the order "help" shows them. It is a
// function, not a variable, so each session owns its copy and the package
// holds no state.
func commandTable() []command {
	var (
		id     = []string{"id"}
		idTo   = []string{"id", "to"}
		paging = []string{"limit", "before"}
	)
	return []command{
		{name: "help", help: "list the commands, the fields each needs and what it does", run: (*headless).help},
		{name: "code", help: "show your link code", run: (*headless).code},
		{name: "add", needs: []string{"code"}, help: "ask the owner of a link code to be your contact", run: (*headless).add},
		{name: "pair_start", help: "show a short code to pair with a device on this network", run: (*headless).pairStart},
		{name: "pair_join", needs: []string{"code"}, help: "pair with the device showing this code", run: (*headless).pairJoin},
		{name: "pair_cancel", help: "withdraw the code this device shows", run: (*headless).pairCancel},
		{name: "accept", needs: id, help: "accept a contact request", run: onContact((*app.Core).Accept)},
		{name: "reject", needs: id, help: "decline a contact request", run: onContact((*app.Core).Reject)},
		{name: "contacts", help: "list contacts and requests", run: (*headless).contacts},
		{name: "send", needs: []string{"to", "text"}, optional: []string{"reply_to"}, help: "send a message to a contact",
			run: inChat("to", (*headless).send)},
		{name: "read", needs: id, help: "mark a chat read; receipts go to the contact", run: inChat("id", (*headless).markRead)},
		{name: "typing", needs: []string{"to"}, optional: []string{"active"}, help: "tell a contact you are typing",
			run: (*headless).typing},
		{name: "history", needs: []string{"with"}, optional: paging, help: `page back through a chat ("id" may stand for "with")`,
			run: inChat("with", (*headless).history)},
		{name: "export", needs: []string{"with", "file"}, help: "save a chat to a file as text (JSON if it ends in .json); plaintext, mode 0600",
			run: inChat("with", (*headless).export)},
		{name: "rename", needs: []string{"id", "name"}, help: "rename a contact on this device", run: (*headless).rename},
		{name: "verify", needs: id, optional: []string{"verified"}, help: "record that you compared the safety number",
			run: (*headless).verify},
		{name: "remove", needs: id, help: "delete a contact and your chat", run: onContact((*app.Core).Remove)},
		{name: "groups", help: "list groups and invites", run: (*headless).groups},
		{name: "group_create", needs: []string{"name"}, optional: []string{"text"}, help: "create a group, text its description",
			run: (*headless).createGroup},
		{name: "group_invite", needs: idTo, help: "invite a contact into a group", run: (*headless).invite},
		{name: "group_accept", needs: id, help: "join a group you are invited to", run: onGroup((*app.Core).AcceptInvite)},
		{name: "group_decline", needs: id, help: "decline a group invite", run: onGroup((*app.Core).DeclineInvite)},
		{name: "group_kick", needs: idTo, help: "remove a member from a group", run: onMember((*app.Core).Kick)},
		{name: "group_promote", needs: idTo, help: "make a member an admin", run: onMember((*app.Core).Promote)},
		{name: "group_demote", needs: idTo, help: "make an admin a member again", run: onMember((*app.Core).Demote)},
		{name: "group_rename", needs: []string{"id", "name"}, help: "rename a group", run: (*headless).renameGroup},
		{name: "group_nick", needs: []string{"id", "name"}, help: "set your own name in a group", run: (*headless).nick},
		{name: "group_topic", needs: id, optional: []string{"text"}, help: "set a group's description", run: (*headless).setTopic},
		{name: "group_leave", needs: id, help: "leave a group, keeping its history", run: onGroup((*app.Core).Leave)},
		{name: "group_delete", needs: id, help: "leave a group and delete it here", run: onGroup((*app.Core).DeleteGroup)},
		{name: "group_send", needs: []string{"id", "text"}, optional: []string{"reply_to"}, help: "send a message to a group",
			run: inGroup((*headless).send)},
		{name: "group_read", needs: id, help: "mark a group's messages seen", run: inGroup((*headless).markRead)},
		{name: "group_history", needs: id, optional: paging, help: "page back through a group", run: inGroup((*headless).history)},
		{name: "group_export", needs: []string{"id", "file"}, help: "save a group's history to a file, like export",
			run: inGroup((*headless).export)},

		{name: "search", needs: []string{"text"}, optional: []string{"in", "limit"},
			help: "find messages holding every word (the last may be a prefix), in every conversation or the one in \"in\"",
			run:  (*headless).search},

		// Message operations (message_ops.go).
		{name: "react", needs: id, optional: []string{"emoji"}, help: "react to a message; the same emoji again or none takes it back",
			run: onMessage((*headless).react)},
		{name: "edit", needs: []string{"id", "text"}, help: "change the text of your message (within 24 hours)",
			run: onMessage((*headless).edit)},
		{name: "delete", needs: id, optional: []string{"everyone"}, help: "delete a message here, or with everyone: true for all",
			run: onMessage((*headless).deleteMessage)},
		// Files (files.go).
		{name: "file_send", needs: []string{"path"}, optional: []string{"to", "group"},
			help: "offer a file to a contact (to) or to every member of a group (group)", run: (*headless).fileSend},
		{name: "file_accept", needs: id, help: "accept a file offer: it is saved in the downloads directory", run: onTransfer((*app.Core).AcceptFile)},
		{name: "file_reject", needs: id, help: "decline a file offer", run: onTransfer((*app.Core).RejectFile)},
		{name: "file_cancel", needs: id, help: "stop a transfer, sent or received", run: onTransfer((*app.Core).CancelFile)},
		{name: "files", help: "list file transfers and their states", run: (*headless).files},
		{name: "quit", help: "stop Jarvis", run: func(*headless, context.Context, request) error { return errQuit }},
	}
}

// commands finds table entries by name.
type commands struct {
	list   []command
	byName map[string]*command
}

func newCommands() *commands {
	c := &commands{list: commandTable(), byName: make(map[string]*command)}
	for i := range c.list {
		c.byName[c.list[i].name] = &c.list[i]
	}
	return c
}

// dispatch runs the command r names, once the fields it needs are there.
func (h *headless) dispatch(ctx context.Context, r request) error {
	if r.Cmd == "" {
		return errors.New(`missing "cmd"; send {"cmd":"help"} for the list of commands`)
	}
	c, ok := h.commands.byName[r.Cmd]
	if !ok {
		return fmt.Errorf(`unknown command %q; the commands are %s; send {"cmd":"help"} for what each needs`, r.Cmd, h.commands.names())
	}
	if err := c.check(r); err != nil {
		return err
	}
	return c.run(h, ctx, r)
}

// check reports the first needed field r lacks, with a line to send
// instead.
func (c *command) check(r request) error {
	for _, f := range c.needs {
		if r.field(f) == "" {
			return fmt.Errorf("%s needs %q; send %s", c.name, f, c.example())
		}
	}
	return nil
}

// example is a line that runs c, with placeholders for the fields it needs.
func (c *command) example() string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"cmd":%q`, c.name)
	for _, f := range c.needs {
		fmt.Fprintf(&b, `,%q:"…"`, f)
	}
	b.WriteString("}")
	return b.String()
}

func (c *commands) names() string {
	names := make([]string, len(c.list))
	for i, cmd := range c.list {
		names[i] = cmd.name
	}
	return strings.Join(names, ", ")
}

type commandJSON struct {
	Cmd      string   `json:"cmd"`
	Needs    []string `json:"needs"`
	Optional []string `json:"optional"`
	Help     string   `json:"help"`
}

type helpLine struct {
	Event    string        `json:"event"`
	Ref      string        `json:"ref,omitempty"`
	Commands []commandJSON `json:"commands"`
}

func (h *headless) help(_ context.Context, r request) error {
	out := make([]commandJSON, len(h.commands.list))
	for i, c := range h.commands.list {
		out[i] = commandJSON{Cmd: c.name, Needs: nonNil(c.needs), Optional: nonNil(c.optional), Help: c.help}
	}
	h.out.write(helpLine{Event: "help", Ref: r.Ref, Commands: out})
	return nil
}

// nonNil keeps empty lists as [] in JSON, so scripts need not test for null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
