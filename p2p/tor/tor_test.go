package tor

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"jarvis/crypto"
)

func TestStartWithoutTorOnPathNamesThePackageToInstall(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Start(context.Background(), Config{Dir: t.TempDir()})
	if !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("err = %v, want ErrNotInstalled", err)
	}
	if !strings.Contains(err.Error(), "apt install tor") || !strings.Contains(err.Error(), "pkg install tor") {
		t.Fatalf("message does not say what to install: %q", err)
	}
}

func TestAnOwnedTorReadsOnlyTheTorrcWeWriteInAPrivateDirectory(t *testing.T) {
	dir := t.TempDir()
	startTor(t, dir)
	dataDir := filepath.Join(dir, "tor")
	fi, err := os.Stat(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Fatalf("data directory mode %v, want 0700", fi.Mode().Perm())
	}
	torrc, err := os.ReadFile(filepath.Join(dataDir, "torrc"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ClientOnly 1", "SocksPort 127.0.0.1:auto", "CookieAuthentication 1",
		"__OwningControllerProcess " + strconv.Itoa(os.Getpid())} {
		if !slices.Contains(strings.Split(string(torrc), "\n"), want) {
			t.Errorf("torrc lacks %q", want)
		}
	}
	if defaults, err := os.ReadFile(filepath.Join(dataDir, "torrc-defaults")); err != nil || len(defaults) != 0 {
		t.Errorf("torrc-defaults should exist and be empty (err %v, %d bytes)", err, len(defaults))
	}
}

func TestBootstrapIsReportedFromStartingToReady(t *testing.T) {
	rc := privateNetwork(t)
	tr, err := Start(context.Background(), Config{Dir: t.TempDir(), TestOnlyTorrc: rc})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	var seen []Status
	timeout := time.After(bootstrapLimit)
	for len(seen) == 0 || seen[len(seen)-1].State != StateReady {
		select {
		case s := <-tr.Status():
			seen = append(seen, s)
		case <-timeout:
			t.Fatalf("not ready after %v; saw %+v", bootstrapLimit, seen)
		}
	}
	t.Logf("saw %+v", seen)
	for i := 1; i < len(seen); i++ {
		if seen[i].State < seen[i-1].State || seen[i].Progress < seen[i-1].Progress {
			t.Fatalf("status went backwards: %+v", seen)
		}
	}
	if tr.Close(); !isClosed(tr.Status()) {
		t.Fatal("status feed still open after Close")
	}
}

func TestAPeerDialsAFixedKeyOnionAndExchangesBytes(t *testing.T) {
	key := onionKey(1)
	host, client := startTor(t, t.TempDir()), startTor(t, t.TempDir())
	ln := listen(t, host, key)
	if got, want := ln.OnionAddr().Host, crypto.OnionAddress(key.Public().(ed25519.PublicKey)); got != want {
		t.Fatalf("address %s, want %s", got, want)
	}
	t.Logf("onion address %s", ln.Addr())
	go echo(ln)

	conn := dialUntilUp(t, client, ln.Addr().String())
	defer conn.Close()
	rtts := roundTrips(t, conn, 50)
	t.Logf("RTT over the onion stream: median %v, max %v (%d round trips)", rtts[len(rtts)/2], rtts[len(rtts)-1], len(rtts))
}

func TestAfterTheHostRestartsTheOnionKeepsItsAddressAndIsReachableAgain(t *testing.T) {
	key, hostDir := onionKey(2), t.TempDir()
	host, client := startTor(t, hostDir), startTor(t, t.TempDir())
	ln := listen(t, host, key)
	go echo(ln)
	addr := ln.Addr().String()
	conn := dialUntilUp(t, client, addr)
	roundTrips(t, conn, 1)
	conn.Close()

	if err := host.Close(); err != nil {
		t.Fatal(err)
	}
	ln.Close()
	host = startTor(t, hostDir)
	ln = listen(t, host, key)
	go echo(ln)
	if got := ln.Addr().String(); got != addr {
		t.Fatalf("address changed across restarts: %s, then %s", addr, got)
	}
	// The client still holds the old descriptor. Without NEWNYM after a dial timeout this can hang for minutes.
	conn = dialUntilUp(t, client, addr)
	defer conn.Close()
	roundTrips(t, conn, 1)
	t.Logf("NEWNYM retries during the reconnection: %d", len(client.newnym))
}

func TestADialThatTimesOutSendsNEWNYMAndRetriesOnce(t *testing.T) {
	rc := privateNetwork(t)
	tr, err := Start(context.Background(), Config{Dir: t.TempDir(), TestOnlyTorrc: rc, DialTimeout: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	<-tr.Ready()
	_, err = tr.DialContext(context.Background(), "tcp", crypto.OnionAddress(onionKey(3).Public().(ed25519.PublicKey))+":80")
	if !errors.Is(err, ErrDialTimeout) {
		t.Fatalf("err = %v, want ErrDialTimeout", err)
	}
	if n := len(tr.newnym); n != 1 {
		t.Fatalf("%d NEWNYM sent, want exactly 1", n)
	}
}

func TestAttachingToARunningTorUsesItAndLeavesItRunning(t *testing.T) {
	owned := startTor(t, t.TempDir())
	attached, err := Start(context.Background(), Config{ControlAddr: owned.ControlAddr()})
	if err != nil {
		t.Fatal(err)
	}
	if attached.Owned() || attached.socks != owned.socks {
		t.Fatalf("attached tor: owned %v, socks %s (want %s)", attached.Owned(), attached.socks, owned.socks)
	}
	select {
	case <-attached.Ready():
	case <-time.After(10 * time.Second):
		t.Fatalf("an attached, bootstrapped tor is not reported ready: %+v", attached.Current())
	}
	ln := listen(t, attached, onionKey(4))
	go echo(ln)
	conn := dialUntilUp(t, owned, ln.Addr().String())
	roundTrips(t, conn, 1)
	conn.Close()
	if err := attached.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-owned.proc.Done():
		t.Fatal("closing an attached controller stopped the user's tor")
	case <-time.After(time.Second):
	}
	if _, err := owned.ctrl.GetInfo("version"); err != nil {
		t.Fatalf("the user's tor stopped answering after we detached: %v", err)
	}
}

func TestCloseStopsTorAndLeavesNoGoroutineOrProcess(t *testing.T) {
	privateNetwork(t)
	before := runtime.NumGoroutine()
	tr := startTor(t, t.TempDir())
	ln := listen(t, tr, onionKey(5))
	pid := tr.proc.PID()
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	ln.Close()
	select {
	case <-tr.proc.Done():
	default:
		t.Fatal("Close returned while tor still ran")
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("tor pid %d still exists (kill 0: %v)", pid, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines before, %d after Close:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

// onionKey is a fixed test key, so the same test publishes the same address on every run.
func onionKey(n byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{n}, ed25519.SeedSize))
}

func listen(t *testing.T, tr *Tor, key ed25519.PrivateKey) *Listener {
	t.Helper()
	ln, err := tr.Listen(context.Background(), key, 7420)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

func echo(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() { // owner: the test's listener; ends when the peer hangs up
			defer c.Close()
			_, _ = io.Copy(c, c)
		}()
	}
}

// dialUntilUp dials through client until the onion answers, as a node does while a descriptor uploads, and logs
// how long the first connection took.
func dialUntilUp(t *testing.T, client *Tor, addr string) net.Conn {
	t.Helper()
	began := time.Now()
	deadline := began.Add(2 * time.Minute)
	for attempt := 1; ; attempt++ {
		conn, err := client.DialContext(context.Background(), "tcp", addr)
		if err == nil {
			t.Logf("onion connected after %v (%d attempts)", time.Since(began).Round(time.Millisecond), attempt)
			return conn
		}
		if time.Now().After(deadline) {
			t.Fatalf("onion unreachable after %v: %v", time.Since(began), err)
		}
		t.Logf("attempt %d: %v", attempt, err)
		time.Sleep(500 * time.Millisecond)
	}
}

// roundTrips sends n 64-byte messages through an echo and returns the sorted round-trip times.
func roundTrips(t *testing.T, conn net.Conn, n int) []time.Duration {
	t.Helper()
	_ = conn.SetDeadline(time.Now().Add(time.Minute))
	msg, got := bytes.Repeat([]byte("jarvis!!"), 8), make([]byte, 64)
	var rtts []time.Duration
	for range n {
		began := time.Now()
		if _, err := conn.Write(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(conn, got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, msg) {
			t.Fatal("echo returned other bytes")
		}
		rtts = append(rtts, time.Since(began))
	}
	slices.Sort(rtts)
	return rtts
}

func isClosed(ch <-chan Status) bool {
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return true
			}
		default:
			return false
		}
	}
}

// If Jarvis dies, its control connection closes; with ownership taken, tor must exit at once rather than linger
// until the __OwningControllerProcess poll notices.
func TestAnOwnedTorExitsWhenItsControlConnectionCloses(t *testing.T) {
	tr := startTor(t, t.TempDir())
	_ = tr.ctrl.Close() // what the kernel does for a killed Jarvis, give or take a QUIT
	select {
	case <-tr.proc.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("tor still runs 5 s after losing its owning controller")
	}
}
