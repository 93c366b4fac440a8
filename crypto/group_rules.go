package crypto

import (
	"bytes"
	"fmt"
	"slices"
)

// CheckGenesis checks a roster received with no earlier version to compare
// against (version 1 from its owner, or the roster in an invite): it must
// be validly signed by a member who is an owner or admin in it.
func CheckGenesis(r *Roster) error {
	m, ok := r.Member(r.Signer)
	if !ok || !m.Role.Manages() {
		return fmt.Errorf("%w: signer is not an admin of the group", ErrRosterTransition)
	}
	if !r.verifySig(m.Keys) {
		return ErrRosterSignature
	}
	if r.Version == 1 && m.Role != RoleOwner {
		return fmt.Errorf("%w: version 1 is signed by someone other than its owner", ErrRosterTransition)
	}
	return checkNewDetails(nil, r)
}

// checkNewDetails applies the rules for what enters a group to what next
// brings in that prev (nil for a genesis roster) did not have: the group's
// name, each new member's keys (PublicIdentity.Validate) and each new or
// changed member name (ValidateName), and each new or changed member's
// addresses (ValidateAddr). Parsing is laxer so that rosters
// stored before these rules still load.
func checkNewDetails(prev, next *Roster) error {
	deny := func(why string, err error) error { return fmt.Errorf("%w: %s: %v", ErrRosterTransition, why, err) }
	if prev == nil || next.Name != prev.Name {
		if err := ValidateName(next.Name); err != nil {
			return deny("group name", err)
		}
	}
	for _, nm := range next.Members {
		var pm RosterMember
		had := false
		if prev != nil {
			pm, had = prev.Member(nm.Keys.ID())
		}
		if !had {
			if err := nm.Keys.Validate(); err != nil {
				return deny("member keys", err)
			}
		}
		if !had || nm.Name != pm.Name {
			if err := ValidateName(nm.Name); err != nil {
				return deny("member name", err)
			}
		}
		if !had || !slices.Equal(nm.Addrs, pm.Addrs) {
			for _, a := range nm.Addrs {
				if err := ValidateAddr(a); err != nil {
					return deny("member address", err)
				}
			}
		}
	}
	return nil
}

// CheckTransition decides whether next may follow prev. The signer must be
// a member of prev whose key made the signature, the change must change
// something, and:
//   - a member's display name and addresses change only in a version that
//     member signs (an admin sets them once, when adding the member), so no
//     one can put words under another's name;
//   - an owner or admin of prev may add and remove plain members and change
//     the group's name and description; only the owner adds admins or
//     changes roles; the owner is never removed or demoted by someone else;
//   - any member may remove only themselves, or change only their own name
//     and addresses.
func CheckTransition(prev, next *Roster) error {
	deny := func(why string) error { return fmt.Errorf("%w: %s", ErrRosterTransition, why) }
	if next.Group != prev.Group {
		return deny("different group")
	}
	if next.Version != prev.Version+1 {
		return deny("version does not follow")
	}
	signer, ok := prev.Member(next.Signer)
	if !ok {
		return deny("signer is not a member")
	}
	if !next.verifySig(signer.Keys) {
		return ErrRosterSignature
	}
	if SameContent(prev, next) {
		return deny("nothing changed")
	}
	if err := checkOwnDetails(prev, next); err != nil {
		return err
	}
	if err := checkNewDetails(prev, next); err != nil {
		return err
	}
	if isSelfRemoval(prev, next, next.Signer) || isSelfUpdate(prev, next, next.Signer) {
		return nil
	}
	if !signer.Role.Manages() {
		return deny("signer is not an admin")
	}
	return checkAdminChange(prev, next, signer.Role == RoleOwner)
}

// checkAdminChange holds the rules on membership and roles for a change
// signed by an admin (owner when owner is set).
func checkAdminChange(prev, next *Roster, owner bool) error {
	deny := func(why string) error { return fmt.Errorf("%w: %s", ErrRosterTransition, why) }
	for _, pm := range prev.Members {
		nm, still := next.Member(pm.Keys.ID())
		switch {
		case !still && pm.Role == RoleOwner:
			return deny("the owner cannot be removed")
		case !still && pm.Role == RoleAdmin && !owner:
			return deny("only the owner removes admins")
		case still && nm.Role != pm.Role && !owner:
			return deny("only the owner changes roles")
		case still && nm.Role == RoleOwner && pm.Role != RoleOwner:
			return deny("ownership cannot be given")
		case still && pm.Role == RoleOwner && nm.Role != RoleOwner:
			return deny("the owner cannot be demoted")
		}
	}
	for _, nm := range next.Members {
		if _, had := prev.Member(nm.Keys.ID()); had {
			continue
		}
		if nm.Role == RoleOwner || (nm.Role == RoleAdmin && !owner) {
			return deny("new members join as members")
		}
	}
	return nil
}

