package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"jarvis/crypto"
)

// The group tables' share of the row MACs (rowmac.go): groups.go and
// groups_messages.go call these where they write or read a row.

// checkGroup refuses g unless mac is its stored MAC.
func (rm *rowMACer) checkGroup(g *Group, mac []byte) error {
	var buf [96]byte
	return rm.check("groups", 0, groupMACInput(buf[:0], g.ID, g.State, g.Version, g.Joined), mac)
}

// checkGroupMsg refuses m unless mac is its stored MAC.
func (rm *rowMACer) checkGroupMsg(m *GroupMessage, mac []byte) error {
	var buf [128]byte
	in := groupMsgMACInput(buf[:0], m.Seq, m.Group, m.Author, m.AuthorSeq, m.Epoch, m.State)
	return rm.check("group_messages", m.Seq, in, mac)
}

// nextGroupMessageSeq returns the seq the next group_messages row gets;
// see nextMessageSeq for why the store picks it.
func nextGroupMessageSeq(ctx context.Context, tx *sql.Tx) (int64, error) {
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM group_messages`).Scan(&last); err != nil {
		return 0, fmt.Errorf("next seq: %w", err)
	}
	return last + 1, nil
}

// checkedGroupMessage reads the MAC'd columns of the group_messages row
// seq and checks them, so that a state change rewrites the MAC only of a
// row that was intact. ok is false if there is no such row.
func checkedGroupMessage(ctx context.Context, tx *sql.Tx, rm *rowMACer, seq int64) (m GroupMessage, ok bool, err error) {
	var grp, author, mac []byte
	var aseq, epoch int64
	var state int
	err = tx.QueryRowContext(ctx, `SELECT grp, author, aseq, epoch, state, mac FROM group_messages WHERE seq = ?`, seq).
		Scan(&grp, &author, &aseq, &epoch, &state, &mac)
	if errors.Is(err, sql.ErrNoRows) {
		return m, false, nil
	}
	if err != nil {
		return m, false, err
	}
	m.Seq = seq
	copy(m.Group[:], grp)
	copy(m.Author[:], author)
	m.AuthorSeq, m.Epoch, m.State = uint64(aseq), uint64(epoch), GroupMsgState(state)
	if err := rm.checkGroupMsg(&m, mac); err != nil {
		return m, false, err
	}
	return m, true, nil
}

// markGroupRowsSeen moves a group's unread messages to seen, each after
// its MAC checked out and with its MAC rewritten.
func markGroupRowsSeen(ctx context.Context, tx *sql.Tx, rm *rowMACer, id crypto.GroupID, upTo int64) error {
	rows, err := tx.QueryContext(ctx, `SELECT seq, author, aseq, epoch, mac FROM group_messages
		WHERE grp = ? AND state = 2 AND seq <= ? ORDER BY seq`, id[:], upTo)
	if err != nil {
		return err
	}
	type seen struct {
		m   GroupMessage
		mac []byte
	}
	var unread []seen
	for rows.Next() {
		r := seen{m: GroupMessage{Group: id, State: GroupMsgUnread}}
		var author []byte
		var aseq, epoch int64
		if err := rows.Scan(&r.m.Seq, &author, &aseq, &epoch, &r.mac); err != nil {
			rows.Close()
			return err
		}
		copy(r.m.Author[:], author)
		r.m.AuthorSeq, r.m.Epoch = uint64(aseq), uint64(epoch)
		unread = append(unread, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	upd, err := tx.PrepareContext(ctx, `UPDATE group_messages SET state = ?, mac = ? WHERE seq = ?`)
	if err != nil {
		return err
	}
	defer upd.Close()
	for i := range unread {
		m := &unread[i].m
		if err := rm.checkGroupMsg(m, unread[i].mac); err != nil {
			return err
		}
		m.State = GroupMsgSeen
		if _, err := upd.ExecContext(ctx, int(m.State), rm.groupMsgMAC(m), m.Seq); err != nil {
			return err
		}
	}
	return nil
}
