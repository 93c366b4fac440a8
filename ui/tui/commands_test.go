package tui

import (
	"context"
	"slices"
	"strings"
	"testing"

	"jarvis/app"
	"jarvis/crypto"
)

// testConvs is a list with two contacts, Bob and Carol, and a group #Team
// of us and Bob, with a 1:1 chat with Bob open.
func testConvs() *convList {
	l := newConvList()
	me, bob, carol := crypto.ID{1}, crypto.ID{2}, crypto.ID{3}
	l.upsertContact(app.Contact{ID: bob, Name: "Bob", State: app.ContactAccepted})
	l.upsertContact(app.Contact{ID: carol, Name: "Carol", State: app.ContactAccepted})
	l.upsertGroup(app.Group{ID: crypto.GroupID{9}, Name: "Team", State: app.GroupActive,
		Members: []app.GroupMember{{ID: me, Name: "Me", Self: true}, {ID: bob, Name: "Bob"}}})
	l.sortConvs()
	l.cur = app.ContactChat(bob)
	return &l
}

// testNames resolves the names of testConvs the way the core would:
// "Bob", "Carol", "Team", and "B", which fits two contacts.
func testNames() names {
	bob, carol := app.ContactChat(crypto.ID{2}), app.ContactChat(crypto.ID{3})
	return names{ctx: context.Background(), r: &fakeResolver{convs: map[string][]app.ConversationID{
		"bob": {bob}, "carol": {carol}, "team": {app.GroupChat(crypto.GroupID{9})}, "b": {bob, carol},
	}}}
}

// openTeam opens the group in l.
func openTeam(l *convList) { l.cur = app.GroupChat(crypto.GroupID{9}) }

// fits opens, in l, a conversation where cmd works.
func fits(l *convList, cmd command) {
	if cmd.where == inGroup || cmd.arg == argGroup {
		openTeam(l)
	}
}

func TestEveryCommandAndAliasIsReachableByDispatch(t *testing.T) {
	table := newCommandTable()
	for _, cmd := range table {
		for _, name := range append([]string{cmd.name}, cmd.aliases...) {
			l := testConvs()
			fits(l, cmd)
			for _, typed := range []string{name, strings.ToUpper(name)} {
				c, err := table.parse(typed+" Bob", l, testNames())
				if cmd.arg == argGroup || cmd.arg == argConv {
					c, err = table.parse(typed, l, testNames()) // acts on the open one
				}
				if err != nil {
					t.Errorf("%s: %v", typed, err)
					continue
				}
				if c.cmd.name != cmd.name || c.cmd.run == nil {
					t.Errorf("%s dispatches to %s", typed, c.cmd.name)
				}
			}
		}
	}
}

func TestHelpListsEveryCommandExactlyOnce(t *testing.T) {
	table := newCommandTable()
	help := table.helpText()
	for _, cmd := range table {
		n := strings.Count(help, "\n  "+cmd.name+" ")
		if n != 1 {
			t.Errorf("help lists %s %d times:\n%s", cmd.name, n, help)
		}
		for _, alias := range cmd.aliases {
			if strings.Count(help, alias) != 1 {
				t.Errorf("help does not name the alias %s once", alias)
			}
		}
		if cmd.help == "" || strings.Contains(cmd.help, "\n") {
			t.Errorf("%s: help must be one line, got %q", cmd.name, cmd.help)
		}
	}
}

func TestEveryCommandCompletesAndSoDoesItsArgument(t *testing.T) {
	table := newCommandTable()
	for _, cmd := range table {
		for _, name := range append([]string{cmd.name}, cmd.aliases...) {
			c := table.complete(name[:len(name)-1], nil)
			if c == nil || !slices.Contains(c.cands, name+" ") {
				t.Errorf("Tab after %q does not offer %s", name[:len(name)-1], name)
			}
		}
		if cmd.arg == argNone || cmd.arg == argPath { // paths: files_test.go
			continue
		}
		l := testConvs()
		fits(l, cmd)
		line := cmd.name + " "
		names := table.argNames(line, l)
		if len(names) == 0 {
			t.Errorf("Tab after %q offers no names", line)
		}
	}
}

func TestTabOffersWhatTheArgumentTakes(t *testing.T) {
	table := newCommandTable()
	l := testConvs()
	openTeam(l)
	tests := []struct {
		line string
		want []string
	}{
		{"/kick ", []string{"Bob"}},     // members but us
		{"/invite ", []string{"Carol"}}, // contacts not in the group
		{"/join ", []string{"Team"}},
		{"/add ", nil}, // a code: nothing to guess
		{"hello ", []string{"Bob"}},
	}
	for _, tt := range tests {
		got := table.argNames(tt.line, l)
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("Tab after %q offers %q, want %q", tt.line, got, tt.want)
		}
	}
}

func TestCommandUsedInTheWrongPlaceSaysWhatToDoNext(t *testing.T) {
	table := newCommandTable()
	tests := []struct {
		line, want  string
		nothingOpen bool
	}{
		{line: "/kick Bob", want: "/kick works in a group: open one first (Ctrl+N), or create one with /group NAME."},
		{line: "/members", want: "/members works in a group"},
		{line: "/leave", want: "/leave works in a group"},
		{line: "/join", want: "/join is for groups: open the group first (Ctrl+N), or name it: /join GROUP."},
		{line: "/join Bob", want: app.ErrUnknownGroup.Error()},
		{line: "/info Zed", want: app.ErrUnknownConversation.Error()},
		{line: "/info b", want: `more than one contact or group matches "b"; use the ID`},
		{line: "/clear", want: "/clear works in a conversation: open one first (Ctrl+N).", nothingOpen: true},
		{line: "/info", want: "Open a conversation first (Ctrl+N), or name it: /info NAME.", nothingOpen: true},
		{line: "/DELETE", want: "name it: /delete NAME.", nothingOpen: true}, // the alias as typed
		{line: "/kik Bob", want: "Unknown command /kik. Did you mean /kick?"},
		{line: "/Membres", want: "Did you mean /members?"},
		{line: "/xyzzy", want: "Unknown command /xyzzy. /help lists them; // sends a message starting with /."},
	}
	for _, tt := range tests {
		l := testConvs()
		if tt.nothingOpen {
			l.cur = app.ConversationID{}
		}
		_, err := table.parse(tt.line, l, testNames())
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want %q", tt.line, err, tt.want)
		}
	}
}

func TestCommandNamingAConversationActsOnIt(t *testing.T) {
	table := newCommandTable()
	l := testConvs()
	c, err := table.parse("/info team", l, testNames())
	if err != nil || c.target != app.GroupChat(crypto.GroupID{9}) {
		t.Fatalf("/info team → %v, %v", c.target, err)
	}
	openTeam(l)
	c, err = table.parse("/members", l, testNames())
	if err != nil || !c.target.IsGroup() {
		t.Fatalf("/members in #Team → %v, %v", c.target, err)
	}
}
