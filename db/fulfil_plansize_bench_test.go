package db_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/model"
)

// BenchmarkFulfilStep10k measures what a plan for a subject with 10,000
// records costs each step: the stored request document's size and the time
// of a step (its documents and the claimed write recording it), over the
// first few steps of a run, on the default demo dataset.
//
//	go test ./db -run '^$' -bench FulfilStep10k -benchtime 1x -timeout 30m
func BenchmarkFulfilStep10k(b *testing.B) {
	const records, steps = 10_000, 3
	f := newFulfilFixture(b, 0, 0)
	bs := &benchSubjects{f: f}
	for n := 0; b.Loop(); n++ {
		sub := bs.take(b)
		f.giveRecords(b, sub, records, fmt.Sprintf("10k-%d", n))
		r := f.planned(f.approved(fmt.Sprintf("B-10K-%d", n), sub, model.TypeDeletion, nil))
		raw, err := f.conn.DB.Collection("requests").FindOne(f.ctx, bson.D{{Key: "_id", Value: r.ID}}).Raw()
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(f.ctx)
		var times []time.Duration
		last := time.Now()
		_, _ = f.s.RunFulfilment(ctx, f.who["lou"], r.ID, func(p model.StepProgress) {
			if p.Done > len(times) {
				times = append(times, time.Since(last))
				last = time.Now()
				if len(times) >= steps {
					cancel()
				}
			} else {
				last = time.Now()
			}
		})
		cancel()
		after, err := f.conn.DB.Collection("requests").FindOne(f.ctx, bson.D{{Key: "_id", Value: r.ID}}).Raw()
		if err != nil {
			b.Fatal(err)
		}
		slices.Sort(times)
		b.ReportMetric(float64(len(raw)), "request-bytes-signed")
		b.ReportMetric(float64(len(after)), "request-bytes-after-steps")
		if len(times) > 0 {
			b.ReportMetric(float64(times[len(times)/2].Milliseconds()), "ms/step-median")
		}
		b.ReportMetric(float64(len(r.Plan.Steps)), "steps")
		// What the request carried before plans were stored apart.
		pb, err := bson.Marshal(r.Plan)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(pb)), "plan-bytes")
	}
}
