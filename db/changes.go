package db

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodian-dev/custodian/model"
)

// The live screens' change marker. Every change to requests, the queue,
// approvals, operators and tenants is a claimed write whose audit event is
// appended after its document is written (commit), and every append moves
// the audit head hint: so the hint is already a marker that moves with
// every change, readable with one lookup by string _id (which FerretDB
// hands to SQLite). No second counter to keep in step.
//
// What changed is kept beside it: the same hint write stores the entry's
// who/what/target in a slot of a fixed ring ("recent.sNN", seq modulo
// recentSlots), so "what changed since" is that same one-document read.
// Reading it from the chain instead (_id > seq) is index-served on MongoDB
// but on FerretDB scans and sorts the whole chain in Go: 1.1 s per poll at
// 10,000 entries (BENCHMARKS.md, "live refresh"). The ring can miss an
// entry: more than recentSlots since the last poll, a hint write that lost
// a race (FerretDB rewrites the whole document), or a failed hint write.
// A miss shows as a gap in the seqs; then MongoDB reads the chain, and
// FerretDB answers "more" with no list: the console reloads everything
// without naming who changed what.

// recentSlots is the ring's size: a poll every few seconds finds fewer
// new entries than this on a busy desk; a bulk import does not, and its
// consoles reload everything.
const recentSlots = 64

// changesMax bounds one ChangesSince read.
const changesMax = 500

// recentEntry is what the ring keeps of a chain entry: no reason, no
// detail (free text), only who did what to which record.
type recentEntry struct {
	Seq      int64     `bson:"seq"`
	At       time.Time `bson:"at"`
	Actor    string    `bson:"actor"`
	Action   string    `bson:"action"`
	Target   string    `bson:"target"`
	TenantID string    `bson:"tenant_id,omitempty"`
	Outcome  string    `bson:"outcome"`
}

func recentSlot(seq int64) string { return fmt.Sprintf("recent.s%02d", seq%recentSlots) }

func recentOf(rec AuditRecord) recentEntry {
	return recentEntry{Seq: rec.Seq, At: rec.At, Actor: rec.Actor, Action: rec.Action, Target: rec.Target, TenantID: rec.TenantID, Outcome: rec.Outcome}
}

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

// ChangesSince lists the changes (model.ChangeOf) after seq, oldest first,
// reading at most limit chain entries (0 or more than 500: 500), within the
// actor's tenant scope; changes to operators (no tenant) are always listed.
// next is the seq to ask from next time; more reports that entries were
// left unread, or (embedded) could not be listed: reload everything.
func (s *Store) ChangesSince(ctx context.Context, actor model.Actor, seq int64, limit int) (changes []model.Change, next int64, more bool, err error) {
	if err := s.canRead(ctx, actor, "changes"); err != nil {
		return nil, seq, false, err
	}
	if limit <= 0 || limit > changesMax {
		limit = changesMax
	}
	var d struct {
		Seq    int64                  `bson:"seq"`
		Recent map[string]recentEntry `bson:"recent"`
	}
	err = s.meta.FindOne(ctx, bson.D{{Key: "_id", Value: auditHeadID}}).Decode(&d)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return nil, seq, false, fmt.Errorf("changes since %d: %w", seq, err)
	}
	if d.Seq <= seq {
		return nil, seq, false, nil
	}
	var entries []recentEntry
	for _, e := range d.Recent {
		if e.Seq > seq && e.Seq <= d.Seq {
			entries = append(entries, e)
		}
	}
	if int64(len(entries)) != d.Seq-seq { // a gap: the ring missed some
		if s.conn.Embedded || s.conn.Topology == "FerretDB" { // on SQLite or PostgreSQL alike
			return nil, d.Seq, true, nil
		}
		return s.changesFromChain(ctx, actor, seq, limit)
	}
	slices.SortFunc(entries, func(a, b recentEntry) int { return cmp.Compare(a.Seq, b.Seq) })
	if len(entries) > limit {
		entries, more = entries[:limit], true
	}
	next = seq
	for _, e := range entries {
		next = e.Seq
		ev := model.AuditEvent{At: e.At, Actor: e.Actor, Action: e.Action, Target: e.Target, TenantID: e.TenantID, Outcome: e.Outcome}
		if c, ok := inScope(actor, e.Seq, ev); ok {
			changes = append(changes, c)
		}
	}
	return changes, next, more, nil
}

// inScope is ev as a change the actor may hear of.
func inScope(actor model.Actor, seq int64, ev model.AuditEvent) (model.Change, bool) {
	c, ok := model.ChangeOf(seq, ev)
	scope := actor.Operator.Tenants
	if !ok || (len(scope) > 0 && c.TenantID != "" && !slices.Contains(scope, c.TenantID)) {
		return model.Change{}, false
	}
	return c, true
}

// changesFromChain is ChangesSince read from the chain itself (_id > seq,
// by _id): on MongoDB the _id index serves it.
func (s *Store) changesFromChain(ctx context.Context, actor model.Actor, seq int64, limit int) (changes []model.Change, next int64, more bool, err error) {
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
	for _, r := range recs {
		next = max(next, r.Seq)
		if c, ok := inScope(actor, r.Seq, r.AuditEvent); ok {
			changes = append(changes, c)
		}
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
