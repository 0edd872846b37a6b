package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// seededDemo is the default demo dataset (3,000 subjects, 10k records).
func seededDemo(b *testing.B) (*db.Store, model.Actor) {
	b.Helper()
	_, s := seedNewStore(b, seedClock)
	ctx := context.Background()
	if _, err := db.Seed(ctx, s, db.SeedOptions{Clock: seedClock}); err != nil {
		b.Fatal(err)
	}
	op, err := s.Operator(ctx, "lee")
	if err != nil {
		b.Fatal(err)
	}
	return s, model.Actor{Operator: op, Origin: "bench"}
}

// BenchmarkLookupDirectory is what the Lookup pane waits for on the
// embedded database: every subject streamed, then the open-request counts;
// and a freshness poll that finds nothing changed.
func BenchmarkLookupDirectory(b *testing.B) {
	s, lee := seededDemo(b)
	ctx := context.Background()
	b.Run("build-3000", func(b *testing.B) {
		for b.Loop() {
			n := 0
			if err := s.SubjectDirectory(ctx, lee, "", time.Time{}, func(bs []model.Subject) error { n += len(bs); return nil }, nil); err != nil || n != 3000 {
				b.Fatalf("%d subjects, %v", n, err)
			}
			if _, err := s.OpenRequestCounts(ctx, lee, ""); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("poll-3000", func(b *testing.B) {
		since := seedClock.Now()
		for b.Loop() {
			if err := s.SubjectDirectory(ctx, lee, "", since, func([]model.Subject) error { return nil }, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("records", func(b *testing.B) {
		for b.Loop() {
			if recs, err := s.SubjectRecords(ctx, lee, "S-000033"); err != nil || len(recs) == 0 {
				b.Fatalf("%d records, %v", len(recs), err)
			}
		}
	})
}
