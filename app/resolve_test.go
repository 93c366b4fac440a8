package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"jarvis/crypto"
	"jarvis/store"
)

// coreWithNames is a Core with only a names snapshot: enough for the
// resolver, which never touches the managers.
func coreWithNames(contacts []contactEntry, groups []groupEntry) *Core {
	c := &Core{dir: newDirectory()}
	c.dir.setContacts(keyed(contacts))
	for i := range groups {
		groups[i].key = groups[i].id.String()
		groups[i].members = keyed(groups[i].members)
	}
	c.dir.setGroups(groups)
	return c
}

// keyed fills in the ID text a manager's publish sets.
func keyed(list []contactEntry) []contactEntry {
	for i := range list {
		list[i].key = list[i].id.String()
	}
	return list
}

func testID(b byte) crypto.ID {
	var id crypto.ID
	for i := range id {
		id[i] = b
	}
	return id
}

func testGroupID(b byte) crypto.GroupID {
	var id crypto.GroupID
	for i := range id {
		id[i] = b
	}
	return id
}

func TestResolverPrefersAnExactIDOverANameThatLooksLikeIt(t *testing.T) {
	bob, eve := testID(1), testID(2)
	// eve named herself after bob's ID, hoping to catch messages for him.
	c := coreWithNames([]contactEntry{{id: bob, name: "bob"}, {id: eve, name: bob.String()}}, nil)
	got, err := c.ResolveContact(context.Background(), bob.String())
	if err != nil || got != bob {
		t.Fatalf("ResolveContact(bob's ID) = %v, %v; want bob", got, err)
	}
}

func TestResolverFindsByNamePrefixOrFailsWithTheKind(t *testing.T) {
	bob, bo := testID(0x11), testID(0x22)
	team := testGroupID(0x33)
	c := coreWithNames(
		[]contactEntry{{id: bob, name: "Bob"}, {id: bo, name: "bo"}},
		[]groupEntry{{id: team, name: "bob", members: []contactEntry{{id: bob, name: "bob"}, {id: testID(0x44), name: "Bob"}}}},
	)
	ctx := context.Background()
	tests := []struct {
		name    string
		resolve func() (any, error)
		want    any
		err     error
		kind    string
	}{
		{"a name, any case", func() (any, error) { return c.ResolveContact(ctx, "BOB") }, bob, nil, ""},
		{"an ID prefix", func() (any, error) { return c.ResolveContact(ctx, bob.String()[:6]) }, bob, nil, ""},
		{"a too short prefix", func() (any, error) { return c.ResolveContact(ctx, bob.String()[:3]) }, crypto.ID{}, ErrUnknownContact, ""},
		{"nobody", func() (any, error) { return c.ResolveContact(ctx, "carol") }, crypto.ID{}, ErrUnknownContact, ""},
		{"a group by name", func() (any, error) { return c.ResolveGroup(ctx, "Bob") }, team, nil, ""},
		{"no group", func() (any, error) { return c.ResolveGroup(ctx, "bo") }, crypto.GroupID{}, ErrUnknownGroup, ""},
		{"a contact and a group", func() (any, error) { return c.ResolveConversation(ctx, "bob") }, ConversationID{}, ErrAmbiguousName, "contact or group"},
		{"a chat", func() (any, error) { return c.ResolveConversation(ctx, "bo") }, ContactChat(bo), nil, ""},
		{"a group by ID", func() (any, error) { return c.ResolveConversation(ctx, team.String()) }, GroupChat(team), nil, ""},
		{"two members", func() (any, error) { return c.ResolveMember(ctx, team, "bob") }, crypto.ID{}, ErrAmbiguousName, "member"},
		{"a member by ID", func() (any, error) { return c.ResolveMember(ctx, team, bob.String()) }, bob, nil, ""},
		{"a non-member", func() (any, error) { return c.ResolveMember(ctx, team, "bo") }, crypto.ID{}, ErrUnknownMember, ""},
		{"an unknown group's member", func() (any, error) { return c.ResolveMember(ctx, testGroupID(9), "bob") }, crypto.ID{}, ErrUnknownGroup, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.resolve()
			if !errors.Is(err, tt.err) || got != tt.want {
				t.Fatalf("got %v, %v; want %v, %v", got, err, tt.want, tt.err)
			}
			var amb *AmbiguousError
			if tt.kind != "" && (!errors.As(err, &amb) || amb.Kind != tt.kind) {
				t.Fatalf("error %v does not name the kind %q", err, tt.kind)
			}
		})
	}
}

func TestTwoContactsWithOneNameAreAmbiguousAsContacts(t *testing.T) {
	c := coreWithNames([]contactEntry{{id: testID(1), name: "sam"}, {id: testID(2), name: "Sam"}}, nil)
	_, err := c.ResolveContact(context.Background(), "sam")
	if !errors.Is(err, ErrAmbiguousName) || !strings.Contains(err.Error(), "more than one contact") {
		t.Fatalf("err = %v", err)
	}
}

func TestResolverErrorsNameNoCommand(t *testing.T) {
	for _, err := range []error{ErrUnknownContact, ErrUnknownGroup, ErrUnknownMember, ErrUnknownConversation,
		&AmbiguousError{Kind: "group", Text: "x"}} {
		if strings.Contains(err.Error(), "/") {
			t.Errorf("%q names a command", err)
		}
	}
}

