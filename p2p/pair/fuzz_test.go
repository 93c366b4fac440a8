package pair

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

func FuzzParseCode(f *testing.F) {
	for _, s := range []string{"1234 5678", "12345678", "1234-5678", "", "1234 567a", "１２３４５６７８", "99999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCode(s)
		if err != nil {
			return
		}
		back, err := ParseCode(c.String())
		if err != nil || back != c || len(c.String()) != 9 || c.Locator() > 99 {
			t.Fatalf("%q parsed as %q (locator %d), which reads back as %v, %v", s, c, c.Locator(), back, err)
		}
	})
}

func FuzzReadFrame(f *testing.F) {
	f.Add([]byte{0, 3, 1, 2, 3})
	f.Add([]byte{0, 0})
	f.Add([]byte{0xff, 0xff})
	f.Add([]byte{0x10, 0x00})
	f.Add([]byte{0, 5, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		for {
			body, err := readFrame(r)
			if err != nil {
				return
			}
			if len(body) == 0 || len(body) > maxFrame {
				t.Fatalf("frame of %d bytes", len(body))
			}
		}
	})
}

// validMessages returns one good message of each type, as seeds.
func validMessages(f *testing.F) [][]byte {
	code := mustCode(f, "1234 5678")
	j, start, err := startJoin(code, []byte(joinerLink))
	if err != nil {
		f.Fatal(err)
	}
	r, reply, err := mustHost(f, code, hostLink, nil).start(start)
	if err != nil {
		f.Fatal(err)
	}
	confirm, err := j.reply(reply)
	if err != nil {
		f.Fatal(err)
	}
	_, final, err := r.confirm(confirm)
	if err != nil {
		f.Fatal(err)
	}
	return [][]byte{start, reply, confirm, final, encodeAbort(reasonWrongCode), encodeAbort(reasonCodeUsed), {protoVersion}, {}}
}

// fuzzDecoder checks that decode never panics and that whatever it accepts
// it accepts in one encoding only: re-encoding gives back the input.
func fuzzDecoder(f *testing.F, reencode func([]byte) ([]byte, error)) {
	for _, m := range validMessages(f) {
		f.Add(m)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := reencode(b)
		if err == nil && !bytes.Equal(out, b) {
			t.Fatalf("%x decodes and re-encodes as %x", b, out)
		}
	})
}

func FuzzDecodeStart(f *testing.F) {
	fuzzDecoder(f, func(b []byte) ([]byte, error) {
		sid, msgA, err := decodeStart(b)
		return encodeStart(sid, msgA), err
	})
}

func FuzzDecodeReply(f *testing.F) {
	fuzzDecoder(f, func(b []byte) ([]byte, error) {
		msgB, mac, err := decodeReply(b)
		return encodeReply(msgB, mac), err
	})
}

func FuzzDecodeConfirm(f *testing.F) {
	fuzzDecoder(f, func(b []byte) ([]byte, error) {
		mac, sealed, err := decodeConfirm(b)
		return encodeConfirm(mac, sealed), err
	})
}

func FuzzDecodeFinal(f *testing.F) {
	fuzzDecoder(f, func(b []byte) ([]byte, error) {
		sealed, err := decodeFinal(b)
		return encodeFinal(sealed), err
	})
}

// An abort is decoded where a reply is expected, the one place every
// reason is allowed; it never decodes as success.
func FuzzDecodeAbort(f *testing.F) {
	for _, m := range validMessages(f) {
		f.Add(m)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := fields(b, typeReply); err == nil && (len(b) < 2 || b[1] != typeReply) {
			t.Fatalf("%x taken as a reply", b)
		}
	})
}

// streamConn plays a peer that sends a fixed stream and reads everything.
type streamConn struct {
	net.Conn // nil: a run uses only the methods below
	r        io.Reader
}

func (c streamConn) Read(b []byte) (int, error)  { return c.r.Read(b) }
func (c streamConn) Write(b []byte) (int, error) { return len(b), nil }
func (c streamConn) SetDeadline(time.Time) error { return nil }

// framed joins messages into one stream of frames.
func framed(msgs ...[]byte) []byte {
	var out []byte
	for _, m := range msgs {
		out = append(out, frame(m)...)
	}
	return out
}

// FuzzServe feeds a host arbitrary bytes as a joiner's stream: no input
// without the code's key can finish a run, so every run must fail.
func FuzzServe(f *testing.F) {
	m := validMessages(f)
	f.Add(framed(m[0]))
	f.Add(framed(m[0], m[2]))
	f.Add(framed(m[0], m[4]))
	f.Add(framed(m[1]))
	code := mustCode(f, "1234 5678")
	f.Fuzz(func(t *testing.T, b []byte) {
		host := mustHost(t, code, hostLink, nil)
		if p, err := host.Serve(t.Context(), streamConn{r: bytes.NewReader(b)}); err == nil {
			t.Fatalf("a run on %x gave %q", b, p)
		}
	})
}

// FuzzJoin feeds a joiner arbitrary bytes as a host's stream; as above.
func FuzzJoin(f *testing.F) {
	m := validMessages(f)
	f.Add(framed(m[1], m[3]))
	f.Add(framed(m[5]))
	f.Add(framed(m[1], m[4]))
	f.Add(framed(m[0]))
	code := mustCode(f, "1234 5678")
	f.Fuzz(func(t *testing.T, b []byte) {
		if p, err := Join(t.Context(), streamConn{r: bytes.NewReader(b)}, code, []byte(joinerLink)); err == nil {
			t.Fatalf("a run on %x gave %q", b, p)
		}
	})
}
