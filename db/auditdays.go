package db

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The chain is in append order, not event-time order: an event's time is
// taken when its change is made, and it reaches the chain when its claim
// lands or is drained, possibly at the next start. So a date filter cannot
// be turned into a sequence range by looking at neighbouring entries.
// Instead every append first records, for the calendar day (UTC) of its
// event time, a sequence number no higher than its own ("audit-day/<day>"
// in meta, kept with $min). Every entry dated on or after a day then has a
// seq at least the smallest mark of the days from there on, which bounds a
// since: filter exactly, whatever the clocks or the drain order.
const (
	auditDayPrefix = "audit-day/"
	// auditDaysID records that every entry on the chain is covered by a
	// mark: true once the backfill (migrate) has marked the entries
	// appended before marks existed. Until then no bound is used.
	auditDaysID = "audit_days"
	// auditDayEnd sorts after every day key.
	auditDayEnd = auditDayPrefix + "~"
)

func auditDayKey(t time.Time) string { return auditDayPrefix + t.UTC().Format(time.DateOnly) }

// dayMarks remembers the days this Store has marked and the seq it marked
// them with: its later appends have higher seqs, so the mark still bounds
// them and need not be written again.
type dayMarks struct {
	mu   sync.Mutex
	seqs map[string]int64
}

// markAuditDay makes sure the mark of at's day is at most seq, before an
// entry dated at is appended with seq or a later one.
func (s *Store) markAuditDay(ctx context.Context, at time.Time, seq int64) error {
	key := auditDayKey(at)
	s.days.mu.Lock()
	defer s.days.mu.Unlock()
	if marked, ok := s.days.seqs[key]; ok && marked <= seq {
		return nil
	}
	update := bson.D{{Key: "$min", Value: bson.D{{Key: "seq", Value: seq}}}}
	if err := upsertOne(ctx, s.meta, bson.D{{Key: "_id", Value: key}}, update); err != nil {
		return fmt.Errorf("mark audit day %s: %w", key, err)
	}
	if s.days.seqs == nil {
		s.days.seqs = map[string]int64{}
	}
	s.days.seqs[key] = seq
	return nil
}

// auditSeqFloor is the lowest seq an entry dated at or after since can
// have, or 0 when the marks do not cover the whole chain yet.
func (s *Store) auditSeqFloor(ctx context.Context, since time.Time) (int64, error) {
	var st struct {
		Complete bool `bson:"complete"`
	}
	err := s.meta.FindOne(ctx, bson.D{{Key: "_id", Value: auditDaysID}}).Decode(&st)
	if errors.Is(err, mongo.ErrNoDocuments) || (err == nil && !st.Complete) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("audit day marks: %w", err)
	}
	cur, err := s.meta.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gte", Value: auditDayKey(since)}, {Key: "$lt", Value: auditDayEnd}}}},
		options.Find().SetProjection(bson.D{{Key: "seq", Value: 1}}))
	if err != nil {
		return 0, fmt.Errorf("audit day marks since %s: %w", since.UTC().Format(time.DateOnly), err)
	}
	var marks []struct {
		Seq int64 `bson:"seq"`
	}
	if err := cur.All(ctx, &marks); err != nil {
		return 0, fmt.Errorf("audit day marks since %s: %w", since.UTC().Format(time.DateOnly), err)
	}
	if len(marks) == 0 {
		// No entry is dated on or after since's day.
		return math.MaxInt64, nil
	}
	floor := marks[0].Seq
	for _, m := range marks[1:] {
		floor = min(floor, m.Seq)
	}
	return floor, nil
}

// backfillAuditDays marks the days of entries appended before marks
// existed, in one pass over the chain, then records that the marks cover
// it. Appends running meanwhile mark their own days. Once done, a later
// run costs one read.
func backfillAuditDays(ctx context.Context, d *mongo.Database) error {
	meta := d.Collection(collMeta)
	var st struct {
		Complete bool `bson:"complete"`
	}
	err := meta.FindOne(ctx, bson.D{{Key: "_id", Value: auditDaysID}}).Decode(&st)
	if err == nil && st.Complete {
		return nil
	}
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return fmt.Errorf("audit day marks: %w", err)
	}
	// One cursor read to its end: FerretDB re-reads the whole collection
	// for every page of a keyset walk.
	cur, err := d.Collection(collAudit).Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "at", Value: 1}}))
	if err != nil {
		return fmt.Errorf("backfill audit day marks: %w", err)
	}
	defer func() { _ = cur.Close(ctx) }()
	firstOfDay := map[string]int64{}
	for cur.Next(ctx) {
		var e struct {
			Seq int64     `bson:"_id"`
			At  time.Time `bson:"at"`
		}
		if err := cur.Decode(&e); err != nil {
			return fmt.Errorf("backfill audit day marks: %w", err)
		}
		key := auditDayKey(e.At)
		if seq, ok := firstOfDay[key]; !ok || e.Seq < seq {
			firstOfDay[key] = e.Seq
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("backfill audit day marks: %w", err)
	}
	for key, seq := range firstOfDay {
		if err := upsertOne(ctx, meta, bson.D{{Key: "_id", Value: key}},
			bson.D{{Key: "$min", Value: bson.D{{Key: "seq", Value: seq}}}}); err != nil {
			return fmt.Errorf("backfill audit day mark %s: %w", key, err)
		}
	}
	if err := upsertOne(ctx, meta, bson.D{{Key: "_id", Value: auditDaysID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "complete", Value: true}}}}); err != nil {
		return fmt.Errorf("audit day marks: %w", err)
	}
	return nil
}
