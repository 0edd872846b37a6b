package console

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// fakeRequests is the Requests role over fakeData.
type fakeRequests struct {
	*fakeData
	// calls counts Queue calls (page loads); failWith, while set, is every
	// Queue call's error. Both are guarded by fakeData.mu.
	calls    int
	failWith error
}

var _ Requests = (*fakeRequests)(nil)

func (f *fakeRequests) Tenants(ctx context.Context, _ model.Actor) ([]model.Tenant, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.tenants), ctx.Err()
}

func (f *fakeRequests) Queue(ctx context.Context, _ model.Actor, q model.QueueFilter) ([]model.Request, error) {
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

func (f *fakeRequests) Request(ctx context.Context, _ model.Actor, id string) (model.Request, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r, ok := f.request(id); ok {
		return r, nil
	}
	return model.Request{}, fmt.Errorf("request %s not found", id)
}

func (f *fakeRequests) Subjects(ctx context.Context, _ model.Actor, ids []string) (map[string]model.Subject, error) {
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

func (f *fakeRequests) Subject(ctx context.Context, _ model.Actor, id string) (model.Subject, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s, ok := f.subjects[id]; ok {
		return s, ctx.Err()
	}
	return model.Subject{}, fmt.Errorf("subject %s not found", id)
}

// fakeApprovals is the Approvals role over fakeData.
type fakeApprovals struct{ *fakeData }

var _ Approvals = fakeApprovals{}

func (f fakeApprovals) Approvals(ctx context.Context, _ model.Actor, tenantID string) ([]model.Request, error) {
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

// fakeDirectory is the Directory role over fakeData: it serves the fake's
// subjects; the records, requests and reveals the lookup shows are
// exercised against the real store (lookup_e2e_test.go).
type fakeDirectory struct{ *fakeData }

var _ Directory = fakeDirectory{}

func (f fakeDirectory) SubjectDirectory(ctx context.Context, _ model.Actor, tenantID string, _ time.Time, batch func([]model.Subject) error, progress func(int, int)) error {
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

func (f fakeDirectory) OpenRequestCounts(ctx context.Context, _ model.Actor, _ string) (map[string]int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for _, r := range f.reqs {
		out[r.SubjectID]++
	}
	return out, ctx.Err()
}

func (f fakeDirectory) SubjectRecords(ctx context.Context, _ model.Actor, _ string) ([]model.PIRecord, error) {
	return nil, ctx.Err()
}

func (f fakeDirectory) SubjectRequests(ctx context.Context, _ model.Actor, id string) ([]model.Request, error) {
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

func (f fakeDirectory) RevealField(context.Context, model.Actor, string, model.FieldRef, string) (string, error) {
	return "", fmt.Errorf("the fake backend reveals nothing")
}
