package tui

import (
	"slices"
	"strings"

	"jarvis/app"
)

// scope is where a command works, judged by the conversation it acts on:
// the one its argument names, or else the open one.
type scope uint8

const (
	anywhere scope = iota // with or without a conversation
	inConv                // in a 1:1 chat or a group
	inGroup               // in a group only
)

// argKind is what a command's argument names. It decides what Tab offers
// after the command and, for argConv and argGroup, which conversation the
// command acts on.
type argKind uint8

const (
	argNone    argKind = iota // nothing, or text Tab cannot guess (a code, a new name)
	argConv                   // a contact or group; empty means the open one
	argContact                // a contact to bring into the open group
	argGroup                  // a group; empty means the open one
	argMember                 // a member of the open group, other than us
	argPath                   // a file on this machine (files.go)
)

// section is the part of the help a command is listed in.
type section uint8

const (
	general section = iota
	groups
)

// command is one entry of the table that dispatch, help and Tab
// completion are all generated from.
type command struct {
	name    string   // "/accept", lower case
	aliases []string // other names that run it
	usage   string   // the argument, as help shows it: "[NAME]"
	help    string   // one line
	section section
	where   scope
	arg     argKind
	run     func(u *UI, c call) bool // false keeps the input line
}

// call is a command as typed, with the conversation it acts on.
type call struct {
	cmd    *command
	name   string             // as typed, lower case: an alias stays an alias in notices
	arg    string             // trimmed
	target app.ConversationID // see argKind; may be zero for anywhere commands
	names  names              // for handlers that resolve their argument
}

// usage is the command with its argument, as help shows it.
func (c call) usage() string { return strings.TrimSpace(c.name + " " + c.cmd.usage) }

// commandTable is every slash command, in the order help lists them.
type commandTable []command

// lookup finds a command by name or alias, ignoring case.
func (t commandTable) lookup(name string) *command {
	name = strings.ToLower(name)
	for i := range t {
		if t[i].name == name || slices.Contains(t[i].aliases, name) {
			return &t[i]
		}
	}
	return nil
}

// names are every name and alias, sorted, for Tab.
func (t commandTable) names() []string {
	var all []string
	for _, c := range t {
		all = append(all, c.name)
		all = append(all, c.aliases...)
	}
	slices.Sort(all)
	return all
}

// suggest returns the command a mistyped name most likely meant: the one
// within two edits, or "".
func (t commandTable) suggest(name string) string {
	name = strings.ToLower(name)
	best, bestDist := "", 3
	for _, n := range t.names() {
		if d := editDistance(name, n); d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes
// (command names are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
