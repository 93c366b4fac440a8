package p2p

// engineState is where an Engine is in its life; it only moves forward.
type engineState uint8

const (
	stateNew     engineState = iota // built, Run not called yet
	stateRunning                    // Run is serving
	stateStopped                    // Run returned, or Close released an unrun engine
)

func (s engineState) String() string {
	switch s {
	case stateNew:
		return "new"
	case stateRunning:
		return "running"
	case stateStopped:
		return "stopped"
	}
	return "invalid"
}
