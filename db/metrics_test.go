package db_test

import (
	"errors"
	"testing"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// The metrics (11 CCR §7102) count the stored requests of the year through
// the real lifecycle: a completion, a denial as unverifiable, a Customer
// denial, a withdrawal and an open request.
func TestRequestMetricsCountsTheYear(t *testing.T) {
	skipUnderRace(t)
	f := newFixture(t)
	f.requestAt("R-1", "ta", model.StatusCompleted)
	f.requestAt("R-2", "ta", model.StatusDenied)
	f.requestAt("R-3", "ta", model.StatusWithdrawn)
	f.requestAt("R-4", "tb", model.StatusVerifying)
	f.requestAt("R-5", "tb", model.StatusAwaitingApproval)
	f.do("R-5", model.ActDeny)

	m, err := f.s.RequestMetrics(f.ctx, f.lead, 2026, "")
	if err != nil {
		t.Fatal(err)
	}
	del := m.Types[1]
	checks := []struct {
		name      string
		got, want any
	}{
		{"received", del.Received, 5},
		{"complied in whole", del.CompliedWhole, 1},
		{"unverifiable", del.Denied[model.DenyUnverifiable], 1},
		{"Customer denial", del.Denied[model.DenyCustomer], 1},
		{"withdrawn", del.Withdrawn, 1},
		{"open", del.Open, 1},
		{"responded", del.Responded, 3},
		{"same-day responses", m.Days[0].Count, 3},
		{"received in March", m.Months[2].ByType[model.TypeDeletion], 5},
		{"response on time", del.OnTime[model.OnTimeResponse], model.Rate{Met: 3, Of: 3}},
		{"custodian judged on the approved one", del.OnTime[model.OnTimeCustodian], model.Rate{Met: 1, Of: 1}},
		{"total", m.Total.Received, 5},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}

	m, err = f.s.RequestMetrics(f.ctx, f.admin, 2026, "tb")
	if err != nil {
		t.Fatal(err)
	}
	if m.Total.Received != 2 || m.TenantID != "tb" {
		t.Errorf("tenant tb: %d received (tenant %q), want 2", m.Total.Received, m.TenantID)
	}
	if m, err = f.s.RequestMetrics(f.ctx, f.lead, 2025, ""); err != nil || m.Total.Received != 0 {
		t.Errorf("2025: %d received, err %v; want none", m.Total.Received, err)
	}
}

// Support and engineers may not read the metrics, nor anyone a tenant
// outside their scope; each refusal is on the audit chain. A bad year is
// bad input.
func TestRequestMetricsRefusals(t *testing.T) {
	skipUnderRace(t)
	f := newFixture(t)
	scopedLead := actor("lia", model.RoleLead, "ta")
	if err := f.s.PutOperator(f.ctx, f.system, scopedLead.Operator); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		who    model.Actor
		tenant string
		year   int
		refuse bool
	}{
		{"support", f.support, "", 2026, true},
		{"engineer", f.engineer, "", 2026, true},
		{"lead outside scope", scopedLead, "tb", 2026, true},
		{"lead in scope", scopedLead, "ta", 2026, false},
		{"year 26", f.lead, "", 26, false},
		{"unknown tenant", f.lead, "nowhere", 2026, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.s.RequestMetrics(f.ctx, c.who, c.year, c.tenant)
			var refused *db.RefusedError
			switch {
			case c.refuse:
				if !errors.As(err, &refused) {
					t.Fatalf("err = %v, want a refusal", err)
				}
				if a := f.lastAudit(); a.Action != "metrics" || a.Outcome != model.OutcomeRefused || a.Actor != c.who.Handle() {
					t.Errorf("last audit %s %s by %s, want the refused metrics", a.Action, a.Outcome, a.Actor)
				}
			case c.year < 2000 || c.tenant == "nowhere":
				if !errors.Is(err, db.ErrInvalid) {
					t.Fatalf("err = %v, want invalid input", err)
				}
			case err != nil:
				t.Fatal(err)
			}
		})
	}
}
