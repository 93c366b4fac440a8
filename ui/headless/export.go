package headless

import (
	"context"

	"jarvis/app"
)

// exportLine answers export and group_export.
type exportLine struct {
	Event string `json:"event"`
	Ref   string `json:"ref,omitempty"`
	With  string `json:"with"`
	File  string `json:"file"`
	Count int    `json:"count"`
}

// export writes a whole conversation to the file the line names: JSON if
// it ends in .json, text otherwise; the file is 0600 (app.ExportConversation).
func (h *headless) export(ctx context.Context, conv app.ConversationID, r request) error {
	n, err := app.ExportConversation(ctx, h.core, conv, h.core.Self().Name, r.File)
	if err != nil {
		return err
	}
	h.out.write(exportLine{Event: "exported", Ref: r.Ref, With: conv.String(), File: r.File, Count: n})
	return nil
}
