package tui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"jarvis/app"
	"jarvis/crypto"
)

// fakeCore is an in-memory appCore: fixed contacts and groups, and a
// record of the roster changes asked of it. A method a test does not
// expect panics through the nil embedded interface.
type fakeCore struct {
	appCore
	self      app.Self
	tor       app.TorStatus
	contacts  []app.Contact
	groups    []app.Group
	events    chan app.Event
	names     fakeResolver
	history   map[app.ConversationID][]app.Message // the newest page of each
	sendCh    chan string                          // Send hands the text here
	transfers []app.Transfer                       // what Transfers lists

	mu    sync.Mutex
	calls []string
	kept  []byte // SaveFrontendState's
}

func (f *fakeCore) SaveFrontendState(_ context.Context, state []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.kept = append([]byte(nil), state...)
	return nil
}

func (f *fakeCore) FrontendState(context.Context) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.kept, nil
}

func (f *fakeCore) Start()                                          {}
func (f *fakeCore) Close() error                                    { return nil }
func (f *fakeCore) Events() <-chan app.Event                        { return f.events }
func (f *fakeCore) Self() app.Self                                  { return f.self }
func (f *fakeCore) TorStatus() app.TorStatus                        { return f.tor }
func (f *fakeCore) Contacts(context.Context) ([]app.Contact, error) { return f.contacts, nil }
func (f *fakeCore) Groups(context.Context) ([]app.Group, error)     { return f.groups, nil }
func (f *fakeCore) MarkReadUpTo(_ context.Context, _ app.ConversationID, upTo int64) error {
	return f.record(fmt.Sprintf("read %d", upTo))
}

func (f *fakeCore) History(_ context.Context, conv app.ConversationID, before int64, _ int) ([]app.Message, error) {
	if before != 0 {
		return nil, nil
	}
	return f.history[conv], nil
}

func (f *fakeCore) StartPairing() (app.PairOffer, error) {
	return app.PairOffer{Code: "4711 0815", Expires: time.Now().Add(2 * time.Minute)}, f.record("pair start")
}
func (f *fakeCore) CancelPairing() { f.record("pair cancel") }

func (f *fakeCore) SetMyGroupName(_ context.Context, _ crypto.GroupID, name string) error {
	return f.record("nick " + name)
}

func (f *fakeCore) ResolveConversation(ctx context.Context, what string) (app.ConversationID, error) {
	return f.names.ResolveConversation(ctx, what)
}

func (f *fakeCore) ResolveGroup(ctx context.Context, what string) (crypto.GroupID, error) {
	return f.names.ResolveGroup(ctx, what)
}

func (f *fakeCore) ResolveContact(ctx context.Context, who string) (crypto.ID, error) {
	return f.names.ResolveContact(ctx, who)
}

func (f *fakeCore) ResolveMember(ctx context.Context, g crypto.GroupID, who string) (crypto.ID, error) {
	return f.names.ResolveMember(ctx, g, who)
}

func (f *fakeCore) Kick(_ context.Context, _ crypto.GroupID, m crypto.ID) error {
	return f.record("kick " + m.Short())
}

func (f *fakeCore) Promote(_ context.Context, _ crypto.GroupID, m crypto.ID) error {
	return f.record("promote " + m.Short())
}

func (f *fakeCore) record(call string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
	return nil
}

func (f *fakeCore) called() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// startWithCore runs the UI's event loop on a simulation screen with core
// already unlocked: no account, no store, no network.
func startWithCore(t *testing.T, core appCore, w, h int) *screenUI {
	t.Helper()
	s := &screenUI{t: t, screen: tcell.NewSimulationScreen("UTF-8"), done: make(chan error, 1)}
	u := newUI(Config{
		Screen:      s.screen,
		afterDraw:   s.capture,
		screenReady: func(sc tcell.Screen) { sc.(tcell.SimulationScreen).SetSize(w, h) },
	})
	s.ui = u
	go func() {
		defer u.cancel()
		s.done <- u.loop(core)
	}()
	t.Cleanup(func() {
		if !s.finished {
			s.quit()
		}
	})
	return s
}

