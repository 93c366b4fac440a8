package app

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"jarvis/crypto"
	"jarvis/p2p/wire"
)

// groupOffer waits until n sees the offer id in group g and returns it.
func groupOffer(t *testing.T, n *node, g crypto.GroupID, id TransferID) Transfer {
	t.Helper()
	ev := n.waitFor("group file offer", func(e Event) bool {
		o, ok := e.(FileOffered)
		return ok && o.Transfer.ID == id && o.Transfer.Group == g
	})
	return ev.(FileOffered).Transfer
}

// fetchGroupFile has n accept a group offer and returns the saved bytes.
func fetchGroupFile(t *testing.T, n *node, g crypto.GroupID, id TransferID) []byte {
	t.Helper()
	groupOffer(t, n, g, id)
	if err := n.core.AcceptFile(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	done := n.waitFor("group file saved", fileDone(id)).(FileDone)
	b, err := os.ReadFile(done.Transfer.Path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// onFiles runs fn on n's file manager goroutine.
func onFiles(t *testing.T, n *node, fn func(m *fileManager)) {
	t.Helper()
	err := call(context.Background(), n.core, n.core.files.cmds, func(_ context.Context, m *fileManager) error {
		fn(m)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// served is how many chunk bytes n served of transfer id in this run.
func served(t *testing.T, n *node, id TransferID) int64 {
	var v int64
	onFiles(t, n, func(m *fileManager) { v = m.byID[id].wire })
	return v
}

// askRoot has from ask to for root's first chunk of transfer id, as a
// peer would who learnt the root somewhere, and fails unless to refuses.
func askRoot(t *testing.T, from, to *node, id TransferID, root [32]byte) {
	t.Helper()
	fromID := from.core.Self().ID
	var strikes int
	onFiles(t, to, func(m *fileManager) { strikes = m.strikes[fromID] })
	before := served(t, to, id)
	if err := from.core.peers.send(to.core.Self().ID, wire.FileGet{Root: root}); err != nil {
		t.Fatal(err)
	}
	refused := false
	eventually(t, from.name+"'s request answered", func() bool {
		onFiles(t, to, func(m *fileManager) { refused = m.strikes[fromID] > strikes })
		return refused || served(t, to, id) != before
	})
	if !refused {
		t.Fatalf("%s served %s, who is not a member", to.name, from.name)
	}
}

func TestAGroupFileReachesAMemberWhoWasOfflineFromAnotherMember(t *testing.T) {
	checkGoroutines(t)
	nodes := make([]*node, 5)
	for i := range nodes {
		nodes[i] = fileNode(t, fmt.Sprintf("n%d", i), t.TempDir(), "")
	}
	owner, sender, keeper, kicked, late := nodes[0], nodes[1], nodes[2], nodes[3], nodes[4]
	gid := makeGroup(t, owner, nodes[1:]...)
	lateID := late.core.Self().ID
	late.stop()
	eventually(t, "the sender sees the late member offline", func() bool { return !groupOnline(t, sender, lateID) })

	path, want := randomFile(t, t.TempDir(), "plan.pdf", 3*fileChunk+777)
	tr, err := sender.core.SendFileToGroup(context.Background(), gid, path)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Group != gid || !tr.Outgoing || tr.Conversation() != GroupChat(gid) {
		t.Fatalf("sent = %+v", tr)
	}
	// The keeper is not the sender's contact: the records flow between
	// members all the same.
	for _, n := range []*node{keeper, owner} {
		if got := fetchGroupFile(t, n, gid, tr.ID); !bytes.Equal(got, want) {
			t.Fatalf("%s saved different bytes", n.name)
		}
	}
	offer := groupOffer(t, kicked, gid, tr.ID)
	if offer.Peer != sender.core.Self().ID || offer.State != TransferOffered {
		t.Fatalf("offer as the kicked member sees it: %+v", offer)
	}
	sender.stop()

	late = fileNode(t, late.name, late.dir, late.listen)
	if got := fetchGroupFile(t, late, gid, tr.ID); !bytes.Equal(got, want) {
		t.Fatal("the late member saved different bytes")
	}
	hist, err := late.core.History(context.Background(), GroupChat(gid), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if h := withoutSystem(hist); len(h) != 1 || !strings.Contains(h[0].Text, "plan.pdf") {
		t.Fatalf("history = %+v", h)
	}

	// A member removed from the group, and someone never in it, get
	// nothing served, though both are the owner's contacts.
	if err := owner.core.Kick(context.Background(), gid, kicked.core.Self().ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the owner no longer counts the kicked member", func() bool {
		return !owner.core.dir.isMember(gid, kicked.core.Self().ID)
	})
	stranger := fileNode(t, "stranger", t.TempDir(), "")
	befriend(t, owner, stranger)
	var root [32]byte
	onFiles(t, owner, func(m *fileManager) { root = m.byID[tr.ID].row.Root })
	askRoot(t, kicked, owner, tr.ID, root)
	askRoot(t, stranger, owner, tr.ID, root)
}

func TestAMemberWhoseCopyChangedSendsOthersElsewhere(t *testing.T) {
	checkGoroutines(t)
	sender := fileNode(t, "sender", t.TempDir(), "")
	early := fileNode(t, "early", t.TempDir(), "")
	late := fileNode(t, "late", t.TempDir(), "")
	gid := makeGroup(t, sender, early, late)
	path, want := randomFile(t, t.TempDir(), "draft.txt", 2*fileChunk+5)
	tr, err := sender.core.SendFileToGroup(context.Background(), gid, path)
	if err != nil {
		t.Fatal(err)
	}
	groupOffer(t, early, gid, tr.ID)
	if err := early.core.AcceptFile(context.Background(), tr.ID); err != nil {
		t.Fatal(err)
	}
	saved := early.waitFor("early saves it", fileDone(tr.ID)).(FileDone).Transfer.Path
	sender.stop()
	// The early member edits its copy: it must not serve it as the file.
	if err := os.WriteFile(saved, bytes.Repeat([]byte("x"), len(want)), 0o600); err != nil {
		t.Fatal(err)
	}
	groupOffer(t, late, gid, tr.ID)
	if err := late.core.AcceptFile(context.Background(), tr.ID); err != nil {
		t.Fatal(err)
	}
	earlyID := early.core.Self().ID
	eventually(t, "late turns away from the changed copy", func() bool {
		var shunned bool
		onFiles(t, late, func(m *fileManager) { shunned = m.byID[tr.ID].shunned[earlyID] })
		return shunned
	})
	fileNode(t, sender.name, sender.dir, sender.listen) // back, with its offer still served
	done := late.waitFor("late saves it from the sender", fileDone(tr.ID)).(FileDone)
	if got, err := os.ReadFile(done.Transfer.Path); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("late saved %d bytes (%v), not the file", len(got), err)
	}
}
