package headless

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"jarvis/app"
	"jarvis/crypto"
)

// The file commands and events. Transfers are named by their hex ID or a
// unique prefix of it.

type transferJSONT struct {
	ID       string  `json:"id"`
	Peer     string  `json:"peer"`
	Group    string  `json:"group,omitempty"` // a file offered in a group; peer is its author
	Outgoing bool    `json:"outgoing"`
	Name     string  `json:"name"`
	Size     int64   `json:"size"`
	Bytes    int64   `json:"bytes"`
	State    string  `json:"state"`
	Path     string  `json:"path,omitempty"`
	Reason   string  `json:"reason,omitempty"`
	Rate     float64 `json:"rate,omitempty"` // bytes per second
	Wire     int64   `json:"wire"`           // chunk bytes moved by this process, repeats included
}

type transferLine struct {
	Event    string        `json:"event"`
	Ref      string        `json:"ref,omitempty"`
	Transfer transferJSONT `json:"transfer"`
}

type transfersLine struct {
	Event     string          `json:"event"`
	Ref       string          `json:"ref,omitempty"`
	Transfers []transferJSONT `json:"transfers"`
}

func transferJSON(t app.Transfer) transferJSONT {
	out := transferJSONT{ID: t.ID.String(), Peer: t.Peer.String(), Outgoing: t.Outgoing, Name: t.Name, Size: t.Size,
		Bytes: t.Bytes, State: t.State.String(), Path: t.Path, Reason: t.Reason, Rate: t.Rate, Wire: t.Wire}
	if t.Group != (crypto.GroupID{}) {
		out.Group = t.Group.String()
	}
	return out
}

// fileEventJSON maps the file events; nil for any other.
func fileEventJSON(ev app.Event) any {
	switch ev := ev.(type) {
	case app.FileOffered:
		return transferLine{Event: "file_offer", Transfer: transferJSON(ev.Transfer)}
	case app.FileProgress:
		return transferLine{Event: "file_progress", Transfer: transferJSON(ev.Transfer)}
	case app.FileDone:
		return transferLine{Event: "file_done", Transfer: transferJSON(ev.Transfer)}
	case app.FileFailed:
		return transferLine{Event: "file_failed", Transfer: transferJSON(ev.Transfer)}
	}
	return nil
}

// errSendWhere is file_send without a contact or a group.
var errSendWhere = errors.New(`file_send needs "to" (a contact) or "group", not both`)

func (h *headless) fileSend(ctx context.Context, r request) error {
	if (r.To == "") == (r.Group == "") {
		return errSendWhere
	}
	t, err := h.offerFile(ctx, r)
	if err != nil {
		return err
	}
	h.out.write(transferLine{Event: "file_sent", Ref: r.Ref, Transfer: transferJSON(t)})
	return nil
}

// offerFile offers r's file to the group or the contact it names.
func (h *headless) offerFile(ctx context.Context, r request) (app.Transfer, error) {
	if r.Group != "" {
		g, err := h.core.ResolveGroup(ctx, r.Group)
		if err != nil {
			return app.Transfer{}, err
		}
		return h.core.SendFileToGroup(ctx, g, r.Path)
	}
	id, err := h.core.ResolveContact(ctx, r.To)
	if err != nil {
		return app.Transfer{}, err
	}
	return h.core.SendFile(ctx, id, r.Path)
}

func (h *headless) files(ctx context.Context, r request) error {
	list, err := h.core.Transfers(ctx)
	if err != nil {
		return err
	}
	out := make([]transferJSONT, len(list))
	for i, t := range list {
		out[i] = transferJSON(t)
	}
	h.out.write(transfersLine{Event: "files", Ref: r.Ref, Transfers: out})
	return nil
}

// onTransfer adapts a core command on the transfer named in "id".
func onTransfer(do func(*app.Core, context.Context, app.TransferID) error) handler {
	return func(h *headless, ctx context.Context, r request) error {
		id, err := resolveTransfer(ctx, h.core, r.ID)
		if err != nil {
			return err
		}
		return do(h.core, ctx, id)
	}
}

// resolveTransfer finds the one transfer whose hex ID starts with s.
func resolveTransfer(ctx context.Context, core *app.Core, s string) (app.TransferID, error) {
	list, err := core.Transfers(ctx)
	if err != nil {
		return app.TransferID{}, err
	}
	var found []app.TransferID
	for _, t := range list {
		if strings.HasPrefix(t.ID.String(), strings.ToLower(s)) {
			found = append(found, t.ID)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return app.TransferID{}, fmt.Errorf("no transfer %q; send {\"cmd\":\"files\"} for the list: %w", s, app.ErrUnknownTransfer)
	}
	return app.TransferID{}, fmt.Errorf("%q names %d transfers; give more of the ID", s, len(found))
}
