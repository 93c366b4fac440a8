package pair

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
)

// frame wraps body in a frame, whatever its length.
func frame(body []byte) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(len(body))), body...)
}

// flip returns b with one byte changed.
func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[(i+len(c))%len(c)] ^= 1
	return c
}

// badPoint is a CPace message whose point is the identity: CPace refuses it.
func badPoint() []byte {
	return append(append([]byte{32}, make([]byte, 32)...), 0)
}

// Sent in place of a message, at whatever step; each must end the run.
var commonGarbage = []struct {
	name string
	raw  []byte
	want error
}{
	{"hang up", nil, io.EOF},
	{"half a length", []byte{0}, io.ErrUnexpectedEOF},
	{"empty frame", []byte{0, 0}, ErrMalformed},
	{"frame over the cap", []byte{0x10, 0x01}, ErrMalformed},
	{"largest length", []byte{0xff, 0xff}, ErrMalformed},
	{"cut-short frame", []byte{0, 10, protoVersion, typeStart}, io.ErrUnexpectedEOF},
	{"one byte", frame([]byte{protoVersion}), ErrMalformed},
	{"other version", frame(append([]byte{2, typeStart}, make([]byte, 50)...)), ErrMalformed},
	{"unknown type", frame([]byte{protoVersion, 9}), ErrMalformed},
	{"abort with no reason", frame([]byte{protoVersion, typeAbort}), ErrMalformed},
	{"abort with unknown reason", frame(encodeAbort(7)), ErrMalformed},
	{"text", []byte("GET / HTTP/1.1\r\n\r\n"), ErrMalformed},
}

// garbage replaces a good message (given) with a bad one.
type garbage struct {
	name string
	bad  func(good []byte) []byte
	want error
}

// withCommon adds commonGarbage, sent in place of the good message.
func withCommon(cases []garbage) []garbage {
	for _, g := range commonGarbage {
		cases = append(cases, garbage{g.name, func([]byte) []byte { return g.raw }, g.want})
	}
	return cases
}

// scripted runs side against a peer played by script over a pipe, and
// returns side's result and the types of the messages it sent.
func scripted(t *testing.T, side func(net.Conn) ([]byte, error), script func(net.Conn)) (result, []byte) {
	t.Helper()
	a, b := pipePair(t)
	rec := &recorder{Conn: a}
	var wg sync.WaitGroup
	// The script hangs up when done: a side still waiting for more, or
	// writing an abort, then fails at once.
	wg.Go(func() { script(b); b.Close() })
	var r result
	r.payload, r.err = side(rec)
	a.Close()
	wg.Wait()
	return r, rec.types()
}

func TestTheHostRefusesMalformedMessagesFromAJoiner(t *testing.T) {
	code := mustCode(t, "8642 9753")
	start := func() (*joinRun, []byte) {
		j, msg, err := startJoin(code, []byte(joinerLink))
		if err != nil {
			t.Fatal(err)
		}
		return j, msg
	}
	_, good := start()
	sid := good[2 : 2+sidLen]
	first := []struct {
		name string
		raw  []byte
		want error
	}{
		{"start cut short", frame(good[:len(good)-1]), ErrMalformed},
		{"start too long", frame(append(bytes.Clone(good), 0)), ErrMalformed},
		{"start with a bad point", frame(encodeStart(sid, badPoint())), ErrMalformed},
		{"start with associated data", frame(encodeStart(sid, append(bytes.Clone(good[2+sidLen:len(good)-1]), 1))), ErrMalformed},
		{"confirmation first", frame(encodeConfirm(make([]byte, macLen), make([]byte, minSealed))), ErrMalformed},
		{"abort first", frame(encodeAbort(reasonWrongCode)), ErrMalformed},
	}
	for _, g := range append(first, commonGarbage...) {
		t.Run("first/"+g.name, func(t *testing.T) {
			noLeaks(t)
			host := mustHost(t, code, hostLink, nil)
			r, sent := scripted(t, func(c net.Conn) ([]byte, error) { return host.Serve(t.Context(), c) },
				func(c net.Conn) { c.Write(g.raw) })
			checkRefused(t, r, sent, g.want, typeFinal)
		})
	}
	confirmGarbage := withCommon([]garbage{
		{"wrong MAC", func(c []byte) []byte { return frame(flip(c, 2)) }, ErrWrongCode},
		{"tampered link code", func(c []byte) []byte { return frame(flip(c, -1)) }, ErrMalformed},
		{"no link code", func(c []byte) []byte { return frame(c[:2+macLen]) }, ErrMalformed},
		{"link code cut short", func(c []byte) []byte { return frame(c[:2+macLen+minSealed-1]) }, ErrMalformed},
		{"start again", func([]byte) []byte { return frame(good) }, ErrMalformed},
		{"abort: used", func([]byte) []byte { return frame(encodeAbort(reasonCodeUsed)) }, ErrMalformed},
		{"abort: wrong code", func([]byte) []byte { return frame(encodeAbort(reasonWrongCode)) }, ErrWrongCode},
	})
	for _, g := range confirmGarbage {
		t.Run("confirmation/"+g.name, func(t *testing.T) {
			noLeaks(t)
			host := mustHost(t, code, hostLink, nil)
			r, sent := scripted(t, func(c net.Conn) ([]byte, error) { return host.Serve(t.Context(), c) },
				func(c net.Conn) {
					j, msg := start()
					confirm := writeAndReply(c, msg, j.reply)
					if confirm == nil {
						t.Error("the host did not answer a good first message")
						return
					}
					c.Write(g.bad(confirm))
				})
			checkRefused(t, r, sent, g.want, typeFinal)
		})
	}
}