func TestResolverWaitsForTheManagersFirstSnapshots(t *testing.T) {
	c := &Core{dir: newDirectory()}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.ResolveConversation(ctx, "bob"); !errors.Is(err, context.Canceled) {
		t.Fatalf("before any snapshot: err = %v, want to wait", err)
	}
	c.dir.setContacts(keyed([]contactEntry{{id: testID(1), name: "bob"}}))
	c.dir.setGroups(nil)
	if got, err := c.ResolveConversation(context.Background(), "bob"); err != nil || got != ContactChat(testID(1)) {
		t.Fatalf("after: %v, %v", got, err)
	}
}

// A contact who names herself with another's short ID must not receive
// what the user meant for that ID: in every resolver the collision fails as
// ambiguous, and the prefix alone still finds its owner.
func TestAnIDPrefixWinsOverANameInEveryResolver(t *testing.T) {
	bob, eve := testID(0x11), testID(0x22)
	team, club := testGroupID(0x33), testGroupID(0x44)
	short := bob.String()[:8]
	groupShort := team.String()[:8]
	c := coreWithNames(
		[]contactEntry{{id: bob, name: "bob"}, {id: eve, name: strings.ToUpper(short)}},
		[]groupEntry{
			{id: team, name: "team", members: []contactEntry{{id: bob, name: "bob"}, {id: eve, name: short}}},
			{id: club, name: groupShort},
		},
	)
	ctx := context.Background()
	collisions := []struct {
		name    string
		want    any
		resolve func() (any, error)
	}{
		{"contact", bob, func() (any, error) { return c.ResolveContact(ctx, short) }},
		{"member", bob, func() (any, error) { return c.ResolveMember(ctx, team, short) }},
		{"group", team, func() (any, error) { return c.ResolveGroup(ctx, groupShort) }},
		{"conversation", ContactChat(bob), func() (any, error) { return c.ResolveConversation(ctx, short) }},
		{"conversation by group prefix", GroupChat(team), func() (any, error) { return c.ResolveConversation(ctx, groupShort) }},
	}
	for _, tt := range collisions {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.resolve()
			if err != nil || got != tt.want {
				t.Fatalf("got %v, %v; want the ID prefix's owner %v", got, err, tt.want)
			}
		})
	}
	// Longer prefixes that only bob's ID has still find bob.
	if got, err := c.ResolveContact(ctx, bob.String()[:12]); err != nil || got != bob {
		t.Fatalf("a longer prefix: %v, %v", got, err)
	}
	if got, err := c.ResolveMember(ctx, team, bob.String()[:12]); err != nil || got != bob {
		t.Fatalf("a longer member prefix: %v, %v", got, err)
	}
}

// Sending by name costs no round trip into the contact manager: with a
// thousand contacts stored and the manager stuck on a long command, a
// name still resolves at once from the snapshot it published.
func TestResolvingByNameNeverWaitsOnABusyContactManager(t *testing.T) {
	dir := t.TempDir()
	n := newNode(t, "alice", dir, "")
	ctx := context.Background()
	now := time.Now()
	for i := range 1000 {
		id, err := crypto.GenerateIdentity(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		c := store.Contact{ID: id.ID(), Keys: id.Public(), Name: fmt.Sprintf("friend %04d", i),
			Addrs: []string{"127.0.0.1:9"}, State: store.ContactAccepted, CreatedAt: now, LastActivity: now}
		if err := n.account.store.PutContact(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	n = n.restart() // the manager loads and publishes all of them

	release := make(chan struct{})
	wait, err := start(ctx, n.core, n.core.contacts.cmds, func(context.Context, *contactManager) error {
		<-release
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		close(release)
		if err := wait(); err != nil {
			t.Error(err)
		}
	}()

	quick, cancel := context.WithTimeout(ctx, 5*time.Second) // far above a snapshot read, far below a stuck manager
	defer cancel()
	conv, err := n.core.ResolveConversation(quick, "Friend 0777")
	if err != nil {
		t.Fatalf("resolving by name while the manager is busy: %v", err)
	}
	id, err := n.core.ResolveContact(quick, "friend 0777")
	if err != nil || conv != ContactChat(id) {
		t.Fatalf("contact %v (%v), conversation %v", id, err, conv)
	}
}

// The index must answer exactly as the walk over every contact would:
// same contact, same ambiguity, same miss, case folding included.
func TestContactIndexAnswersAsTheWalkDoes(t *testing.T) {
	names := []string{"Bob", "bob", "Kelvin", "\u212aelvin", "Straße", "STRASSE", "Σίσυφος", "σίσυφοσ", "ΣΊΣΥΦΟΣ", "Zoë", "zoë", "x"}
	var list []contactEntry
	for i, n := range names {
		list = append(list, contactEntry{id: testID(byte(i + 1)), name: n})
	}
	list = keyed(list)
	x := newContactIndex(list)
	queries := append(slices.Clone(names), "BOB", "kelvin", "strasse", "nobody", "", "  bob ", list[3].key, strings.ToUpper(list[5].key), list[7].key[:6], list[0].key[:3])
	for _, q := range queries {
		want, wantErr := pick(q, "contact", contactCandidates(list, itself), ErrUnknownContact)
		got, gotErr := x.pick(q)
		if got != want || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
			t.Errorf("%q: index says %v, %v; the walk says %v, %v", q, got, gotErr, want, wantErr)
		}
	}
}

func BenchmarkResolveContactByNameAmongAThousand(b *testing.B) {
	var list []contactEntry
	for i := range 1000 {
		var id crypto.ID
		id[0], id[1] = byte(i), byte(i>>8)
		list = append(list, contactEntry{id: id, name: fmt.Sprintf("friend %04d", i)})
	}
	c := coreWithNames(list, nil)
	ctx := context.Background()
	for b.Loop() {
		if _, err := c.ResolveContact(ctx, "Friend 0777"); err != nil {
			b.Fatal(err)
		}
	}
}
