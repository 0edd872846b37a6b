package sshd

import (
	"strings"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// TestQueueSummaryText checks the "as of" line of `ssh … queue`: the time in
// the one tenant's zone, named, or in UTC named "UTC" when the scope spans
// tenants (or has none).
func TestQueueSummaryText(t *testing.T) {
	at := time.Date(2026, 12, 4, 17, 30, 12, 0, time.UTC)
	la := model.Tenant{ID: "oakridge-ca", TimeZone: "America/Los_Angeles"}
	la.Resolve()
	ny := model.Tenant{ID: "queens-ny", TimeZone: "America/New_York"}
	ny.Resolve()
	for _, tc := range []struct {
		name    string
		tenants []model.Tenant
		want    string
	}{
		{"one tenant: its zone", []model.Tenant{la}, "(as of 2026-12-04 09:30 PST)"},
		{"several tenants: UTC", []model.Tenant{la, ny}, "(as of 2026-12-04 17:30 UTC)"},
		{"no tenant: UTC", nil, "(as of 2026-12-04 17:30 UTC)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sum := QueueSummary{AsOf: at, Open: 3, Overdue: 1, DueThisWeek: 2, ByStatus: map[string]int{"verifying": 3},
				ByTenant: []TenantCount{{ID: "oakridge-ca", Name: "Oakridge", Open: 3, Overdue: 1}}}
			var b strings.Builder
			writeQueueSummary(&b, sum, summaryZone(tc.tenants))
			first, _, _ := strings.Cut(b.String(), "\n")
			if want := "3 open requests, 1 overdue, 2 due within 7 days " + tc.want; first != want {
				t.Errorf("first line %q, want %q", first, want)
			}
			for _, w := range []string{"by status:\n  verifying", "by tenant:\n  oakridge-ca"} {
				if !strings.Contains(b.String(), w) {
					t.Errorf("summary lacks %q:\n%s", w, b.String())
				}
			}
		})
	}
}
