package tui

import (
	"context"
	"encoding/json"
	"time"

	"jarvis/app"
)

// keptState is what the UI keeps between runs, sealed in the store by the
// core: the drafts, and the conversation open at the end.
type keptState struct {
	Drafts map[string]string `json:"drafts,omitempty"` // by app.ConversationID.String()
	Open   string            `json:"open,omitempty"`
	Order  []string          `json:"order,omitempty"` // the list, so numbers stay put across runs
}

// saveTimeout bounds the write of the kept state on quitting.
const saveTimeout = 5 * time.Second

// keep collects the state to keep; nil before the main screen.
func (u *UI) keep() []byte {
	if u.main == nil {
		return nil
	}
	st := keptState{Drafts: make(map[string]string)}
	for _, k := range u.order {
		st.Order = append(st.Order, k.String())
	}
	for k, conv := range u.convs {
		draft := conv.draft
		if k == u.cur {
			draft = u.main.input.GetText()
			st.Open = k.String()
		}
		if draft != "" {
			st.Drafts[k.String()] = draft
		}
	}
	b, _ := json.Marshal(st) // strings only: cannot fail
	return b
}

// saveKept writes state through core; it runs on quit's goroutine, before
// the core closes.
func (u *UI) saveKept(core appCore, state []byte) {
	if state == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), saveTimeout)
	defer cancel()
	if err := core.SaveFrontendState(ctx, state); err != nil {
		u.log.Error("keep drafts", "err", err)
	}
}

// parseKept reads what keep wrote; a damaged state only loses drafts.
func parseKept(b []byte) keptState {
	var st keptState
	if len(b) > 0 {
		_ = json.Unmarshal(b, &st)
	}
	return st
}

// renumber gives the conversations the numbers they had in the last run,
// before sortConvs numbers the new ones after them.
func (u *UI) renumber(st keptState) {
	byKey := make(map[string]*conversation, len(u.convs))
	for k, conv := range u.convs {
		byKey[k.String()] = conv
	}
	for _, key := range st.Order {
		if conv := byKey[key]; conv != nil && conv.num == 0 {
			u.seen++
			conv.num = u.seen
		}
	}
}

// saveKeptNow writes the kept state on a worker, so a crash loses little:
// on switching conversations and on locking.
func (u *UI) saveKeptNow() {
	core, state := u.core, u.keep()
	if core == nil || state == nil {
		return
	}
	u.async(func(ctx context.Context) func() {
		if err := core.SaveFrontendState(ctx, state); err != nil && ctx.Err() == nil {
			u.log.Error("keep drafts", "err", err)
		}
		return nil
	})
}

// restore puts kept drafts back and returns the conversation to open: the
// one open at the end of the last run, else the first with unread
// messages, else the first; zero when there is none.
func (u *UI) restore(st keptState) app.ConversationID {
	var open app.ConversationID
	for k, conv := range u.convs {
		if d, ok := st.Drafts[k.String()]; ok && conv.draft == "" {
			conv.draft = d
		}
		if st.Open != "" && k.String() == st.Open {
			open = k
		}
	}
	if u.exists(open) {
		return open
	}
	for _, k := range u.order {
		if u.convs[k].unread > 0 {
			return k
		}
	}
	if len(u.order) > 0 {
		return u.order[0]
	}
	return app.ConversationID{}
}
