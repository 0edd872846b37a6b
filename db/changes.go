package db

import (
	"context"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodian-dev/custodian/model"
)

// The live screens' change marker. Every change to requests, the queue,
// approvals, operators and tenants is a claimed write whose audit event is
// appended after its document is written (commit), and every append moves
// the audit head hint: so the hint is already a marker that moves with
// every change, readable with one lookup by string _id (which FerretDB
// hands to SQLite), and the chain entries past it say what changed. No
// second counter to keep in step, and no extra write on every change.
//
// The hint may lag the real head (a lost race on FerretDB moves it later,
// with the next append), never lead it; ChangesSince reads the chain
// itself, so what it returns is complete up to where it stops.

// changesMax bounds one ChangesSince read: more changes than this since a
// poll means "reload everything" anyway.
const changesMax = 500

// Changes reads the change marker: one read of the audit head hint by _id.
// It takes no actor and says nothing but "something moved"; what moved is
// read, within the actor's scope, by ChangesSince.
func (s *Store) Changes(ctx context.Context) (model.ChangeMarker, error) {
	h, err := s.readHeadHint(ctx)
	if err != nil {
		return model.ChangeMarker{}, fmt.Errorf("read change marker: %w", err)
	}
	return model.ChangeMarker{Seq: h.seq}, nil
}

// ChangesSince lists the changes (model.ChangeOf) on the chain after seq,
// oldest first, at most limit of them (0 or more than 500: 500), within the
// actor's tenant scope; changes to operators (no tenant) are always listed.
// next is the seq to ask from next time: the last entry read, which may be
// past the marker when the hint lagged. more reports entries left unread.
// The read is the chain range query (_id > seq, by _id), index-served on
// MongoDB; on FerretDB it scans the chain (see BENCHMARKS.md), which is
// why consoles ask only after the marker moved.
func (s *Store) ChangesSince(ctx context.Context, actor model.Actor, seq int64, limit int) (changes []model.Change, next int64, more bool, err error) {
	if err := s.canRead(ctx, actor, "changes"); err != nil {
		return nil, seq, false, err
	}
	if limit <= 0 || limit > changesMax {
		limit = changesMax
	}
	cur, err := s.audit.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: seq}}}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)+1))
	if err != nil {
		return nil, seq, false, fmt.Errorf("changes since %d: %w", seq, err)
	}
	var recs []AuditRecord
	if err := cur.All(ctx, &recs); err != nil {
		return nil, seq, false, fmt.Errorf("changes since %d: %w", seq, err)
	}
	if len(recs) > limit {
		recs, more = recs[:limit], true
	}
	next = seq
	scope := actor.Operator.Tenants
	for _, r := range recs {
		next = max(next, r.Seq)
		c, ok := model.ChangeOf(r.Seq, r.AuditEvent)
		if !ok || (len(scope) > 0 && c.TenantID != "" && !slices.Contains(scope, c.TenantID)) {
			continue
		}
		changes = append(changes, c)
	}
	return changes, next, more, nil
}

// CurrentActor is actor with its operator record as it stands now, read by
// _id: a session polls it to follow an admin's changes (disabled, role,
// scope) while it is open. A record that is gone reads as disabled; the
// system actor has no record and is returned as it is.
func (s *Store) CurrentActor(ctx context.Context, actor model.Actor) (model.Actor, error) {
	return s.currentActor(ctx, actor)
}
