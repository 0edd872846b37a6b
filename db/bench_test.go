package db_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// seedRequests inserts n requests shaped like real ones, three quarters of
// them open, straight through the driver: the benchmarks measure reads and
// writes, not the seeding.
func seedRequests(b *testing.B, f *fixture, n int) []model.Request {
	return seedRequestsOpen(b, f, n, n-n/4)
}

// seedRequestsOpen inserts n requests of which the first open are open.
// Open ones carry a few history events, a note, a flag, an acknowledgement
// and (some) a verification or an extension; closed ones carry the whole
// life of a request: verification, the Customer's decision, a response and
// a longer history, as a desk's kept history (24 months, §7101) does.
func seedRequestsOpen(b *testing.B, f *fixture, n, open int) []model.Request {
	b.Helper()
	now := f.clock.Now()
	openSt := model.OpenStatuses()
	closedSt := []model.Status{model.StatusCompleted, model.StatusCompleted, model.StatusDenied, model.StatusWithdrawn}
	// Spread the closed ones evenly among the open ones, as time mixes them.
	isOpen := func(i int) bool { return (i+1)*open/n != i*open/n }
	docs := make([]any, 0, n)
	reqs := make([]model.Request, 0, n)
	for i := range n {
		recv := now.Add(-time.Duration(i%40) * 24 * time.Hour).Truncate(time.Millisecond).UTC()
		tenant, subject := "ta", "sa1"
		if i%2 == 1 {
			tenant, subject = "tb", "sb1"
		}
		ack := recv.Add(2 * time.Hour)
		r := model.Request{
			ID: fmt.Sprintf("R-2026-%05d", i), TenantID: tenant, SubjectID: subject, SubjectLabel: "A**** A****",
			Type: model.RequestTypes()[i%5], Channel: model.ChannelWeb, ReceivedAt: recv,
			Requester:      model.Person{Name: "Requester Number " + fmt.Sprint(i), Email: fmt.Sprintf("r%d@example.org", i), Phone: "5550100"},
			ResidencyState: "CA", LoggedBy: "sam", AssignedTo: "sue", AcknowledgedAt: &ack,
			Flags: []model.Flag{{Kind: model.FlagAgent, Reason: "submitted by an authorized agent"}},
			Notes: []model.Note{{By: "sam", At: recv, Text: "called back, left a voicemail about the missing document"}},
			History: []model.Event{
				{ID: "h1", At: recv, Actor: "sam", Role: model.RoleSupport, Action: model.ActLog, To: model.StatusReceived},
				{ID: "h2", At: recv, Actor: "sam", Role: model.RoleSupport, Action: model.ActStartVerification, From: model.StatusReceived, To: model.StatusVerifying},
				{ID: "h3", At: recv, Actor: "sue", Role: model.RoleSupport, Action: model.ActNote, From: model.StatusVerifying, To: model.StatusVerifying, Reason: "waiting for the signed declaration"},
			},
			DueAt: recv.Add(45 * 24 * time.Hour), UpdatedBy: "sam", UpdatedAt: recv, Version: 3,
		}
		verification := &model.Verification{Method: "data points", DataPoints: []string{"email", "phone", "address"},
			Level: model.LevelHigh, SignedDecl: true, AgentChecked: true, By: "sue", At: recv.Add(24 * time.Hour)}
		if isOpen(i) {
			r.Status = openSt[i%len(openSt)]
			if i%3 == 0 {
				r.Verification = verification
			}
			if i%10 == 0 {
				r.Extension = &model.Extension{By: "ana", At: recv.Add(40 * 24 * time.Hour), Reason: "the records span three products", NoticeSent: recv.Add(40 * 24 * time.Hour)}
			}
		} else {
			r.Status = closedSt[i%len(closedSt)]
			r.Verification = verification
			decided, responded := recv.Add(5*24*time.Hour), recv.Add(9*24*time.Hour)
			r.Decision = &model.Decision{Outcome: model.DecisionApproved, Approver: "Pat Doe, records officer", Method: "email",
				Evidence: "ticket CUST-" + fmt.Sprint(1000+i), DecidedAt: decided, RecordedBy: "ana", RecordedAt: decided}
			r.RespondedAt, r.Outcome = &responded, "completed"
			r.History = append(r.History,
				model.Event{ID: "h4", At: recv.Add(24 * time.Hour), Actor: "sue", Role: model.RoleSupport, Action: model.ActVerify, From: model.StatusVerifying, To: model.StatusAwaitingApproval},
				model.Event{ID: "h5", At: decided, Actor: "ana", Role: model.RoleLead, Action: model.ActApprove, From: model.StatusAwaitingApproval, To: model.StatusApproved},
				model.Event{ID: "h6", At: decided, Actor: "eve", Role: model.RoleEngineer, Action: model.ActStartFulfilment, From: model.StatusApproved, To: model.StatusFulfilling},
				model.Event{ID: "h7", At: responded, Actor: "eve", Role: model.RoleEngineer, Action: model.ActComplete, From: model.StatusFulfilling, To: r.Status},
			)
			r.UpdatedBy, r.UpdatedAt, r.Version = "eve", responded, 7
		}
		docs = append(docs, r)
		reqs = append(reqs, r)
	}
	if _, err := f.conn.DB.Collection("requests").InsertMany(f.ctx, docs); err != nil {
		b.Fatal(err)
	}
	// Straight through the driver, so the open-queue rows are built here.
	if _, err := f.s.RebuildQueue(f.ctx); err != nil {
		b.Fatal(err)
	}
	return reqs
}

// BenchmarkQueue is the first page (default size 500) of the open queue:
// three in four stored requests open, then a desk that keeps its history
// (3,000 stored, 300 open).
func BenchmarkQueue(b *testing.B) {
	type size struct{ stored, open int }
	var sizes []size
	for _, n := range []int{300, 400, 500, 1000, 3000} {
		sizes = append(sizes, size{n, n - n/4})
	}
	sizes = append(sizes, size{3000, 300})
	for _, sz := range sizes {
		b.Run(fmt.Sprintf("%d/open=%d", sz.stored, sz.open), func(b *testing.B) {
			f := newFixture(b)
			seedRequestsOpen(b, f, sz.stored, sz.open)
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

// BenchmarkTransition is one action (a note: it may be taken again and
// again, unlike an acknowledgement) on a request among 300, with its audit
// entry and checkpoint: the whole write path, rule book included.
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
		got, err := f.s.Transition(f.ctx, f.support, r.ID, r.Version, model.ActNote, "bench note")
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
