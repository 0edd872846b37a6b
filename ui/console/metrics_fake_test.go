package console

import (
	"context"

	"github.com/custodian-dev/custodian/model"
)

// fakeReports computes the metrics of the fake's requests with the model's
// own rules, as the store does from its records.
type fakeReports struct{ *fakeData }

var _ Reports = fakeReports{}

func (f fakeReports) RequestMetrics(ctx context.Context, _ model.Actor, year int, tenantID string) (model.Metrics, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var facts []model.MetricsFacts
	for _, r := range f.reqs {
		if tenantID != "" && r.TenantID != tenantID {
			continue
		}
		var t model.Tenant
		for _, x := range f.tenants {
			if x.ID == r.TenantID {
				t = x
			}
		}
		facts = append(facts, model.FactsOf(r, t))
	}
	return model.ComputeMetrics(year, tenantID, facts), ctx.Err()
}
