package db

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodian-dev/custodian/model"
)

// directoryBatch is how many subjects SubjectDirectory hands over at a time:
// enough to amortise the hand-over, few enough that progress moves and a
// cancellation is honoured quickly.
const directoryBatch = 1000

// directoryProjection is what the lookup directory searches and shows
// (other_contacts: the guardians and the like a parent writes in as);
// the rest of a subject (birth date, residency) is read when it is opened.
func directoryProjection() bson.D {
	d := bson.D{}
	for _, f := range []string{"tenant_id", "account_id", "name", "emails", "phones", "address", "status", "version", "updated_at", "other_contacts"} {
		d = append(d, bson.E{Key: f, Value: 1})
	}
	return d
}

// SubjectDirectory streams the subjects of a scope (tenantID "" is every
// tenant in the actor's scope), directoryBatch at a time, to batch, in one query (FerretDB filters every page of a keyset walk by
// decoding the whole collection again, so one cursor is read to its end).
// progress, if set, gets the count so far and the expected total (-1 when
// unknown: always on the embedded database, where counting is a scan). Subjects carry the directory's fields only. Returning an error
// from batch, or cancelling ctx, stops the stream with that error.
// A non-zero changedSince streams only subjects written at or after it
// (updated_at): the poll that keeps a built directory fresh.
func (s *Store) SubjectDirectory(ctx context.Context, actor model.Actor, tenantID string, changedSince time.Time, batch func([]model.Subject) error, progress func(done, total int)) error {
	if err := s.canRead(ctx, actor, "subjects"); err != nil {
		return err
	}
	filter := bson.D{}
	switch {
	case tenantID != "" && !actor.Operator.InScope(tenantID):
		return s.outOfScope(ctx, actor, "tenant", tenantID, tenantID)
	case tenantID != "":
		filter = append(filter, bson.E{Key: "tenant_id", Value: tenantID})
	default:
		if sf := scopeFilter(actor); sf.Key != "" {
			filter = append(filter, sf)
		}
	}
	if !changedSince.IsZero() {
		filter = append(filter, bson.E{Key: "updated_at", Value: bson.D{{Key: "$gte", Value: changedSince}}})
	}
	if progress == nil {
		progress = func(int, int) {}
	}
	total := -1
	if changedSince.IsZero() && !s.conn.Embedded {
		// On MongoDB the estimate is collection metadata, free and exact for
		// an unscoped directory, and a scoped count uses the tenant index.
		// FerretDB answers either by scanning the collection (2.6 s of a
		// 4.8 s directory at 3,000 subjects, measured under load), so the
		// embedded mode streams without a total.
		var n int64
		var err error
		if len(filter) == 0 {
			n, err = s.subjects.EstimatedDocumentCount(ctx)
		} else {
			n, err = s.subjects.CountDocuments(ctx, filter)
		}
		if err != nil {
			return fmt.Errorf("count subjects for the directory: %w", err)
		}
		total = int(n)
	}
	progress(0, total)
	cur, err := s.subjects.Find(ctx, filter, options.Find().SetProjection(directoryProjection()).SetBatchSize(directoryBatch))
	if err != nil {
		return fmt.Errorf("stream subjects: %w", err)
	}
	defer cur.Close(context.WithoutCancel(ctx))
	buf := make([]model.Subject, 0, directoryBatch)
	done := 0
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		if err := batch(buf); err != nil {
			return err
		}
		done += len(buf)
		if total >= 0 {
			progress(done, max(total, done))
		} else {
			progress(done, -1)
		}
		buf = make([]model.Subject, 0, directoryBatch)
		return nil
	}
	for cur.Next(ctx) {
		var sub model.Subject
		if err := cur.Decode(&sub); err != nil {
			return fmt.Errorf("stream subjects: decode %v: %w", cur.Current.Lookup("_id"), err)
		}
		buf = append(buf, sub)
		if len(buf) == directoryBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("stream subjects after %d: %w", done+len(buf), err)
	}
	return flush()
}

// OpenRequestCounts counts the open requests of each subject in a scope
// (tenantID "" is every tenant in the actor's scope). It reads the slim
// open-queue projection, which holds open requests only.
func (s *Store) OpenRequestCounts(ctx context.Context, actor model.Actor, tenantID string) (map[string]int, error) {
	if err := s.canRead(ctx, actor, "requests"); err != nil {
		return nil, err
	}
	match := bson.D{{Key: "subject_id", Value: bson.D{{Key: "$gt", Value: ""}}}}
	switch {
	case tenantID != "" && !actor.Operator.InScope(tenantID):
		return nil, s.outOfScope(ctx, actor, "tenant", tenantID, tenantID)
	case tenantID != "":
		match = append(match, bson.E{Key: "tenant_id", Value: tenantID})
	default:
		if sf := scopeFilter(actor); sf.Key != "" {
			match = append(match, sf)
		}
	}
	cur, err := s.queue.Aggregate(ctx, bson.A{
		bson.D{{Key: "$match", Value: match}},
		bson.D{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$subject_id"}, {Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}}}}},
	})
	if err != nil {
		return nil, fmt.Errorf("count open requests per subject: %w", err)
	}
	var rows []struct {
		ID string `bson:"_id"`
		N  int    `bson:"n"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, fmt.Errorf("count open requests per subject: %w", err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.ID] = r.N
	}
	return out, nil
}
