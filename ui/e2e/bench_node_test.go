//go:build bench

package e2e

import (
	"context"
	"crypto/rand"
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"jarvis/crypto"
	"jarvis/store"
)

// bCheapKDF makes unlocking nearly free, so start-up can be timed without
// the Argon2id cost, which is reported on its own.
func bCheapKDF(t testing.TB) crypto.KDFParams {
	p, err := crypto.NewKDFParams(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p.Time, p.MemoryKiB, p.Threads = 1, 64, 1
	return p
}

// bBigAccount is a data directory with many contacts and one long
// conversation, written straight through the store.
type bBigAccount struct {
	dir      string
	conv     crypto.ID // the contact holding every message
	populate time.Duration
}

func bPopulateAccount(t testing.TB, contacts, msgs int) *bBigAccount {
	t.Helper()
	ctx := context.Background()
	acc := &bBigAccount{dir: bNewDir(t, "big")}
	t0 := time.Now()
	s := bCreateStore(t, acc.dir, "Big")
	defer s.Close()
	base := time.Now().Add(-time.Duration(msgs) * time.Second)
	for i := range contacts {
		id, err := crypto.GenerateIdentity(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		keys := id.Public()
		c := store.Contact{
			ID: keys.ID(), Keys: keys, Name: fmt.Sprintf("contact %04d", i),
			// Port 9 on loopback refuses at once: contacts that are offline.
			Addrs: []string{"127.0.0.1:9"}, State: store.ContactAccepted,
			CreatedAt: base, LastActivity: base.Add(time.Duration(i) * time.Second),
		}
		if err := s.PutContact(ctx, c); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			acc.conv = c.ID
		}
	}
	const batch = 5000
	for done := 0; done < msgs; done += batch {
		page := make([]store.Message, min(batch, msgs-done))
		for i := range page {
			var mid crypto.MessageID
			rand.Read(mid[:])
			page[i] = store.Message{ID: mid, Contact: acc.conv, Text: bText64,
				SentAt: base.Add(time.Duration(done+i) * time.Second)}
		}
		if _, err := s.AddIncoming(ctx, page); err != nil {
			t.Fatal(err)
		}
	}
	acc.populate = time.Since(t0)
	return acc
}

// bHistoryInProcess times store.History for the newest 100 messages: once
// cold, right after opening and unlocking the store, then warm.
func bHistoryInProcess(t testing.TB, acc *bBigAccount, warmRuns int) (cold time.Duration, warm bSamples) {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(filepath.Join(acc.dir, "jarvis.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Unlock(ctx, []byte(benchPass)); err != nil {
		t.Fatal(err)
	}
	page := func() time.Duration {
		t0 := time.Now()
		msgs, err := s.History(ctx, store.ContactChat(acc.conv), 0, 100)
		if err != nil || len(msgs) != 100 {
			t.Fatalf("History: %d messages, %v", len(msgs), err)
		}
		return time.Since(t0)
	}
	cold = page()
	for range warmRuns {
		res := testing.Benchmark(func(b *testing.B) {
			for range b.N {
				page()
			}
		})
		warm = append(warm, float64(res.NsPerOp()))
	}
	return cold, warm
}

// bSetRealKDF re-wraps the account's key under the production Argon2id cost.
func bSetRealKDF(t testing.TB, acc *bBigAccount) {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(filepath.Join(acc.dir, "jarvis.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p, err := crypto.NewKDFParams(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ChangePassphrase(ctx, []byte(benchPass), []byte(benchPass), p); err != nil {
		t.Fatal(err)
	}
}

// bNodeRun is one start of the big account's node.
type bNodeRun struct {
	ready      time.Duration // process start to the ready line
	hwmKB      int64         // VmHWM after idling
	rssKB      int64         // VmRSS after idling
	historyRTT []time.Duration
}

// bStartBig starts the big account, optionally idles, measures memory, and
// optionally times history commands through the headless protocol.
func bStartBig(t testing.TB, bin string, acc *bBigAccount, idle time.Duration, historyCmds int) bNodeRun {
	t.Helper()
	p := bStartNode(t, bNodeSpec{bin: bin, name: "Big", dir: acc.dir, listen: bFreePort(t)})
	defer p.stop()
	r := bNodeRun{ready: p.ready.At.Sub(p.started)}
	with := acc.conv.String()
	for i := range historyCmds {
		ref := fmt.Sprint("h", i)
		ch := p.expect(func(e bEvent) bool { return e.Event == "history" && e.Ref == ref })
		t0 := time.Now()
		p.send(map[string]any{"cmd": "history", "ref": ref, "with": with, "limit": 100})
		p.flush()
		e := p.wait(ch, 10*time.Second, "history")
		r.historyRTT = append(r.historyRTT, e.At.Sub(t0))
	}
	if idle > 0 {
		time.Sleep(idle)
		var err error
		if r.hwmKB, err = bProcStatus(p.pid(), "VmHWM"); err != nil {
			t.Fatal(err)
		}
		if r.rssKB, err = bProcStatus(p.pid(), "VmRSS"); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// bBuildBinary builds the stripped binary the way the Makefile does.
func bBuildBinary(t testing.TB) (path string, size int64, static bool) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "jarvis")
	out, err := bExecGo("build", "-ldflags", "-s -w", "-o", path, "jarvis")
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, fi.Size(), bIsStatic(path)
}

// bIsStatic reports whether an ELF binary has no program interpreter.
func bIsStatic(path string) bool {
	f, err := elf.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return false
		}
	}
	return true
}