// checkOwnDetails refuses a change to the name or addresses of a member
// who stays, unless that member signed it.
func checkOwnDetails(prev, next *Roster) error {
	for _, pm := range prev.Members {
		id := pm.Keys.ID()
		nm, still := next.Member(id)
		if !still || id == next.Signer {
			continue
		}
		if nm.Name != pm.Name || !slices.Equal(nm.Addrs, pm.Addrs) {
			return fmt.Errorf("%w: only a member changes their own name and addresses", ErrRosterTransition)
		}
	}
	return nil
}

// sameContent reports whether two rosters differ in nothing but version,
// signer and signature: such a change does nothing but fork the group.
func SameContent(a, b *Roster) bool {
	if a.Group != b.Group || a.Name != b.Name || a.Description != b.Description || len(a.Members) != len(b.Members) {
		return false
	}
	for i, am := range a.Members {
		bm := b.Members[i]
		if am.Keys != bm.Keys || am.Name != bm.Name || am.Role != bm.Role || !slices.Equal(am.Addrs, bm.Addrs) {
			return false
		}
	}
	return true
}

// isSelfRemoval reports whether next is prev minus id and nothing else.
func isSelfRemoval(prev, next *Roster, id ID) bool {
	if next.Name != prev.Name || next.Description != prev.Description || len(next.Members) != len(prev.Members)-1 {
		return false
	}
	j := 0
	for _, pm := range prev.Members {
		if pm.Keys.ID() == id {
			continue
		}
		nm := next.Members[j]
		j++
		if nm.Keys != pm.Keys || nm.Name != pm.Name || nm.Role != pm.Role || !slices.Equal(nm.Addrs, pm.Addrs) {
			return false
		}
	}
	_, stillThere := next.Member(id)
	return !stillThere
}

// isSelfUpdate reports whether next differs from prev only in id's own
// name and addresses.
func isSelfUpdate(prev, next *Roster, id ID) bool {
	if next.Name != prev.Name || next.Description != prev.Description || len(next.Members) != len(prev.Members) {
		return false
	}
	for i, pm := range prev.Members {
		nm := next.Members[i]
		if nm.Keys != pm.Keys || nm.Role != pm.Role {
			return false
		}
		if pm.Keys.ID() != id && (nm.Name != pm.Name || !slices.Equal(nm.Addrs, pm.Addrs)) {
			return false
		}
	}
	return true
}

// CompareForks decides between two different valid successors a and b of
// the same version base. It returns a negative number when a wins and a
// positive one when b wins (0 only for identical encodings). In order:
//  1. a fork that removes or demotes the other's signer wins: a removed or
//     demoted admin cannot undo that by signing a rival version;
//  2. the signer with the higher role in base wins (owner, admin, member),
//     so no admin overrides the owner and no member an admin;
//  3. only between signers of equal role does the smaller SHA-256 of the
//     encoding win. That last step can be ground by whoever signs, but it
//     then only decides between peers of equal authority.
func CompareForks(base, a, b *Roster, encA, encB []byte) int {
	aHits, bHits := demotes(base, a, b.Signer), demotes(base, b, a.Signer)
	switch {
	case aHits && !bHits:
		return -1
	case bHits && !aHits:
		return 1
	}
	ra, rb := roleIn(base, a.Signer), roleIn(base, b.Signer)
	if ra != rb {
		return int(rb) - int(ra)
	}
	ha, hb := RosterHash(encA), RosterHash(encB)
	return bytes.Compare(ha[:], hb[:])
}

// demotes reports whether next takes id out of the group, or lowers its
// role, compared to base.
func demotes(base, next *Roster, id ID) bool {
	was, ok := base.Member(id)
	if !ok {
		return false
	}
	now, still := next.Member(id)
	return !still || now.Role < was.Role
}

func roleIn(r *Roster, id ID) Role {
	m, _ := r.Member(id)
	return m.Role
}
