//go:build bench

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"jarvis/app"
	"jarvis/crypto"
	"jarvis/ui/headless"
)

// bCore starts a core on loopback with a cheap KDF; events go to on, or,
// if on is nil, the caller must consume them (headless.Run does).
func bCore(b *testing.B, name string) (*app.Core, func()) {
	b.Helper()
	acc, err := app.OpenAccount(app.AccountConfig{Path: filepath.Join(b.TempDir(), "jarvis.db"),
		KDF: crypto.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}})
	if err != nil {
		b.Fatal(err)
	}
	if err := acc.Create(context.Background(), name, []byte(benchPass)); err != nil {
		b.Fatal(err)
	}
	core, err := app.NewCore(app.Config{Account: acc, Listen: "127.0.0.1:0", Tor: app.TorConfig{Mode: app.TorOff}})
	if err != nil {
		b.Fatal(err)
	}
	return core, func() { acc.Close() }
}

// BenchmarkHeadlessThroughput is the throughput figure in one process so
// it can be profiled: A runs the real headless frontend on pipes, B is a
// bare core. One op is one `send` line answered by `status … delivered`.
//
//	go test -tags bench -run '^$' -bench HeadlessThroughput -benchtime 50000x -cpuprofile cpu.prof .
func BenchmarkHeadlessThroughput(b *testing.B) {
	coreB, closeB := bCore(b, "B")
	defer closeB()
	coreB.Start()
	bDone := make(chan struct{})
	go func() {
		defer close(bDone)
		for ev := range coreB.Events() {
			if r, ok := ev.(app.ContactRequest); ok {
				go coreB.Accept(context.Background(), r.Contact.ID)
			}
		}
	}()
	defer func() { coreB.Close(); <-bDone }()

	coreA, closeA := bCore(b, "A")
	defer closeA()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	hDone := make(chan error, 1)
	go func() { hDone <- headless.Run(ctx, coreA, inR, outW); outW.Close() }()
	defer func() { cancel(); inW.Close(); <-hDone }()

	lines := make(chan []byte, 1<<16)
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			lines <- append([]byte(nil), sc.Bytes()...)
		}
		close(lines)
	}()
	waitLine := func(substr string) {
		timeout := time.After(20 * time.Second)
		for {
			select {
			case l := <-lines:
				if bytes.Contains(l, []byte(substr)) {
					return
				}
			case <-timeout:
				b.Fatalf("timed out waiting for %s", substr)
			}
		}
	}
	w := bufio.NewWriter(inW)
	cmd, _ := json.Marshal(map[string]string{"cmd": "add", "code": coreB.Self().Code})
	fmt.Fprintf(w, "%s\n", cmd)
	w.Flush()
	waitLine(`"event":"contact_added"`)
	waitLine(`"online":true`)
	send, _ := json.Marshal(map[string]string{"cmd": "send", "to": coreB.Self().ID.String(), "text": strings.Repeat("x", 64)})
	b.ResetTimer()
	go func() {
		for range b.N {
			w.Write(send)
			w.WriteByte('\n')
		}
		w.Flush()
	}()
	for got := 0; got < b.N; {
		select {
		case l := <-lines:
			if bytes.Contains(l, []byte(`"state":"delivered"`)) {
				got++
			}
		case <-time.After(60 * time.Second):
			b.Fatalf("stalled at %d of %d", got, b.N)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
