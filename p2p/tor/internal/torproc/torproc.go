// Package torproc runs one tor process from a torrc we write and reaches its control port. It is the one place that
// starts, watches and stops tor, shared by Jarvis's own tor (p2p/tor) and the private test network (p2p/tor/tornet).
package torproc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// StopGrace is how long Stop waits after SIGTERM before it sends SIGKILL.
const StopGrace = 10 * time.Second

// Options says which tor to run and with what.
type Options struct {
	Binary  string   // path to the tor binary
	DataDir string   // tor's DataDirectory, created 0700; the torrc and logs live in it too
	Torrc   []string // lines appended after the ones every tor gets (data dir, control port, cookie, owner)
	// StartTimeout bounds the wait for the control port file; 0 means 30 s.
	StartTimeout time.Duration
}

// Process is a running tor. Stop it exactly once it is no longer needed; Stop is safe to call more than once.
type Process struct {
	cmd      *exec.Cmd
	dataDir  string
	done     chan struct{} // closed once cmd.Wait returns
	waitErr  error         // set before done is closed
	out      *tailBuffer
	control  string // host:port of the control port
	stopOnce sync.Once
	stopErr  error
}

// Start writes the torrc, starts tor and waits until its control port is listening.
func Start(ctx context.Context, opts Options) (*Process, error) {
	if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create tor data directory: %w", err)
	}
	// MkdirAll keeps the mode of a directory that already exists; tor itself refuses a group-readable one.
	if err := os.Chmod(opts.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("restrict tor data directory: %w", err)
	}
	torrc, defaults, portFile := filepath.Join(opts.DataDir, "torrc"), filepath.Join(opts.DataDir, "torrc-defaults"), filepath.Join(opts.DataDir, "control-port")
	if err := os.Remove(portFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("remove stale control port file: %w", err)
	}
	lines := append([]string{
		"DataDirectory " + opts.DataDir,
		"ControlPort 127.0.0.1:auto",
		"ControlPortWriteToFile " + portFile,
		"CookieAuthentication 1",
		"__OwningControllerProcess " + strconv.Itoa(os.Getpid()),
		"Log notice file " + filepath.Join(opts.DataDir, "notice.log"),
	}, opts.Torrc...)
	for _, l := range lines {
		if strings.ContainsAny(l, "\r\n") {
			return nil, errors.New("torrc line contains a line break")
		}
	}
	if err := os.WriteFile(torrc, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write torrc: %w", err)
	}
	// An empty defaults file: without --defaults-torrc tor would read the system's /etc/tor/torrc-defaults.
	if err := os.WriteFile(defaults, nil, 0o600); err != nil {
		return nil, fmt.Errorf("write torrc defaults: %w", err)
	}
	p := &Process{dataDir: opts.DataDir, done: make(chan struct{}), out: &tailBuffer{max: 4096}}
	// Not exec.CommandContext: the caller's ctx bounds the start, not the life of the process; Stop ends it.
	p.cmd = exec.Command(opts.Binary, "--defaults-torrc", defaults, "-f", torrc)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.SysProcAttr = dieWithParent()
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start tor: %w", err)
	}
	go func() { // owner: p; ends when tor exits, which Stop guarantees
		p.waitErr = p.cmd.Wait()
		close(p.done)
	}()
	timeout := opts.StartTimeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	addr, err := p.waitControlPort(ctx, portFile, timeout)
	if err != nil {
		_ = p.Stop()
		return nil, err
	}
	p.control = addr
	return p, nil
}

func (p *Process) waitControlPort(ctx context.Context, portFile string, timeout time.Duration) (string, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if b, err := os.ReadFile(portFile); err == nil && bytes.HasSuffix(b, []byte("\n")) {
			addr, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "PORT=")
			if !ok {
				return "", errors.New("tor wrote an unreadable control port file")
			}
			return addr, nil
		}
		select {
		case <-p.done:
			return "", fmt.Errorf("tor exited during start (%v): %s", p.waitErr, p.out.lastLine())
		case <-deadline.C:
			return "", fmt.Errorf("tor did not open its control port within %v", timeout)
		case <-ctx.Done():
			return "", ctx.Err()
		case <-tick.C:
		}
	}
}

// ControlAddr is the host:port of the control port (cookie authentication, cookie in the data directory).
func (p *Process) ControlAddr() string { return p.control }

// PID is the process id of tor.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Done is closed once tor has exited, for whatever reason.
func (p *Process) Done() <-chan struct{} { return p.done }

// Stop sends SIGTERM (tor exits at once on it, unlike SIGINT which a relay answers with a 30 s delay), then SIGKILL
// after StopGrace, and returns once the process is gone.
func (p *Process) Stop() error {
	p.stopOnce.Do(func() {
		select {
		case <-p.done:
			return
		default:
		}
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			_ = p.cmd.Process.Kill() // no SIGTERM on this platform, or already exiting
		}
		grace := time.NewTimer(StopGrace)
		defer grace.Stop()
		select {
		case <-p.done:
		case <-grace.C:
			p.stopErr = errors.New("tor ignored SIGTERM for 10 s; killed")
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p.stopErr
}

// tailBuffer keeps the last max bytes tor printed, to explain a failed start.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) lastLine() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := strings.Split(strings.TrimSpace(string(t.b)), "\n")
	return lines[len(lines)-1]
}
