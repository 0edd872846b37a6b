package db_test

import (
	"context"
	"testing"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/dbtest"
	"github.com/custodian-dev/custodian/db/demo"
)

// BenchmarkSeed seeds the default demo dataset (3000 subjects, ~10k product
// records, 400 requests) into a fresh embedded FerretDB per iteration; the
// database start-up is not timed. Run it as
//
//	go test ./db/ -run '^$' -bench Seed -benchtime 1x -count 5
func BenchmarkSeed(b *testing.B) {
	ctx := context.Background()
	docs := 0
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		conn := dbtest.New(b)
		store, err := db.NewStore(conn, db.StoreOptions{Clock: seedClock})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		rep, err := db.Seed(ctx, store, db.SeedOptions{LocalUser: "bench", Clock: seedClock})
		if err != nil {
			b.Fatal(err)
		}
		docs = rep.Tenants + rep.Subjects + rep.Records + rep.Requests + rep.Operators + len(demo.Collections())
	}
	b.ReportMetric(float64(docs), "docs/op")
	b.ReportMetric(float64(docs)*float64(b.N)/b.Elapsed().Seconds(), "docs/s")
}
