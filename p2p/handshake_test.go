package p2p

import (
	"errors"
	"io"
	"net"
	"testing"
)

func TestInitiatorAbortsBeforeMessageThreeOnWrongStaticKey(t *testing.T) {
	ci, cr := net.Pipe()
	defer ci.Close()
	defer cr.Close()
	initiator, responder, other := newIdentity(t), newIdentity(t), newIdentity(t)
	errc := make(chan error, 1)
	go func() {
		_, err := noiseHandshake(cr, newFrameReader(cr), responder, false, nil)
		errc <- err
	}()
	wrong := other.Public().DH
	if _, err := noiseHandshake(ci, newFrameReader(ci), initiator, true, &wrong); !errors.Is(err, errWrongStatic) {
		t.Fatalf("initiator: %v, want errWrongStatic", err)
	}
	ci.Close()
	// The responder never saw message 3, so never learned the initiator's identity.
	if err := <-errc; !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("responder: %v, want EOF before message 3", err)
	}
}
