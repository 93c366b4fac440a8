package e2e

import (
	"strings"
	"testing"
)

// Without tor on PATH, --tor on refuses to start and says what to install,
// while the default (auto) runs direct only and says why in its engine
// event.
func TestTorFlagsWithoutTorInstalled(t *testing.T) {
	bin := buildJarvis(t)
	dir := t.TempDir()
	noTor := []string{"PATH=" + t.TempDir()}
	if out, err := runCLI(t, bin, dir, passA, "--tor", "off", "init", "--name", aliceName); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}

	p := startHeadlessWith(t, bin, dir, passA, noTor, "--listen", freePort(t), "--tor", "on")
	<-p.exited
	if code := p.cmd.ProcessState.ExitCode(); code == 0 {
		t.Fatal("--tor on without tor started anyway")
	}
	if !strings.Contains(p.stderr(), "apt install tor") {
		t.Fatalf("--tor on without tor says %q", p.stderr())
	}

	p = startHeadlessWith(t, bin, dir, passA, noTor, "--listen", freePort(t))
	ready := p.waitEvent("ready", nil)
	for _, a := range ready["addrs"].([]any) {
		if strings.Contains(a.(string), ".onion") {
			t.Fatalf("direct-only node advertises %v", a)
		}
	}
	eng := p.waitEvent("engine", nil)
	tor := eng["tor"].(map[string]any)
	if eng["up"] != true || tor["state"] != "unavailable" || !strings.Contains(tor["error"].(string), "not installed") {
		t.Fatalf("auto without tor: %v", eng)
	}
	p.quit()

	p = startHeadlessWith(t, bin, dir, passA, nil, "--listen", freePort(t), "--tor", "off")
	if tor := p.waitEvent("engine", nil)["tor"].(map[string]any); tor["state"] != "off" {
		t.Fatalf("--tor off reports %v", tor)
	}
	p.quit()
}
