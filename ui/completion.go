package ui

import (
	"sort"
	"strings"
)

// commandNames are the commands Tab completes.
var commandNames = []string{"/accept", "/add", "/clear", "/code", "/help", "/info", "/lock", "/quit", "/reject", "/remove", "/rename"}

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
		var names []string
		for _, id := range u.order {
			names = append(names, plainPeerText(u.convs[id].contact.Name, false))
		}
		mv.completion = completeLine(line, names)
	}
	if mv.completion == nil {
		return
	}
	mv.input.SetText(mv.completion.next())
}
