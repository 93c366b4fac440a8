package e2e

import (
	"testing"
)

// TestHeadlessRepliesReactionsEditsAndDeletes drives two `jarvis
// --headless` processes: a reply, a reaction, an edit made while the
// receiver is down (it arrives from the outbox after a restart), a delete
// for everyone, and no trace of the texts in either data directory.
func TestHeadlessRepliesReactionsEditsAndDeletes(t *testing.T) {
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
	readyA, readyB := a.waitEvent("ready", nil), b.waitEvent("ready", nil)
	aID, bID := readyA["id"].(string), readyB["id"].(string)
	a.send(map[string]any{"cmd": "add", "code": readyB["code"]})
	b.waitEvent("contact_request", nil)
	b.send(map[string]any{"cmd": "accept", "id": aID})
	a.waitEvent("peer", func(m map[string]any) bool { return m["id"] == bID && m["online"] == true })

	const orig, fixed, answer = "the drop is at pier nine", "the drop is at pier seven", "copy that, pier"
	a.send(map[string]any{"cmd": "send", "to": bID, "text": orig, "ref": "o"})
	id := a.waitEvent("sent", func(m map[string]any) bool { return m["ref"] == "o" })["id"]
	b.waitEvent("message", textIs(orig))
	b.send(map[string]any{"cmd": "send", "to": aID, "text": answer, "reply_to": id, "ref": "r"})
	if got := a.waitEvent("message", textIs(answer)); got["reply_to"] != id {
		t.Fatalf("reply arrived as %v", got)
	}
	b.send(map[string]any{"cmd": "react", "id": id, "emoji": "👍"})
	a.waitEvent("reaction", func(m map[string]any) bool { return m["id"] == id && m["emoji"] == "👍" && m["from"] == bID })

	b.quit()
	a.waitEvent("peer", func(m map[string]any) bool { return m["id"] == bID && m["online"] == false })
	a.send(map[string]any{"cmd": "edit", "id": id, "text": fixed})
	a.waitEvent("message_edited", func(m map[string]any) bool { return m["id"] == id && m["text"] == fixed })
	b = startHeadless(t, bin, dirB, addrB, passB)
	b.waitEvent("message_edited", func(m map[string]any) bool { return m["id"] == id && m["text"] == fixed })
	b.send(map[string]any{"cmd": "history", "with": aID, "ref": "h"})
	hist := b.waitEvent("history", nil)["messages"].([]any)
	first := hist[0].(map[string]any)
	if first["text"] != fixed || first["edited"] != true || len(first["reactions"].([]any)) != 1 {
		t.Fatalf("bob's history: %v", hist)
	}

	a.send(map[string]any{"cmd": "delete", "id": id, "everyone": true})
	b.waitEvent("message_deleted", func(m map[string]any) bool { return m["id"] == id })
	if n := b.count("message_edited", func(m map[string]any) bool { return m["id"] == id }); n != 1 {
		t.Fatalf("the edit was applied %d times", n)
	}
	a.quit()
	b.quit()
	assertNotOnDisk(t, dirA, orig, fixed, answer)
	assertNotOnDisk(t, dirB, orig, fixed, answer)
}
