package pair

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	hostLink   = "jarvis://host-link-code"
	joinerLink = "jarvis://joiner-link-code"
)

func TestTheRightCodeSwapsBothLinkCodes(t *testing.T) {
	for _, tr := range transports() {
		for _, payloads := range [][2]string{
			{hostLink, joinerLink},
			{"h", "j"},
			{strings.Repeat("h", MaxPayload), strings.Repeat("j", MaxPayload)},
		} {
			t.Run(tr.name, func(t *testing.T) {
				noLeaks(t)
				code := mustCode(t, "4711 0815")
				joinConn, hostConn := tr.pair(t)
				h, j := runPair(t.Context(), mustHost(t, code, payloads[0], nil), hostConn, joinConn, code, []byte(payloads[1]))
				if h.err != nil || j.err != nil {
					t.Fatalf("host: %v, joiner: %v", h.err, j.err)
				}
				if string(h.payload) != payloads[1] || string(j.payload) != payloads[0] {
					t.Fatalf("host got %.20q, joiner got %.20q", h.payload, j.payload)
				}
			})
		}
	}
}

func TestAWrongCodeFailsBothSidesRevealsNothingAndSpendsTheCode(t *testing.T) {
	for _, tr := range transports() {
		for _, typed := range []string{
			"4711 0816", // one digit off, same locator: what a LAN attacker would try
			"9911 0815", // another locator
			"0000 0000",
		} {
			t.Run(tr.name+"/"+typed, func(t *testing.T) {
				noLeaks(t)
				code := mustCode(t, "4711 0815")
				host := mustHost(t, code, hostLink, nil)
				joinConn, hostConn := tr.pair(t)
				jr, hr := &recorder{Conn: joinConn}, &recorder{Conn: hostConn}
				h, j := runPair(t.Context(), host, hr, jr, mustCode(t, typed), []byte(joinerLink))
				if !errors.Is(h.err, ErrWrongCode) || !errors.Is(j.err, ErrWrongCode) {
					t.Fatalf("host: %v, joiner: %v; want %v on both", h.err, j.err, ErrWrongCode)
				}
				if h.payload != nil || j.payload != nil {
					t.Fatalf("a payload came through: %q, %q", h.payload, j.payload)
				}
				// Not even sealed: neither side sent the message that carries its link code.
				if got := jr.types(); !bytes.Equal(got, []byte{typeStart, typeAbort}) {
					t.Errorf("joiner sent messages %v", got)
				}
				if got := hr.types(); !bytes.Equal(got, []byte{typeReply}) {
					t.Errorf("host sent messages %v", got)
				}

				joinConn, hostConn = tr.pair(t)
				h, j = runPair(t.Context(), host, hostConn, joinConn, code, []byte(joinerLink))
				if !errors.Is(h.err, ErrCodeUsed) || !errors.Is(j.err, ErrCodeUsed) {
					t.Fatalf("second try with the right code: host %v, joiner %v; want %v", h.err, j.err, ErrCodeUsed)
				}
			})
		}
	}
}

func TestACodeExpiresAfterTwoMinutes(t *testing.T) {
	for _, tc := range []struct {
		after time.Duration
		want  error
	}{
		{0, nil},
		{CodeLifetime - time.Second, nil},
		{CodeLifetime, ErrCodeExpired},
		{time.Hour, ErrCodeExpired},
	} {
		t.Run(tc.after.String(), func(t *testing.T) {
			noLeaks(t)
			clk := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
			code := mustCode(t, "1234 5678")
			host := mustHost(t, code, hostLink, clk.now)
			if want := clk.now().Add(CodeLifetime); !host.Expires().Equal(want) {
				t.Fatalf("Expires() = %v, want %v", host.Expires(), want)
			}
			clk.advance(tc.after)
			joinConn, hostConn := pipePair(t)
			h, j := runPair(t.Context(), host, hostConn, joinConn, code, []byte(joinerLink))
			if !errors.Is(h.err, tc.want) || !errors.Is(j.err, tc.want) {
				t.Fatalf("host: %v, joiner: %v; want %v", h.err, j.err, tc.want)
			}
		})
	}
}

