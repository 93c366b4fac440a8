package headless

import (
	"context"

	"jarvis/app"
)

// pairCodeLine answers pair_start: the code to show, and when it expires
// (Unix milliseconds).
type pairCodeLine struct {
	Event   string `json:"event"`
	Ref     string `json:"ref,omitempty"`
	Code    string `json:"code"`
	Expires int64  `json:"expires"`
}

func (h *headless) pairStart(_ context.Context, r request) error {
	offer, err := h.core.StartPairing()
	if err != nil {
		return err
	}
	h.out.write(pairCodeLine{Event: "pair_code", Ref: r.Ref, Code: offer.Code, Expires: millis(offer.Expires)})
	return nil
}

// pairJoin starts joining; contact_added then paired, or an error line
// with op "pair", tells how it ended.
func (h *headless) pairJoin(_ context.Context, r request) error { return h.core.BeginJoin(r.Code) }

func (h *headless) pairCancel(context.Context, request) error {
	h.core.CancelPairing()
	return nil
}

func pairEventJSON(ev app.Event) any {
	switch ev := ev.(type) {
	case app.Paired:
		return contactLine{Event: "paired", Contact: contactJSON(ev.Contact)}
	case app.PairFailed:
		return errorLine{Event: "error", Op: "pair", Error: ev.Err.Error()}
	}
	return nil
}
