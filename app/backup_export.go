package app

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// HistoryReader pages through a conversation; *Core is one.
type HistoryReader interface {
	History(ctx context.Context, conv ConversationID, before int64, limit int) ([]Message, error)
}

// exportPage is how many messages an export reads at a time.
const exportPage = 500

// ExportConversation writes conv's whole history, oldest first, to the
// file at path: JSON if the name ends in .json, readable text otherwise.
// It is the one place plaintext leaves the store, so the file is made 0600
// and appears only when complete. me names our own messages. It returns
// how many messages were written.
func ExportConversation(ctx context.Context, h HistoryReader, conv ConversationID, me, path string) (n int, err error) {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, fmt.Errorf("export: %w", err)
	}
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	w := bufio.NewWriter(f)
	asJSON := strings.EqualFold(filepath.Ext(path), ".json")
	n, err = exportTo(ctx, h, conv, me, w, asJSON)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return 0, fmt.Errorf("export: %w", err)
	}
	return n, nil
}

// exportTo writes the history page by page, oldest first, without holding
// more than a page: a first pass finds where each page starts (History
// pages backwards), the second reads them again in reverse.
func exportTo(ctx context.Context, h HistoryReader, conv ConversationID, me string, w io.Writer, asJSON bool) (int, error) {
	starts := []int64{0}
	for {
		page, err := h.History(ctx, conv, starts[len(starts)-1], exportPage)
		if err != nil {
			return 0, err
		}
		if len(page) < exportPage {
			break
		}
		starts = append(starts, page[0].Cursor)
	}
	if asJSON {
		io.WriteString(w, "[")
	}
	n := 0
	for i := len(starts) - 1; i >= 0; i-- {
		page, err := h.History(ctx, conv, starts[i], exportPage)
		if err != nil {
			return n, err
		}
		for _, m := range page {
			if err := writeExported(w, m, me, asJSON, n == 0); err != nil {
				return n, err
			}
			n++
		}
	}
	if asJSON {
		if n > 0 {
			io.WriteString(w, "\n")
		}
		_, err := io.WriteString(w, "]\n")
		return n, err
	}
	return n, nil
}

// exportedMessage is one message in a JSON export.
type exportedMessage struct {
	ID       string    `json:"id"`
	Author   string    `json:"author,omitempty"`
	Name     string    `json:"name,omitempty"`
	Outgoing bool      `json:"outgoing,omitempty"`
	System   bool      `json:"system,omitempty"`
	Text     string    `json:"text"`
	SentAt   time.Time `json:"sent_at"`
	StoredAt time.Time `json:"stored_at"`
	State    string    `json:"state"`
}

func writeExported(w io.Writer, m Message, me string, asJSON, first bool) error {
	name := m.AuthorName
	if m.Outgoing {
		name = me
	}
	if asJSON {
		e := exportedMessage{ID: m.ID.String(), Name: name, Outgoing: m.Outgoing, System: m.System, Text: m.Text,
			SentAt: m.SentAt.UTC(), StoredAt: m.At.UTC(), State: m.State.String()}
		if !m.System {
			e.Author = m.Author.String()
		}
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		sep := ",\n"
		if first {
			sep = "\n"
		}
		_, err = io.WriteString(w, sep+string(b))
		return err
	}
	stamp := m.SentAt.Local().Format("2006-01-02 15:04")
	if m.System {
		_, err := fmt.Fprintf(w, "%s  — %s\n", stamp, indentLines(m.Text))
		return err
	}
	_, err := fmt.Fprintf(w, "%s  %s: %s\n", stamp, name, indentLines(m.Text))
	return err
}

// indentLines keeps a multi-line message readable under its first line.
func indentLines(s string) string { return strings.ReplaceAll(s, "\n", "\n                  ") }
