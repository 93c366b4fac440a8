package crypto

import (
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
	return nil
}

// CheckTransition decides whether next may follow prev. The signer must be
// a member of prev whose key made the signature, and either:
//   - an owner or admin of prev: admins add and remove plain members and
//     change the name, description and member names/addresses; only the
//     owner adds admins or changes roles; the owner is never removed or
//     demoted by someone else;
//   - or any member of prev whose only change is removing themselves.
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
	if isSelfRemoval(prev, next, next.Signer) {
		return nil
	}
	if !signer.Role.Manages() {
		return deny("signer is not an admin")
	}
	owner := signer.Role == RoleOwner
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
