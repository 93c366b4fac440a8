package crypto

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"
)

// fork signs a successor of base made by edit.
func fork(t *testing.T, base *Roster, signer *Identity, edit func(*Roster)) (*Roster, []byte) {
	t.Helper()
	n := base.Clone()
	n.Group = base.Group
	n.Version = base.Version + 1
	edit(n)
	n.SortMembers()
	enc, err := SignRoster(n, signer)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckTransition(base, n); err != nil {
		t.Fatalf("fork does not hold: %v", err)
	}
	return n, enc
}

func without(id *Identity) func(*Roster) {
	return func(n *Roster) {
		for i, m := range n.Members {
			if m.Keys == id.Public() {
				n.Members = append(n.Members[:i], n.Members[i+1:]...)
				return
			}
		}
	}
}

func withRole(id *Identity, role Role) func(*Roster) {
	return func(n *Roster) {
		for i := range n.Members {
			if n.Members[i].Keys == id.Public() {
				n.Members[i].Role = role
			}
		}
	}
}

func withAddr(id *Identity, addr string) func(*Roster) {
	return func(n *Roster) {
		for i := range n.Members {
			if n.Members[i].Keys == id.Public() {
				n.Members[i].Addrs = []string{addr}
			}
		}
	}
}

// grind signs forks of base by signer until one's hash sorts before
// target's, as an attacker who controls the last tie-break would.
func grind(t *testing.T, base *Roster, signer *Identity, target []byte) (*Roster, []byte) {
	t.Helper()
	th := RosterHash(target)
	// A few tries are usually enough; a target whose hash is tiny needs
	// many, and too few made this test fail now and then.
	for i := range 100_000 {
		addr := "10." + itoa(i>>16&255) + "." + itoa(i>>8&255) + "." + itoa(i&255) + ":7420"
		r, enc := fork(t, base, signer, withAddr(signer, addr))
		h := RosterHash(enc)
		if string(h[:]) < string(th[:]) {
			return r, enc
		}
	}
	t.Fatal("no ground fork sorts first")
	return nil, nil
}

func itoa(n int) string {
	b := []byte{}
	for n > 0 || len(b) == 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

func signedBase(t *testing.T) (*Roster, []*Identity) {
	t.Helper()
	r, ids := testRoster(t)
	rand.Read(r.Group[:])
	if _, err := SignRoster(r, ids[0]); err != nil {
		t.Fatal(err)
	}
	return r, ids
}

func TestForkRuleRanksAuthorityBeforeAGroundHash(t *testing.T) {
	base, ids := signedBase(t)
	owner, admin, member, friend := ids[0], ids[1], ids[2], ids[3]
	admin2, _ := GenerateIdentity(rand.Reader)
	base.Members = append(base.Members, RosterMember{Keys: admin2.Public(), Name: "a2", Role: RoleAdmin})
	base.SortMembers()
	if _, err := SignRoster(base, owner); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		win, lose func() (*Roster, []byte)
	}{
		{"owner's kick beats the kicked admin's ground address change",
			func() (*Roster, []byte) { return fork(t, base, owner, without(admin)) },
			nil},
		{"owner's demotion beats the demoted admin's ground fork",
			func() (*Roster, []byte) { return fork(t, base, owner, withRole(admin, RoleMember)) },
			nil},
		{"admin's kick beats a member's self-removal fork",
			func() (*Roster, []byte) { return fork(t, base, admin, without(friend)) },
			nil},
		{"owner's rename beats another admin's ground rename",
			func() (*Roster, []byte) { return fork(t, base, owner, func(r *Roster) { r.Name = "owner's" }) },
			nil},
	}
	losers := []func(win []byte) (*Roster, []byte){
		func(w []byte) (*Roster, []byte) { return grind(t, base, admin, w) },
		func(w []byte) (*Roster, []byte) { return grind(t, base, admin, w) },
		func(w []byte) (*Roster, []byte) {
			// The member's only allowed forks are leaving and its own
			// details; grind the details, then also try leaving.
			if r, enc := fork(t, base, member, without(member)); RosterHash(enc) != RosterHash(w) {
				if h, hw := RosterHash(enc), RosterHash(w); string(h[:]) < string(hw[:]) {
					return r, enc
				}
			}
			return grind(t, base, member, w)
		},
		func(w []byte) (*Roster, []byte) { return grind(t, base, admin2, w) },
	}
	for i, c := range cases {
		w, wenc := c.win()
		l, lenc := losers[i](wenc)
		if CompareForks(base, w, l, wenc, lenc) >= 0 || CompareForks(base, l, w, lenc, wenc) <= 0 {
			t.Errorf("%s: the wrong fork wins", c.name)
		}
	}
}

func TestForkRuleBetweenEqualSignersFallsToTheHash(t *testing.T) {
	base, ids := signedBase(t)
	a, aenc := fork(t, base, ids[0], func(r *Roster) { r.Name = "one" })
	b, benc := fork(t, base, ids[0], func(r *Roster) { r.Name = "two" })
	ha, hb := RosterHash(aenc), RosterHash(benc)
	want := -1
	if string(ha[:]) > string(hb[:]) {
		want = 1
	}
	if got := CompareForks(base, a, b, aenc, benc); (got < 0) != (want < 0) {
		t.Fatalf("got %d, want sign of %d", got, want)
	}
}