// mitm sits between the joiner and the host, as an attacker on the LAN
// would after answering the joiner's discovery in the host's place: it
// plays host to the joiner and joiner to the host, with a guessed code.
func mitm(ctx context.Context, toJoiner, toHost net.Conn, guess Code) (fromJoiner, fromHost result) {
	fake, err := NewHost(HostConfig{Code: guess, Payload: []byte("jarvis://mallory")})
	if err != nil {
		return result{err: err}, result{err: err}
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		fromJoiner.payload, fromJoiner.err = fake.Serve(ctx, toJoiner)
		toJoiner.Close()
	})
	fromHost.payload, fromHost.err = Join(ctx, toHost, guess, []byte("jarvis://mallory"))
	toHost.Close()
	wg.Wait()
	return fromJoiner, fromHost
}

func TestAManInTheMiddleWithoutTheCodeGetsNeitherLinkCode(t *testing.T) {
	for _, tr := range transports() {
		for _, guess := range []string{"4711 0816", "4711 9999", "0000 0000"} {
			t.Run(tr.name+"/"+guess, func(t *testing.T) {
				noLeaks(t)
				code := mustCode(t, "4711 0815")
				host := mustHost(t, code, hostLink, nil)
				joinConn, mitmToJoiner := tr.pair(t)
				mitmToHost, hostConn := tr.pair(t)
				jr, hr := &recorder{Conn: joinConn}, &recorder{Conn: hostConn}

				var h, j, fromJoiner, fromHost result
				var wg sync.WaitGroup
				wg.Go(func() { h.payload, h.err = host.Serve(t.Context(), hr); hostConn.Close() })
				wg.Go(func() { fromJoiner, fromHost = mitm(t.Context(), mitmToJoiner, mitmToHost, mustCode(t, guess)) })
				j.payload, j.err = Join(t.Context(), jr, code, []byte(joinerLink))
				joinConn.Close()
				wg.Wait()

				if !errors.Is(h.err, ErrWrongCode) || !errors.Is(j.err, ErrWrongCode) {
					t.Fatalf("host: %v, joiner: %v; want %v on both", h.err, j.err, ErrWrongCode)
				}
				if fromJoiner.payload != nil || fromHost.payload != nil || fromJoiner.err == nil || fromHost.err == nil {
					t.Fatalf("the man in the middle got %q (%v) and %q (%v)", fromJoiner.payload, fromJoiner.err, fromHost.payload, fromHost.err)
				}
				if bytes.Contains(jr.types(), []byte{typeConfirm}) || bytes.Contains(hr.types(), []byte{typeFinal}) {
					t.Fatalf("a link code left an honest side: joiner sent %v, host sent %v", jr.types(), hr.types())
				}
			})
		}
	}
}

func TestAJoinerThatHangsUpAfterItsFirstMessageStillSpendsTheCode(t *testing.T) {
	noLeaks(t)
	code := mustCode(t, "2468 1357")
	host := mustHost(t, code, hostLink, nil)
	joinConn, hostConn := pipePair(t)
	var wg sync.WaitGroup
	var serveErr error
	wg.Go(func() { _, serveErr = host.Serve(t.Context(), hostConn) })
	_, start, _ := startJoin(code, []byte(joinerLink))
	if err := writeFrame(joinConn, start); err != nil {
		t.Fatal(err)
	}
	joinConn.Close()
	wg.Wait()
	if serveErr == nil || !host.Spent() {
		t.Fatalf("Serve against a joiner that hung up: %v, spent: %v", serveErr, host.Spent())
	}
	joinConn, hostConn = pipePair(t)
	h, j := runPair(t.Context(), host, hostConn, joinConn, code, []byte(joinerLink))
	if !errors.Is(h.err, ErrCodeUsed) || !errors.Is(j.err, ErrCodeUsed) {
		t.Fatalf("host: %v, joiner: %v; want %v", h.err, j.err, ErrCodeUsed)
	}
}

