package headless

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"jarvis/app"
)

// fileCommands runs the file commands between ann (headless) and bob.
func fileCommands(t *testing.T, ann *session, bob *peer) {
	t.Helper()
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(src, []byte("a file's worth of words"), 0o600); err != nil {
		t.Fatal(err)
	}
	bobID := bob.core.Self().ID.String()

	sent := ann.do(map[string]any{"cmd": "file_send", "to": bobID, "path": src}, "file_sent")
	id := transferField(sent, "id").(string)
	ann.do(map[string]any{"cmd": "file_cancel", "id": id[:8]}, "")

	annID := ann.self.ID
	for _, answer := range []string{"file_accept", "file_reject"} {
		tr, err := bob.core.SendFile(ctx, annID, src)
		if err != nil {
			t.Fatal(err)
		}
		ann.wait("file_offer", func(l map[string]any) bool { return transferField(l, "id") == tr.ID.String() })
		ann.do(map[string]any{"cmd": answer, "id": tr.ID.String()}, "")
		if answer == "file_accept" {
			done := ann.wait("file_done", func(l map[string]any) bool { return transferField(l, "id") == tr.ID.String() })
			b, err := os.ReadFile(transferField(done, "path").(string))
			if err != nil || string(b) != "a file's worth of words" {
				t.Fatalf("saved file: %q, %v", b, err)
			}
		} else {
			bob.await(t, "rejection", func(e app.Event) bool { f, ok := e.(app.FileFailed); return ok && f.Transfer.ID == tr.ID })
		}
	}
	if l := ann.do(map[string]any{"cmd": "files"}, "files"); len(l["transfers"].([]any)) != 3 {
		t.Fatalf("files lists %v", l["transfers"])
	}
}

func transferField(l map[string]any, key string) any {
	c, _ := l["transfer"].(map[string]any)
	return c[key]
}
