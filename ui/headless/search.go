package headless

import (
	"context"

	"jarvis/app"
)

// searchResultJSON is one message found: "conversation" is the contact's
// or the group's ID, "from" the author's (ours for our own messages), and
// "cursor" pages history to it (history with before = cursor + 1 ends there).
type searchResultJSON struct {
	Conversation string `json:"conversation"`
	Group        bool   `json:"group"`
	ID           string `json:"id"`
	From         string `json:"from"`
	FromName     string `json:"from_name"`
	Outgoing     bool   `json:"outgoing"`
	Time         int64  `json:"time"`
	Text         string `json:"text"`
	Cursor       int64  `json:"cursor"`
}

// searchResultsLine answers search. Ready is false while the index is
// still reading history after unlock: older messages may be missing.
type searchResultsLine struct {
	Event   string             `json:"event"`
	Ref     string             `json:"ref,omitempty"`
	Ready   bool               `json:"ready"`
	Results []searchResultJSON `json:"results"`
}

// searchIndexLine reports the index reading history after unlock.
type searchIndexLine struct {
	Event   string `json:"event"`
	Indexed int    `json:"indexed"`
	Total   int    `json:"total"`
	Ready   bool   `json:"ready"`
}

// search finds messages in every conversation, or in the one "in" names.
func (h *headless) search(ctx context.Context, r request) error {
	q := app.SearchQuery{Text: r.Text, Limit: r.Limit}
	if r.In != "" {
		conv, err := h.core.ResolveConversation(ctx, r.In)
		if err != nil {
			return err
		}
		q.In = conv
	}
	msgs, err := h.core.Search(ctx, q)
	if err != nil {
		return err
	}
	_, _, ready := h.core.SearchProgress()
	out := searchResultsLine{Event: "search_results", Ref: r.Ref, Ready: ready, Results: make([]searchResultJSON, len(msgs))}
	for i, m := range msgs {
		out.Results[i] = searchResultJSON{Conversation: m.Conversation.String(), Group: m.Conversation.IsGroup(),
			ID: m.ID.String(), From: m.Author.String(), FromName: m.AuthorName, Outgoing: m.Outgoing,
			Time: millis(m.At), Text: m.Text, Cursor: m.Cursor}
	}
	h.out.write(out)
	return nil
}

func searchEventJSON(ev app.Event) any {
	if p, ok := ev.(app.IndexProgress); ok {
		return searchIndexLine{Event: "search_index", Indexed: p.Indexed, Total: p.Total, Ready: p.Ready}
	}
	return nil
}
