// Command mitm is the man in the middle of the pairing test: on the same
// LAN as two devices pairing, without the code, it answers the joiner as
// if it were the host (beaconing the host's locator far more often) and
// runs the protocol with each side on a guessed code, relaying nothing it
// could not compute. It prints one JSON line per step to stdout.
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"jarvis/crypto"
	"jarvis/p2p/lan"
	"jarvis/p2p/pair"
)

func say(step string, kv ...any) {
	m := map[string]any{"step": step}
	for i := 0; i+1 < len(kv); i += 2 {
		m[fmt.Sprint(kv[i])] = kv[i+1]
	}
	b, _ := json.Marshal(m)
	fmt.Println(string(b))
}

func main() {
	if err := run(); err != nil {
		say("fatal", "error", err.Error())
		os.Exit(1)
	}
}

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	id, err := crypto.GenerateIdentity(rand.Reader)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		return err
	}
	defer ln.Close()
	port := uint16(ln.Addr().(*net.TCPAddr).Port)
	d, err := lan.New(lan.Config{Identity: id, ListenPort: port})
	if err != nil {
		return err
	}
	go d.Run(ctx)
	say("ready")
	locator, host, err := findAnyHost(ctx, d)
	if err != nil {
		return err
	}
	say("found", "host", host.String())
	go outshout(ctx, d, locator, port)
	conn, err := ln.Accept()
	if err != nil {
		return err
	}
	defer conn.Close()
	say("joiner connected")
	var guess [4]byte
	rand.Read(guess[:])
	code, err := pair.ParseCode(fmt.Sprintf("%02d%06d", locator, (int(guess[0])<<16|int(guess[1])<<8|int(guess[2]))%1000000))
	if err != nil {
		return err
	}
	toHost, err := net.Dial("tcp", host.String())
	if err != nil {
		return err
	}
	defer toHost.Close()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		h, err := pair.NewHost(pair.HostConfig{Code: code, Payload: []byte("mitm")})
		if err == nil {
			var got []byte
			got, err = h.Serve(ctx, conn)
			say("as host to the joiner", "got", len(got), "error", errText(err))
			return
		}
		say("as host to the joiner", "error", err.Error())
	}()
	go func() {
		defer wg.Done()
		got, err := pair.Join(ctx, toHost, code, []byte("mitm"))
		say("as joiner to the host", "got", len(got), "error", errText(err))
	}()
	wg.Wait()
	say("done")
	return nil
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// findAnyHost waits for a pairing beacon of any locator.
func findAnyHost(ctx context.Context, d *lan.Discovery) (byte, net.Addr, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type hit struct {
		locator byte
		addr    net.Addr
	}
	hits := make(chan hit, 100)
	for l := range byte(100) {
		go func() {
			if ap, err := d.FindPairing(ctx, l); err == nil {
				hits <- hit{l, net.TCPAddrFromAddrPort(ap)}
			}
		}()
	}
	select {
	case h := <-hits:
		return h.locator, h.addr, nil
	case <-ctx.Done():
		return 0, nil, errors.New("no pairing beacon heard")
	}
}

// outshout beacons the host's locator twenty times a second, so the
// joiner most likely hears us before the host.
func outshout(ctx context.Context, d *lan.Discovery, locator byte, port uint16) {
	for ctx.Err() == nil {
		once, cancel := context.WithTimeout(ctx, 40*time.Millisecond)
		d.Beacon(once, locator, port)
		<-once.Done()
		cancel()
	}
}
