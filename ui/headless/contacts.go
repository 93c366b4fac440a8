package headless

import (
	"context"

	"jarvis/app"
	"jarvis/crypto"
)

// The contact commands. Contacts are named by full ID, a unique ID prefix
// or a unique name; the app resolver decides which.

// onContact adapts a core command on the contact named in "id".
func onContact(do func(*app.Core, context.Context, crypto.ID) error) handler {
	return func(h *headless, ctx context.Context, r request) error {
		id, err := h.core.ResolveContact(ctx, r.ID)
		if err != nil {
			return err
		}
		return do(h.core, ctx, id)
	}
}

func (h *headless) code(_ context.Context, r request) error {
	h.out.write(codeLine{Event: "code", Ref: r.Ref, Code: h.core.Self().Code})
	return nil
}

func (h *headless) add(ctx context.Context, r request) error {
	c, err := h.core.AddContact(ctx, r.Code)
	if err != nil {
		return err
	}
	h.out.write(contactLine{Event: "contact_pending", Ref: r.Ref, Contact: contactJSON(c)})
	return nil
}

func (h *headless) contacts(ctx context.Context, r request) error {
	list, err := h.core.Contacts(ctx)
	if err != nil {
		return err
	}
	h.out.write(contactsLine{Event: "contacts", Ref: r.Ref, Contacts: contactsJSON(list)})
	return nil
}

func (h *headless) typing(ctx context.Context, r request) error {
	id, err := h.core.ResolveContact(ctx, r.To)
	if err != nil {
		return err
	}
	return h.core.SetTyping(ctx, id, r.Active)
}

func (h *headless) rename(ctx context.Context, r request) error {
	id, err := h.core.ResolveContact(ctx, r.ID)
	if err != nil {
		return err
	}
	return h.core.Rename(ctx, id, r.Name)
}

// verify marks the contact verified unless "verified" is false.
func (h *headless) verify(ctx context.Context, r request) error {
	id, err := h.core.ResolveContact(ctx, r.ID)
	if err != nil {
		return err
	}
	return h.core.SetVerified(ctx, id, r.Verified == nil || *r.Verified)
}
