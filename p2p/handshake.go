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
	noisePrologue = "jarvis/1"
	helloContext  = "jarvis-hello-v1"
)

var (
	errWrongStatic  = errors.New("p2p: responder's static key is not the pinned key")
	errBadHello     = errors.New("p2p: first transport message is not a single Hello")
	errHelloSig     = errors.New("p2p: Hello signature does not verify")
	errWrongPeer    = errors.New("p2p: peer ID is not the target's ID")
	errSelf         = errors.New("p2p: connected to ourselves")
	errHandshakeMsg = errors.New("p2p: unexpected handshake payload")
)

var cipherSuite = noise.NewCipherSuite(noise.DH25519, noise.CipherChaChaPoly, noise.HashBLAKE2s)

// noiseResult is the outcome of the Noise_XX handshake alone.
type noiseResult struct {
	send, recv *noise.CipherState
	hash       []byte   // handshake hash, binds Hello to this session
	peerDH     [32]byte // remote static key, proven by the handshake
}

// noiseHandshake runs Noise_XX_25519_ChaChaPoly_BLAKE2s over w/fr. An
// initiator with wantDH aborts before message 3 if the responder's static
// key differs, so it never reveals its own identity to an impostor.
func noiseHandshake(w io.Writer, fr *frameReader, id *crypto.Identity, initiator bool, wantDH *[32]byte) (*noiseResult, error) {
	priv, pub := id.DHPrivate(), id.Public().DH
	hs, err := noise.NewHandshakeState(noise.Config{
		CipherSuite:   cipherSuite,
		Random:        rand.Reader,
		Pattern:       noise.HandshakeXX,
		Initiator:     initiator,
		Prologue:      []byte(noisePrologue),
		StaticKeypair: noise.DHKey{Private: priv[:], Public: pub[:]},
	})
	if err != nil {
		return nil, fmt.Errorf("p2p: noise state: %w", err)
	}
	var buf []byte
	var cs1, cs2 *noise.CipherState
	write := func() error {
		msg, c1, c2, err := hs.WriteMessage(nil, nil)
		if err != nil {
			return fmt.Errorf("p2p: handshake write: %w", err)
		}
		cs1, cs2 = c1, c2
		buf, err = writeFrame(w, buf, kindHandshake, msg)
		return err
	}
	read := func() error {
		msg, err := fr.ReadFrame(kindHandshake)
		if err != nil {
			return err
		}
		payload, c1, c2, err := hs.ReadMessage(nil, msg)
		if err != nil {
			return fmt.Errorf("p2p: handshake read: %w", err)
		}
		if len(payload) != 0 {
			return errHandshakeMsg
		}
		cs1, cs2 = c1, c2
		return nil
	}
	res := &noiseResult{}
	if initiator {
		if err := write(); err != nil {
			return nil, err
		}
		if err := read(); err != nil {
			return nil, err
		}
		if wantDH != nil && string(hs.PeerStatic()) != string(wantDH[:]) {
			return nil, errWrongStatic
		}
		if err := write(); err != nil {
			return nil, err
		}
		res.send, res.recv = cs1, cs2
	} else {
		if err := read(); err != nil {
			return nil, err
		}
		if err := write(); err != nil {
			return nil, err
		}
		if err := read(); err != nil {
			return nil, err
		}
		res.send, res.recv = cs2, cs1
	}
	if res.send == nil || res.recv == nil {
		return nil, errors.New("p2p: handshake did not complete")
	}
	res.hash = hs.ChannelBinding()
	copy(res.peerDH[:], hs.PeerStatic())
	return res, nil
}

// helloSigned returns the bytes a Hello signature covers:
// "jarvis-hello-v1" || handshake hash || signer's DH public key.
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
	buf = append(buf[:0], frameVersion, kindTransport, 0, 0)
	buf, err := cs.Encrypt(buf, nil, plaintext)
	if err != nil {
		return buf, fmt.Errorf("p2p: encrypt: %w", err)
	}
	n := len(buf) - frameHeaderSize
	if n > MaxFrame {
		return buf, fmt.Errorf("%w: %d bytes", errFrameTooBig, n)
	}
	buf[2], buf[3] = byte(n>>8), byte(n)
	if _, err := w.Write(buf); err != nil {
		return buf, fmt.Errorf("p2p: write frame: %w", err)
	}
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
	ct, err := fr.ReadFrame(kindTransport)
	if err != nil {
		return crypto.PublicIdentity{}, nil, err
	}
	pt, err := nr.recv.Decrypt(ct[:0], nil, ct)
	if err != nil {
		return crypto.PublicIdentity{}, nil, fmt.Errorf("p2p: decrypt Hello: %w", err)
	}
	msgs, err := wire.DecodeAll(pt)
	if err != nil {
		return crypto.PublicIdentity{}, nil, fmt.Errorf("%w: %w", errBadHello, err)
	}
	var hello wire.Hello
	ok := false
	if len(msgs) == 1 {
		hello, ok = msgs[0].(wire.Hello)
	}
	if !ok {
		return crypto.PublicIdentity{}, nil, errBadHello
	}
	peer := crypto.PublicIdentity{Sign: hello.Sign, DH: nr.peerDH}
	if !peer.Verify(helloSigned(nr.hash, nr.peerDH), hello.Sig[:]) {
		return crypto.PublicIdentity{}, nil, errHelloSig
	}
	return peer, hello.Addrs, nil
}

// handshakeResult is an authenticated, not yet registered connection.
type handshakeResult struct {
	*noiseResult
	peer  crypto.PublicIdentity
	addrs []string
}

// handshake runs Noise and the Hello exchange. With a target it checks the
// responder's static key after message 2 and the peer's ID after Hello.
func handshake(w io.Writer, fr *frameReader, id *crypto.Identity, advertise []string, target *crypto.PublicIdentity) (*handshakeResult, error) {
	var wantDH *[32]byte
	if target != nil {
		wantDH = &target.DH
	}
	nr, err := noiseHandshake(w, fr, id, target != nil, wantDH)
	if err != nil {
		return nil, err
	}
	if err := sendHello(w, nr.send, makeHello(id, nr.hash, advertise)); err != nil {
		return nil, err
	}
	peer, addrs, err := readHello(fr, nr)
	if err != nil {
		return nil, err
	}
	if target != nil && peer.ID() != target.ID() {
		return nil, errWrongPeer
	}
	if peer.ID() == id.ID() {
		return nil, errSelf
	}
	return &handshakeResult{noiseResult: nr, peer: peer, addrs: addrs}, nil
}
