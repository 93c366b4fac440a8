package pair

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"slices"

	"jarvis/crypto"
)

// Join runs the joiner's side over conn (which the caller closes after)
// with the code the person typed, and returns the host's link code. Ours
// is sent only after the host proved it holds the same code. A wrong code
// returns ErrWrongCode; a code the host already spent or let expire returns
// ErrCodeUsed or ErrCodeExpired. Each try gives whoever answers one guess at
// the code, so a failed Join must not be retried with the same code.
func Join(ctx context.Context, conn net.Conn, code Code, payload []byte) (peerPayload []byte, err error) {
	if err := checkPayload(payload); err != nil {
		return nil, err
	}
	err = bound(ctx, conn, func() error {
		peerPayload, err = join(conn, code, slices.Clone(payload))
		return err
	})
	return peerPayload, err
}

func join(conn net.Conn, code Code, payload []byte) ([]byte, error) {
	j, out, err := startJoin(code, payload)
	if err := step(conn, out, err); err != nil {
		return nil, err
	}
	b, err := receive(conn, "host's reply")
	if err != nil {
		return nil, err
	}
	out, err = j.reply(b)
	if j.keys != nil {
		defer j.keys.wipe()
	}
	if err := step(conn, out, err); err != nil {
		return nil, err
	}
	if b, err = receive(conn, "host's link code"); err != nil {
		return nil, err
	}
	return j.final(b)
}

// joinRun is the joiner's state through the run.
type joinRun struct {
	cp      *crypto.CPace
	sid     []byte
	msgA    []byte
	payload []byte
	keys    *runKeys // set once the host's reply is in
}

// startJoin picks the session ID and makes the first message. The joiner
// is CPace's initiator; the random sid makes every run's generator new.
func startJoin(code Code, payload []byte) (*joinRun, []byte, error) {
	sid := make([]byte, sidLen)
	rand.Read(sid) // crypto/rand.Read never fails (Go 1.24+)
	cp, msgA, err := crypto.NewCPace(code.secret(), []byte(channelID), sid, nil, true)
	if err != nil {
		return nil, nil, fmt.Errorf("pair: %w", err)
	}
	return &joinRun{cp: cp, sid: sid, msgA: msgA, payload: payload}, encodeStart(sid, msgA), nil
}

// reply checks the host's MAC and answers with ours and our sealed link
// code, or with an abort if the host did not prove the code.
func (j *joinRun) reply(b []byte) ([]byte, error) {
	msgB, mac, err := decodeReply(b)
	if err != nil {
		return nil, err
	}
	if j.keys, err = finishCPace(j.cp, j.sid, j.msgA, msgB, msgB); err != nil {
		return nil, err
	}
	if !j.keys.macOK(j.keys.hostMAC, mac) {
		return abortFor(ErrWrongCode), ErrWrongCode
	}
	sealed, err := seal(j.keys.joinerSeal, typeConfirm, j.payload)
	if err != nil {
		return nil, err
	}
	return encodeConfirm(j.keys.mac(j.keys.joinerMAC), sealed), nil
}

// final opens the host's link code.
func (j *joinRun) final(b []byte) ([]byte, error) {
	sealed, err := decodeFinal(b)
	if err != nil {
		return nil, err
	}
	return open(j.keys.hostSeal, typeFinal, sealed)
}
