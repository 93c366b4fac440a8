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

// groupFileCommands offers a file in the group "cats" from each side: ann
// takes cat's offer, and offers one of her own with file_send's group.
func groupFileCommands(t *testing.T, ann *session, cat *peer) {
	t.Helper()
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "menu.txt")
	if err := os.WriteFile(src, []byte("fish on friday"), 0o600); err != nil {
		t.Fatal(err)
	}
	gid, err := cat.core.ResolveGroup(ctx, "cats")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := cat.core.SendFileToGroup(ctx, gid, src)
	if err != nil {
		t.Fatal(err)
	}
	ann.wait("file_offer", func(l map[string]any) bool {
		return transferField(l, "id") == tr.ID.String() && transferField(l, "group") == gid.String()
	})
	ann.do(map[string]any{"cmd": "file_accept", "id": tr.ID.String()}, "")
	done := ann.wait("file_done", func(l map[string]any) bool { return transferField(l, "id") == tr.ID.String() })
	if b, err := os.ReadFile(transferField(done, "path").(string)); err != nil || string(b) != "fish on friday" {
		t.Fatalf("saved group file: %q, %v", b, err)
	}
	sent := ann.do(map[string]any{"cmd": "file_send", "group": "cats", "path": src}, "file_sent")
	if transferField(sent, "group") != gid.String() {
		t.Fatalf("file_sent %v, want the group %s", sent, gid)
	}
	ann.refused(map[string]any{"cmd": "file_send", "path": src}, "to")
}

func transferField(l map[string]any, key string) any {
	c, _ := l["transfer"].(map[string]any)
	return c[key]
}
