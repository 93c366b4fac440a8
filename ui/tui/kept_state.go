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
}

// saveTimeout bounds the write of the kept state on quitting.
const saveTimeout = 5 * time.Second

// keep collects the state to keep; nil before the main screen.
func (u *UI) keep() []byte {
	if u.main == nil {
		return nil
	}
	st := keptState{Drafts: make(map[string]string)}
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

// restore puts kept drafts back and returns the conversation to open: the
// one open at the end of the last run, else the first with unread
// messages, else the first; zero when there is none.
func (u *UI) restore(b []byte) app.ConversationID {
	var st keptState
	if len(b) > 0 {
		_ = json.Unmarshal(b, &st) // a damaged state only loses drafts
	}
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
