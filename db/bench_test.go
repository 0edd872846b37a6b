package db_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// seedRequests inserts n requests shaped like real ones (a few history
// events, a note, flags), three quarters of them open, straight through the
// driver: the benchmarks measure reads and writes, not the seeding.
func seedRequests(b *testing.B, f *fixture, n int) []model.Request {
	b.Helper()
	now := f.clock.Now()
	statuses := model.Statuses()
	docs := make([]any, 0, n)
	reqs := make([]model.Request, 0, n)
	for i := range n {
		st := statuses[i%len(model.OpenStatuses())] // open statuses come first
		if i%4 == 3 {
			st = model.StatusCompleted
		}
		recv := now.Add(-time.Duration(i%40) * 24 * time.Hour).Truncate(time.Millisecond).UTC()
		tenant, subject := "ta", "sa1"
		if i%2 == 1 {
			tenant, subject = "tb", "sb1"
		}
		r := model.Request{
			ID: fmt.Sprintf("R-2026-%05d", i), TenantID: tenant, SubjectID: subject,
			Type: model.RequestTypes()[i%5], Channel: model.ChannelWeb, Status: st, ReceivedAt: recv,
			Requester:      model.Person{Name: "Requester Number " + fmt.Sprint(i), Email: fmt.Sprintf("r%d@example.org", i), Phone: "5550100"},
			ResidencyState: "CA", LoggedBy: "sam", AssignedTo: "sue",
			Flags: []model.Flag{{Kind: model.FlagAgent, Reason: "submitted by an authorized agent"}},
			Notes: []model.Note{{By: "sam", At: recv, Text: "called back, left a voicemail about the missing document"}},
			History: []model.Event{
				{ID: "h1", At: recv, Actor: "sam", Role: model.RoleSupport, Action: model.ActLog, To: model.StatusReceived},
				{ID: "h2", At: recv, Actor: "sam", Role: model.RoleSupport, Action: model.ActStartVerification, From: model.StatusReceived, To: model.StatusVerifying},
				{ID: "h3", At: recv, Actor: "sue", Role: model.RoleSupport, Action: model.ActNote, From: model.StatusVerifying, To: model.StatusVerifying, Reason: "waiting for the signed declaration"},
			},
			DueAt: recv.Add(45 * 24 * time.Hour), UpdatedBy: "sam", UpdatedAt: recv, Version: 3,
		}
		docs = append(docs, r)
		reqs = append(reqs, r)
	}
	if _, err := f.conn.DB.Collection("requests").InsertMany(f.ctx, docs); err != nil {
		b.Fatal(err)
	}
	return reqs
}

// BenchmarkQueue is the first page (default size 500) of the open queue.
func BenchmarkQueue(b *testing.B) {
	for _, n := range []int{300, 400, 500, 1000, 3000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			f := newFixture(b)
			seedRequests(b, f, n)
			var rows int
			for b.Loop() {
				page, err := f.s.Queue(f.ctx, f.support, model.QueueFilter{})
				if err != nil {
					b.Fatal(err)
				}
				rows = len(page)
			}
			b.ReportMetric(float64(rows), "rows")
		})
	}
}

// BenchmarkRequest is opening one request among 3000 (a lone-_id read).
func BenchmarkRequest(b *testing.B) {
	f := newFixture(b)
	reqs := seedRequests(b, f, 3000)
	i := 0
	for b.Loop() {
		if _, err := f.s.Request(f.ctx, f.support, reqs[i%len(reqs)].ID); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkTransition is one acknowledged action on a request among 300,
// with its audit entry and checkpoint: the whole write path.
func BenchmarkTransition(b *testing.B) {
	f := newFixture(b)
	reqs := seedRequests(b, f, 300)
	open := reqs[:0]
	for _, r := range reqs {
		if r.Status.Open() {
			open = append(open, r)
		}
	}
	i := 0
	for b.Loop() {
		r := &open[i%len(open)]
		got, err := f.s.Transition(f.ctx, f.support, r.ID, r.Version, model.ActAcknowledge, "")
		if err != nil {
			b.Fatal(err)
		}
		r.Version = got.Version
		i++
	}
}

// BenchmarkAppendAudit is one event onto the chain, checkpoint included.
func BenchmarkAppendAudit(b *testing.B) {
	f := newFixture(b)
	i := 0
	for b.Loop() {
		if _, err := f.s.AppendAudit(f.ctx, event(fmt.Sprintf("bench-%d", i))); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkVerifyAudit walks and checks a 1,000-entry chain and its checkpoint.
func BenchmarkVerifyAudit(b *testing.B) {
	f := newFixture(b)
	start := f.lastAudit().Seq
	for i := start; i < 1000; i++ {
		if _, err := f.s.AppendAudit(f.ctx, event(fmt.Sprintf("bench-%d", i))); err != nil {
			b.Fatal(err)
		}
	}
	var res db.VerifyResult
	for b.Loop() {
		var err error
		if res, err = f.s.VerifyAudit(f.ctx, nil); err != nil || !res.OK {
			b.Fatalf("%+v %v", res, err)
		}
	}
	b.ReportMetric(float64(res.Events), "events")
}
