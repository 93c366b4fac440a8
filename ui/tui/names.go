package tui

import (
	"context"
	"time"

	"jarvis/app"
	"jarvis/crypto"
)

// resolver is the core's one name lookup (app/resolve.go): an exact ID,
// else a unique name or ID prefix. Every frontend asks it, so a name
// means the same thing in the terminal and in headless mode, and its
// errors say which kind was ambiguous.
type resolver interface {
	ResolveContact(ctx context.Context, who string) (crypto.ID, error)
	ResolveGroup(ctx context.Context, what string) (crypto.GroupID, error)
	ResolveConversation(ctx context.Context, what string) (app.ConversationID, error)
	ResolveMember(ctx context.Context, group crypto.GroupID, who string) (crypto.ID, error)
}

// resolveTimeout bounds a lookup made on the UI goroutine. The core
// answers from a published snapshot at once; only just after it starts,
// before its first snapshot, does it wait, and the screen must not freeze
// if that never comes.
const resolveTimeout = 2 * time.Second

// names turns what the user typed into IDs through the core's resolver.
type names struct {
	ctx context.Context // ends when the UI quits
	r   resolver
}

func (n names) bounded() (context.Context, context.CancelFunc) {
	return context.WithTimeout(n.ctx, resolveTimeout)
}

// conversation resolves a chat or group (kind argConv), or a group only
// (argGroup).
func (n names) conversation(what string, kind argKind) (app.ConversationID, error) {
	ctx, cancel := n.bounded()
	defer cancel()
	if kind == argGroup {
		g, err := n.r.ResolveGroup(ctx, what)
		return app.GroupChat(g), err
	}
	return n.r.ResolveConversation(ctx, what)
}

// contact resolves a contact.
func (n names) contact(who string) (crypto.ID, error) {
	ctx, cancel := n.bounded()
	defer cancel()
	return n.r.ResolveContact(ctx, who)
}

// member resolves a member of group g.
func (n names) member(g crypto.GroupID, who string) (crypto.ID, error) {
	ctx, cancel := n.bounded()
	defer cancel()
	return n.r.ResolveMember(ctx, g, who)
}
