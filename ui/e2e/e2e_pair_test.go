package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// lanPair is two headless nodes on a network namespace LAN of their own,
// strangers to each other, ready to pair.
type lanPair struct {
	ln   *lanNet
	a, b *headlessProc
	aID  string
	bID  string
}

func startLANPair(t *testing.T, nodes int) *lanPair {
	t.Helper()
	ln := newLANNet(t, nodes)
	bin := buildJarvis(t)
	p := &lanPair{ln: ln}
	for i := range nodes {
		ln.setAddr(i, fmt.Sprintf("10.232.0.%d/24", i+1))
	}
	procs := make([]*headlessProc, 2)
	ids := make([]string, 2)
	for i, c := range []struct{ name, pass string }{{aliceName, passA}, {bobName, passB}} {
		wrapped, dir := ln.wrap(i, bin), t.TempDir()
		if out, err := runCLI(t, wrapped, dir, c.pass, "--tor", "off", "init", "--name", c.name); err != nil {
			t.Fatalf("init: %v\n%s", err, out)
		}
		procs[i] = startHeadlessWith(t, wrapped, dir, c.pass, nil, "--listen", "0.0.0.0:7420", "--tor", "off")
		ids[i] = procs[i].waitEvent("ready", nil)["id"].(string)
	}
	p.a, p.b, p.aID, p.bID = procs[0], procs[1], ids[0], ids[1]
	return p
}

func contactIs(id string) func(map[string]any) bool {
	return func(m map[string]any) bool {
		c, _ := m["contact"].(map[string]any)
		return c["id"] == id
	}
}

func TestPairingByShortCodeMakesVerifiedContactsThatChat(t *testing.T) {
	p := startLANPair(t, 2)
	p.a.send(map[string]any{"cmd": "pair_start", "ref": "p"})
	code := p.a.waitEvent("pair_code", nil)["code"].(string)
	if len(strings.ReplaceAll(code, " ", "")) != 8 {
		t.Fatalf("code %q", code)
	}
	p.b.send(map[string]any{"cmd": "pair_join", "code": code})
	for _, side := range []struct {
		proc *headlessProc
		peer string
	}{{p.a, p.bID}, {p.b, p.aID}} {
		paired := side.proc.waitEvent("paired", contactIs(side.peer))
		c := paired["contact"].(map[string]any)
		if c["verified"] != true || c["state"] != "accepted" {
			t.Fatalf("paired contact %v", c)
		}
	}
	p.a.waitEvent("peer", func(m map[string]any) bool { return m["id"] == p.bID && m["online"] == true })
	p.a.send(map[string]any{"cmd": "send", "to": p.bID, "text": firstText})
	p.b.waitEvent("message", textIs(firstText))
	p.b.send(map[string]any{"cmd": "send", "to": p.aID, "text": awayText})
	p.a.waitEvent("message", textIs(awayText))
}

