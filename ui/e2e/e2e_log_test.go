package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTheLogOfARealSessionNamesNoPeerAndNoAddress runs two nodes through a
// contact request, a message and a disconnection, then reads both jarvis.log
// files: they must hold neither ID (full or short) nor the loopback
// address both listened and dialled on.
func TestTheLogOfARealSessionNamesNoPeerAndNoAddress(t *testing.T) {
	bin := buildJarvis(t)
	dirA, dirB := t.TempDir(), t.TempDir()
	for _, c := range []struct{ dir, name, pass string }{{dirA, aliceName, passA}, {dirB, bobName, passB}} {
		if out, err := runCLI(t, bin, c.dir, c.pass, "init", "--name", c.name); err != nil {
			t.Fatalf("init: %v\n%s", err, out)
		}
	}
	a := startHeadless(t, bin, dirA, freePort(t), passA)
	b := startHeadless(t, bin, dirB, freePort(t), passB)
	readyA, readyB := a.waitEvent("ready", nil), b.waitEvent("ready", nil)
	aID, bID := readyA["id"].(string), readyB["id"].(string)

	a.send(map[string]any{"cmd": "add", "code": readyB["code"]})
	b.waitEvent("contact_request", nil)
	b.send(map[string]any{"cmd": "accept", "id": aID})
	a.waitEvent("contact_added", nil)
	a.send(map[string]any{"cmd": "send", "to": bID, "text": firstText})
	b.waitEvent("message", textIs(firstText))
	b.quit() // a logs the session going down
	a.waitEvent("peer", func(m map[string]any) bool { return m["id"] == bID && m["online"] == false })
	a.quit()

	for _, dir := range []string{dirA, dirB} {
		log, err := os.ReadFile(filepath.Join(dir, "jarvis.log"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(log), "peer=peer-") {
			t.Errorf("%s/jarvis.log shows no peer tag; the test saw nothing to check:\n%s", dir, log)
		}
		for _, secret := range []string{aID, aID[:8], bID, bID[:8], "127.0.0.1"} {
			if strings.Contains(string(log), secret) {
				t.Errorf("%s/jarvis.log holds %q:\n%s", dir, secret, log)
			}
		}
	}
}
