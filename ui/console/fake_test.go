package console

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// fakeBackend is an in-memory Backend for unit tests. It keeps the
// contract the real store has: open statuses only, (DueAt, ID) order,
// keyset pages bounded by Limit, scope by tenant.
type fakeBackend struct {
	mu       sync.Mutex
	tenants  []model.Tenant
	reqs     []model.Request
	subjects map[string]model.Subject
	calls    int
	failWith error
	audit    []model.AuditRecord // issue 4: audit, oldest first
	// verify replaces the fake's VerifyAudit (issue 4: audit).
	verify func(ctx context.Context, progress func(done, total int64)) (model.VerifyResult, error)
	// plans are what PlanFulfilment stores, per request (issue 5): the fake
	// computes no plan and runs none.
	plans map[string]model.Plan
}

func (f *fakeBackend) Tenants(ctx context.Context, _ model.Actor) ([]model.Tenant, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.tenants), ctx.Err()
}

func (f *fakeBackend) Queue(ctx context.Context, _ model.Actor, q model.QueueFilter) ([]model.Request, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.failWith != nil {
		return nil, f.failWith
	}
	statuses := q.Statuses
	if len(statuses) == 0 {
		statuses = model.OpenStatuses()
	}
	var out []model.Request
	for _, r := range f.reqs {
		if q.TenantID != "" && r.TenantID != q.TenantID || !slices.Contains(statuses, r.Status) {
			continue
		}
		if !q.AfterDue.IsZero() || q.AfterID != "" {
			if c := cmp.Or(r.DueAt.Compare(q.AfterDue), cmp.Compare(r.ID, q.AfterID)); c <= 0 {
				continue
			}
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b model.Request) int {
		return cmp.Or(a.DueAt.Compare(b.DueAt), cmp.Compare(a.ID, b.ID))
	})
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, ctx.Err()
}

func (f *fakeBackend) Request(ctx context.Context, _ model.Actor, id string) (model.Request, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.reqs {
		if r.ID == id {
			return r, nil
		}
	}
	return model.Request{}, fmt.Errorf("request %s not found", id)
}

func (f *fakeBackend) Subjects(ctx context.Context, _ model.Actor, ids []string) (map[string]model.Subject, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]model.Subject{}
	for _, id := range ids {
		if s, ok := f.subjects[id]; ok {
			out[id] = s
		}
	}
	return out, ctx.Err()
}

func (f *fakeBackend) Subject(ctx context.Context, _ model.Actor, id string) (model.Subject, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s, ok := f.subjects[id]; ok {
		return s, ctx.Err()
	}
	return model.Subject{}, fmt.Errorf("subject %s not found", id)
}

// The lookup methods serve the fake's subjects; the records, requests and
// reveals they need are exercised against the real store (lookup_e2e_test.go).
func (f *fakeBackend) SubjectDirectory(ctx context.Context, _ model.Actor, tenantID string, _ time.Time, batch func([]model.Subject) error, progress func(int, int)) error {
	f.mu.Lock()
	var subs []model.Subject
	for _, s := range f.subjects {
		if tenantID == "" || s.TenantID == tenantID {
			subs = append(subs, s)
		}
	}
	f.mu.Unlock()
	slices.SortFunc(subs, func(a, b model.Subject) int { return cmp.Compare(a.ID, b.ID) })
	if progress != nil {
		progress(len(subs), len(subs))
	}
	if err := batch(subs); err != nil {
		return err
	}
	return ctx.Err()
}

func (f *fakeBackend) OpenRequestCounts(ctx context.Context, _ model.Actor, _ string) (map[string]int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for _, r := range f.reqs {
		out[r.SubjectID]++
	}
	return out, ctx.Err()
}

func (f *fakeBackend) SubjectRecords(ctx context.Context, _ model.Actor, _ string) ([]model.PIRecord, error) {
	return nil, ctx.Err()
}

func (f *fakeBackend) SubjectRequests(ctx context.Context, _ model.Actor, id string) ([]model.Request, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []model.Request
	for _, r := range f.reqs {
		if r.SubjectID == id {
			out = append(out, r)
		}
	}
	return out, ctx.Err()
}

func (f *fakeBackend) RevealField(context.Context, model.Actor, string, model.FieldRef, string) (string, error) {
	return "", fmt.Errorf("the fake backend reveals nothing")
}

