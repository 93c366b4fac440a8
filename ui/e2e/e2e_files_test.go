package e2e

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
)

// fileChunk is the chunk size Jarvis offers files in (app.fileChunk).
const fileChunk = 256 << 10

// fetchWindow is the receiver's window, in chunks: what a killed receiver
// had asked for and never got, which the sender serves again.
const fetchWindow = 16

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
	want := make([]byte, size)
	rand.Read(want)
	src := filepath.Join(t.TempDir(), "film.mkv")
	if err := os.WriteFile(src, want, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, victim := range []string{"receiver", "sender"} {
		a.send(map[string]any{"cmd": "file_send", "to": bID, "path": src, "ref": victim})
		id := transferOf(a.waitEvent("file_sent", func(l map[string]any) bool { return l["ref"] == victim }))["id"].(string)
		b.waitEvent("file_offer", isTransfer(id))
		b.send(map[string]any{"cmd": "file_accept", "id": id})
		b.waitEvent("file_progress", func(l map[string]any) bool {
			return isTransfer(id)(l) && transferNum(l, "bytes") >= int64(size)/4
		})
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
		got, err := os.ReadFile(transferOf(done)["path"].(string))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s killed: saved file differs (%d bytes, %v)", victim, len(got), err)
		}
	}
	a.quit()
	b.quit()
	assertNotOnDisk(t, dirA, "film.mkv")
	assertNotOnDisk(t, dirB, "film.mkv")
}