// writeAndReply sends msg as a frame, reads the answer and returns what
// next answers it (nil if anything failed).
func writeAndReply(c net.Conn, msg []byte, next func([]byte) ([]byte, error)) []byte {
	if writeFrame(c, msg) != nil {
		return nil
	}
	b, err := readFrame(c)
	if err != nil {
		return nil
	}
	out, err := next(b)
	if err != nil {
		return nil
	}
	return out
}

// checkRefused requires the run to have failed with want and the side
// under test never to have sent the message that carries its link code.
func checkRefused(t *testing.T, r result, sent []byte, want error, carrier byte) {
	t.Helper()
	if !errors.Is(r.err, want) {
		t.Errorf("got %v, want %v", r.err, want)
	}
	if r.payload != nil {
		t.Errorf("got a link code: %q", r.payload)
	}
	if bytes.Contains(sent, []byte{carrier}) {
		t.Errorf("sent its link code: messages %v", sent)
	}
}

func TestTheJoinerRefusesMalformedMessagesFromAHost(t *testing.T) {
	code := mustCode(t, "8642 9753")
	join := func(c net.Conn) ([]byte, error) { return Join(t.Context(), c, code, []byte(joinerLink)) }
	// reply answers the joiner's first message as an honest host would.
	reply := func(c net.Conn) (*hostRun, []byte) {
		b, err := readFrame(c)
		if err != nil {
			return nil, nil
		}
		r, out, err := mustHost(t, code, hostLink, nil).start(b)
		if err != nil {
			return nil, nil
		}
		return r, out
	}
	replyGarbage := withCommon([]garbage{
		{"wrong MAC", func(r []byte) []byte { return frame(flip(r, -1)) }, ErrWrongCode},
		{"bad point", func(r []byte) []byte { return frame(encodeReply(badPoint(), r[2+cpaceMsgLen:])) }, ErrMalformed},
		{"reply cut short", func(r []byte) []byte { return frame(r[:len(r)-1]) }, ErrMalformed},
		{"reply too long", func(r []byte) []byte { return frame(append(bytes.Clone(r), 0)) }, ErrMalformed},
		{"final instead", func([]byte) []byte { return frame(encodeFinal(make([]byte, minSealed))) }, ErrMalformed},
		{"abort: used", func([]byte) []byte { return frame(encodeAbort(reasonCodeUsed)) }, ErrCodeUsed},
		{"abort: expired", func([]byte) []byte { return frame(encodeAbort(reasonCodeExpired)) }, ErrCodeExpired},
		{"abort: wrong code", func([]byte) []byte { return frame(encodeAbort(reasonWrongCode)) }, ErrWrongCode},
	})
	for _, g := range replyGarbage {
		t.Run("reply/"+g.name, func(t *testing.T) {
			noLeaks(t)
			r, sent := scripted(t, join, func(c net.Conn) {
				if _, out := reply(c); out != nil {
					c.Write(g.bad(out))
				}
			})
			checkRefused(t, r, sent, g.want, typeConfirm)
		})
	}
	finalGarbage := withCommon([]garbage{
		{"tampered link code", func(f []byte) []byte { return frame(flip(f, -1)) }, ErrMalformed},
		{"link code cut short", func(f []byte) []byte { return frame(f[:2+minSealed-1]) }, ErrMalformed},
		{"abort: wrong code", func([]byte) []byte { return frame(encodeAbort(reasonWrongCode)) }, ErrWrongCode},
		{"abort: used", func([]byte) []byte { return frame(encodeAbort(reasonCodeUsed)) }, ErrMalformed},
	})
	for _, g := range finalGarbage {
		t.Run("final/"+g.name, func(t *testing.T) {
			noLeaks(t)
			r, _ := scripted(t, join, func(c net.Conn) {
				hr, out := reply(c)
				if out == nil {
					return
				}
				final := writeAndReply(c, out, func(b []byte) ([]byte, error) {
					_, f, err := hr.confirm(b)
					return f, err
				})
				if final == nil {
					t.Error("the joiner did not confirm a good reply")
					return
				}
				c.Write(g.bad(final))
			})
			if !errors.Is(r.err, g.want) || r.payload != nil {
				t.Errorf("got %q, %v; want %v", r.payload, r.err, g.want)
			}
		})
	}
}

// A host that sends the joiner's own sealed link code back as its final
// message (a reflection) fails: each direction has its own key.
func TestTheJoinerRefusesItsOwnLinkCodeReflected(t *testing.T) {
	noLeaks(t)
	code := mustCode(t, "8642 9753")
	r, _ := scripted(t, func(c net.Conn) ([]byte, error) { return Join(t.Context(), c, code, []byte(joinerLink)) },
		func(c net.Conn) {
			b, err := readFrame(c)
			if err != nil {
				return
			}
			_, out, err := mustHost(t, code, hostLink, nil).start(b)
			if err != nil {
				return
			}
			confirm := writeAndReply(c, out, func(b []byte) ([]byte, error) { return b, nil })
			if confirm != nil {
				writeFrame(c, encodeFinal(confirm[2+macLen:]))
			}
		})
	if !errors.Is(r.err, ErrMalformed) || r.payload != nil {
		t.Fatalf("got %q, %v; want %v", r.payload, r.err, ErrMalformed)
	}
}