func TestGarbageBeforeAFirstMessageDoesNotSpendTheCode(t *testing.T) {
	noLeaks(t)
	code := mustCode(t, "2468 1357")
	host := mustHost(t, code, hostLink, nil)
	for _, garbage := range [][]byte{nil, []byte("GET / HTTP/1.1\r\n\r\n"), {0, 2, protoVersion, typeStart}} {
		joinConn, hostConn := pipePair(t)
		var wg sync.WaitGroup
		wg.Go(func() { joinConn.Write(garbage); joinConn.Close() })
		_, err := host.Serve(t.Context(), hostConn)
		hostConn.Close() // as the caller does: it unblocks the writer of the rest
		if err == nil || host.Spent() {
			t.Fatalf("Serve on %q: %v, spent: %v", garbage, err, host.Spent())
		}
		wg.Wait()
	}
	joinConn, hostConn := tcpPair(t)
	h, j := runPair(t.Context(), host, hostConn, joinConn, code, []byte(joinerLink))
	if h.err != nil || j.err != nil {
		t.Fatalf("host: %v, joiner: %v", h.err, j.err)
	}
}

func TestOnlyOneOfTwoConcurrentJoinersGetsTheCode(t *testing.T) {
	noLeaks(t)
	code := mustCode(t, "1357 2468")
	host := mustHost(t, code, hostLink, nil)
	var wg sync.WaitGroup
	results := make([][2]result, 2)
	for i := range results {
		joinConn, hostConn := tcpPair(t)
		wg.Go(func() {
			h, j := runPair(t.Context(), host, hostConn, joinConn, code, []byte(joinerLink))
			results[i] = [2]result{h, j}
		})
	}
	wg.Wait()
	ok, used := 0, 0
	for _, r := range results {
		switch {
		case r[0].err == nil && r[1].err == nil:
			ok++
		case errors.Is(r[0].err, ErrCodeUsed) && errors.Is(r[1].err, ErrCodeUsed):
			used++
		default:
			t.Errorf("host: %v, joiner: %v", r[0].err, r[1].err)
		}
	}
	if ok != 1 || used != 1 {
		t.Fatalf("%d runs succeeded and %d found the code used; want 1 and 1", ok, used)
	}
}

func TestCancellingTheContextStopsARunInProgress(t *testing.T) {
	for _, tr := range transports() {
		t.Run(tr.name, func(t *testing.T) {
			noLeaks(t)
			code := mustCode(t, "1111 2222")
			host := mustHost(t, code, hostLink, nil)
			// Each waits on a peer that has gone quiet, until the context is cancelled.
			joinConn, hostConn := tr.pair(t)
			silentJoin, silentHost := tr.pair(t)
			ctx, cancel := context.WithCancel(t.Context())
			var wg sync.WaitGroup
			var serveErr, joinErr error
			wg.Go(func() { _, serveErr = host.Serve(ctx, hostConn) })
			wg.Go(func() { _, joinErr = Join(ctx, silentJoin, code, []byte(joinerLink)) })
			if _, err := joinConn.Write([]byte{0}); err != nil { // half a frame length: the host waits for the rest
				t.Fatal(err)
			}
			if _, err := readFrame(silentHost); err != nil { // the joiner's first message: it waits for a reply
				t.Fatal(err)
			}
			cancel()
			wg.Wait()
			if !errors.Is(serveErr, context.Canceled) || !errors.Is(joinErr, context.Canceled) {
				t.Fatalf("host: %v, joiner: %v; want %v", serveErr, joinErr, context.Canceled)
			}
			if _, err := Join(ctx, joinConn, code, []byte(joinerLink)); !errors.Is(err, context.Canceled) {
				t.Fatalf("Join with a cancelled context: %v", err)
			}
		})
	}
}

func TestBadPayloadsAreRefusedBeforeAnythingIsSent(t *testing.T) {
	code := mustCode(t, "1234 5678")
	for _, p := range [][]byte{nil, {}, make([]byte, MaxPayload+1)} {
		if _, err := NewHost(HostConfig{Code: code, Payload: p}); err == nil {
			t.Errorf("NewHost took a payload of %d bytes", len(p))
		}
		joinConn, _ := pipePair(t)
		r := &recorder{Conn: joinConn}
		if _, err := Join(t.Context(), r, code, p); err == nil || len(r.types()) != 0 {
			t.Errorf("Join with a payload of %d bytes: %v, sent %v", len(p), err, r.types())
		}
	}
}
