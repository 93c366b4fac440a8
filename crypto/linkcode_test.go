package crypto

import (
	"errors"
	"strings"
	"testing"
)

const codeVector = "jarvis://agfiry65oqe7dfp5klns2pf2lvzmuzyjx4ozieq36n2iqanub5xvzjhaskjlmuocpc4xolcwt5p2toyt3edli2vwrso7txbliqe7riqjanawiyibbyytsmrogaxdelrxhi3timrq2z3pdva"

func TestLinkCodeVector(t *testing.T) {
	k := fixedIdentity(t, 1)
	code, err := EncodeLinkCode(LinkCode{Name: "Ada", Keys: k.Public(), Addrs: []string{"192.0.2.7:7420"}})
	if err != nil {
		t.Fatal(err)
	}
	if code != codeVector {
		t.Fatalf("code = %s\nwant   %s", code, codeVector)
	}
	c, err := ParseLinkCode(codeVector)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "Ada" || c.Keys != k.Public() || len(c.Addrs) != 1 || c.Addrs[0] != "192.0.2.7:7420" {
		t.Fatalf("parsed %+v", c)
	}
}

func TestLinkCodeToleratesCopyPaste(t *testing.T) {
	wrapped := "  " + strings.ToUpper(codeVector[:40]) + "\n" + codeVector[40:90] + " \r\n" + codeVector[90:] + "\n"
	if _, err := ParseLinkCode(wrapped); err != nil {
		t.Fatalf("wrapped code rejected: %v", err)
	}
}

func TestLinkCodeRejectsMalformed(t *testing.T) {
	k := fixedIdentity(t, 1).Public()
	body := codeVector[len(LinkCodePrefix):]
	flip := func(s string, i int) string {
		c := byte('a')
		if s[i] == 'a' {
			c = 'b'
		}
		return s[:i] + string(c) + s[i+1:]
	}
	reencode := func(c LinkCode) string {
		// Bypass validation to build codes a tamperer could write.
		b := []byte{linkCodeVersion}
		b = append(b, c.Keys.Sign[:]...)
		b = append(b, c.Keys.DH[:]...)
		b = append(b, byte(len(c.Name)))
		b = append(b, c.Name...)
		b = append(b, byte(len(c.Addrs)))
		for _, a := range c.Addrs {
			b = append(b, byte(len(a)))
			b = append(b, a...)
		}
		return LinkCodePrefix + idEncoding.EncodeToString(append(b, linkChecksum(b)...))
	}
	withVersion := func(v byte) string {
		raw, _ := idEncoding.DecodeString(body)
		raw = raw[:len(raw)-checksumSize]
		raw[0] = v
		return LinkCodePrefix + idEncoding.EncodeToString(append(raw, linkChecksum(raw)...))
	}
	tests := []struct {
		name string
		code string
		want error
	}{
		{"empty", "", ErrCodePrefix},
		{"wrong scheme", "https://" + body, ErrCodePrefix},
		{"bad characters", LinkCodePrefix + "!!" + body[2:], ErrCodeEncoding},
		{"one character changed", LinkCodePrefix + flip(body, 50), ErrCodeChecksum},
		{"cut short", LinkCodePrefix + body[:len(body)-8], ErrCodeChecksum},
		{"far too short", LinkCodePrefix + body[:20], ErrCodeChecksum},
		{"future version", withVersion(2), ErrCodeVersion},
		{"control char in name", reencode(LinkCode{Name: "a\x1b[31m", Keys: k}), ErrCodeName},
		{"empty name", reencode(LinkCode{Name: "", Keys: k}), ErrCodeName},
		{"bad address", reencode(LinkCode{Name: "a", Keys: k, Addrs: []string{"nohost"}}), ErrCodeAddr},
		{"bad port", reencode(LinkCode{Name: "a", Keys: k, Addrs: []string{"1.2.3.4:99999"}}), ErrCodeAddr},
		{"zero key", reencode(LinkCode{Name: "a"}), ErrCodeKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseLinkCode(tt.code); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestEncodeLinkCodeValidates(t *testing.T) {
	k := fixedIdentity(t, 1).Public()
	many := make([]string, MaxAddrs+1)
	for i := range many {
		many[i] = "10.0.0.1:1"
	}
	for _, c := range []LinkCode{{Name: strings.Repeat("x", 65), Keys: k}, {Name: "a", Keys: k, Addrs: many}} {
		if _, err := EncodeLinkCode(c); err == nil {
			t.Errorf("EncodeLinkCode(%+v) accepted invalid input", c)
		}
	}
}

func FuzzParseLinkCode(f *testing.F) {
	f.Add(codeVector)
	f.Add("jarvis://")
	f.Add("jarvis://aaaa")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseLinkCode(s)
		if err != nil {
			return
		}
		// Anything accepted must re-encode to a code that parses the same.
		again, err := EncodeLinkCode(c)
		if err != nil {
			t.Fatalf("accepted code does not re-encode: %v", err)
		}
		c2, err := ParseLinkCode(again)
		if err != nil || c2.Name != c.Name || c2.Keys != c.Keys || strings.Join(c2.Addrs, ",") != strings.Join(c.Addrs, ",") {
			t.Fatalf("round trip changed the code: %v", err)
		}
	})
}
