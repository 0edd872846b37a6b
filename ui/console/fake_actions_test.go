package console

import (
	"context"
	"fmt"
	"slices"

	"github.com/custodian-dev/custodian/model"
)

// fakeActions is the Actions role over fakeData: enough of the
// controller's contract for unit tests (version check, the rule book's
// preconditions, edit); the e2e tests use the real store.
type fakeActions struct{ *fakeData }

var _ Actions = fakeActions{}

func (f fakeActions) Apply(ctx context.Context, actor model.Actor, id string, version int64, a model.Action, reason string, edit func(*model.Request) error) (model.Request, error) {
	return f.apply(ctx, actor, id, version, a, reason, edit)
}

// apply is the fake controller's one write, shared by every role fake
// that changes a request (as every store write goes through Apply).
func (f *fakeData) apply(ctx context.Context, actor model.Actor, id string, version int64, a model.Action, reason string, edit func(*model.Request) error) (model.Request, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, r := range f.reqs {
		if r.ID != id {
			continue
		}
		if r.Version != version {
			return model.Request{}, fmt.Errorf("request %s was changed by %s (now %s, version %d); reload and try again", id, r.UpdatedBy, r.Status.Label(), r.Version)
		}
		var tenant model.Tenant
		for _, t := range f.tenants {
			if t.ID == r.TenantID {
				tenant = t
			}
		}
		// The rule book's preconditions, as the controller asks them.
		if ref := model.Check(a, model.Facts{Request: r, Tenant: tenant, Actor: actor, Now: testNow()}); ref != nil {
			return model.Request{}, ref
		}
		next, _ := model.Next(r.Status, a, actor.Operator.Role)
		if edit != nil {
			if err := edit(&r); err != nil {
				return model.Request{}, err
			}
		}
		r.History = append(slices.Clone(r.History), model.Event{At: testNow(), Actor: actor.Handle(), Action: a, From: r.Status, To: next, Reason: reason})
		r.Status, r.Version, r.UpdatedBy = next, r.Version+1, actor.Handle()
		f.reqs[i] = r
		return r, ctx.Err()
	}
	return model.Request{}, fmt.Errorf("request %s not found", id)
}

func (f fakeActions) CreateRequest(ctx context.Context, actor model.Actor, r model.Request) (model.Request, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r.Status, r.Version, r.LoggedBy = model.StatusReceived, 1, actor.Handle()
	f.reqs = append(f.reqs, r)
	return r, ctx.Err()
}

func (f fakeActions) Operators(ctx context.Context, _ model.Actor) ([]model.Operator, error) {
	return []model.Operator{{Handle: "ana", Name: "Ana Lopez", Role: model.RoleLead}, {Handle: "ben", Name: "Ben Ode", Role: model.RoleSupport}}, ctx.Err()
}

func (f fakeActions) MatchSubjects(ctx context.Context, _ model.Actor, tenantID string, p model.Person) ([]model.Subject, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []model.Subject
	for _, s := range f.subjects {
		if s.TenantID == tenantID && p.Email != "" && slices.Contains(s.Emails, p.Email) {
			out = append(out, s)
		}
	}
	return out, ctx.Err()
}

func (f fakeActions) KnowLimit(ctx context.Context, _ model.Actor, id string) (model.LimitResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.request(id)
	if !ok {
		return model.LimitResult{}, fmt.Errorf("request %s not found", id)
	}
	return model.CheckKnowLimit(r, f.reqs), nil
}

// fakeFulfilment is the Fulfilment role over fakeData. It stores the plan
// a test gave it and checks sign-off as the controller does (lifecycle,
// version, four eyes, digest); it reads no documents and runs no steps —
// plans and runs against real data are tested on the embedded database
// (fulfil_e2e_test.go).
type fakeFulfilment struct {
	*fakeData
	// plans are what PlanFulfilment stores, per request; guarded by fakeData.mu.
	plans map[string]model.Plan
}

var _ Fulfilment = (*fakeFulfilment)(nil)

func (f *fakeFulfilment) PlanFulfilment(ctx context.Context, actor model.Actor, id string, version int64) (model.Request, error) {
	f.mu.Lock()
	pl, ok := f.plans[id]
	f.mu.Unlock()
	if !ok {
		return model.Request{}, fmt.Errorf("plan %s: the fake backend has no plan for it", id)
	}
	return f.apply(ctx, actor, id, version, model.ActPlan, "", func(r *model.Request) error {
		pl.BuiltBy, pl.BuiltAt, pl.SignedBy = actor.Handle(), testNow(), ""
		// A stored plan matches its digest, as the controller's does: the
		// rule book refuses to sign off or run one that does not.
		pl.Digest = pl.ComputeDigest()
		r.Plan = &pl
		return nil
	})
}

func (f *fakeFulfilment) SignOffPlan(ctx context.Context, actor model.Actor, id string, version int64, digest string) (model.Request, error) {
	return f.apply(ctx, actor, id, version, model.ActSignOff, "", func(r *model.Request) error {
		switch {
		case r.Plan == nil:
			return fmt.Errorf("sign off %s: there is no plan", id)
		case r.Plan.BuiltBy == actor.Handle():
			return fmt.Errorf("sign off %s: four eyes: %s built this plan", id, actor.Handle())
		case r.Plan.Digest != digest:
			return fmt.Errorf("sign off %s: the plan was replaced since it was read", id)
		}
		pl := *r.Plan
		pl.SignedBy, pl.SignedAt = actor.Handle(), testNow()
		r.Plan = &pl
		return nil
	})
}

func (f *fakeFulfilment) RunFulfilment(context.Context, model.Actor, string, func(model.StepProgress)) (model.Request, error) {
	return model.Request{}, fmt.Errorf("the fake backend runs no plans (fulfil_e2e_test.go runs them on the embedded database)")
}
