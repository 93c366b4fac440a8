package app

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"

	"jarvis/crypto"
)

// ErrUnknownConversation: the text names no contact and no group.
var ErrUnknownConversation = errors.New("no such contact or group; check the name or ID")

// ErrAmbiguousName is what every *AmbiguousError matches with errors.Is.
var ErrAmbiguousName = errors.New("more than one match; use the ID")

// minPrefix is the shortest ID prefix that may stand for an ID: shorter
// ones match too much by chance.
const minPrefix = 4

// AmbiguousError reports a name or ID prefix that fits more than one of a
// kind ("contact", "group", "member", "contact or group").
type AmbiguousError struct {
	Kind string
	Text string
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("more than one %s matches %q; use the ID", e.Kind, e.Text)
}

// Is makes errors.Is(err, ErrAmbiguousName) hold for every kind.
func (e *AmbiguousError) Is(target error) bool { return target == ErrAmbiguousName }

// candidate is anything a name or ID text can pick.
type candidate[T comparable] struct {
	id   T
	key  string // the ID's text form
	name string
}

// pick applies the one rule for every kind, in order: an exact full ID
// wins; then an ID prefix (at least minPrefix characters); then a name
// (case-insensitive). At each step exactly one match wins and more than one
// is ambiguous, so a contact who names herself with someone else's short
// ID never catches what was meant for them.
// list is walked once per step without being copied: resolving by name
// costs no allocation per candidate, however many contacts there are.
func pick[T comparable](text, kind string, list iter.Seq[candidate[T]], unknown error) (T, error) {
	var zero T
	text = strings.TrimSpace(text)
	if text == "" {
		return zero, unknown
	}
	lower := strings.ToLower(text)
	steps := []func(candidate[T]) bool{
		func(c candidate[T]) bool { return c.key == lower },
		func(c candidate[T]) bool { return len(text) >= minPrefix && strings.HasPrefix(c.key, lower) },
		func(c candidate[T]) bool { return strings.EqualFold(c.name, text) },
	}
	for _, match := range steps {
		var found T
		n := 0
		for c := range list {
			if match(c) {
				found, n = c.id, n+1
			}
		}
		switch n {
		case 0:
			continue
		case 1:
			return found, nil
		}
		return zero, &AmbiguousError{Kind: kind, Text: text}
	}
	return zero, unknown
}

// contactCandidates yields contacts (or members) as picks of kind T: a
// contact itself, or its chat.
func contactCandidates[T comparable](list []contactEntry, as func(crypto.ID) T) iter.Seq[candidate[T]] {
	return func(yield func(candidate[T]) bool) {
		for _, e := range list {
			if !yield(candidate[T]{id: as(e.id), key: e.key, name: e.name}) {
				return
			}
		}
	}
}

func groupCandidates[T comparable](list []groupEntry, as func(crypto.GroupID) T) iter.Seq[candidate[T]] {
	return func(yield func(candidate[T]) bool) {
		for _, e := range list {
			if !yield(candidate[T]{id: as(e.id), key: e.key, name: e.name}) {
				return
			}
		}
	}
}

func itself[T any](v T) T { return v }

// ResolveContact finds a contact (or a pending request) by full ID, name
// or ID prefix. It reads a snapshot: no round trip into the manager (only
// right after Start it waits for the managers to load).
func (c *Core) ResolveContact(ctx context.Context, who string) (crypto.ID, error) {
	if err := c.waitNames(ctx); err != nil {
		return crypto.ID{}, err
	}
	if x := c.dir.contacts.Load(); x != nil {
		return x.pick(who)
	}
	return crypto.ID{}, ErrUnknownContact
}

// pick is the resolver's rule (see pick) on the indexed snapshot: a full ID
// and a name are map lookups, an ID prefix a binary search.
func (x *contactIndex) pick(text string) (crypto.ID, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return crypto.ID{}, ErrUnknownContact
	}
	lower := strings.ToLower(text)
	if id, ok := x.byKey[lower]; ok {
		return id, nil
	}
	if len(text) >= minPrefix {
		switch found := x.withPrefix(lower); len(found) {
		case 0:
		case 1:
			return found[0].id, nil
		default:
			return crypto.ID{}, &AmbiguousError{Kind: "contact", Text: text}
		}
	}
	switch ids := x.byName[foldName(text)]; len(ids) {
	case 0:
		return crypto.ID{}, ErrUnknownContact
	case 1:
		return ids[0], nil
	}
	return crypto.ID{}, &AmbiguousError{Kind: "contact", Text: text}
}

// Resolve is ResolveContact, kept while frontends move over.
func (c *Core) Resolve(ctx context.Context, who string) (crypto.ID, error) {
	return c.ResolveContact(ctx, who)
}

// ResolveGroup finds a group by full ID, name or ID prefix.
func (c *Core) ResolveGroup(ctx context.Context, what string) (crypto.GroupID, error) {
	if err := c.waitNames(ctx); err != nil {
		return crypto.GroupID{}, err
	}
	return pick(what, "group", groupCandidates(c.dir.groupList(), itself), ErrUnknownGroup)
}

// ResolveConversation finds a chat or a group by full ID, name or ID
// prefix; a text that fits a contact and a group is ambiguous.
func (c *Core) ResolveConversation(ctx context.Context, what string) (ConversationID, error) {
	if err := c.waitNames(ctx); err != nil {
		return ConversationID{}, err
	}
	contacts, groups := c.dir.contactList(), c.dir.groupList()
	both := func(yield func(candidate[ConversationID]) bool) {
		for cand := range contactCandidates(contacts, ContactChat) {
			if !yield(cand) {
				return
			}
		}
		for cand := range groupCandidates(groups, GroupChat) {
			if !yield(cand) {
				return
			}
		}
	}
	return pick(what, "contact or group", both, ErrUnknownConversation)
}

// ResolveMember finds a member of a group by full ID, roster name or ID
// prefix.
func (c *Core) ResolveMember(ctx context.Context, g crypto.GroupID, who string) (crypto.ID, error) {
	if err := c.waitNames(ctx); err != nil {
		return crypto.ID{}, err
	}
	e, ok := c.dir.group(g)
	if !ok {
		return crypto.ID{}, ErrUnknownGroup
	}
	// By the names the user sees: a contact under their label.
	members := make([]contactEntry, len(e.members))
	for i, m := range e.members {
		m.name = c.dir.memberName(m.id, m.name)
		members[i] = m
	}
	return pick(who, "member", contactCandidates(members, itself), ErrUnknownMember)
}