// mutate changes the fake's data between loads (a refresh test).
func (f *fakeBackend) mutate(fn func(*fakeBackend)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// testNow() is a Monday afternoon in every tenant's zone.
func testNow() time.Time { return time.Date(2026, time.November, 2, 21, 0, 0, 0, time.UTC) }

func testTenants() []model.Tenant {
	return []model.Tenant{
		{ID: "oakridge-ca", Name: "City of Oakridge", State: "CA", TimeZone: "America/Los_Angeles", Government: true,
			Holidays: []string{"2026-11-11", "2026-11-26", "2026-11-27"}},
		{ID: "pecan-ridge-tx", Name: "Pecan Ridge County", State: "TX", TimeZone: "America/Chicago", Government: true,
			Holidays: []string{"2026-11-11", "2026-11-26"}},
		{ID: "hamlin-county-oh", Name: "Hamlin County", State: "OH", TimeZone: "America/New_York", Government: true},
	}
}

func testNames() []string {
	return []string{"María García", "John Smith", "Wei Chen", "Aisha Okafor", "Liam O'Brien", "Sofia Rossi",
		"Noah Kim", "Fatima Haddad", "Lucas Martin", "Emma Johansson", "Ravi Patel", "Olga Ivanova"}
}

// fixture builds n deterministic requests across the test tenants, with
// every type and open status, agents, flags, verifications and decisions.
func fixture(n int) *fakeBackend {
	f := &fakeBackend{tenants: testTenants(), subjects: map[string]model.Subject{}}
	names := testNames()
	types := model.RequestTypes()
	statuses := model.OpenStatuses()
	assignees := []string{"", "ana", "ben", "chidi"}
	for i := range n {
		t := f.tenants[i%len(f.tenants)]
		sid := fmt.Sprintf("S-%04d", i)
		name := names[i%len(names)]
		f.subjects[sid] = model.Subject{ID: sid, TenantID: t.ID, Name: name, Status: model.AccountActive,
			Emails: []string{fmt.Sprintf("person%d@example.org", i)}}
		recv := testNow().Add(-time.Duration((i*7)%41)*24*time.Hour - time.Duration(i%5)*time.Hour)
		r := model.Request{
			ID:             fmt.Sprintf("R-2026-%05d", i+1),
			TenantID:       t.ID,
			SubjectID:      sid,
			Type:           types[i%len(types)],
			Channel:        model.Channels()[i%4],
			Status:         statuses[(i/2)%len(statuses)],
			ReceivedAt:     recv,
			Requester:      model.Person{Name: name, Email: fmt.Sprintf("person%d@example.org", i), Phone: "916-555-01" + fmt.Sprintf("%02d", i%100)},
			ResidencyState: t.State,
			LoggedBy:       "ana",
			AssignedTo:     assignees[i%len(assignees)],
			History: []model.Event{{ID: fmt.Sprintf("E-%d-1", i), At: recv, Actor: "ana", Role: model.RoleSupport,
				Action: model.ActLog, To: model.StatusReceived, Reason: "logged from the web form"}},
		}
		if i%3 == 0 {
			at := recv.Add(26 * time.Hour)
			r.AcknowledgedAt = &at
		}
		if i%6 == 1 {
			r.Agent = &model.Agent{Person: model.Person{Name: "Pat Agent", Email: "pat@agents.example"},
				Organization: "Privacy Helpers LLC", PermissionEvidence: "signed letter, file ref 1187"}
			r.Flags = append(r.Flags, model.Flag{Kind: model.FlagAgent, Reason: "filed by an authorized agent"})
		}
		if i%5 == 4 {
			r.Flags = append(r.Flags, model.Flag{Kind: model.FlagChild, Reason: "subject is 12"})
		}
		if i%11 == 3 {
			r.Flags = append(r.Flags, model.Flag{Kind: model.FlagOverLimit, Reason: "2 earlier requests to know since 2025-11-01"})
		}
		switch r.Status {
		case model.StatusAwaitingApproval, model.StatusApproved, model.StatusFulfilling, model.StatusFailed:
			r.Verification = &model.Verification{Method: "data points", DataPoints: []string{"email", "date of birth"},
				Level: model.LevelReasonable, By: "ben", At: recv.Add(48 * time.Hour)}
		}
		switch r.Status {
		case model.StatusApproved, model.StatusFulfilling, model.StatusFailed:
			r.Decision = &model.Decision{Outcome: model.DecisionApproved, Approver: "Dana Whitfield", Method: "email",
				Evidence: "ticket CLK-" + fmt.Sprint(1000+i), DecidedAt: recv.Add(72 * time.Hour), RecordedBy: "lee", RecordedAt: recv.Add(73 * time.Hour)}
		}
		if i%4 == 2 {
			r.Notes = []model.Note{{By: "ana", At: recv.Add(2 * time.Hour), Text: "Called back; requester prefers email.\nSecond line of the note."}}
		}
		r.DueAt = model.ComputeDeadlines(r, t).Next
		f.reqs = append(f.reqs, r)
	}
	return f
}

func testActor(role model.Role) model.Actor {
	return model.Actor{Operator: model.Operator{Handle: "ana", Name: "Ana Lopez", Role: role}, Origin: "local"}
}

func testConfig(b Backend) Config {
	return Config{
		Backend: b,
		Actor:   testActor(model.RoleLead),
		Clock:   model.FixedClock{T: testNow()},
		NoColor: true,
	}
}

// The writes: enough of the controller's contract for unit tests (version
// check, the rule book's preconditions, edit); the e2e tests use the real
// store.
func (f *fakeBackend) Apply(ctx context.Context, actor model.Actor, id string, version int64, a model.Action, reason string, edit func(*model.Request) error) (model.Request, error) {
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

func (f *fakeBackend) CreateRequest(ctx context.Context, actor model.Actor, r model.Request) (model.Request, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r.Status, r.Version, r.LoggedBy = model.StatusReceived, 1, actor.Handle()
	f.reqs = append(f.reqs, r)
	return r, ctx.Err()
}

func (f *fakeBackend) Operators(ctx context.Context, _ model.Actor) ([]model.Operator, error) {
	return []model.Operator{{Handle: "ana", Name: "Ana Lopez", Role: model.RoleLead}, {Handle: "ben", Name: "Ben Ode", Role: model.RoleSupport}}, ctx.Err()
}

func (f *fakeBackend) Approvals(ctx context.Context, _ model.Actor, tenantID string) ([]model.Request, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []model.Request
	for _, r := range f.reqs {
		if r.Status == model.StatusAwaitingApproval && (tenantID == "" || r.TenantID == tenantID) {
			out = append(out, r)
		}
	}
	return out, ctx.Err()
}

func (f *fakeBackend) MatchSubjects(ctx context.Context, _ model.Actor, tenantID string, p model.Person) ([]model.Subject, error) {
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

func (f *fakeBackend) KnowLimit(ctx context.Context, _ model.Actor, id string) (model.LimitResult, error) {
	r, err := f.Request(ctx, model.Actor{}, id)
	if err != nil {
		return model.LimitResult{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return model.CheckKnowLimit(r, f.reqs), nil
}

// issue 5: fulfilment. The fake stores the plan a test gave it and checks
// sign-off as the controller does (lifecycle, version, four eyes, digest);
// it reads no documents and runs no steps — plans and runs against real
// data are tested on the embedded database (fulfil_e2e_test.go).
func (f *fakeBackend) PlanFulfilment(ctx context.Context, actor model.Actor, id string, version int64) (model.Request, error) {
	f.mu.Lock()
	pl, ok := f.plans[id]
	f.mu.Unlock()
	if !ok {
		return model.Request{}, fmt.Errorf("plan %s: the fake backend has no plan for it", id)
	}
	return f.Apply(ctx, actor, id, version, model.ActPlan, "", func(r *model.Request) error {
		pl.BuiltBy, pl.BuiltAt, pl.SignedBy = actor.Handle(), testNow(), ""
		// A stored plan matches its digest, as the controller's does: the
		// rule book refuses to sign off or run one that does not.
		pl.Digest = pl.ComputeDigest()
		r.Plan = &pl
		return nil
	})
}

func (f *fakeBackend) SignOffPlan(ctx context.Context, actor model.Actor, id string, version int64, digest string) (model.Request, error) {
	return f.Apply(ctx, actor, id, version, model.ActSignOff, "", func(r *model.Request) error {
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

func (f *fakeBackend) RunFulfilment(context.Context, model.Actor, string, func(model.StepProgress)) (model.Request, error) {
	return model.Request{}, fmt.Errorf("the fake backend runs no plans (fulfil_e2e_test.go runs them on the embedded database)")
}
