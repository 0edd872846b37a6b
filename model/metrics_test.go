package model

import (
	"testing"
	"time"
)

func metricsDay(m time.Month, d int) time.Time { return time.Date(2026, m, d, 17, 0, 0, 0, time.UTC) }

func denied(by Action, flags ...FlagKind) Request {
	r := Request{Status: StatusDenied, History: []Event{{Action: ActLog, To: StatusReceived}, {Action: by, From: StatusVerifying, To: StatusDenied}}}
	for _, f := range flags {
		r.Flags = append(r.Flags, Flag{Kind: f})
	}
	return r
}

// 11 CCR §7102(a)(1)(C): denials are counted; the report splits them by
// the basis recorded with the denial (§7101, the reason for any denial).
func TestDenialBasisOf(t *testing.T) {
	cases := []struct {
		name string
		r    Request
		want DenialBasis
	}{
		{"unverifiable", denied(ActDenyUnverifiable), DenyUnverifiable},
		{"refused as excessive", denied(ActRefuseExcessive), DenyExcessive},
		{"Customer denial", denied(ActDeny), DenyCustomer},
		{"Customer denial of exempt records", denied(ActDeny, FlagExempt), DenyExempt},
		{"exempt flag on a refusal stays excessive", denied(ActRefuseExcessive, FlagExempt), DenyExcessive},
		{"not denied", Request{Status: StatusCompleted}, ""},
		{"bare record with a denying decision", Request{Status: StatusDenied, Decision: &Decision{Outcome: DecisionDenied}}, DenyCustomer},
		{"bare record, verified", Request{Status: StatusDenied, Verification: &Verification{Level: LevelReasonable}}, DenyExcessive},
		{"bare record, unverified", Request{Status: StatusDenied}, DenyUnverifiable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := DenialBasisOf(c.r); got != c.want {
				t.Errorf("DenialBasisOf = %q, want %q", got, c.want)
			}
		})
	}
}

// 11 CCR §7102(a)(1): per request type, received, complied with in whole
// or in part, denied, and the median or mean days to respond.
func TestComputeMetrics(t *testing.T) {
	la, _ := time.LoadLocation("America/Los_Angeles")
	resp := func(m time.Month, d int) *time.Time { t := metricsDay(m, d); return &t }
	facts := []MetricsFacts{
		// access: one whole, one in part, one open.
		{Type: TypeAccess, Status: StatusCompleted, Received: metricsDay(1, 5), Responded: resp(1, 15), Loc: la,
			Deadlines: []DeadlineResult{{Kind: DueAck, Met: true}, {Kind: DueLegal, Met: true}, {Kind: DueCustodian, Met: true}}},
		{Type: TypeAccess, Status: StatusCompleted, Received: metricsDay(1, 20), Responded: resp(3, 20), Withheld: true, Extended: true, Loc: la,
			Deadlines: []DeadlineResult{{Kind: DueAck, Met: false}, {Kind: DueExtended, Met: true}, {Kind: DueCustodian, Met: false}}},
		{Type: TypeAccess, Status: StatusVerifying, Received: metricsDay(2, 1), Loc: la},
		// deletion: denied twice on two bases, one withdrawn.
		{Type: TypeDeletion, Status: StatusDenied, Basis: DenyExempt, Received: metricsDay(2, 2), Responded: resp(2, 4), Loc: la,
			Deadlines: []DeadlineResult{{Kind: DueAck, Met: true}, {Kind: DueLegal, Met: true}}},
		{Type: TypeDeletion, Status: StatusDenied, Basis: DenyUnverifiable, Received: metricsDay(2, 3), Responded: resp(4, 3), Loc: la,
			Deadlines: []DeadlineResult{{Kind: DueAck, Met: true}, {Kind: DueLegal, Met: false}}},
		{Type: TypeDeletion, Status: StatusWithdrawn, Received: metricsDay(12, 1), Loc: la},
		// Another year, in the tenant's zone: 2027-01-01 05:00 UTC is still
		// 2026 in Los Angeles, 2025-12-31 23:00 UTC is 2025 there.
		{Type: TypeOptOut, Status: StatusReceived, Received: time.Date(2027, 1, 1, 5, 0, 0, 0, time.UTC), Loc: la},
		{Type: TypeOptOut, Status: StatusReceived, Received: time.Date(2026, 1, 1, 5, 0, 0, 0, time.UTC), Loc: la},
	}
	m := ComputeMetrics(2026, "oak", facts)
	acc, del, opt := m.Types[0], m.Types[1], m.Types[3]
	checks := []struct {
		name      string
		got, want any
	}{
		{"access received", acc.Received, 3},
		{"access whole", acc.CompliedWhole, 1},
		{"access in part", acc.CompliedPart, 1},
		{"access open", acc.Open, 1},
		{"access responded", acc.Responded, 2},
		{"access median days (10, 59)", acc.MedianDays, 34.5},
		{"access mean days", acc.MeanDays, 34.5},
		{"access extensions", acc.Extensions, 1},
		{"access ack on time", acc.OnTime[OnTimeAck], Rate{Met: 1, Of: 2}},
		{"access extended response counts as response", acc.OnTime[OnTimeResponse], Rate{Met: 2, Of: 2}},
		{"access custodian", acc.OnTime[OnTimeCustodian], Rate{Met: 1, Of: 2}},
		{"deletion exempt", del.Denied[DenyExempt], 1},
		{"deletion unverifiable", del.Denied[DenyUnverifiable], 1},
		{"deletion denied", del.DeniedTotal(), 2},
		{"deletion withdrawn", del.Withdrawn, 1},
		{"deletion median days (2, 59)", del.MedianDays, 30.5},
		{"deletion custodian not judged without approval", del.OnTime[OnTimeCustodian], Rate{}},
		{"opt-out: local year only", opt.Received, 1},
		{"total received", m.Total.Received, 7},
		{"total median of 10, 59, 2, 59", m.Total.MedianDays, 34.5},
		{"total mean", m.Total.MeanDays, 32.5},
		{"January access", m.Months[0].ByType[TypeAccess], 2},
		{"February", m.Months[1].Total(), 3},
		{"December", m.Months[11].ByType[TypeDeletion], 1},
		{"December 31 in LA", m.Months[11].ByType[TypeOptOut], 1},
		{"bins", len(m.Days), 19},
		{"0–4 days", m.Days[0], DaysBin{From: 0, To: 4, Count: 1}},
		{"10–14 days", m.Days[2], DaysBin{From: 10, To: 14, Count: 1}},
		{"55–59 days", m.Days[11], DaysBin{From: 55, To: 59, Count: 2}},
		{"open-ended last bar", m.Days[18], DaysBin{From: 90, To: -1}},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// The report is for leads and admins (it is the vendor's report to its
// Customers); support and engineers are refused.
func TestMetricsAllowed(t *testing.T) {
	for r, want := range map[Role]bool{RoleSupport: false, RoleLead: true, RoleEngineer: false, RoleAdmin: true} {
		if MetricsAllowed(r) != want {
			t.Errorf("MetricsAllowed(%s) = %v, want %v", r, !want, want)
		}
	}
}

func TestRatePercent(t *testing.T) {
	if p := (Rate{}).Percent(); p != -1 {
		t.Errorf("empty rate = %v, want -1", p)
	}
	if p := (Rate{Met: 1, Of: 4}).Percent(); p != 25 {
		t.Errorf("1 of 4 = %v, want 25", p)
	}
}
