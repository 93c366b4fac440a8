package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// needQemu returns qemu-aarch64-static, or skips the test where it is not
// installed; in CI (which installs qemu-user-static) a missing emulator
// fails the test instead, so the arm64 proof cannot quietly vanish.
func needQemu(t *testing.T) string {
	t.Helper()
	emu, err := exec.LookPath("qemu-aarch64-static")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("qemu-aarch64-static is required in CI (apt-get install qemu-user-static)")
		}
		t.Skip("qemu-aarch64-static is not installed (apt-get install qemu-user-static)")
	}
	if testing.Short() {
		t.Skip("builds and emulates the arm64 binary; skipped with -short")
	}
	return emu
}

// buildRelease builds the binary as `make release` does for goos/goarch:
// pure Go, static, trimmed.
func buildRelease(t testing.TB, dir, goos, goarch string) string {
	t.Helper()
	bin := filepath.Join(dir, "jarvis-"+goos+"-"+goarch)
	cmd := exec.Command("go", "build", "-tags", "purego", "-trimpath", "-buildvcs=false",
		"-ldflags", "-s -w -buildid= -X main.version=e2e", "-o", bin, "jarvis")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s/%s: %v\n%s", goos, goarch, err, out)
	}
	return bin
}

// emulated writes an executable script at path that runs bin under emu,
// so whatever starts `jarvis` runs the arm64 build unchanged; exec keeps
// the pid, so a kill reaches the emulated process. seenAs is bin's path
// where the script runs (another mount namespace may see it elsewhere).
func emulated(t testing.TB, emu, path, seenAs string) string {
	t.Helper()
	script := fmt.Sprintf("#!/bin/sh\nexec %s %s \"$@\"\n", emu, seenAs)
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestArm64BuildChatsWithNative runs the static arm64 release build under
// qemu beside the release build for this machine: init and code on arm64,
// then a headless chat over loopback both ways, and again after the arm64
// side was killed and restarted; a SIGHUP then ends it cleanly.
func TestArm64BuildChatsWithNative(t *testing.T) {
	emu := needQemu(t)
	bin := buildRelease(t, t.TempDir(), "linux", "arm64")
	arm := emulated(t, emu, bin+".sh", bin)
	// The native side is this machine's release file too (the Termux test
	// pairs the arm64 build with the default cgo build instead).
	native := buildRelease(t, t.TempDir(), "linux", runtime.GOARCH)

	out, err := exec.Command(arm, "--version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "linux/arm64") || !strings.Contains(string(out), "modernc.org/sqlite") {
		t.Fatalf("arm64 --version: %v\n%s", err, out)
	}
	dirArm, dirNat := t.TempDir(), t.TempDir()
	addrArm, addrNat := freePort(t), freePort(t)
	for _, c := range []struct{ bin, dir, addr, name, pass string }{
		{arm, dirArm, addrArm, aliceName, passA}, {native, dirNat, addrNat, bobName, passB},
	} {
		if out, err := runCLI(t, c.bin, c.dir, c.pass, "--listen", c.addr, "--tor", "off", "init", "--name", c.name); err != nil {
			t.Fatalf("init %s: %v\n%s", c.name, err, out)
		}
	}
	code, err := runCLI(t, arm, dirArm, passA, "--listen", addrArm, "--tor", "off", "code")
	if err != nil || !strings.HasPrefix(code, "jarvis://") {
		t.Fatalf("code on arm64: %v %s", err, code)
	}

	a := startHeadless(t, arm, dirArm, addrArm, passA)
	b := startHeadless(t, native, dirNat, addrNat, passB)
	aID := a.waitEvent("ready", nil)["id"].(string)
	bID := b.waitEvent("ready", nil)["id"].(string)
	b.send(map[string]any{"cmd": "add", "code": strings.TrimSpace(code)})
	a.waitEvent("contact_request", nil)
	a.send(map[string]any{"cmd": "accept", "id": bID})
	b.waitEvent("contact_added", nil)
	b.waitEvent("peer", func(m map[string]any) bool { return m["id"] == aID && m["online"] == true })

	chat := func(from, to *headlessProc, toID, text string) {
		t.Helper()
		from.send(map[string]any{"cmd": "send", "to": toID, "text": text})
		to.waitEvent("message", textIs(text))
	}
	chat(a, b, bID, "from arm64 to amd64")
	chat(b, a, aID, "from amd64 to arm64")

	// Kill the arm64 side, write to it while it is down, restart it.
	a.cmd.Process.Kill()
	<-a.exited
	b.waitEvent("peer", func(m map[string]any) bool { return m["id"] == aID && m["online"] == false })
	b.send(map[string]any{"cmd": "send", "to": aID, "text": awayText})
	a = startHeadless(t, arm, dirArm, addrArm, passA)
	a.waitEvent("message", textIs(awayText))
	chat(a, b, bID, "arm64 is back")
	b.quit()

	// The terminal that started it goes away (SIGHUP): it exits cleanly,
	// its store closed (SQLite removes the WAL with the last connection).
	a.cmd.Process.Signal(syscall.SIGHUP)
	<-a.exited
	if code := a.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit code %d after SIGHUP", code)
	}
	if _, err := os.Stat(filepath.Join(dirArm, "jarvis.db-wal")); !os.IsNotExist(err) {
		t.Fatalf("the store was left open after SIGHUP: %v", err)
	}
}