func TestTransitionsThatChangeNothingOrSomeoneElsesNameAreRefused(t *testing.T) {
	base, ids := signedBase(t)
	owner, admin, member := ids[0], ids[1], ids[2]
	try := func(signer *Identity, edit func(*Roster)) error {
		n := base.Clone()
		n.Version++
		edit(n)
		n.SortMembers()
		if _, err := SignRoster(n, signer); err != nil {
			return err
		}
		return CheckTransition(base, n)
	}
	rename := func(id *Identity, name string) func(*Roster) {
		return func(n *Roster) {
			for i := range n.Members {
				if n.Members[i].Keys == id.Public() {
					n.Members[i].Name = name
				}
			}
		}
	}
	cases := []struct {
		name   string
		signer *Identity
		edit   func(*Roster)
		ok     bool
	}{
		{"a version that changes nothing", owner, func(*Roster) {}, false},
		{"an admin's version that changes nothing", admin, func(*Roster) {}, false},
		{"admin renames the owner", admin, rename(owner, "admin"), false},
		{"owner renames a member", owner, rename(member, "x"), false},
		{"admin changes a member's addresses", admin, withAddr(member, "10.0.0.9:1"), false},
		{"member renames itself", member, rename(member, "me"), true},
		{"member changes its addresses", member, withAddr(member, "10.0.0.9:1"), true},
		{"member renames itself and another", member, func(r *Roster) { rename(member, "me")(r); rename(admin, "x")(r) }, false},
		{"member renames itself and the group", member, func(r *Roster) { rename(member, "me")(r); r.Name = "x" }, false},
		{"admin renames itself and kicks", admin, func(r *Roster) { rename(admin, "me")(r); without(member)(r) }, true},
	}
	for _, c := range cases {
		err := try(c.signer, c.edit)
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v", c.name, err)
		}
		if err != nil && !errors.Is(err, ErrRosterTransition) {
			t.Errorf("%s: err = %v, want ErrRosterTransition", c.name, err)
		}
	}
}

// FuzzRosterFork: for a fixed signed base and any two rosters that parse,
// the transition rules never panic, and CompareForks is antisymmetric, so
// every member picks the same winner whichever fork it held first.
func FuzzRosterFork(f *testing.F) {
	ids := make([]*Identity, 3)
	base := &Roster{Version: 1, Name: "g"}
	for i := range ids {
		ids[i], _ = UnmarshalIdentity(bytes.Repeat([]byte{byte(i + 1)}, 64))
		base.Members = append(base.Members, RosterMember{Keys: ids[i].Public(), Name: "n", Role: Role(3 - i)})
	}
	base.SortMembers()
	if _, err := SignRoster(base, ids[0]); err != nil {
		f.Fatal(err)
	}
	next := func(signer *Identity, edit func(*Roster)) []byte {
		n := base.Clone()
		n.Version = 2
		edit(n)
		n.SortMembers()
		enc, err := SignRoster(n, signer)
		if err != nil {
			f.Fatal(err)
		}
		return enc
	}
	kick := next(ids[0], func(r *Roster) { r.Members = r.Members[:2] })
	rename := next(ids[1], func(r *Roster) { r.Name = "h" })
	f.Add(kick, rename)
	f.Add(rename, kick)
	f.Fuzz(func(t *testing.T, ea, eb []byte) {
		a, errA := ParseRoster(ea)
		b, errB := ParseRoster(eb)
		if errA != nil || errB != nil {
			return
		}
		if CheckTransition(base, a) != nil || CheckTransition(base, b) != nil {
			return
		}
		ab, ba := CompareForks(base, a, b, ea, eb), CompareForks(base, b, a, eb, ea)
		if (ab < 0) != (ba > 0) || (ab == 0) != bytes.Equal(ea, eb) {
			t.Fatalf("CompareForks is not antisymmetric: %d, %d", ab, ba)
		}
	})
}

// A roster signed before names lost their invisible characters still
// parses (its group must not be lost), but no genesis or change may bring
// such a name, or a new member with a small-order key, into a group.
func TestOnlyNewNamesAndKeysMeetTheEntryRules(t *testing.T) {
	hidden := "b\u200bob"
	legacy, ids := testRoster(t)
	rand.Read(legacy.Group[:])
	legacy.Members[0].Name = hidden
	enc, err := SignRoster(legacy, ids[0])
	if err != nil {
		t.Fatalf("sign a roster with a legacy name: %v", err)
	}
	if _, err := ParseRoster(enc); err != nil {
		t.Fatalf("a stored roster with a legacy name no longer parses: %v", err)
	}
	if err := CheckGenesis(legacy); !errors.Is(err, ErrRosterTransition) {
		t.Errorf("genesis with an invisible character in a name = %v, want refused", err)
	}

	base, ids := signedBase(t)
	owner, member := ids[0], ids[2]
	rename := func(n *Roster) {
		for i := range n.Members {
			if n.Members[i].Keys == member.Public() {
				n.Members[i].Name = hidden
			}
		}
	}
	refused := map[string]struct {
		signer *Identity
		edit   func(*Roster)
	}{
		"self-rename to an invisible name":      {member, rename},
		"group renamed with a zero-width space": {owner, func(n *Roster) { n.Name = "te\u200bam" }},
		"new member with a small-order key": {owner, func(n *Roster) {
			bad := fixedIdentity(t, 9).Public()
			bad.Sign = mustHex32(t, "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05")
			n.Members = append(n.Members, RosterMember{Keys: bad, Name: "eve", Role: RoleMember})
		}},
	}
	for name, tc := range refused {
		n := base.Clone()
		n.Group, n.Version = base.Group, base.Version+1
		tc.edit(n)
		n.SortMembers()
		if _, err := SignRoster(n, tc.signer); err != nil {
			t.Fatalf("%s: sign: %v", name, err)
		}
		if err := CheckTransition(base, n); !errors.Is(err, ErrRosterTransition) {
			t.Errorf("%s: CheckTransition = %v, want refused", name, err)
		}
	}
}
