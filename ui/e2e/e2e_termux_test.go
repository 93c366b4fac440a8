package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Inside its mount namespace a termuxPhone sees its root directory at
// termuxMount, and the Termux app's files under termuxFiles there, as
// Android's /data/data/com.termux/files.
const (
	termuxMount = "/mnt"
	termuxFiles = termuxMount + "/data/data/com.termux/files"
)

// termuxScript runs in a fresh mount namespace (unshare -m, private
// propagation, so the host sees none of it): it keeps the phone's root
// reachable at termuxMount, then makes the filesystem look like Android's
// to Jarvis: no /tmp (a read-only empty tmpfs: a write fails as on a
// phone) and an /etc with nothing but hosts, so no resolv.conf. Then it
// runs jarvis with Termux's PATH.
const termuxScript = `set -e
PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount --bind "$1" ` + termuxMount + `
mount -t tmpfs -o ro,size=1m tmpfs /tmp
mount --bind ` + termuxMount + `/etc /etc
shift
export PATH="$PREFIX/bin"
cd "$HOME"
exec jarvis "$@"
`

// termuxPhone is the static arm64 build under qemu in a Termux-shaped
// world: $HOME, $PREFIX and $TMPDIR where Termux puts them, Android's
// missing /tmp and /etc/resolv.conf, and a termux-notification on PATH
// that writes down how it was called.
type termuxPhone struct {
	t    *testing.T
	root string   // host path of what the namespace sees at termuxMount
	env  []string // the whole environment, as Termux sets it
}

