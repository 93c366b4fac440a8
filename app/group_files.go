package app

import (
	"context"
	"fmt"

	"jarvis/crypto"
	"jarvis/p2p/wire"
	"jarvis/store"
)

// groupFileOffer is a file offer read from a group message: signed by its
// author, relayed and synced like any group message.
type groupFileOffer struct {
	group  crypto.GroupID
	author crypto.ID
	offer  wire.FileOffer
}

func (o groupFileOffer) apply(ctx context.Context, m *fileManager) { m.groupOffered(ctx, o) }

// handOffers passes the file offers read so far to the file manager
// without waiting: a full mailbox leaves them for the next step.
func (m *groupManager) handOffers() {
	for len(m.fileOffers) > 0 {
		select {
		case m.core.files.cmds <- op[fileManager](m.fileOffers[0]):
			m.fileOffers = m.fileOffers[1:]
		default:
			return
		}
	}
	m.fileOffers = nil
}

// fileOfferText is the line a group file offer shows as in the history.
func fileOfferText(name string, size int64) string {
	return fmt.Sprintf("sent a file: %s (%d bytes)", name, size)
}

// SendFileToGroup offers the file at path to every member of a group: the
// offer travels as a group message, so members offline now get it when
// they sync; each fetches the file from the sender or from any member who
// already holds it.
func (c *Core) SendFileToGroup(ctx context.Context, g crypto.GroupID, path string) (Transfer, error) {
	if e, ok := c.dir.group(g); !ok || !e.active {
		return Transfer{}, ErrNotInGroup
	}
	src, err := prepareOffer(ctx, path, c.files.maxSize)
	if err != nil {
		return Transfer{}, err
	}
	var out Transfer
	var offer wire.FileOffer
	err = call(ctx, c, c.files.cmds, func(ctx context.Context, m *fileManager) error {
		var err error
		out, offer, err = m.offerGroup(ctx, g, src)
		return err
	})
	if err != nil {
		return Transfer{}, err
	}
	err = c.doGroup(ctx, func(ctx context.Context, m *groupManager) error {
		gs, ok := m.groups[g]
		if !ok {
			return ErrNotInGroup
		}
		_, err := m.sendGroupContent(ctx, gs, store.GroupMessage{Text: fileOfferText(src.name, src.size)}, offer)
		return err
	})
	if err != nil {
		// Nobody heard of it: stop serving what was never offered.
		c.CancelFile(ctx, out.ID)
		return Transfer{}, fmt.Errorf("offer in the group: %w", err)
	}
	return out, nil
}
