package p2p

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"

	"github.com/flynn/noise"

	"jarvis/crypto"
	"jarvis/p2p/wire"
)

const (
	noisePrologue = "jarvis/2"
	helloContext  = "jarvis-hello-v2"
)

var (
	errBadHello     = errors.New("p2p: first transport message is not a single Hello")
	errHelloSig     = errors.New("p2p: Hello signature does not verify")
	errBadKeys      = errors.New("p2p: peer's public keys are invalid")
	errWrongPeer    = errors.New("p2p: peer ID is not the target's ID")
	errSelf         = errors.New("p2p: connected to ourselves")
	errHandshakeMsg = errors.New("p2p: unexpected handshake payload")
	// errNoHelloBack: the responder hung up on our Hello, which is what a
	// Jarvis from before instances does with one that names ours.
	errNoHelloBack = errors.New("p2p: the responder closed the connection after our Hello")
)

var cipherSuite = noise.NewCipherSuite(noise.DH25519, noise.CipherChaChaPoly, noise.HashBLAKE2s)

// noiseResult is the outcome of the Noise_IK handshake alone.
type noiseResult struct {
	send, recv *noise.CipherState
	hash       []byte   // handshake hash, binds Hello to this session
	peerDH     [32]byte // remote static key, proven by the handshake
}

func newNoiseState(id *crypto.Identity, initiator bool, peerDH []byte) (*noise.HandshakeState, error) {
	priv, pub := id.DHPrivate(), id.Public().DH
	hs, err := noise.NewHandshakeState(noise.Config{
		CipherSuite:   cipherSuite,
		Random:        rand.Reader,
		Pattern:       noise.HandshakeIK,
		Initiator:     initiator,
		Prologue:      []byte(noisePrologue),
		StaticKeypair: noise.DHKey{Private: priv[:], Public: pub[:]},
		PeerStatic:    peerDH,
	})
	if err != nil {
		return nil, fmt.Errorf("p2p: noise state: %w", err)
	}
	return hs, nil
}

// noiseInitiate runs the initiator's side of
// Noise_IK_25519_ChaChaPoly_BLAKE2s against the pinned responder key.
// Our static key travels encrypted to that key, so a listener holding any
// other key learns nothing about who dialled.
func noiseInitiate(w io.Writer, fr *frameReader, id *crypto.Identity, respDH [32]byte) (*noiseResult, error) {
	hs, err := newNoiseState(id, true, respDH[:])
	if err != nil {
		return nil, err
	}
	msg, _, _, err := hs.WriteMessage(nil, nil)
	if err != nil {
		return nil, fmt.Errorf("p2p: handshake write: %w", err)
	}
	if _, err := writeFrame(w, nil, kindHandshake, msg); err != nil {
		return nil, err
	}
	in, err := fr.ReadFrame(kindHandshake)
	if err != nil {
		return nil, err
	}
	payload, cs1, cs2, err := hs.ReadMessage(nil, in)
	if err != nil {
		return nil, fmt.Errorf("p2p: handshake read: %w", err)
	}
	if len(payload) != 0 {
		return nil, errHandshakeMsg
	}
	return finishNoise(hs, cs1, cs2, respDH[:])
}

// noiseRespond runs the responder's side. Message 1 is only valid if its
// sender knew our static key, so a scanner gets nothing back. firstIn is
// called once message 1 has arrived, before any DH work, so the caller can
// lift the short first-message deadline.
func noiseRespond(w io.Writer, fr *frameReader, id *crypto.Identity, firstIn func()) (*noiseResult, error) {
	hs, err := newNoiseState(id, false, nil)
	if err != nil {
		return nil, err
	}
	in, err := fr.ReadFrame(kindHandshake)
	if err != nil {
		return nil, err
	}
	if firstIn != nil {
		firstIn()
	}
	payload, _, _, err := hs.ReadMessage(nil, in)
	if err != nil {
		return nil, fmt.Errorf("p2p: handshake read: %w", err)
	}
	if len(payload) != 0 {
		return nil, errHandshakeMsg
	}
	msg, cs1, cs2, err := hs.WriteMessage(nil, nil)
	if err != nil {
		return nil, fmt.Errorf("p2p: handshake write: %w", err)
	}
	if _, err := writeFrame(w, nil, kindHandshake, msg); err != nil {
		return nil, err
	}
	nr, err := finishNoise(hs, cs2, cs1, hs.PeerStatic())
	if err != nil {
		return nil, err
	}
	return nr, nil
}

