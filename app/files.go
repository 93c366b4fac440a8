package app

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"jarvis/crypto"
	"jarvis/p2p/wire"
)

// TransferID names one file offer and its transfer.
type TransferID [16]byte

// String is the ID in hex, as frontends show and take it.
func (id TransferID) String() string { return hex.EncodeToString(id[:]) }

// ParseTransferID reads what String wrote.
func ParseTransferID(s string) (TransferID, error) {
	var id TransferID
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(id) {
		return id, fmt.Errorf("%q is not a transfer ID: %w", s, ErrUnknownTransfer)
	}
	copy(id[:], b)
	return id, nil
}

// TransferState is where a transfer stands. The numbers are stored.
type TransferState int

const (
	TransferOffered   TransferState = 1 // waiting for the receiver to accept
	TransferActive    TransferState = 2 // accepted: chunks flow while both are online
	TransferDone      TransferState = 3 // verified and saved (receiver) or confirmed (sender)
	TransferFailed    TransferState = 4
	TransferRejected  TransferState = 5
	TransferCancelled TransferState = 6

	// transferSaving is a received file verified and saved under Path
	// whose data may not be on disk yet: a background sync moves it to
	// TransferDone, and after a crash load checks the file again. It is
	// stored, never shown: frontends see TransferDone (see public).
	transferSaving TransferState = 7
)

func (s TransferState) String() string {
	switch s {
	case TransferOffered:
		return "offered"
	case TransferActive:
		return "active"
	case TransferDone:
		return "done"
	case TransferFailed:
		return "failed"
	case TransferRejected:
		return "rejected"
	case TransferCancelled:
		return "cancelled"
	case transferSaving:
		return "saving"
	}
	return "unknown"
}

// Final reports whether nothing more will happen to a transfer.
func (s TransferState) Final() bool { return s >= TransferDone }

// saved reports whether the file was verified and saved (or, sending,
// confirmed), durable or not yet.
func (s TransferState) saved() bool { return s == TransferDone || s == transferSaving }

// public is s as frontends see it: a file saved but not yet synced is done.
func (s TransferState) public() TransferState {
	if s == transferSaving {
		return TransferDone
	}
	return s
}

// Transfer is a file offer and its progress, as frontends see it.
type Transfer struct {
	ID   TransferID
	Peer crypto.ID
	// Group is set for a file offered in a group; Peer is then its author.
	Group    crypto.GroupID
	Outgoing bool
	Name     string // incoming: already sanitised, the name it will be saved under
	Size     int64
	Bytes    int64 // verified (incoming) or served (outgoing) so far
	State    TransferState
	Path     string  // outgoing: the source; incoming: where it was saved
	Reason   string  // failed, rejected or cancelled: why
	Rate     float64 // bytes per second while active
	// Wire counts the chunk bytes served (outgoing) or received (incoming)
	// since this process started, repeats included: what a resume cost.
	Wire    int64
	Created time.Time
}

// Conversation is where the transfer shows: the group's or the contact's chat.
func (t Transfer) Conversation() ConversationID {
	if t.Group != (crypto.GroupID{}) {
		return GroupChat(t.Group)
	}
	return ContactChat(t.Peer)
}

// Errors of the file commands; test with errors.Is.
var (
	ErrUnknownTransfer = errors.New("no such transfer")
	ErrFileTooLarge    = errors.New("file over the size limit")
	ErrNotAFile        = errors.New("not a regular file")
	ErrTransferOver    = errors.New("that transfer is over")
	ErrNoSpace         = errors.New("not enough free space in the downloads directory")
	ErrNotAContactYet  = errors.New("files go to accepted contacts only; wait until they accept your request")
)

// DefaultMaxFileSize is the largest file sent or accepted without --max-file-size.
const DefaultMaxFileSize = 8 << 30

// SendFile offers the file at path to a contact. It hashes the file first
// (on the caller's goroutine: a large file takes a while), then returns the
// stored offer; it goes out now or when the contact is next online.
func (c *Core) SendFile(ctx context.Context, to crypto.ID, path string) (Transfer, error) {
	ct, err := c.Contact(ctx, to)
	if err != nil {
		return Transfer{}, err
	}
	if ct.State != ContactAccepted {
		return Transfer{}, ErrNotAContactYet
	}
	src, err := prepareOffer(ctx, path, c.files.maxSize)
	if err != nil {
		return Transfer{}, err
	}
	var out Transfer
	err = call(ctx, c, c.files.cmds, func(ctx context.Context, m *fileManager) error {
		var err error
		out, err = m.offer(ctx, to, src)
		return err
	})
	return out, err
}

// AcceptFile accepts an offer: the file is fetched into the downloads
// directory while the sender is online.
func (c *Core) AcceptFile(ctx context.Context, id TransferID) error {
	return call(ctx, c, c.files.cmds, func(ctx context.Context, m *fileManager) error { return m.accept(ctx, id) })
}

// RejectFile declines an offer.
func (c *Core) RejectFile(ctx context.Context, id TransferID) error {
	return call(ctx, c, c.files.cmds, func(ctx context.Context, m *fileManager) error {
		return m.end(ctx, id, TransferRejected, "declined")
	})
}

// CancelFile stops a transfer, either side; the receiver's partial file is removed.
func (c *Core) CancelFile(ctx context.Context, id TransferID) error {
	return call(ctx, c, c.files.cmds, func(ctx context.Context, m *fileManager) error {
		return m.end(ctx, id, TransferCancelled, "cancelled")
	})
}

// Transfers lists every transfer, oldest first.
func (c *Core) Transfers(ctx context.Context) ([]Transfer, error) {
	var out []Transfer
	err := call(ctx, c, c.files.cmds, func(_ context.Context, m *fileManager) error {
		out = m.list()
		return nil
	})
	return out, err
}

// Downloads is the directory received files are saved in.
func (c *Core) Downloads() string { return c.files.downloads }

// preparedOffer is a file hashed and ready to offer.
type preparedOffer struct {
	path   string
	name   string
	size   int64
	hashes []byte
}

// prepareOffer checks and hashes the file at path.
func prepareOffer(ctx context.Context, path string, maxSize int64) (preparedOffer, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return preparedOffer{}, fmt.Errorf("send file: %w", err)
	}
	f, err := os.Open(abs)
	if err != nil {
		return preparedOffer{}, fmt.Errorf("send file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return preparedOffer{}, fmt.Errorf("send file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return preparedOffer{}, fmt.Errorf("send %s: %w", filepath.Base(abs), ErrNotAFile)
	}
	if fi.Size() > maxSize {
		return preparedOffer{}, fmt.Errorf("send %s: %d bytes, limit %d: %w", filepath.Base(abs), fi.Size(), maxSize, ErrFileTooLarge)
	}
	hashes, err := hashFile(ctx, f, fi.Size(), fileChunk)
	if err != nil {
		return preparedOffer{}, fmt.Errorf("send %s: %w", filepath.Base(abs), err)
	}
	name := capName(strings.ToValidUTF8(filepath.Base(abs), "_"), wire.MaxFileName)
	return preparedOffer{path: abs, name: name, size: fi.Size(), hashes: hashes}, nil
}

// checkRegular closes f and fails unless it is a regular file.
func checkRegular(f *os.File) error {
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = ErrNotAFile
	}
	if err != nil {
		f.Close()
		return err
	}
	return nil
}

// sortTransfers orders transfers oldest first, by ID among equals.
func sortTransfers(list []Transfer) {
	slices.SortFunc(list, func(a, b Transfer) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return bytes.Compare(a.ID[:], b.ID[:])
	})
}
