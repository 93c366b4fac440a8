package e2e

import (
	crand "crypto/rand"
	"crypto/sha256"
	"io"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fileChunk is the chunk size Jarvis offers files in (app.fileChunk).
const fileChunk = 256 << 10

// fetchWindow is the receiver's window, in chunks: what a killed receiver
// had asked for and never got, which the sender serves again.
const fetchWindow = 32

// writeRandomFile writes size random bytes to path and returns their
// SHA-256, without holding them in memory.
func writeRandomFile(t *testing.T, path string, size int) [sha256.Size]byte {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var seed [32]byte
	crand.Read(seed[:])
	h := sha256.New()
	if _, err := io.CopyN(io.MultiWriter(f, h), mrand.NewChaCha8(seed), int64(size)); err != nil {
		t.Fatal(err)
	}
	return [sha256.Size]byte(h.Sum(nil))
}

// fileSum is the SHA-256 of the file at path.
func fileSum(t *testing.T, path string) [sha256.Size]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return [sha256.Size]byte(h.Sum(nil))
}

func transferOf(l map[string]any) map[string]any {
	t, _ := l["transfer"].(map[string]any)
	return t
}

func transferNum(l map[string]any, key string) int64 {
	v, _ := transferOf(l)[key].(float64)
	return int64(v)
}

func isTransfer(id string) func(map[string]any) bool {
	return func(l map[string]any) bool { return transferOf(l)["id"] == id }
}

// waitPartGrows waits until a .part file in dir holds at least n bytes.
func waitPartGrows(t *testing.T, dir string, n int64) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		parts, _ := filepath.Glob(filepath.Join(dir, ".jarvis-*.part"))
		for _, p := range parts {
			if fi, err := os.Stat(p); err == nil && fi.Size() >= n {
				return
			}
		}
		time.Sleep(500 * time.Microsecond)
	}
	t.Fatalf("no .part file in %s reached %d bytes: the transfer ended or never started", dir, n)
}

// TestHeadlessFileSurvivesKill9OfEitherSide sends a file between two real
// processes, kills the receiver (then, with a second file, the sender)
// with SIGKILL a quarter of the way in, restarts it, and checks that the
// file arrives whole and that the resume fetched nothing twice beyond the
// chunk that was arriving.
func TestHeadlessFileSurvivesKill9OfEitherSide(t *testing.T) {
	bin := buildJarvis(t)
	dirA, dirB := t.TempDir(), t.TempDir()
	addrA, addrB := freePort(t), freePort(t)
	for _, c := range []struct{ dir, name, pass string }{{dirA, aliceName, passA}, {dirB, bobName, passB}} {
		if out, err := runCLI(t, bin, c.dir, c.pass, "init", "--name", c.name); err != nil {
			t.Fatalf("init: %v\n%s", err, out)
		}
	}
	start := func(dir, addr, pass string) *headlessProc {
		return startHeadlessWith(t, bin, dir, pass, nil, "--listen", addr, "--tor", "off", "--downloads", filepath.Join(dir, "dl"))
	}
	a, b := start(dirA, addrA, passA), start(dirB, addrB, passB)
	readyA, readyB := a.waitEvent("ready", nil), b.waitEvent("ready", nil)
	aID, bID := readyA["id"].(string), readyB["id"].(string)
	a.send(map[string]any{"cmd": "add", "code": readyB["code"]})
	b.waitEvent("contact_request", nil)
	b.send(map[string]any{"cmd": "accept", "id": aID})
	a.waitEvent("peer", func(m map[string]any) bool { return m["id"] == bID && m["online"] == true })

	size := 400*fileChunk + 1234
	src := filepath.Join(t.TempDir(), "film.mkv")
	want := writeRandomFile(t, src, size)
	for _, victim := range []string{"receiver", "sender"} {
		a.send(map[string]any{"cmd": "file_send", "to": bID, "path": src, "ref": victim})
		id := transferOf(a.waitEvent("file_sent", func(l map[string]any) bool { return l["ref"] == victim }))["id"].(string)
		b.waitEvent("file_offer", isTransfer(id))
		b.send(map[string]any{"cmd": "file_accept", "id": id})
		// A quarter of the way in, read off the .part file: the transfer
		// may end before its first progress report (a quarter second).
		waitPartGrows(t, filepath.Join(dirB, "dl"), int64(size)/4)
		var done map[string]any
		if victim == "receiver" {
			b.cmd.Process.Kill()
			<-b.exited
			b = start(dirB, addrB, passB)
			resumed := b.waitEvent("file_progress", isTransfer(id))
			done = b.waitEvent("file_done", isTransfer(id))
			if got, need := transferNum(done, "wire"), int64(size)-transferNum(resumed, "bytes"); got != need {
				t.Errorf("after the restart B fetched %d bytes for the %d it lacked", got, need)
			}
			if sent := transferNum(a.waitEvent("file_done", isTransfer(id)), "wire") - int64(size); sent > (fetchWindow+1)*fileChunk {
				t.Errorf("A sent %d bytes twice", sent)
			}
		} else {
			a.cmd.Process.Kill()
			<-a.exited
			a = start(dirA, addrA, passA)
			done = b.waitEvent("file_done", isTransfer(id))
			if twice := transferNum(done, "wire") - int64(size); twice > fileChunk {
				t.Errorf("B fetched %d bytes twice, more than a chunk", twice)
			}
		}
		saved := transferOf(done)["path"].(string)
		if got := fileSum(t, saved); got != want {
			t.Fatalf("%s killed: saved file differs", victim)
		}
		os.Remove(saved)
	}
	a.quit()
	b.quit()
	assertNotOnDisk(t, dirA, "film.mkv")
	assertNotOnDisk(t, dirB, "film.mkv")
}
