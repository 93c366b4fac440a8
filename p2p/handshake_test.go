package p2p

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/flynn/noise"
	"golang.org/x/crypto/curve25519"

	"jarvis/crypto"
)

func TestResponderWithAnotherKeyLearnsNothingFromMessageOne(t *testing.T) {
	ci, cr := net.Pipe()
	defer ci.Close()
	defer cr.Close()
	initiator, responder, other := newIdentity(t), newIdentity(t), newIdentity(t)
	errc := make(chan error, 1)
	go func() {
		_, err := noiseRespond(cr, newFrameReader(cr), responder, nil)
		cr.Close()
		errc <- err
	}()
	// The initiator believes it dials other: message 1 is sealed to other's
	// key, so the responder cannot open it and never learns who dialled.
	if _, err := noiseInitiate(ci, newFrameReader(ci), initiator, other.Public().DH); err == nil {
		t.Fatal("initiator finished a handshake with the wrong responder")
	}
	if err := <-errc; err == nil {
		t.Fatal("responder accepted message 1 sealed to another key")
	}
}

// scan connects to n's port as a scanner would and returns every byte n
// sends before closing the connection.
func scan(t *testing.T, n *node, send []byte) []byte {
	t.Helper()
	c, err := dialRaw(n)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(send); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("connection still open after 5 s")
	}
	return got
}

func TestAScannerWithoutTheKeyGetsNoAnswer(t *testing.T) {
	checkLeaks(t)
	b := startNode(t, nil, "", fastLimits(), nil)
	noise := make([]byte, 96)
	_, _ = rand.Read(noise)
	// A well-formed message 1 to a guessed key, and random bytes in a frame.
	var msg1 []byte
	{
		ci, cr := net.Pipe()
		go func() {
			fr := newFrameReader(cr)
			if p, err := fr.ReadFrame(kindHandshake); err == nil {
				msg1, _ = appendFrameHeader(nil, kindHandshake, len(p))
				msg1 = append(msg1, p...)
			}
			cr.Close()
		}()
		_, _ = noiseInitiate(ci, newFrameReader(ci), newIdentity(t), newIdentity(t).Public().DH)
		ci.Close()
	}
	random, _ := appendFrameHeader(nil, kindHandshake, len(noise))
	random = append(random, noise...)
	for name, probe := range map[string][]byte{"message 1 to another key": msg1, "random frame": random, "nothing": nil} {
		if got := scan(t, b, probe); len(got) != 0 {
			t.Errorf("%s: the listener answered %d bytes", name, len(got))
		}
	}
	expectNone(t, b, 100*time.Millisecond, "session from a scanner", isAnyUpOrReceived)
}

// helloFrom completes a raw handshake with n as x and returns what n's
// Hello said.
func helloFrom(t *testing.T, n *node, x *crypto.Identity) (crypto.PublicIdentity, []string) {
	t.Helper()
	c, fr, nr := rawClient(t, n, x)
	if err := sendHello(c, nr.send, makeHello(x, nr.hash, nil)); err != nil {
		t.Fatal(err)
	}
	peer, addrs, err := readHello(fr, nr)
	if err != nil {
		t.Fatalf("n's Hello: %v", err)
	}
	return peer, addrs
}

func TestAStrangerGetsNoAddressesAndAHeldPeerDoes(t *testing.T) {
	checkLeaks(t)
	advertised := []string{"192.0.2.7:7420", "[2001:db8::7]:7420"}
	b := startNodeCfg(t, Config{Limits: fastLimits(), Advertise: advertised})
	stranger, friend := newIdentity(t), newIdentity(t)
	peer, addrs := helloFrom(t, b, stranger)
	if peer != b.id.Public() || len(addrs) != 0 {
		t.Fatalf("stranger learned %v at %v", peer.ID(), addrs)
	}
	// B holds friend (no address yet: friend is to dial in).
	b.e.Connect(Target{Keys: friend.Public()}, testHolder)
	if _, addrs := helloFrom(t, b, friend); !slices.Equal(addrs, advertised) {
		t.Fatalf("held peer learned %v, want %v", addrs, advertised)
	}
}