func TestCommandsReachAFakeCoreAndSayWhereTheyWork(t *testing.T) {
	me, bob := crypto.ID{1}, crypto.ID{2}
	team := crypto.GroupID{9}
	now := time.Now()
	core := &fakeCore{
		self:     app.Self{ID: me, Name: "Alice"},
		contacts: []app.Contact{{ID: bob, Name: "Bob", State: app.ContactAccepted, LastActivity: now.Add(-time.Hour)}},
		groups: []app.Group{{ID: team, Name: "Team", State: app.GroupActive, MyRole: crypto.RoleOwner, LastActivity: now,
			Members: []app.GroupMember{{ID: me, Name: "Alice", Self: true, Role: crypto.RoleOwner}, {ID: bob, Name: "Bob"}}}},
		events: make(chan app.Event),
		names:  fakeResolver{convs: map[string][]app.ConversationID{"bob": {app.ContactChat(bob)}}},
	}
	s := startWithCore(t, core, 100, 30)
	s.wait("#Team")
	s.wait("Bob")

	s.screen.InjectKey(tcell.KeyRune, '2', tcell.ModAlt) // Bob, a 1:1 chat
	s.enter("/kick Bob")
	s.wait("/kick works in a group: open one first (Ctrl+N)")
	s.key(tcell.KeyCtrlU)
	s.enter("/join")
	s.wait("/join is for groups")
	s.key(tcell.KeyCtrlU)

	s.screen.InjectKey(tcell.KeyRune, '1', tcell.ModAlt) // #Team
	s.wait("#Team · 2 members")
	s.enter("/kick")
	s.wait("Usage: /kick NAME — a member of this group.")
	s.key(tcell.KeyCtrlU)
	s.enter("/kik Bob")
	s.wait("Unknown command /kik. Did you mean /kick?")
	s.key(tcell.KeyCtrlU)
	s.typeText("/pro")
	s.key(tcell.KeyTab)
	s.typeText("b")
	s.key(tcell.KeyTab)
	s.wait("> /promote Bob")
	s.key(tcell.KeyEnter)
	s.wait("Bob is now an admin.")
	s.enter("/kick bob")
	s.wait("Removed Bob from the group.")
	s.quit()

	want := []string{"promote " + bob.Short(), "kick " + bob.Short()}
	if got := core.called(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("core saw %q, want %q", got, want)
	}
}

// fakeResolver answers lookups from a table of lower-cased names, with
// the core's errors: none is ErrUnknown…, more than one is ambiguous.
// Members are looked up among the contacts of the table.
type fakeResolver struct {
	convs map[string][]app.ConversationID
}

func (f *fakeResolver) ResolveConversation(_ context.Context, what string) (app.ConversationID, error) {
	return f.pick(what, "contact or group", app.ErrUnknownConversation, func(app.ConversationID) bool { return true })
}

func (f *fakeResolver) ResolveGroup(_ context.Context, what string) (crypto.GroupID, error) {
	k, err := f.pick(what, "group", app.ErrUnknownGroup, app.ConversationID.IsGroup)
	return k.Group(), err
}

func (f *fakeResolver) ResolveContact(_ context.Context, who string) (crypto.ID, error) {
	k, err := f.pick(who, "contact", app.ErrUnknownContact, isChat)
	return k.Contact(), err
}

func (f *fakeResolver) ResolveMember(_ context.Context, _ crypto.GroupID, who string) (crypto.ID, error) {
	k, err := f.pick(who, "member", app.ErrUnknownMember, isChat)
	return k.Contact(), err
}

func isChat(k app.ConversationID) bool { return !k.IsGroup() }

func (f *fakeResolver) pick(text, kind string, unknown error, fits func(app.ConversationID) bool) (app.ConversationID, error) {
	var found []app.ConversationID
	for _, k := range f.convs[strings.ToLower(text)] {
		if fits(k) {
			found = append(found, k)
		}
	}
	switch len(found) {
	case 0:
		return app.ConversationID{}, unknown
	case 1:
		return found[0], nil
	}
	return app.ConversationID{}, &app.AmbiguousError{Kind: kind, Text: text}
}

func (f *fakeCore) Send(_ context.Context, _ app.ConversationID, text string) (crypto.MessageID, error) {
	f.sendCh <- text
	return crypto.MessageID{0xee, byte(len(text))}, nil
}

func (f *fakeCore) Leave(_ context.Context, g crypto.GroupID) error {
	return f.record("leave " + g.String()[:8])
}

func (f *fakeCore) DeleteGroup(_ context.Context, g crypto.GroupID) error {
	return f.record("delete " + g.String()[:8])
}

func (f *fakeCore) Remove(_ context.Context, id crypto.ID) error {
	return f.record("remove " + id.Short())
}

// teamCore is a fake core for Alice, with Bob as a contact and #Team, a
// group of the two that Alice owns.
func teamCore() (core *fakeCore, bob crypto.ID, team crypto.GroupID) {
	me, bob := crypto.ID{1}, crypto.ID{2}
	team = crypto.GroupID{9}
	now := time.Now()
	core = &fakeCore{
		self:     app.Self{ID: me, Name: "Alice"},
		contacts: []app.Contact{{ID: bob, Name: "Bob", State: app.ContactAccepted, LastActivity: now.Add(-time.Hour)}},
		groups: []app.Group{{ID: team, Name: "Team", State: app.GroupActive, MyRole: crypto.RoleOwner, LastActivity: now,
			Members: []app.GroupMember{{ID: me, Name: "Alice", Self: true, Role: crypto.RoleOwner}, {ID: bob, Name: "Bob"}}}},
		events:  make(chan app.Event),
		names:   fakeResolver{convs: map[string][]app.ConversationID{"bob": {app.ContactChat(bob)}, "team": {app.GroupChat(team)}}},
		history: map[app.ConversationID][]app.Message{},
	}
	return core, bob, team
}
