package tui

import (
	"errors"
	"strings"
)

// parse turns an input line that starts with "/" into a call: the command
// it names and the conversation it acts on. The error is what the notice
// line should say: short, and what to do next.
// Names are resolved by the core (names.go); l says which conversations
// the screen knows.
func (t commandTable) parse(line string, l *convList, n names) (call, error) {
	name, arg, _ := strings.Cut(strings.TrimSpace(line), " ")
	cmd := t.lookup(name)
	if cmd == nil {
		return call{}, unknownCommand(t, name)
	}
	c := call{cmd: cmd, name: strings.ToLower(name), arg: strings.TrimSpace(arg), target: l.cur, names: n}
	if err := c.resolveTarget(l); err != nil {
		return call{}, err
	}
	return c, c.checkScope(l)
}

func unknownCommand(t commandTable, name string) error {
	hint := ""
	if s := t.suggest(name); s != "" {
		hint = " Did you mean " + s + "?"
	}
	return errors.New("Unknown command " + name + "." + hint + " /help lists them; // sends a message starting with /.")
}

// resolveTarget sets the conversation a command that names one acts on.
func (c *call) resolveTarget(l *convList) error {
	kind := c.cmd.arg
	if kind != argConv && kind != argGroup {
		return nil
	}
	if c.arg == "" {
		named := c.name + " " + strings.Trim(c.cmd.usage, "[]") // "/info NAME"
		if !l.exists(c.target) {
			return errors.New("Open a conversation first (Ctrl+N), or name it: " + named + ".")
		}
		if kind == argGroup && !c.target.IsGroup() {
			return errors.New(c.name + " is for groups: open the group first (Ctrl+N), or name it: " + named + ".")
		}
		return nil
	}
	k, err := c.names.conversation(c.arg, kind)
	if err != nil {
		return err // the core's words, the same in every frontend
	}
	if !l.exists(k) {
		return errors.New(c.arg + " is not on the screen yet; try again in a moment.")
	}
	c.target = k
	return nil
}

// checkScope says, if the command cannot work where it is used, why and
// where it does.
func (c *call) checkScope(l *convList) error {
	switch c.cmd.where {
	case inConv:
		if !l.exists(c.target) {
			return errors.New(c.name + " works in a conversation: open one first (Ctrl+N).")
		}
	case inGroup:
		if !c.target.IsGroup() || !l.exists(c.target) {
			return errors.New(c.name + " works in a group: open one first (Ctrl+N), or create one with /group NAME.")
		}
	}
	return nil
}

// command runs a slash command; false keeps the input line.
func (u *UI) command(line string) bool {
	c, err := u.commands.parse(line, &u.convList, names{ctx: u.ctx, r: u.core})
	if err != nil {
		u.notice(err.Error())
		return false
	}
	return c.cmd.run(u, c)
}
