package e2e

import (
	"strings"
	"testing"
)

// TestHeadlessGroupNickShowsTheRenameLineAlsoAfterRestart: bob renames
// himself in alice's group with group_nick; alice sees the roster line
// live, and again from history after she restarts, with the same id.
func TestHeadlessGroupNickShowsTheRenameLineAlsoAfterRestart(t *testing.T) {
	bin := buildJarvis(t)
	dirA, dirB := t.TempDir(), t.TempDir()
	addrA, addrB := freePort(t), freePort(t)
	for _, c := range []struct{ dir, name, pass string }{{dirA, aliceName, passA}, {dirB, bobName, passB}} {
		if out, err := runCLI(t, bin, c.dir, c.pass, "init", "--name", c.name); err != nil {
			t.Fatalf("init: %v\n%s", err, out)
		}
	}
	a := startHeadless(t, bin, dirA, addrA, passA)
	b := startHeadless(t, bin, dirB, addrB, passB)
	readyA := a.waitEvent("ready", nil)
	readyB := b.waitEvent("ready", nil)
	aID, bID := readyA["id"].(string), readyB["id"].(string)

	a.send(map[string]any{"cmd": "add", "code": readyB["code"]})
	b.waitEvent("contact_request", nil)
	b.send(map[string]any{"cmd": "accept", "id": aID})
	a.waitEvent("contact_added", nil)

	a.send(map[string]any{"cmd": "group_create", "name": "crew", "ref": "g"})
	created := a.waitEvent("group_created", func(m map[string]any) bool { return m["ref"] == "g" })
	gid := created["group"].(map[string]any)["id"].(string)
	a.send(map[string]any{"cmd": "group_invite", "id": gid, "to": bID})
	b.waitEvent("group_invite", nil)
	b.send(map[string]any{"cmd": "group_accept", "id": gid})
	a.waitEvent("group_system", func(m map[string]any) bool { return strings.Contains(m["text"].(string), bobName) })

	b.send(map[string]any{"cmd": "group_nick", "id": gid, "name": "Bobby"})
	isRename := func(m map[string]any) bool {
		text, _ := m["text"].(string)
		return m["group"] == gid && strings.Contains(text, bobName) && strings.Contains(text, "Bobby")
	}
	live := a.waitEvent("group_system", isRename)
	if live["id"] == nil || live["cursor"] == nil {
		t.Fatalf("the live rename line has no id or cursor: %v", live)
	}
	a.quit()

	a = startHeadless(t, bin, dirA, addrA, passA)
	a.waitEvent("ready", nil)
	a.send(map[string]any{"cmd": "group_history", "id": gid, "ref": "h"})
	hist := a.waitEvent("group_history", func(m map[string]any) bool { return m["ref"] == "h" })
	found := 0
	for _, m := range hist["messages"].([]any) {
		if l := m.(map[string]any); l["system"] == true && isRename(map[string]any{"group": gid, "text": l["text"]}) {
			found++
			if l["id"] != live["id"] || l["cursor"] != live["cursor"] {
				t.Fatalf("history holds the rename as %v, the live line was %v", l, live)
			}
		}
	}
	if found != 1 {
		t.Fatalf("history after restart holds the rename %d times, want once: %v", found, hist["messages"])
	}
	a.quit()
	b.quit()
}
