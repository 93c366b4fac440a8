package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// lanNet is a local network of its own: one network namespace per node,
// each with an eth0 plugged into a bridge that lives in a namespace of its
// own, so nothing on the host changes. Made with iproute2 (root needed);
// everything is removed when the test ends.
type lanNet struct {
	t      *testing.T
	prefix string
	nodes  []string
}

func newLANNet(t *testing.T, n int) *lanNet {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("this test builds network namespaces: run it as root (CI does)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Fatal("this test needs iproute2's ip (apt-get install iproute2)")
	}
	removeOrphanNetns()
	l := &lanNet{t: t, prefix: fmt.Sprintf("jv%d", os.Getpid())}
	bridge := l.prefix + "br"
	t.Cleanup(func() {
		for _, ns := range append([]string{bridge}, l.nodes...) {
			exec.Command("ip", "netns", "del", ns).Run()
		}
	})
	l.ip("netns", "add", bridge)
	l.ip("-n", bridge, "link", "add", "br0", "type", "bridge")
	l.ip("-n", bridge, "link", "set", "br0", "up")
	for i := range n {
		ns := fmt.Sprintf("%sn%d", l.prefix, i)
		inner, outer := fmt.Sprintf("%si%d", l.prefix, i), fmt.Sprintf("%so%d", l.prefix, i)
		l.ip("netns", "add", ns)
		l.nodes = append(l.nodes, ns)
		l.ip("link", "add", inner, "type", "veth", "peer", "name", outer)
		l.ip("link", "set", inner, "netns", ns)
		l.ip("link", "set", outer, "netns", bridge)
		l.ip("-n", ns, "link", "set", inner, "name", "eth0")
		l.ip("-n", ns, "link", "set", "lo", "up")
		l.ip("-n", ns, "link", "set", "eth0", "up")
		l.ip("-n", bridge, "link", "set", outer, "master", "br0", "up")
	}
	return l
}

// removeOrphanNetns deletes the namespaces of an earlier test process that
// was killed before its cleanup ran (named jv<pid>…, the pid now gone).
func removeOrphanNetns() {
	entries, _ := os.ReadDir("/var/run/netns")
	for _, e := range entries {
		var pid int
		var rest string
		if n, _ := fmt.Sscanf(e.Name(), "jv%d%s", &pid, &rest); n < 1 || pid == os.Getpid() {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
			continue // maybe a test running beside this one
		}
		exec.Command("ip", "netns", "del", e.Name()).Run()
	}
}

func (l *lanNet) ip(args ...string) {
	l.t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		l.t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// setAddr gives node i this address (CIDR), replacing the one it had: a
// laptop that got a new lease.
func (l *lanNet) setAddr(i int, cidr string) {
	l.t.Helper()
	l.ip("-n", l.nodes[i], "addr", "flush", "dev", "eth0")
	l.ip("-n", l.nodes[i], "addr", "add", cidr, "dev", "eth0")
}

// wrap returns a program that runs bin inside node i's namespace, for the
// helpers that start binaries.
func (l *lanNet) wrap(i int, bin string) string {
	l.t.Helper()
	path := filepath.Join(l.t.TempDir(), "in-"+l.nodes[i])
	script := fmt.Sprintf("#!/bin/sh\nexec ip netns exec %s %s \"$@\"\n", l.nodes[i], bin)
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		l.t.Fatal(err)
	}
	return path
}

// listenUDP opens a UDP socket inside node i's namespace: a goroutine
// locked to a thread enters the namespace, makes the socket and ends, and
// the thread goes with it. The socket stays in the namespace it was made in.
func (l *lanNet) listenUDP(i int, addr string) net.PacketConn {
	l.t.Helper()
	type result struct {
		c   net.PacketConn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		f, err := os.Open("/var/run/netns/" + l.nodes[i])
		if err != nil {
			ch <- result{err: err}
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			ch <- result{err: err}
			return
		}
		c, err := net.ListenPacket("udp4", addr)
		ch <- result{c, err}
	}()
	r := <-ch
	if r.err != nil {
		l.t.Fatalf("listen in %s: %v", l.nodes[i], r.err)
	}
	l.t.Cleanup(func() { r.c.Close() })
	return r.c
}