func newTermuxPhone(t *testing.T, emu, pass string) *termuxPhone {
	t.Helper()
	if os.Geteuid() != 0 || exec.Command("unshare", "-m", "true").Run() != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("the Termux test needs root and unshare -m in CI")
		}
		t.Skip("needs root and unshare -m (a mount namespace)")
	}
	root := t.TempDir()
	host := func(inside string) string { return filepath.Join(root, strings.TrimPrefix(inside, termuxMount)) }
	home, prefix := termuxFiles+"/home", termuxFiles+"/usr"
	for _, d := range []string{home, prefix + "/bin", prefix + "/tmp", termuxMount + "/etc"} {
		if err := os.MkdirAll(host(d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(inside, text string, mode os.FileMode) {
		if err := os.WriteFile(host(inside), []byte(text), mode); err != nil {
			t.Fatal(err)
		}
	}
	write(termuxMount+"/etc/hosts", "127.0.0.1 localhost\n::1 ip6-localhost\n", 0o644)
	write(prefix+"/bin/termux-notification", "#!/bin/sh\nprintf '%s\\n' \"$*\" >> \"$HOME/notifications.log\"\n", 0o755)
	arm := buildRelease(t, host(prefix+"/bin"), "linux", "arm64")
	emulated(t, emu, host(prefix+"/bin/jarvis"), prefix+"/bin/"+filepath.Base(arm))
	return &termuxPhone{t: t, root: root, env: []string{
		"HOME=" + home, "PREFIX=" + prefix, "TMPDIR=" + prefix + "/tmp",
		"ANDROID_ROOT=/system", "ANDROID_DATA=/data", "TERM=xterm-256color", "LANG=en_US.UTF-8",
		"JARVIS_PASSPHRASE=" + pass,
	}}
}

// argv is the command that runs `jarvis ARGS` on the phone: env -i, so
// nothing of the host's environment leaks in.
func (p *termuxPhone) argv(args ...string) []string {
	argv := append([]string{"env", "-i"}, p.env...)
	argv = append(argv, "unshare", "-m", "--propagation", "private", "/bin/sh", "-c", termuxScript, "sh", p.root)
	return append(argv, args...)
}

func (p *termuxPhone) run(args ...string) string {
	p.t.Helper()
	argv := p.argv(args...)
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("jarvis %s on the phone: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// file is the host path of a file in the phone's data directory (the
// default one: $HOME/.local/share/jarvis) or home.
func (p *termuxPhone) file(inHome string) string {
	return filepath.Join(p.root, strings.TrimPrefix(termuxFiles, termuxMount), "home", inHome)
}

// unlocked reports whether no process holds the phone's data directory
// (Jarvis flocks jarvis.lock for as long as it runs).
func (p *termuxPhone) unlocked() bool {
	f, err := os.OpenFile(p.file(".local/share/jarvis/jarvis.lock"), os.O_RDWR, 0)
	if err != nil {
		return os.IsNotExist(err)
	}
	defer f.Close()
	if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
		return false
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return true
}

// waitStopped waits for the phone's Jarvis to let go of its data
// directory, and fails unless it closed its store on the way: SQLite
// removes the write-ahead log only when the last connection closes.
func (p *termuxPhone) waitStopped() {
	p.t.Helper()
	for deadline := time.Now().Add(e2eTimeout); !p.unlocked(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			p.t.Fatal("jarvis on the phone is still running")
		}
	}
	if _, err := os.Stat(p.file(".local/share/jarvis/jarvis.db-wal")); !os.IsNotExist(err) {
		log, _ := os.ReadFile(p.file(".local/share/jarvis/jarvis.log"))
		p.t.Fatalf("jarvis on the phone stopped with its store open (wal: %v); log:\n%s", err, log)
	}
}

// TestTermuxShapedPhoneChatsNotifiesAndSurvivesHangup runs the arm64 build
// in a Termux-shaped namespace, on the chat screen in tmux, with a native
// headless peer: it starts, takes a contact request (and notifies through
// termux-notification), chats both ways, closes its store when the session
// hangs up, and after a restart gets what was sent while it was away.
func TestTermuxShapedPhoneChatsNotifiesAndSurvivesHangup(t *testing.T) {
	emu := needQemu(t)
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tmux is required in CI")
		}
		t.Skip("tmux is not installed")
	}
	const pass, phoneName = "termux phone passphrase", "Termux-Ana"
	phone := newTermuxPhone(t, emu, pass)
	addr := freePort(t)
	flags := []string{"--listen", addr, "--tor", "off"}
	phone.run(append(flags, "init", "--name", phoneName)...)
	code := strings.TrimSpace(phone.run(append(flags, "code")...))

	native, dirB := buildJarvis(t), t.TempDir()
	if out, err := runCLI(t, native, dirB, passB, "init", "--name", bobName); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	b := startHeadless(t, native, dirB, freePort(t), passB)
	b.waitEvent("ready", nil)

	socket := fmt.Sprintf("jarvis-termux-%d-%d", os.Getpid(), time.Now().UnixNano())
	t.Cleanup(func() {
		// A test that failed midway leaves the phone running: let it
		// close before its directory goes.
		exec.Command("tmux", "-L", socket, "kill-server").Run()
		for deadline := time.Now().Add(e2eTimeout); !phone.unlocked() && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
		}
	})
	screen := &tmuxSession{t: t, socket: socket, name: "phone", env: os.Environ()}
	// A second session keeps the tmux server up when the phone's closes,
	// so reopening it never meets a server on its way out.
	screen.tmux("new-session", "-d", "-s", "keep", "cat")
	open := func() {
		screen.tmux(append([]string{"new-session", "-d", "-s", "phone", "-x", "80", "-y", "24"}, phone.argv(append(flags, "--no-bell")...)...)...)
	}
	open()
	screen.wait("online")

	b.send(map[string]any{"cmd": "add", "code": code})
	screen.wait(bobName + " wants to add you")
	screen.send("/accept "+bobName, "Enter")
	phoneID := b.waitEvent("contact_added", nil)["contact"].(map[string]any)["id"].(string)
	notes, _ := os.ReadFile(phone.file("notifications.log"))
	if !strings.Contains(string(notes), "--title Jarvis") || !strings.Contains(string(notes), bobName+" wants to add you") {
		t.Fatalf("termux-notification was called with:\n%s", notes)
	}

	b.send(map[string]any{"cmd": "send", "to": phoneID, "text": "hello phone"})
	screen.wait(bobName + ": hello phone")
	screen.send("hello laptop", "Enter")
	b.waitEvent("message", textIs("hello laptop"))

	// The Termux session closes: SIGHUP. The store must be closed, and
	// what arrives meanwhile waits in the peer's outbox.
	screen.tmux("kill-session", "-t", "phone")
	phone.waitStopped()
	if log, _ := os.ReadFile(phone.file(".local/share/jarvis/jarvis.log")); !strings.Contains(string(log), "terminal hung up") {
		t.Fatalf("the log does not say the session hung up:\n%s", log)
	}
	b.waitEvent("peer", func(m map[string]any) bool { return m["id"] == phoneID && m["online"] == false })
	b.send(map[string]any{"cmd": "send", "to": phoneID, "text": awayText})
	open()
	screen.wait(awayText)
	screen.send("back on the phone", "Enter")
	b.waitEvent("message", textIs("back on the phone"))
	screen.send("", "C-q")
	phone.waitStopped()
	b.quit()
}
