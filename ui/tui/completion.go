package tui

import (
	"sort"
	"strings"
)

// completion remembers the candidates of the last Tab, so pressing it
// again cycles through them.
type completion struct {
	base   string // the line before the completed word
	cands  []string
	idx    int
	result string // the line after the last completion
}

// complete computes candidates for the last word of line: command names
// for a leading "/word", otherwise the names the command before it takes
// (names, for a plain message).
func (t commandTable) complete(line string, names []string) *completion {
	i := strings.LastIndexByte(line, ' ') + 1
	base, word := line[:i], line[i:]
	var cands []string
	if base == "" && isCommand(word) {
		for _, c := range t.names() {
			if strings.HasPrefix(c, strings.ToLower(word)) {
				cands = append(cands, c+" ")
			}
		}
	} else {
		// A name first on a message line addresses them, as in IRC.
		suffix := ""
		if base == "" && !isCommand(word) {
			suffix = ": "
		}
		lw := strings.ToLower(word)
		for _, n := range names {
			if strings.HasPrefix(strings.ToLower(n), lw) {
				cands = append(cands, n+suffix)
			}
		}
		sort.Strings(cands)
	}
	if len(cands) == 0 {
		return nil
	}
	return &completion{base: base, cands: cands, idx: -1}
}

// next returns the line with the next candidate in place.
func (c *completion) next() string {
	c.idx = (c.idx + 1) % len(c.cands)
	c.result = c.base + c.cands[c.idx]
	return c.result
}

// argNames are the names Tab offers after what is typed: what the
// command's argument takes, or for a plain message the open group's
// members (in a group) or any conversation.
func (t commandTable) argNames(line string, l *convList) []string {
	name, _, hasArg := strings.Cut(line, " ")
	switch {
	case !isCommand(name):
		if l.openGroup() != nil {
			return l.candidates(argMember)
		}
		return l.candidates(argConv)
	case !hasArg:
		return nil
	}
	if cmd := t.lookup(name); cmd != nil {
		return l.candidates(cmd.arg)
	}
	return nil
}

// complete handles Tab on the input line.
func (u *UI) complete() {
	mv := u.main
	line := mv.input.GetText()
	if mv.completion == nil || mv.completion.result != line {
		if c := u.commands.completePath(line); c != nil {
			mv.completion = c
		} else {
			mv.completion = u.commands.complete(line, u.commands.argNames(line, &u.convList))
		}
	}
	if mv.completion == nil {
		return
	}
	mv.input.SetText(mv.completion.next())
}
