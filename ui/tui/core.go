package tui

import (
	"context"

	"jarvis/app"
	"jarvis/crypto"
)

// appCore is what the UI needs of app.Core, in five small parts named for
// who uses them, so a test can drive the UI with a fake. When app's API
// changes, this is the one place to follow it.
type appCore interface {
	coreRunner
	messenger
	messageEditor // selection.go
	contactBook
	groupAdmin
	pairer   // pair.go
	resolver // names.go
	searcher
	filer // files.go
}

var _ appCore = (*app.Core)(nil)

// coreRunner starts the core and stops it, says who and where we are
// (app.go, the status bar, /status), and keeps the drafts between runs
// (kept_state.go).
type coreRunner interface {
	Start()
	Close() error
	Events() <-chan app.Event
	Self() app.Self
	TorStatus() app.TorStatus
	SaveFrontendState(ctx context.Context, state []byte) error
	FrontendState(ctx context.Context) ([]byte, error)
}

// messenger sends, pages and marks conversations read (commands.go, the
// chat and group views).
type messenger interface {
	Send(ctx context.Context, conv app.ConversationID, text string) (crypto.MessageID, error)
	History(ctx context.Context, conv app.ConversationID, before int64, limit int) ([]app.Message, error)
	HistoryAfter(ctx context.Context, conv app.ConversationID, after int64, limit int) ([]app.Message, error) // search_view.go
	MarkReadUpTo(ctx context.Context, conv app.ConversationID, upTo int64) error
	SetTyping(ctx context.Context, id crypto.ID, active bool) error
}

// searcher finds messages in history (search_view.go).
type searcher interface {
	Search(ctx context.Context, q app.SearchQuery) ([]app.Message, error)
	SearchProgress() (indexed, total int, ready bool)
}

// contactBook lists, answers and edits contacts (the contact commands and
// the info dialog).
type contactBook interface {
	Contacts(ctx context.Context) ([]app.Contact, error)
	AddContact(ctx context.Context, code string) (app.Contact, error)
	Accept(ctx context.Context, id crypto.ID) error
	Reject(ctx context.Context, id crypto.ID) error
	Rename(ctx context.Context, id crypto.ID, name string) error
	SetVerified(ctx context.Context, id crypto.ID, verified bool) error
	Remove(ctx context.Context, id crypto.ID) error
}

// groupAdmin lists groups and changes them and their rosters (the group
// commands).
type groupAdmin interface {
	Groups(ctx context.Context) ([]app.Group, error)
	CreateGroup(ctx context.Context, name, description string) (app.Group, error)
	Invite(ctx context.Context, id crypto.GroupID, contact crypto.ID) error
	AcceptInvite(ctx context.Context, id crypto.GroupID) error
	DeclineInvite(ctx context.Context, id crypto.GroupID) error
	Leave(ctx context.Context, id crypto.GroupID) error
	Kick(ctx context.Context, id crypto.GroupID, member crypto.ID) error
	Promote(ctx context.Context, id crypto.GroupID, member crypto.ID) error
	Demote(ctx context.Context, id crypto.GroupID, member crypto.ID) error
	SetGroupInfo(ctx context.Context, id crypto.GroupID, name, description string) error
	SetMyGroupName(ctx context.Context, id crypto.GroupID, name string) error
	DeleteGroup(ctx context.Context, id crypto.GroupID) error
}

// filer offers, answers and lists file transfers (files.go).
type filer interface {
	SendFile(ctx context.Context, to crypto.ID, path string) (app.Transfer, error)
	SendFileToGroup(ctx context.Context, g crypto.GroupID, path string) (app.Transfer, error)
	AcceptFile(ctx context.Context, id app.TransferID) error
	RejectFile(ctx context.Context, id app.TransferID) error
	CancelFile(ctx context.Context, id app.TransferID) error
	Transfers(ctx context.Context) ([]app.Transfer, error)
	Downloads() string
}
