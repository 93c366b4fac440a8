//go:build tortest

// End to end over a private Tor network (p2p/tor/tornet): binaries built
// with -tags tortest read the network's torrc lines from JARVIS_TEST_TORRC,
// which no release build does. `make test` runs these after the rest.

package e2e

import (
	"os"
	"strings"
	"testing"

	"jarvis/crypto"
	"jarvis/p2p/tor/tornet"
)

var torNetwork tornet.Shared

func TestMain(m *testing.M) { os.Exit(torNetwork.Run(m)) }

const torTimeout = tornet.WaitLimit

func onionReady(m map[string]any) bool {
	tor, _ := m["tor"].(map[string]any)
	return tor["state"] == "ready" && tor["onion"] != nil
}

func TestTorHeadlessOnionOnlyCodesPairChatAndRestart(t *testing.T) {
	env := []string{"JARVIS_TEST_TORRC=" + strings.Join(torNetwork.Torrc(t), "\n")}
	bin := buildJarvis(t, "-tags", "tortest")
	dirA, dirB := t.TempDir(), t.TempDir()
	for _, c := range []struct{ dir, name, pass string }{{dirA, aliceName, passA}, {dirB, bobName, passB}} {
		if out, err := runCLI(t, bin, c.dir, c.pass, "--tor", "only", "init", "--name", c.name); err != nil {
			t.Fatalf("init: %v\n%s", err, out)
		}
	}
	start := func(dir, pass string) *headlessProc {
		p := startHeadlessWith(t, bin, dir, pass, env, "--tor", "only")
		p.timeout = torTimeout
		return p
	}
	a, b := start(dirA, passA), start(dirB, passB)
	readyA, readyB := a.waitEvent("ready", nil), b.waitEvent("ready", nil)
	aID, bID := readyA["id"].(string), readyB["id"].(string)
	for _, r := range []map[string]any{readyA, readyB} {
		lc, err := crypto.ParseLinkCode(r["code"].(string))
		if err != nil {
			t.Fatal(err)
		}
		if len(lc.Addrs) != 1 || !strings.Contains(lc.Addrs[0], ".onion:") {
			t.Fatalf("--tor only link code holds %q", lc.Addrs)
		}
	}
	onionB := b.waitEvent("engine", onionReady)["tor"].(map[string]any)["onion"]
	a.waitEvent("engine", onionReady)

	a.send(map[string]any{"cmd": "add", "code": readyB["code"]})
	b.waitEvent("contact_request", nil)
	b.send(map[string]any{"cmd": "accept", "id": aID})
	a.waitEvent("contact_added", nil)
	a.waitEvent("peer", func(m map[string]any) bool { return m["id"] == bID && m["online"] == true && m["path"] == "onion" })

	a.send(map[string]any{"cmd": "send", "to": bID, "text": firstText})
	b.waitEvent("message", textIs(firstText))
	b.send(map[string]any{"cmd": "send", "to": aID, "text": "and back over tor"})
	a.waitEvent("message", textIs("and back over tor"))

	// Bob goes offline; what Alice sends meanwhile waits for him, and he
	// comes back at the same onion address.
	b.quit()
	a.waitEvent("peer", func(m map[string]any) bool { return m["id"] == bID && m["online"] == false })
	a.send(map[string]any{"cmd": "send", "to": bID, "text": awayText, "ref": "away"})
	away := a.waitEvent("sent", func(m map[string]any) bool { return m["ref"] == "away" })
	b = start(dirB, passB)
	if got := b.waitEvent("engine", onionReady)["tor"].(map[string]any)["onion"]; got != onionB {
		t.Fatalf("onion address after restart %v, before %v", got, onionB)
	}
	b.waitEvent("message", textIs(awayText))
	a.waitEvent("status", func(m map[string]any) bool { return m["id"] == away["id"] && m["state"] == "delivered" })
	if n := b.count("message", textIs(firstText)); n != 0 {
		t.Fatalf("the first message came again after the restart (%d times)", n)
	}
	a.quit()
	b.quit()
	for _, dir := range []string{dirA, dirB} {
		assertNotOnDisk(t, dir, firstText, awayText, aliceName, bobName)
	}
}
