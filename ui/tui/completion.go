package tui

import (
	"sort"
	"strings"

	"jarvis/app"
	"jarvis/crypto"
)

// commandNames are the commands Tab completes.
var commandNames = []string{"/accept", "/add", "/clear", "/code", "/decline", "/delete", "/demote", "/group", "/help", "/info",
	"/invite", "/join", "/kick", "/leave", "/lock", "/members", "/promote", "/quit", "/reject", "/remove", "/rename", "/topic"}

// completion remembers the candidates of the last Tab, so pressing it
// again cycles through them.
type completion struct {
	base   string // the line before the completed word
	cands  []string
	idx    int
	result string // the line after the last completion
}

// completeLine computes candidates for the last word of line: command
// names for a leading "/word", contact names otherwise.
func completeLine(line string, names []string) *completion {
	i := strings.LastIndexByte(line, ' ') + 1
	base, word := line[:i], line[i:]
	var cands []string
	if base == "" && strings.HasPrefix(word, "/") && !strings.HasPrefix(word, "//") {
		for _, c := range commandNames {
			if strings.HasPrefix(c, strings.ToLower(word)) {
				cands = append(cands, c+" ")
			}
		}
	} else {
		lw := strings.ToLower(word)
		for _, n := range names {
			if strings.HasPrefix(strings.ToLower(n), lw) {
				cands = append(cands, n)
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

// complete handles Tab on the input line.
func (u *UI) complete() {
	mv := u.main
	line := mv.input.GetText()
	if mv.completion == nil || mv.completion.result != line {
		mv.completion = completeLine(line, u.completionNames(line))
	}
	if mv.completion == nil {
		return
	}
	mv.input.SetText(mv.completion.next())
}

// completionNames are the names Tab offers after what is typed: members of
// the open group for /kick, /promote, /demote and in a group's messages;
// contacts not yet in it for /invite; any conversation otherwise.
func (u *UI) completionNames(line string) []string {
	cmd, _, hasArg := strings.Cut(line, " ")
	if !strings.HasPrefix(cmd, "/") || strings.HasPrefix(cmd, "//") {
		cmd, hasArg = "", true
	}
	if !hasArg {
		return nil
	}
	var names []string
	gc := u.groups[u.cur.group]
	switch strings.ToLower(cmd) {
	case "/kick", "/promote", "/demote", "":
		if gc == nil {
			break
		}
		for _, m := range gc.group.Members {
			if !m.Self {
				names = append(names, plainPeerText(m.Name, false))
			}
		}
		return names
	case "/invite":
		in := make(map[crypto.ID]bool)
		if gc != nil {
			for _, m := range gc.group.Members {
				in[m.ID] = true
			}
		}
		for id, conv := range u.convs {
			if !in[id] && conv.contact.State == app.ContactAccepted {
				names = append(names, plainPeerText(conv.contact.Name, false))
			}
		}
		return names
	case "/join", "/decline":
		for _, k := range u.order {
			if k.isGroup() {
				names = append(names, plainPeerText(u.summaryOf(k).name, false))
			}
		}
		return names
	}
	for _, k := range u.order {
		names = append(names, plainPeerText(u.summaryOf(k).name, false))
	}
	return names
}
