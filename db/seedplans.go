package db

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/db/demo"
	"github.com/custodian-dev/custodian/model"
)

// seedPlans gives the demo requests whose history has a signed plan
// (demo.NeedsPlan: fulfilling and failed ones) that plan, computed by the
// model as PlanFulfilment would with the tenant's erasure key, dated and
// signed as the history says. A failed one's reason then names the step
// that failed, so a retry runs the plan the request shows and the README's
// "retry with r" holds. It runs after the records are in and before the
// requests are written, and returns a copy: the dataset, and so its
// digest, stays the generator's.
//
// The records come from the dataset, through a BSON round trip so they are
// exactly what a read returns: planning them from the database instead
// costs a scan of every mapped collection per request, which made the
// first run's seed about eight times slower on the embedded database.
func (s *Store) seedPlans(ctx context.Context, ds *demo.Dataset) ([]model.Request, error) {
	reqs := slices.Clone(ds.Requests)
	want := map[string]bool{}
	for _, r := range reqs {
		if demo.NeedsPlan(r) {
			want[r.TenantID+"/"+r.SubjectID] = true
		}
	}
	if len(want) == 0 {
		return reqs, nil
	}
	dm, err := s.DataMap(ctx)
	if err != nil {
		return nil, fmt.Errorf("seed: plans: %w", err)
	}
	docs, err := seedSubjectDocs(ds, dm, want)
	if err != nil {
		return nil, err
	}
	for i := range reqs {
		r := &reqs[i]
		if !demo.NeedsPlan(*r) {
			continue
		}
		p, err := s.seedPlan(ctx, *r, dm, docs[r.TenantID+"/"+r.SubjectID])
		if err != nil {
			return nil, fmt.Errorf("seed: plan of %s: %w", r.ID, err)
		}
		r.Plan = &p
		// Requests keep only a reference; the body goes to the plans
		// collection now, before the request that points at it is inserted.
		if err := s.storePlan(ctx, r); err != nil {
			return nil, fmt.Errorf("seed: plan of %s: %w", r.ID, err)
		}
		if r.Status != model.StatusFailed {
			continue
		}
		r.FailureReason = demo.FailedStepReason(p, r.FailureReason)
		r.FailedStep = model.FailedStep(&p)
		r.History = slices.Clone(r.History)
		for k := len(r.History) - 1; k >= 0; k-- {
			if r.History[k].Action == model.ActFail {
				r.History[k].Reason = r.FailureReason
				at := r.History[k].At
				r.FailedAt = &at
				break
			}
		}
	}
	return reqs, nil
}

// seedPlan is one request's plan, made from the request as it stood when
// its history says the plan was made.
func (s *Store) seedPlan(ctx context.Context, r model.Request, dm []model.CollectionMap, docs map[string][]model.Doc) (model.Plan, error) {
	built, signed, ok := demo.PlanEvents(r)
	if !ok {
		return model.Plan{}, fmt.Errorf("its history has no plan and sign-off events")
	}
	seq := 1
	for _, e := range r.History {
		if e.Action == model.ActPlan && e.At.Before(built.At) {
			seq++
		}
	}
	var sub model.Subject
	if err := s.subjects.FindOne(ctx, bson.D{{Key: "_id", Value: r.SubjectID}}).Decode(&sub); err != nil {
		return model.Plan{}, fmt.Errorf("read subject %s: %w", r.SubjectID, err)
	}
	tenant, err := s.tenant(ctx, r.TenantID)
	if err != nil {
		return model.Plan{}, err
	}
	hash, err := s.tenantHasher(ctx, r.TenantID)
	if err != nil {
		return model.Plan{}, err
	}
	p, err := model.BuildPlan(model.PlanInput{Request: r, Subject: sub, Tenant: tenant, DataMap: dm, Docs: docs,
		Hash: hash, By: built.Actor, Now: built.At, Seq: seq})
	if err != nil {
		return model.Plan{}, err
	}
	p.SignedBy, p.SignedAt = signed.Actor, signed.At.UTC()
	return p, nil
}

// seedSubjectDocs gathers, for each tenant/subject in want, its records
// per mapped collection as a read would return them.
func seedSubjectDocs(ds *demo.Dataset, dm []model.CollectionMap, want map[string]bool) (map[string]map[string][]model.Doc, error) {
	out := map[string]map[string][]model.Doc{}
	for _, cm := range dm {
		for _, d := range ds.Records[cm.Collection] {
			b, err := bson.Marshal(d)
			if err != nil {
				return nil, fmt.Errorf("seed: plans: encode %s record: %w", cm.Collection, err)
			}
			var raw bson.D
			if err := bson.Unmarshal(b, &raw); err != nil {
				return nil, fmt.Errorf("seed: plans: decode %s record: %w", cm.Collection, err)
			}
			doc, err := nativeDoc(raw)
			if err != nil {
				return nil, fmt.Errorf("seed: plans: %s record %v: %w", cm.Collection, rawID(raw), err)
			}
			tenant, _ := doc["tenant_id"].(string)
			subject, _ := doc[cm.SubjectField].(string)
			key := tenant + "/" + subject
			if !want[key] {
				continue
			}
			if out[key] == nil {
				out[key] = map[string][]model.Doc{}
			}
			out[key][cm.Collection] = append(out[key][cm.Collection], doc)
		}
	}
	for _, byColl := range out {
		for _, docs := range byColl {
			slices.SortFunc(docs, func(a, b model.Doc) int { return cmp.Compare(fmt.Sprint(a["_id"]), fmt.Sprint(b["_id"])) })
		}
	}
	return out, nil
}
