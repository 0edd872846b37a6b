package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodian-dev/custodian/db/demo"
	"github.com/custodian-dev/custodian/model"
)

// Collections the seed writes besides those the store names.
const (
	collSeedDataMap = "datamap"
	// seedMarkerID is the meta document that says whether, when and with
	// what the demo dataset was seeded.
	seedMarkerID = "seed"
)

const (
	seedStarted = "started"
	seedDone    = "done"
	// seedBatch is the number of documents per InsertMany: large enough to
	// amortise the round trip, small enough that progress moves and a
	// cancellation is honoured within a fraction of a second.
	seedBatch = 500
)

// ErrNotEmpty is returned by Seed when the database holds data it did not
// seed: demo data is never mixed into a real deployment.
var ErrNotEmpty = errors.New("database already holds data that was not seeded")

// SeedOptions says how much demo data to write and when "now" is.
type SeedOptions struct {
	Subjects, Requests int // 0 means demo.DefaultSubjects / demo.DefaultRequests
	// LocalUser is the local OS user's name (os/user.Current().Username),
	// seeded as an admin operator. Empty seeds none.
	LocalUser string
	// Clock dates the data; nil means the system clock.
	Clock model.Clock
	// Progress, if set, is called after every batch with the stage
	// ("tenants", "data map", "operators", "subjects", "records",
	// "requests", "audit") and how far that stage has got.
	Progress func(stage string, done, total int)
	// Processors seeds the data map with the vendor's sub-processors
	// (demo.Options.Processors).
	Processors bool
}

// SeedReport counts what the seeded dataset holds. After an interrupted seed
// is resumed, or when Skipped, the counts are those of the whole dataset, not
// of this call's inserts.
type SeedReport struct {
	Tenants, Subjects, Records, Requests, Operators int
	// Skipped is set when the database was already seeded and nothing was written.
	Skipped bool
}

// seedMarker is the meta document. It is written as "started" before the
// first insert and "done" after the last, so an interrupted seed resumes with
// the same clock reading and sizes, and regenerates byte-identical data.
type seedMarker struct {
	ID          string    `bson:"_id"`
	State       string    `bson:"state"`
	GeneratedAt time.Time `bson:"generated_at"` // the instant every demo date is relative to
	Subjects    int       `bson:"subjects_requested"`
	Requests    int       `bson:"requests_requested"`
	LocalUser   string    `bson:"local_user"`
	Processors  bool      `bson:"processors,omitempty"`
	Digest      string    `bson:"digest,omitempty"`
	StartedAt   time.Time `bson:"started_at"`
	FinishedAt  time.Time `bson:"finished_at,omitempty"`
	Counts      struct {
		Tenants   int `bson:"tenants"`
		Subjects  int `bson:"subjects"`
		Records   int `bson:"records"`
		Requests  int `bson:"requests"`
		Operators int `bson:"operators"`
	} `bson:"counts"`
}

func (m seedMarker) report(skipped bool) SeedReport {
	c := m.Counts
	return SeedReport{Tenants: c.Tenants, Subjects: c.Subjects, Records: c.Records, Requests: c.Requests, Operators: c.Operators, Skipped: skipped}
}

// Seeded reports whether the demo dataset has been completely seeded (for
// "seed on first run"). A seed that was interrupted reports false: running
// Seed again finishes it.
func Seeded(ctx context.Context, conn *Conn) (bool, error) {
	if conn == nil || conn.DB == nil {
		return false, errors.New("seeded: no database connection")
	}
	m, ok, err := readSeedMarker(ctx, conn.DB)
	if err != nil {
		return false, err
	}
	return ok && m.State == seedDone, nil
}

func readSeedMarker(ctx context.Context, d *mongo.Database) (seedMarker, bool, error) {
	var m seedMarker
	err := d.Collection(collMeta).FindOne(ctx, bson.D{{Key: "_id", Value: seedMarkerID}}).Decode(&m)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return m, false, nil
	}
	if err != nil {
		return m, false, fmt.Errorf("read seed marker: %w", err)
	}
	return m, true, nil
}

