package model

import (
	"strings"
	"testing"
	"time"
)

// A closed request shows each of its deadlines as met or missed with the
// date, never a countdown (11 CCR §7021, §7101). Received Monday
// 2026-11-02 in Los Angeles: acknowledgement due 2026-11-17, response
// 2026-12-17, extended 2027-01-31.
func TestRuleClosedDeadlines(t *testing.T) {
	la, _ := time.LoadLocation("America/Los_Angeles")
	tenant := rbTenant()
	local := func(y int, m time.Month, d, h int) *time.Time {
		at := time.Date(y, m, d, h, 0, 0, 0, la)
		return &at
	}
	approvedOn := func(at *time.Time) func(*Request) {
		return func(r *Request) { r.Decision = &Decision{Outcome: DecisionApproved, DecidedAt: *at} }
	}
	closed := func(s Status, responded *time.Time, mods ...func(*Request)) Request {
		r := rbRequest(s, func(r *Request) { r.RespondedAt = responded; r.AcknowledgedAt = local(2026, 11, 5, 10) })
		for _, m := range mods {
			m(&r)
		}
		return r
	}
	cases := []struct {
		name   string
		r      Request
		lines  []string
		missed bool
	}{
		{"completed on time", closed(StatusCompleted, local(2026, 12, 1, 12), approvedOn(local(2026, 11, 9, 12))), []string{
			"acknowledgement due 2026-11-17: met 2026-11-05",
			"legal response due 2026-12-17: met 2026-12-01",
			"custodian due 2026-12-24: met 2026-12-01",
		}, false},
		{"completed late", closed(StatusCompleted, local(2026, 12, 22, 12), approvedOn(local(2026, 11, 9, 12))), []string{
			"acknowledgement due 2026-11-17: met 2026-11-05",
			"legal response due 2026-12-17: missed, 2026-12-22 (5 days late)",
			"custodian due 2026-12-24: met 2026-12-22",
		}, true},
		{"completed the last evening, the next day in UTC", closed(StatusCompleted, local(2026, 12, 17, 23)), []string{
			"acknowledgement due 2026-11-17: met 2026-11-05",
			"legal response due 2026-12-17: met 2026-12-17",
		}, false},
		{"completed at local midnight after the due day", closed(StatusCompleted, local(2026, 12, 18, 0)), []string{
			"acknowledgement due 2026-11-17: met 2026-11-05",
			"legal response due 2026-12-17: missed, 2026-12-18 (1 day late)",
		}, true},
		{"extended, custodian missed", closed(StatusCompleted, local(2026, 12, 28, 12), approvedOn(local(2026, 11, 9, 12)), func(r *Request) {
			r.Extension = &Extension{By: "lou", At: rbReceived.AddDate(0, 0, 20), Reason: "volume"}
		}), []string{
			"acknowledgement due 2026-11-17: met 2026-11-05",
			"extended response due 2027-01-31: met 2026-12-28",
			"custodian due 2026-12-24: missed, 2026-12-28 (4 days late)",
		}, true},
		{"withdrawn before the acknowledgement was recorded", rbRequest(StatusWithdrawn, func(r *Request) {
			r.History = []Event{{At: *local(2026, 11, 3, 10), From: StatusReceived, To: StatusWithdrawn}}
		}), []string{
			"acknowledgement due 2026-11-17: met 2026-11-03",
			"legal response due 2026-12-17: met 2026-11-03",
		}, false},
		{"withdrawn late, never acknowledged", rbRequest(StatusWithdrawn, func(r *Request) {
			r.History = []Event{{At: *local(2026, 11, 1, 10), From: StatusReceived, To: StatusVerifying},
				{At: *local(2026, 11, 20, 10), From: StatusVerifying, To: StatusWithdrawn}}
		}), []string{
			"acknowledgement due 2026-11-17: missed, 2026-11-20 (3 days late)",
			"legal response due 2026-12-17: met 2026-11-20",
		}, true},
		{"acknowledged after it closed", closed(StatusDenied, local(2026, 11, 4, 10), func(r *Request) { r.AcknowledgedAt = local(2026, 11, 6, 10) }), []string{
			"acknowledgement due 2026-11-17: met 2026-11-04",
			"legal response due 2026-12-17: met 2026-11-04",
		}, false},
		{"an opt-out", closed(StatusCompleted, local(2026, 11, 10, 12), withType(TypeOptOut)), []string{
			"acknowledgement due 2026-11-17: met 2026-11-05",
			"legal response due 2026-12-17: met 2026-11-10",
			"opt-out due 2026-11-17: met 2026-11-10",
		}, false},
		{"a child's deletion, late", closed(StatusCompleted, local(2026, 11, 12, 12), withType(TypeChildDeletion)), []string{
			"acknowledgement due 2026-11-17: met 2026-11-05",
			"legal response due 2026-12-17: met 2026-11-12",
			"child expedited due 2026-11-09: missed, 2026-11-12 (3 days late)",
		}, true},
		{"a child deletion flagged AGE? is not expedited", closed(StatusCompleted, local(2026, 11, 12, 12), withType(TypeChildDeletion), func(r *Request) {
			r.Flags = []Flag{{Kind: FlagAgeCheck, Reason: "15"}}
		}), []string{
			"acknowledgement due 2026-11-17: met 2026-11-05",
			"legal response due 2026-12-17: met 2026-11-12",
		}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := ClosedDeadlines(c.r, tenant)
			var got []string
			for _, d := range res {
				got = append(got, d.Line(tenant.Location()))
			}
			if strings.Join(got, "\n") != strings.Join(c.lines, "\n") {
				t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.lines, "\n"))
			}
			if Missed(res) != c.missed {
				t.Errorf("Missed = %v, want %v", Missed(res), c.missed)
			}
		})
	}
}

func TestRuleClosedAt(t *testing.T) {
	responded := rbNow
	hist := []Event{{At: rbReceived, From: StatusReceived, To: StatusVerifying}, {At: rbNow.Add(-time.Hour), From: StatusVerifying, To: StatusWithdrawn}}
	cases := []struct {
		name string
		r    Request
		want time.Time
		ok   bool
	}{
		{"open", rbRequest(StatusFulfilling), time.Time{}, false},
		{"failed is open", rbRequest(StatusFailed), time.Time{}, false},
		{"the response", rbRequest(StatusCompleted, func(r *Request) { r.RespondedAt = &responded; r.History = hist }), rbNow, true},
		{"the history event that closed it", rbRequest(StatusWithdrawn, func(r *Request) { r.History = hist }), rbNow.Add(-time.Hour), true},
		{"the last change", rbRequest(StatusWithdrawn, func(r *Request) { r.UpdatedAt = rbNow.Add(-2 * time.Hour) }), rbNow.Add(-2 * time.Hour), true},
	}
	for _, c := range cases {
		got, ok := c.r.ClosedAt()
		if ok != c.ok || !got.Equal(c.want) {
			t.Errorf("%s: ClosedAt = %v, %v; want %v, %v", c.name, got, ok, c.want, c.ok)
		}
		if !c.ok && ClosedDeadlines(c.r, rbTenant()) != nil {
			t.Errorf("%s: an open request has closed deadlines", c.name)
		}
	}
}
