package present

import (
	"strings"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/model"
)

func sampleMetrics() model.Metrics {
	resp := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	return model.ComputeMetrics(2026, "oak", []model.MetricsFacts{
		{Type: model.TypeAccess, Status: model.StatusCompleted, Received: time.Date(2026, 1, 30, 12, 0, 0, 0, time.UTC), Responded: &resp,
			Deadlines: []model.DeadlineResult{{Kind: model.DueLegal, Met: true}}},
		{Type: model.TypeDeletion, Status: model.StatusDenied, Basis: model.DenyExempt, Received: time.Date(2026, 2, 2, 12, 0, 0, 0, time.UTC), Responded: &resp},
	})
}

// The report's three renderings (11 CCR §7102): the figure table reads
// per type with the total last, the CSV carries raw numbers, and the text
// draws the 45-day line inside the histogram.
func TestMetricsRenderings(t *testing.T) {
	m := sampleMetrics()
	text := MetricsText(m)
	csv := MetricsCSV(m)
	cases := []struct {
		name string
		ok   bool
	}{
		{"title names the tenant and the section", strings.HasPrefix(text, "Request metrics 2026, tenant oak (11 CCR §7102)")},
		{"access received", strings.Contains(text, "received                      1         1           0        0           0     2")},
		{"exempt denial counted", strings.Contains(text, "denied: exempt")},
		{"median of 30 and 27 days", strings.Contains(text, "median days to respond     30.0      27.0           —        —           —  28.5\n")},
		{"response on time", strings.Contains(text, "on time: responded         100%         —")},
		{"45-day line between 40–44 and 45–49", strings.Contains(text, "40–44            0\n-- 45 days (§7021(b)) --\n45–49")},
		{"no trailing spaces", !strings.Contains(text, " \n")},
		{"CSV header", strings.HasPrefix(strings.Join(csv[0], ","), "year,tenant,type,received,complied_whole,complied_part,denied_unverifiable")},
		{"CSV rows: five types and all", len(csv) == 7 && csv[6][2] == "all"},
		{"CSV raw median", csv[1][13] == "30.0"},
	}
	for _, c := range cases {
		if !c.ok {
			t.Errorf("%s:\n%s", c.name, text)
		}
	}
}
