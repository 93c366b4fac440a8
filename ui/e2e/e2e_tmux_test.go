package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tmuxSession drives one jarvis instance in a pane of a private tmux server.
type tmuxSession struct {
	t      *testing.T
	socket string
	name   string
	env    []string
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	cmd := exec.Command("tmux", append([]string{"-L", s.socket, "-f", "/dev/null"}, args...)...)
	cmd.Env = s.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (s *tmuxSession) screen() string { return s.tmux("capture-pane", "-p", "-t", s.name) }

// wait polls the pane until it shows want.
func (s *tmuxSession) wait(want string) {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		screen := s.screen()
		if strings.Contains(screen, want) {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s never showed %q; it shows:\n%s", s.name, want, screen)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// send types text literally, then presses the named keys.
func (s *tmuxSession) send(text string, keys ...string) {
	s.t.Helper()
	if text != "" {
		s.tmux("send-keys", "-t", s.name, "-l", text)
	}
	for _, k := range keys {
		s.tmux("send-keys", "-t", s.name, k)
	}
}

func tmuxFreeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestTmuxTwoPeopleChat runs two built binaries in tmux panes: one shows
// its code, the other adds it, the first accepts, and they chat both ways.
func TestTmuxTwoPeopleChat(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("tmux is not installed")
		}
		t.Fatal("tmux is required in CI")
	}
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "jarvis")
	build := exec.Command("go", "build", "-o", bin, "jarvis")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	const pass = "tmux test passphrase"
	env := append(os.Environ(), "JARVIS_PASSPHRASE="+pass, "TERM=xterm-256color")
	socket := fmt.Sprintf("jarvis-e2e-%d-%d", os.Getpid(), time.Now().UnixNano())
	t.Cleanup(func() {
		exec.Command("tmux", "-L", socket, "kill-server").Run()
	})

	start := func(name string) (*tmuxSession, string) {
		dir := filepath.Join(tmp, name)
		addr := tmuxFreeAddr(t)
		initCmd := exec.Command(bin, "--data", dir, "--listen", addr, "--tor", "off", "init", "--name", name)
		initCmd.Env = env
		if out, err := initCmd.CombinedOutput(); err != nil {
			t.Fatalf("init %s: %v\n%s", name, err, out)
		}
		codeCmd := exec.Command(bin, "--data", dir, "--listen", addr, "--tor", "off", "code")
		codeCmd.Env = env
		out, err := codeCmd.Output()
		if err != nil {
			t.Fatalf("code %s: %v", name, err)
		}
		s := &tmuxSession{t: t, socket: socket, name: name, env: env}
		s.tmux("new-session", "-d", "-s", name, "-x", "80", "-y", "24",
			bin, "--data", dir, "--listen", addr, "--tor", "off", "--no-bell", "--notify=false")
		return s, strings.TrimSpace(string(out))
	}
	alice, aliceCode := start("alice")
	bob, _ := start("bob")
	alice.wait("online")
	bob.wait("online")

	// Alice opens her code dialog, as she would to share it; Esc closes it.
	alice.send("/code", "Enter")
	alice.wait("Your link code")
	alice.wait("jarvis://")
	alice.send("", "Escape")

	bob.send("/add "+aliceCode, "Enter")
	bob.wait("Request sent to alice")
	alice.wait("request: bob")
	alice.send("/accept bob", "Enter")
	alice.wait("bob is now a contact")
	bob.wait("unverified")

	bob.send("hello alice", "Enter")
	alice.wait("bob: hello alice")
	bob.wait("hello alice ✓✓")
	alice.send("hi bob", "Enter")
	bob.wait("alice: hi bob")
	alice.wait("hi bob ✓✓")

	// A phone-sized window: the list folds away, the chat stays readable.
	bob.tmux("resize-window", "-t", "bob", "-x", "60", "-y", "20")
	bob.wait("1/1")
	bob.wait("alice: hi bob")
	if strings.Contains(bob.screen(), "Chats") {
		t.Fatalf("the list should fold away at 60 columns:\n%s", bob.screen())
	}
	bob.send("", "F2")
	bob.wait("Chats")

	// A group: alice creates it and invites bob, who joins; both write.
	alice.send("/group club — tmux test", "Enter")
	alice.wait("#club · 1 member, 1 online")
	alice.send("/invite bob", "Enter")
	alice.wait("you added bob")
	bob.wait("invite: #club")
	bob.send("/join club", "Enter")
	bob.wait("You joined #club")
	alice.wait("2 members, 2 online")
	bob.send("hi club", "Enter")
	alice.wait("bob: hi club")
	alice.send("hi bob, in the club", "Enter")
	bob.wait("alice: hi bob, in the club")

	alice.send("", "C-q")
	bob.send("", "C-q")
}
