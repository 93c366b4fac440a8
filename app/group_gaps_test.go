package app

import (
	"testing"

	"jarvis/crypto"
	"jarvis/store"
)

func TestGapTrackingKeepsTheContiguousRunAndWhatLiesPastAGap(t *testing.T) {
	g := newGroupState(store.Group{}, &crypto.Roster{})
	a, b := testID(1), testID(2)
	steps := []struct {
		author crypto.ID
		seq    uint64
		fresh  bool
		contig uint64
	}{
		{a, 1, true, 1},
		{a, 1, false, 1}, // a replay
		{a, 3, true, 1},  // past a gap
		{a, 3, false, 1},
		{a, 4, true, 1},
		{a, 2, true, 4}, // fills the gap: the run swallows 3 and 4
		{b, 2, true, 0}, // authors are independent
		{a, 0, false, 4},
	}
	for i, s := range steps {
		if got := g.note(s.author, s.seq); got != s.fresh {
			t.Fatalf("step %d: note(%d) = %v, want %v", i, s.seq, got, s.fresh)
		}
		if g.contig[a] != s.contig && s.author == a {
			t.Fatalf("step %d: contig = %d, want %d", i, g.contig[a], s.contig)
		}
	}
	if len(g.above[a]) != 0 {
		t.Fatalf("numbers past the gap were not folded in: %v", g.above[a])
	}
	for _, c := range []struct {
		author crypto.ID
		seq    uint64
		has    bool
	}{{a, 2, true}, {a, 4, true}, {a, 5, false}, {b, 1, false}, {b, 2, true}, {b, 3, false}} {
		if g.has(c.author, c.seq) != c.has {
			t.Errorf("has(%d) = %v, want %v", c.seq, !c.has, c.has)
		}
	}
}
