package app

import (
	"context"
	"slices"
	"testing"

	"jarvis/crypto"
	"jarvis/p2p"
	"jarvis/p2p/wire"
	"jarvis/store"
)

// scriptedNet answers TrySend from a script (nil when it runs out) and
// records the batches it took.
type scriptedNet struct {
	offlineNet
	script []error
	taken  [][]wire.Message
}

func (n *scriptedNet) TrySend(_ crypto.ID, msgs ...wire.Message) error {
	var err error
	if len(n.script) > 0 {
		err, n.script = n.script[0], n.script[1:]
	}
	if err == nil {
		n.taken = append(n.taken, msgs)
	}
	return err
}

func (n *scriptedNet) MaxBatch() int { return 2 }

func (n *scriptedNet) Drop(crypto.ID, uint64, error) {}

// jobManager is a group manager with one group, no store, and one online
// peer whose session is 1.
func jobManager(net *scriptedNet) (*groupManager, crypto.ID, crypto.GroupID) {
	peer, gid := crypto.ID{9}, crypto.GroupID{4}
	p := newPeers(discardLogger(), holdGroups)
	p.net = net
	p.observe(p2p.PeerUp{Peer: p2p.PeerInfo{ID: peer, Session: 1}})
	g := newGroupState(store.Group{ID: gid, State: store.GroupActive}, &crypto.Roster{Group: gid, Version: 3})
	m := &groupManager{peers: p, groups: map[crypto.GroupID]*group{gid: g}, jobs: make(syncJobs)}
	return m, peer, gid
}

func TestSyncJobParksOnAFullQueueAndResumesInOrderOnRoom(t *testing.T) {
	ctx := context.Background()
	net := &scriptedNet{script: []error{nil, p2p.ErrQueueFull}}
	m, peer, gid := jobManager(net)
	j := m.jobs.start(peer, gid, m.peers)
	j.prelude = []wire.Message{wire.GroupRoster{Roster: []byte{1}}, wire.GroupRoster{Roster: []byte{2}}, wire.GroupRoster{Roster: []byte{3}}}
	j.final = true

	m.stepSync(ctx) // rosters 1 and 2 (MaxBatch is 2)
	m.stepSync(ctx) // roster 3: refused
	if !j.parked || m.jobs.due() {
		t.Fatal("a job refused by a full queue must park")
	}
	m.stepSync(ctx)
	if len(net.taken) != 1 {
		t.Fatalf("a parked job sent: %d batches", len(net.taken))
	}
	m.jobs.wake()
	m.stepSync(ctx) // roster 3 again
	m.stepSync(ctx) // our GroupSync
	m.stepSync(ctx) // nothing left: the job ends
	if len(m.jobs) != 0 {
		t.Fatalf("%d jobs left", len(m.jobs))
	}
	var got []string
	for _, b := range net.taken {
		for _, msg := range b {
			switch msg := msg.(type) {
			case wire.GroupRoster:
				got = append(got, string('0'+msg.Roster[0]))
			case wire.GroupSync:
				got = append(got, "sync")
			}
		}
	}
	if want := []string{"1", "2", "3", "sync"}; !slices.Equal(got, want) {
		t.Fatalf("sent %v, want %v", got, want)
	}
}

func TestSyncJobEndsWithItsSession(t *testing.T) {
	net := &scriptedNet{script: []error{p2p.ErrQueueFull}}
	m, peer, gid := jobManager(net)
	j := m.jobs.start(peer, gid, m.peers)
	j.final = true
	m.stepSync(context.Background())
	m.jobs.end(peer, 1)
	if len(m.jobs) != 0 {
		t.Fatal("a job outlived its session")
	}
}

func TestAGroupSendRefusedByAFullQueueSchedulesASync(t *testing.T) {
	net := &scriptedNet{script: []error{p2p.ErrQueueFull}}
	m, peer, gid := jobManager(net)
	m.send(context.Background(), peer, wire.GroupMessage{Group: gid})
	j := m.jobs[syncKey{peer, gid}]
	if j == nil || !j.final || !j.parked {
		t.Fatalf("job after a refused send: %+v", j)
	}
}