// Seed writes the demo dataset (package demo) into an empty database. The
// schema must be in place (EnsureSchema). It is idempotent: a database
// already seeded is left alone (Skipped), and a seed that was interrupted
// resumes with the clock reading and sizes it started with, inserting what is
// missing and treating duplicate keys as already there. It refuses, with
// ErrNotEmpty, a database holding tenants, subjects or requests it did not
// seed. Writes are unordered InsertMany batches, checked for cancellation
// between batches. Exactly one "seed" event lands on the audit chain.
func Seed(ctx context.Context, store *Store, opts SeedOptions) (SeedReport, error) {
	if store == nil || store.conn == nil || store.conn.DB == nil {
		return SeedReport{}, errors.New("seed: no store")
	}
	if err := (demo.Options{Subjects: opts.Subjects, Requests: opts.Requests, LocalUser: opts.LocalUser}).Validate(); err != nil {
		return SeedReport{}, fmt.Errorf("seed: %w", err)
	}
	d := store.conn.DB
	m, found, err := readSeedMarker(ctx, d)
	if err != nil {
		return SeedReport{}, fmt.Errorf("seed: %w", err)
	}
	if found && m.State == seedDone {
		return m.report(true), nil
	}
	if !found {
		clock := opts.Clock
		if clock == nil {
			clock = model.SystemClock{}
		}
		for _, c := range []string{collTenants, collSubjects, collRequests} {
			err := d.Collection(c).FindOne(ctx, bson.D{}, options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
			if err == nil {
				return SeedReport{}, fmt.Errorf("seed: %w (collection %s has documents); seed only a new database", ErrNotEmpty, c)
			}
			if !errors.Is(err, mongo.ErrNoDocuments) {
				return SeedReport{}, fmt.Errorf("seed: check %s is empty: %w", c, err)
			}
		}
		now := clock.Now().UTC().Truncate(time.Second)
		m = seedMarker{ID: seedMarkerID, State: seedStarted, GeneratedAt: now, Subjects: opts.Subjects, Requests: opts.Requests,
			LocalUser: opts.LocalUser, StartedAt: now, Processors: opts.Processors}
		if _, err := d.Collection(collMeta).InsertOne(ctx, m); err != nil {
			if !isDup(err) {
				return SeedReport{}, fmt.Errorf("seed: write marker: %w", err)
			}
			// Another process started seeding first: follow its marker.
			if m, _, err = readSeedMarker(ctx, d); err != nil {
				return SeedReport{}, fmt.Errorf("seed: %w", err)
			}
			if m.State == seedDone {
				return m.report(true), nil
			}
		}
	}
	// Resuming or not, the marker's clock and sizes decide the data, so a
	// resumed seed inserts exactly what the interrupted one would have.
	ds, err := demo.Generate(demo.Options{Subjects: m.Subjects, Requests: m.Requests, LocalUser: m.LocalUser,
		Clock: model.FixedClock{T: m.GeneratedAt}, Processors: m.Processors})
	if err != nil {
		return SeedReport{}, fmt.Errorf("seed: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return SeedReport{}, fmt.Errorf("seed: %w", err)
	}
	progress := opts.Progress
	if progress == nil {
		progress = func(string, int, int) {}
	}

	if err := seedInsertAll(ctx, d.Collection(collTenants), "tenants", ds.Tenants, 0, len(ds.Tenants), progress); err != nil {
		return SeedReport{}, err
	}
	if err := seedInsertAll(ctx, d.Collection(collSeedDataMap), "data map", ds.DataMap, 0, len(ds.DataMap), progress); err != nil {
		return SeedReport{}, err
	}
	// The schema made no product indexes before there was a map to take
	// them from; on empty collections they cost next to nothing.
	if err := ensureDataMapIndexes(ctx, d); err != nil {
		return SeedReport{}, fmt.Errorf("seed: %w", err)
	}
	if err := seedInsertAll(ctx, d.Collection(collOperators), "operators", ds.Operators, 0, len(ds.Operators), progress); err != nil {
		return SeedReport{}, err
	}
	others := OtherContactsFromRecords(ds.DataMap, ds.Records)
	subjects := make([]any, len(ds.Subjects))
	for i, sub := range ds.Subjects {
		sub.OtherContacts = others[sub.ID]
		subjects[i] = StoredSubject(sub)
	}
	if err := seedInsertAll(ctx, d.Collection(collSubjects), "subjects", subjects, 0, len(subjects), progress); err != nil {
		return SeedReport{}, err
	}
	records, done := ds.RecordCount(), 0
	for _, c := range demo.Collections() {
		docs := ds.Records[c]
		if err := seedInsertAll(ctx, d.Collection(c), "records", docs, done, records, progress); err != nil {
			return SeedReport{}, err
		}
		done += len(docs)
	}
	reqs, err := store.seedPlans(ctx, ds)
	if err != nil {
		return SeedReport{}, err
	}
	if err := seedInsertAll(ctx, d.Collection(collRequests), "requests", reqs, 0, len(reqs), progress); err != nil {
		return SeedReport{}, err
	}

	// The requests went in straight through the driver: build their
	// open-queue rows (idempotent, so a resumed seed repeats it harmlessly).
	if _, err := store.RebuildQueue(ctx); err != nil {
		return SeedReport{}, fmt.Errorf("seed: %w", err)
	}

	m.Counts.Tenants, m.Counts.Subjects, m.Counts.Records = len(ds.Tenants), len(ds.Subjects), records
	m.Counts.Requests, m.Counts.Operators = len(ds.Requests), len(ds.Operators)
	m.Digest = ds.Digest()

	// The event id is derived from the data, so a resumed seed finds the
	// event an interrupted one already appended instead of adding another.
	ev := model.AuditEvent{
		ID: "seed-" + m.Digest[:24], Actor: "custodian", Role: model.RoleSystem, Origin: "seed",
		Action: "seed", Target: "database:" + d.Name(), Outcome: model.OutcomeOK,
		Reason: "demo dataset seeded on first run",
		Detail: fmt.Sprintf("%d tenants, %d subjects, %d records, %d requests, %d operators; dates relative to %s",
			m.Counts.Tenants, m.Counts.Subjects, m.Counts.Records, m.Counts.Requests, m.Counts.Operators, m.GeneratedAt.Format(time.RFC3339)),
	}
	if _, err := store.AppendAudit(ctx, ev); err != nil {
		return SeedReport{}, fmt.Errorf("seed: %w", err)
	}
	progress("audit", 1, 1)

	m.State = seedDone
	m.FinishedAt = time.Now().UTC().Truncate(time.Millisecond)
	if opts.Clock != nil {
		m.FinishedAt = opts.Clock.Now().UTC().Truncate(time.Millisecond)
	}
	if _, err := d.Collection(collMeta).ReplaceOne(ctx, bson.D{{Key: "_id", Value: seedMarkerID}}, m); err != nil {
		return SeedReport{}, fmt.Errorf("seed: write marker: %w", err)
	}
	return m.report(false), nil
}

// seedInsertAll inserts docs in unordered batches. A duplicate key means the
// document is already there (a resumed seed); any other write error fails.
// Progress counts from base towards total.
func seedInsertAll[T any](ctx context.Context, coll *mongo.Collection, stage string, docs []T, base, total int, progress func(string, int, int)) error {
	opts := options.InsertMany().SetOrdered(false)
	batch := make([]any, 0, seedBatch)
	for i := 0; i < len(docs); i += seedBatch {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("seed %s: %w", stage, err)
		}
		batch = batch[:0]
		for _, doc := range docs[i:min(i+seedBatch, len(docs))] {
			batch = append(batch, doc)
		}
		if _, err := coll.InsertMany(ctx, batch, opts); err != nil && !seedOnlyDuplicates(err) {
			return fmt.Errorf("seed %s into %s: %w", stage, coll.Name(), err)
		}
		progress(stage, base+i+len(batch), total)
	}
	return nil
}

// seedOnlyDuplicates reports whether every failure of an InsertMany was a
// duplicate key. The driver's IsDuplicateKeyError is true if any one was.
func seedOnlyDuplicates(err error) bool {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return false
	}
	for _, we := range bwe.WriteErrors {
		if we.Code != 11000 {
			return false
		}
	}
	return true
}