// finishNoise packs the split cipher states, ours to send first.
func finishNoise(hs *noise.HandshakeState, send, recv *noise.CipherState, peerDH []byte) (*noiseResult, error) {
	if send == nil || recv == nil || len(peerDH) != 32 {
		return nil, errors.New("p2p: handshake did not complete")
	}
	res := &noiseResult{send: send, recv: recv, hash: hs.ChannelBinding()}
	copy(res.peerDH[:], peerDH)
	return res, nil
}

// helloSigned returns the bytes a Hello signature covers:
// "jarvis-hello-v2" || handshake hash || signer's DH public key.
func helloSigned(hash []byte, dh [32]byte) []byte {
	msg := make([]byte, 0, len(helloContext)+len(hash)+len(dh))
	msg = append(msg, helloContext...)
	msg = append(msg, hash...)
	return append(msg, dh[:]...)
}

// makeHello builds our Hello for the handshake with the given hash.
func makeHello(id *crypto.Identity, hash []byte, addrs []string) wire.Hello {
	h := wire.Hello{Sign: id.Public().Sign, Addrs: addrs}
	copy(h.Sig[:], id.Sign(helloSigned(hash, id.Public().DH)))
	return h
}

// writeTransport encrypts one payload as a transport frame.
func writeTransport(w io.Writer, cs *noise.CipherState, buf, plaintext []byte) ([]byte, error) {
	buf, err := sealTransport(buf[:0], cs, plaintext)
	if err != nil {
		return buf, err
	}
	if _, err := w.Write(buf); err != nil {
		return buf, fmt.Errorf("p2p: write frame: %w", err)
	}
	return buf, nil
}

// sealTransport appends plaintext to buf as one encrypted transport frame.
func sealTransport(buf []byte, cs *noise.CipherState, plaintext []byte) ([]byte, error) {
	start := len(buf)
	buf = append(buf, frameVersion, kindTransport, 0, 0)
	buf, err := cs.Encrypt(buf, nil, plaintext)
	if err != nil {
		return buf[:start], fmt.Errorf("p2p: encrypt: %w", err)
	}
	n := len(buf) - start - frameHeaderSize
	if n > MaxFrame {
		return buf[:start], fmt.Errorf("%w: %d bytes", errFrameTooBig, n)
	}
	buf[start+2], buf[start+3] = byte(n>>8), byte(n)
	return buf, nil
}

// sendHello writes h as the first transport message.
func sendHello(w io.Writer, cs *noise.CipherState, h wire.Hello) error {
	pt, err := wire.Append(nil, h)
	if err != nil {
		return fmt.Errorf("p2p: encode Hello: %w", err)
	}
	_, err = writeTransport(w, cs, nil, pt)
	return err
}

// readHello reads and checks the peer's Hello, returning its identity.
func readHello(fr *frameReader, nr *noiseResult) (crypto.PublicIdentity, []string, error) {
	peer, hello, err := readHelloMsg(fr, nr)
	return peer, hello.Addrs, err
}

