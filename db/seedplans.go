package db

import (
	"context"
	"fmt"
	"slices"

	"github.com/custodian-dev/custodian/db/demo"
	"github.com/custodian-dev/custodian/model"
)

// seedPlans gives the demo requests whose history has a signed plan
// (demo.NeedsPlan: fulfilling and failed ones) that plan, computed as
// PlanFulfilment would from the seeded records with the tenant's erasure
// key, dated and signed as the history says. A failed one's reason then
// names the step that failed, so a retry runs the plan the request shows
// and the README's "retry with r" holds. Runs after the records are in and
// before the requests are written. It returns a copy: the dataset, and so
// its digest, stays the generator's.
func (s *Store) seedPlans(ctx context.Context, in []model.Request) ([]model.Request, error) {
	reqs := slices.Clone(in)
	for i := range reqs {
		r := &reqs[i]
		if !demo.NeedsPlan(*r) {
			continue
		}
		built, signed, ok := demo.PlanEvents(*r)
		if !ok {
			return nil, fmt.Errorf("seed: plan of %s: its history has no plan and sign-off events", r.ID)
		}
		// Planned from the request as it stood: its earlier history
		// numbers the plan.
		at := slices.IndexFunc(r.History, func(e model.Event) bool { return e.Action == model.ActPlan })
		before := *r
		before.History = r.History[:at]
		p, err := s.buildPlan(ctx, built.Actor, before)
		if err != nil {
			return nil, fmt.Errorf("seed: plan of %s: %w", r.ID, err)
		}
		p.BuiltAt = built.At.UTC()
		p.Digest = p.ComputeDigest()
		p.SignedBy, p.SignedAt = signed.Actor, signed.At.UTC()
		r.Plan = &p
		if r.Status != model.StatusFailed {
			continue
		}
		r.FailureReason = demo.FailedStepReason(p, r.FailureReason)
		r.History = slices.Clone(r.History)
		for k := len(r.History) - 1; k >= 0; k-- {
			if r.History[k].Action == model.ActFail {
				r.History[k].Reason = r.FailureReason
				break
			}
		}
	}
	return reqs, nil
}
