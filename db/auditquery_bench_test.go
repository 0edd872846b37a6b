package db_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// auditBenchEvents are n events shaped like the chain's: four busy
// operators, one rare one (every 1,000th event), actions on 5,000 requests
// across two tenants, a minute apart.
func auditBenchEvents(n int) []model.AuditEvent {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	evs := make([]model.AuditEvent, n)
	for i := range evs {
		actor := []string{"sam", "sue", "ana", "eve"}[i%4]
		if i%1000 == 999 {
			actor = "rare"
		}
		evs[i] = model.AuditEvent{
			ID: fmt.Sprintf("bench-%d", i), At: base.Add(time.Duration(i) * time.Minute), Actor: actor,
			Role: model.RoleSupport, Origin: "ssh 203.0.113.9:51234", Action: []string{"acknowledge", "verify", "note", "read"}[i%4],
			Target: fmt.Sprintf("request:R-2026-%05d", i%5000), TenantID: []string{"ta", "tb"}[i%2],
			Outcome: model.OutcomeOK, Detail: "received→verifying",
		}
	}
	return evs
}

// BenchmarkAuditHistory measures the audit pane's queries on the embedded
// database at 10k and 100k chain entries (page size 100).
func BenchmarkAuditHistory(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			f := newFixture(b)
			if err := db.BulkAppendAudit(f.ctx, f.s, auditBenchEvents(n)); err != nil {
				b.Fatal(err)
			}
			total := f.lastAudit().Seq
			page := func(b *testing.B, flt model.AuditFilter, before int64) model.AuditPage {
				p, err := f.s.AuditHistory(f.ctx, f.admin, flt, before, 100)
				if err != nil {
					b.Fatal(err)
				}
				return p
			}
			b.Run("first page", func(b *testing.B) {
				for b.Loop() {
					page(b, model.AuditFilter{}, 0)
				}
			})
			b.Run("next page, cursor kept", func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					first := page(b, model.AuditFilter{}, 0)
					b.StartTimer()
					page(b, model.AuditFilter{}, first.Records[len(first.Records)-1].Seq)
				}
			})
			b.Run("older page, cold keyset", func(b *testing.B) {
				for b.Loop() {
					page(b, model.AuditFilter{}, total/2)
				}
			})
			b.Run("filter selective actor", func(b *testing.B) {
				var got int
				for b.Loop() {
					got = len(page(b, model.AuditFilter{Actor: "rare"}, 0).Records)
				}
				b.ReportMetric(float64(got), "rows")
			})
			b.Run("filter unselective actor", func(b *testing.B) {
				for b.Loop() {
					page(b, model.AuditFilter{Actor: "sam"}, 0)
				}
			})
			b.Run("filter request", func(b *testing.B) {
				for b.Loop() {
					page(b, model.AuditFilter{Target: "request:R-2026-00042"}, 0)
				}
			})
			b.Run("verify", func(b *testing.B) {
				var res db.VerifyResult
				for b.Loop() {
					var err error
					if res, err = f.s.VerifyAudit(f.ctx, nil); err != nil || !res.OK {
						b.Fatalf("%+v %v", res, err)
					}
				}
				b.ReportMetric(float64(res.Events), "events")
			})
		})
	}
}

// BenchmarkRequestRecords is the auditors' export over 3,000 stored requests.
func BenchmarkRequestRecords(b *testing.B) {
	f := newFixture(b)
	seedRequests(b, f, 3000)
	flt := model.RecordFilter{Since: time.Unix(0, 0), Until: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)}
	var rows int
	for b.Loop() {
		rows = 0
		if err := f.s.RequestRecords(f.ctx, f.admin, flt, func(model.Request) error { rows++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows), "rows")
}
