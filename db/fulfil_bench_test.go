package db_test

import (
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/db/demo"
	"github.com/custodian-dev/custodian/model"
)

// benchSizes are the subject's record counts the fulfilment benchmarks
// compare: the demo's usual handful, then a heavy user, then an extreme one.
var benchSizes = []int{10, 100, 1000}

// benchSubjects hands out active adult demo subjects, one per request, so
// every deletion runs on records nobody erased yet.
type benchSubjects struct {
	f    *ffix
	next int
}

func (bs *benchSubjects) take(b *testing.B) model.Subject {
	for bs.next < len(bs.f.ds.Subjects) {
		s := bs.f.ds.Subjects[bs.next]
		bs.next++
		if s.Status == model.AccountActive && !s.IsChild(bs.f.ds.Now) && len(s.Emails) > 0 {
			return s
		}
	}
	b.Fatal("out of demo subjects")
	return model.Subject{}
}

// giveRecords adds n documents to sub spread over every collection of the
// data map (so the subject has records in each), copied from the first
// active subject's document of each collection and dated inside the
// access look-back.
func (f *ffix) giveRecords(b *testing.B, sub model.Subject, n int, tag string) {
	b.Helper()
	colls := demo.Collections()
	for ci, c := range colls {
		var tmpl bson.D
		for _, d := range f.ds.Records[c] {
			if s := field(d, "subject_id"); s != nil && f.ds.Subjects[subjectIndex(f.ds, s.(string))].Status == model.AccountActive {
				tmpl = d
				break
			}
		}
		var docs []any
		for j := ci; j < n; j += len(colls) {
			d := make(bson.D, 0, len(tmpl))
			for _, e := range tmpl {
				switch e.Key {
				case "_id":
					e.Value = fmt.Sprintf("bench-%s-%s-%05d", tag, c, j)
				case "tenant_id":
					e.Value = sub.TenantID
				case "subject_id":
					e.Value = sub.ID
				case dataMap(c).DateField:
					e.Value = fulfilClock.T.Add(-time.Duration(j+1) * time.Hour)
				}
				d = append(d, e)
			}
			docs = append(docs, d)
		}
		if len(docs) == 0 {
			continue
		}
		if _, err := f.conn.DB.Collection(c).InsertMany(f.ctx, docs); err != nil {
			b.Fatal(err)
		}
	}
}

func subjectIndex(ds *demo.Dataset, id string) int {
	for i, s := range ds.Subjects {
		if s.ID == id {
			return i
		}
	}
	return 0
}

// BenchmarkFulfil times planning and executing a deletion, and planning and
// writing an access package, for a subject with records in every collection
// of the data map, on the embedded database holding the default demo
// dataset (3,000 subjects, ~10k records). Each iteration is a new request
// (logged, verified and approved with the timer stopped); a deletion's
// subject is a fresh one each time, since the run erases it.
func BenchmarkFulfil(b *testing.B) {
	f := newFulfilFixture(b, 0, 0)
	bs := &benchSubjects{f: f}
	seq := 0
	ready := func(b *testing.B, typ model.RequestType, n int, sub *model.Subject) model.Request {
		seq++
		if sub.ID == "" {
			*sub = bs.take(b)
			f.giveRecords(b, *sub, n, fmt.Sprint(seq))
		}
		return f.approved(fmt.Sprintf("B-%d", seq), *sub, typ, nil)
	}
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("plan-deletion/records=%d", n), func(b *testing.B) {
			var sub model.Subject
			r := ready(b, model.TypeDeletion, n, &sub)
			b.ResetTimer()
			for b.Loop() {
				var err error
				if r, err = f.s.PlanFulfilment(f.ctx, f.who["lee"], r.ID, r.Version); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(r.Plan.Steps)), "steps")
		})
		b.Run(fmt.Sprintf("run-deletion/records=%d", n), func(b *testing.B) {
			steps := 0
			for b.Loop() {
				b.StopTimer()
				var sub model.Subject
				r := f.planned(ready(b, model.TypeDeletion, n, &sub))
				steps = len(r.Plan.Steps)
				b.StartTimer()
				if r, err := f.s.RunFulfilment(f.ctx, f.who["lou"], r.ID, nil); err != nil || r.Status != model.StatusCompleted {
					b.Fatalf("run: %v (%s)", err, r.Status)
				}
			}
			b.ReportMetric(float64(steps), "steps")
		})
		b.Run(fmt.Sprintf("plan-access/records=%d", n), func(b *testing.B) {
			var sub model.Subject
			r := ready(b, model.TypeAccess, n, &sub)
			b.ResetTimer()
			for b.Loop() {
				var err error
				if r, err = f.s.PlanFulfilment(f.ctx, f.who["lee"], r.ID, r.Version); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("run-access/records=%d", n), func(b *testing.B) {
			var sub model.Subject
			records := 0
			for b.Loop() {
				b.StopTimer()
				r := f.planned(ready(b, model.TypeAccess, n, &sub))
				b.StartTimer()
				r, err := f.s.RunFulfilment(f.ctx, f.who["lou"], r.ID, nil)
				if err != nil || r.Status != model.StatusCompleted {
					b.Fatalf("run: %v (%s)", err, r.Status)
				}
				records = r.Export.Records
			}
			b.ReportMetric(float64(records), "exported")
		})
	}
}