func TestAForgedInitiatorHelloGetsNoResponderHello(t *testing.T) {
	checkLeaks(t)
	b := startNode(t, nil, "", fastLimits(), nil)
	victim, x := newIdentity(t), newIdentity(t)
	c, fr, nr := rawClient(t, b, x)
	// X claims the victim's Sign key but can only sign with its own.
	h := makeHello(x, nr.hash, nil)
	h.Sign = victim.Public().Sign
	if err := sendHello(c, nr.send, h); err != nil {
		t.Fatal(err)
	}
	if _, _, err := readHello(fr, nr); err == nil {
		t.Fatal("B sent its Hello to an initiator whose Hello did not verify")
	}
	expectNone(t, b, 100*time.Millisecond, "session from forger", isAnyUpOrReceived)
}

func TestAHelloWithASmallOrderSigningKeyIsRefused(t *testing.T) {
	checkLeaks(t)
	b := startNode(t, nil, "", fastLimits(), nil)
	x := newIdentity(t)
	c, fr, nr := rawClient(t, b, x)
	h := makeHello(x, nr.hash, nil)
	h.Sign = [32]byte{1} // the identity point: every signature "verifies" under some implementations
	if err := sendHello(c, nr.send, h); err != nil {
		t.Fatal(err)
	}
	if _, _, err := readHello(fr, nr); err == nil {
		t.Fatal("B answered a Hello with a small-order key")
	}
}

// stolenKeyDH is X25519 for an attacker who stole B's static key and
// poses as A: where Noise wants A's private key against B's public key
// (ss), it uses B's private key against A's public key, which is equal.
// Against anything else (se, in message 2) it has nothing to use.
type stolenKeyDH struct {
	bPriv, bPub [32]byte
	aPub        [32]byte
}

func (d stolenKeyDH) GenerateKeypair(r io.Reader) (noise.DHKey, error) {
	return noise.DH25519.GenerateKeypair(r)
}

func (d stolenKeyDH) DH(priv, pub []byte) ([]byte, error) {
	if !bytes.Equal(priv, d.aPub[:]) { // our own ephemeral: honest
		return noise.DH25519.DH(priv, pub)
	}
	if bytes.Equal(pub, d.bPub[:]) {
		return curve25519.X25519(d.bPriv[:], d.aPub[:])
	}
	return make([]byte, 32), nil // A's key against B's ephemeral: unknown
}

func (d stolenKeyDH) DHLen() int     { return 32 }
func (d stolenKeyDH) DHName() string { return "25519" }

func TestAStolenResponderKeyDoesNotLetAnAttackerPoseAsAnotherPeer(t *testing.T) {
	checkLeaks(t)
	bID, a := newIdentity(t), newIdentity(t)
	b := startNode(t, bID, "", fastLimits(), nil)
	dh := stolenKeyDH{bPriv: bID.DHPrivate(), bPub: bID.Public().DH, aPub: a.Public().DH}
	hs, err := noise.NewHandshakeState(noise.Config{
		CipherSuite:   noise.NewCipherSuite(dh, noise.CipherChaChaPoly, noise.HashBLAKE2s),
		Random:        rand.Reader,
		Pattern:       noise.HandshakeIK,
		Initiator:     true,
		Prologue:      []byte(noisePrologue),
		StaticKeypair: noise.DHKey{Private: dh.aPub[:], Public: dh.aPub[:]},
		PeerStatic:    dh.bPub[:],
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := dialRaw(b)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg, _, _, err := hs.WriteMessage(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := writeFrame(c, nil, kindHandshake, msg); err != nil {
		t.Fatal(err)
	}
	// B takes the forged message 1 (this is where KCI bites in IK) and answers...
	in, err := newFrameReader(c).ReadFrame(kindHandshake)
	if err != nil {
		t.Fatalf("B did not answer the forged message 1: %v", err)
	}
	// ...but message 2 needs A's private key to open, and no Hello can be signed as A.
	if _, _, _, err := hs.ReadMessage(nil, in); err == nil {
		t.Fatal("the attacker opened message 2 without A's key")
	}
	garbage := make([]byte, 128)
	_, _ = rand.Read(garbage)
	if _, err := writeFrame(c, nil, kindTransport, garbage); err != nil {
		t.Fatal(err)
	}
	assertClosed(t, c, 3*time.Second)
	expectNone(t, b, 100*time.Millisecond, "session as A", isUp(a.ID()))
}