// readHelloMsg is readHello returning the whole Hello.
func readHelloMsg(fr *frameReader, nr *noiseResult) (crypto.PublicIdentity, wire.Hello, error) {
	ct, err := fr.ReadFrame(kindTransport)
	if err != nil {
		return crypto.PublicIdentity{}, wire.Hello{}, err
	}
	pt, err := nr.recv.Decrypt(ct[:0], nil, ct)
	if err != nil {
		return crypto.PublicIdentity{}, wire.Hello{}, fmt.Errorf("p2p: decrypt Hello: %w", err)
	}
	msgs, err := wire.DecodeAll(pt)
	if err != nil {
		return crypto.PublicIdentity{}, wire.Hello{}, fmt.Errorf("%w: %w", errBadHello, err)
	}
	var hello wire.Hello
	ok := false
	if len(msgs) == 1 {
		hello, ok = msgs[0].(wire.Hello)
	}
	if !ok {
		return crypto.PublicIdentity{}, wire.Hello{}, errBadHello
	}
	peer := crypto.PublicIdentity{Sign: hello.Sign, DH: nr.peerDH}
	if err := peer.Validate(); err != nil {
		return crypto.PublicIdentity{}, wire.Hello{}, fmt.Errorf("%w: %w", errBadKeys, err)
	}
	if !peer.Verify(helloSigned(nr.hash, nr.peerDH), hello.Sig[:]) {
		return crypto.PublicIdentity{}, wire.Hello{}, errHelloSig
	}
	return peer, hello, nil
}

// instance names one device of an identity; see wire.Hello.Instance.
type instance = [wire.InstanceSize]byte

// handshakeResult is an authenticated, not yet registered connection.
type handshakeResult struct {
	*noiseResult
	peer     crypto.PublicIdentity
	addrs    []string
	instance instance // zero from a peer older than instances
}

// initiate dials as the initiator: Noise_IK to target's pinned key, then
// our Hello first, then the responder's, whose ID must be target's.
//
// ready, if not nil, is called between the Noise handshake and our Hello;
// an error from it ends the handshake there. The responder registers a
// session only once it has our Hello, so a dial that stops at ready leaves
// nothing behind on the other end (see pathRace).
//
// inst, if not zero, goes in our Hello. A responder older than instances
// refuses such a Hello; see PROTOCOL.md, "Two devices".
func initiate(w io.Writer, fr *frameReader, id *crypto.Identity, inst instance, advertise []string, target crypto.PublicIdentity, ready func() error) (*handshakeResult, error) {
	nr, err := noiseInitiate(w, fr, id, target.DH)
	if err != nil {
		return nil, err
	}
	if ready != nil {
		if err := ready(); err != nil {
			return nil, err
		}
	}
	h := makeHello(id, nr.hash, advertise)
	h.Instance = inst
	if err := sendHello(w, nr.send, h); err != nil {
		return nil, err
	}
	peer, hello, err := readHelloMsg(fr, nr)
	if err != nil {
		if hungUp(err) {
			return nil, fmt.Errorf("%w: %w", errNoHelloBack, err)
		}
		return nil, err
	}
	if peer.ID() != target.ID() {
		return nil, errWrongPeer
	}
	return &handshakeResult{noiseResult: nr, peer: peer, addrs: hello.Addrs, instance: hello.Instance}, nil
}

// responder is what the responder's side of the handshake needs.
type responder struct {
	id *crypto.Identity
	// addrsFor returns the addresses to put in our Hello for an
	// authenticated peer: ours for a peer someone holds, none for a stranger.
	addrsFor func(crypto.ID) []string
	firstIn  func() // see noiseRespond; may be nil
	// instance goes in our Hello when the initiator's carried one, so an
	// initiator older than instances gets the Hello it knows.
	instance instance
}

// respond answers as the responder. We speak only after the initiator's
// Hello proved who it is, so a dialler learns our identity only if it
// already knew our key, and our addresses only if we hold it.
func (r responder) respond(w io.Writer, fr *frameReader) (*handshakeResult, error) {
	nr, err := noiseRespond(w, fr, r.id, r.firstIn)
	if err != nil {
		return nil, err
	}
	peer, hello, err := readHelloMsg(fr, nr)
	if err != nil {
		return nil, err
	}
	if peer.ID() == r.id.ID() {
		return nil, errSelf
	}
	ours := makeHello(r.id, nr.hash, r.addrsFor(peer.ID()))
	if hello.Instance != (instance{}) {
		ours.Instance = r.instance
	}
	if err := sendHello(w, nr.send, ours); err != nil {
		return nil, err
	}
	return &handshakeResult{noiseResult: nr, peer: peer, addrs: hello.Addrs, instance: hello.Instance}, nil
}
