package app

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"jarvis/p2p/wire"
)

// midway waits until n reports an incoming transfer started and not done.
func midway(t *testing.T, n *node, id TransferID) {
	t.Helper()
	n.waitFor("transfer half way", func(e Event) bool {
		p, ok := e.(FileProgress)
		return ok && p.Transfer.ID == id && p.Transfer.Bytes > 0 && p.Transfer.Bytes < p.Transfer.Size
	})
}

// slowSender makes n's file manager pause on every chunk it sends, so a
// transfer lasts long enough to be interrupted half way on any machine.
func slowSender(t *testing.T, n *node) {
	err := call(context.Background(), n.core, n.core.files.cmds, func(_ context.Context, m *fileManager) error {
		m.tamper = func(*wire.FileData) { time.Sleep(5 * time.Millisecond) }
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// fetchedAtStop stops n and returns the chunk bytes it fetched; the
// manager's goroutine has exited, so its counter is settled.
func fetchedAtStop(n *node) int64 {
	files := n.core.files
	n.stop()
	return files.fetched
}

func TestATransferResumesAfterEitherSideRestarts(t *testing.T) {
	for _, restarting := range []string{"receiver", "sender"} {
		t.Run(restarting, func(t *testing.T) {
			dirA, dirB := t.TempDir(), t.TempDir()
			a, b := fileNode(t, "alice", dirA, ""), fileNode(t, "bob", dirB, "")
			befriend(t, a, b)
			slowSender(t, a)
			size := 200*fileChunk + 99
			path, want := randomFile(t, t.TempDir(), "big.bin", size)
			offer := sendAndOffer(t, a, b, path)
			if err := b.core.AcceptFile(context.Background(), offer.ID); err != nil {
				t.Fatal(err)
			}
			midway(t, b, offer.ID)
			var before int64
			if restarting == "receiver" {
				before = fetchedAtStop(b)
				b = fileNode(t, "bob", dirB, b.listen)
			} else {
				a.stop()
				a = fileNode(t, "alice", dirA, a.listen)
			}
			done := b.waitFor("done after restart", fileDone(offer.ID)).(FileDone).Transfer
			a.waitFor("the sender hears it is done", fileDone(offer.ID))
			if got, _ := os.ReadFile(done.Path); !bytes.Equal(got, want) {
				t.Fatal("saved file differs")
			}
			twice := before + fetched(t, b) - int64(size)
			if restarting == "sender" {
				twice = fetched(t, b) - int64(size)
			}
			if twice > fileChunk {
				t.Fatalf("%d bytes fetched twice, more than a chunk (%d)", twice, fileChunk)
			}
			t.Logf("fetched twice: %d bytes", twice)
		})
	}
}