func TestAWrongPairingCodeAddsNobodyAndBurnsTheCode(t *testing.T) {
	p := startLANPair(t, 2)
	p.a.send(map[string]any{"cmd": "pair_start"})
	code := p.a.waitEvent("pair_code", nil)["code"].(string)
	digits := []byte(strings.ReplaceAll(code, " ", ""))
	wrong := string(digits[:2]) + fmt.Sprintf("%06d", (atoi(string(digits[2:]))+1)%1000000) // same locator
	p.b.send(map[string]any{"cmd": "pair_join", "code": wrong})
	p.b.waitEvent("error", func(m map[string]any) bool {
		return m["op"] == "pair" && strings.Contains(m["error"].(string), "didn't match")
	})
	p.a.waitEvent("error", func(m map[string]any) bool {
		return m["op"] == "pair" && strings.Contains(m["error"].(string), "didn't match")
	})
	// The right code now finds no one: A stopped showing it.
	p.b.send(map[string]any{"cmd": "pair_join", "code": code})
	p.b.waitEvent("error", func(m map[string]any) bool {
		return m["op"] == "pair" && m["error"] != nil && !strings.Contains(m["error"].(string), "didn't match")
	})
	for _, proc := range []*headlessProc{p.a, p.b} {
		proc.send(map[string]any{"cmd": "contacts", "ref": "c"})
		list := proc.waitEvent("contacts", nil)["contacts"].([]any)
		if len(list) != 0 {
			t.Fatalf("contacts after a wrong code: %v", list)
		}
	}
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

// A man in the middle on the same LAN, without the code, answers the
// joiner as the host and runs the protocol with both sides on a guess
// (testdata/mitm). He gets neither link code, and no one adds him.
func TestAManInTheMiddleOfPairingGetsNothing(t *testing.T) {
	p := startLANPair(t, 3)
	mitmBin := filepath.Join(t.TempDir(), "mitm")
	if out, err := exec.Command("go", "build", "-o", mitmBin, "jarvis/ui/e2e/testdata/mitm").CombinedOutput(); err != nil {
		t.Fatalf("build mitm: %v\n%s", err, out)
	}
	mitm := exec.Command(p.ln.wrap(2, mitmBin))
	out, err := mitm.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	mitm.Stderr = os.Stderr
	if err := mitm.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mitm.Process.Kill(); mitm.Wait() })
	steps := make(chan map[string]any, 16)
	go func() {
		defer close(steps)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				steps <- m
			}
		}
	}()
	seen := map[string]map[string]any{}
	next := func(want string) map[string]any {
		t.Helper()
		for {
			select {
			case m, ok := <-steps:
				if !ok {
					t.Fatalf("the mitm ended before %q", want)
				}
				t.Logf("mitm: %v", m)
				seen[fmt.Sprint(m["step"])] = m
				if m["step"] == "fatal" {
					t.Fatalf("mitm: %v", m["error"])
				}
				if m["step"] == want {
					return m
				}
			case <-time.After(e2eTimeout):
				t.Fatalf("the mitm never got to %q", want)
			}
		}
	}
	next("ready")
	p.a.send(map[string]any{"cmd": "pair_start"})
	code := p.a.waitEvent("pair_code", nil)["code"].(string)
	next("found")
	time.Sleep(300 * time.Millisecond) // the mitm's beacons are on the air
	p.b.send(map[string]any{"cmd": "pair_join", "code": code})
	pairEnded := func(m map[string]any) bool { return m["event"] == "paired" || m["op"] == "pair" }
	endB := p.b.waitLine("the end of pairing", pairEnded)
	endA := p.a.waitLine("the end of pairing", pairEnded)
	for _, end := range []map[string]any{endA, endB} {
		if end["event"] == "paired" {
			c := end["contact"].(map[string]any)
			if c["id"] != p.aID && c["id"] != p.bID {
				t.Fatalf("someone paired with a stranger: %v", c)
			}
		}
	}
	if endA["event"] != endB["event"] {
		t.Fatalf("one side paired and the other did not: %v / %v", endA, endB)
	}
	// The joiner most likely came to the mitm (twenty beacons a second
	// against the host's one): then the mitm got nothing from either side,
	// and no one paired.
	select {
	case m := <-steps:
		t.Logf("mitm: %v", m)
		if m["step"] != "joiner connected" {
			t.Fatalf("mitm: %v", m)
		}
		next("done") // the two runs end in either order
		for _, step := range []string{"as host to the joiner", "as joiner to the host"} {
			if r := seen[step]; r == nil || r["got"] != float64(0) || r["error"] == "" {
				t.Fatalf("the mitm %s: %v", step, r)
			}
		}
		if endB["event"] == "paired" {
			t.Fatal("the joiner paired through the mitm")
		}
	case <-time.After(2 * time.Second):
		t.Log("the joiner reached the host first; the mitm never got a connection")
	}
}
