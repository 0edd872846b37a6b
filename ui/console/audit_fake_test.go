package console

import (
	"context"
	"slices"
	"sync"

	"github.com/custodian-dev/custodian/model"
)

// fakeAudit is the AuditTrail role: its audit history is its audit slice,
// oldest first, and it keeps the store's contract: newest first, keyset on
// Seq, filter by model.AuditFilter.
type fakeAudit struct {
	// auditMu guards audit and verify (named apart from fakeData.mu, which
	// fakeBackend promotes).
	auditMu sync.Mutex
	audit   []model.AuditRecord
	// verify replaces VerifyAudit when set.
	verify func(ctx context.Context, progress func(done, total int64)) (model.VerifyResult, error)
}

var _ AuditTrail = (*fakeAudit)(nil)

func (f *fakeAudit) AuditHistory(ctx context.Context, _ model.Actor, flt model.AuditFilter, before int64, limit int) (model.AuditPage, error) {
	f.auditMu.Lock()
	defer f.auditMu.Unlock()
	page := model.AuditPage{Records: []model.AuditRecord{}}
	for _, r := range slices.Backward(f.audit) {
		if before > 0 && r.Seq >= before || !flt.Matches(r.AuditEvent) {
			continue
		}
		if len(page.Records) == limit {
			page.More = true
			break
		}
		page.Records = append(page.Records, r)
	}
	return page, ctx.Err()
}

func (f *fakeAudit) VerifyAudit(ctx context.Context, progress func(done, total int64)) (model.VerifyResult, error) {
	f.auditMu.Lock()
	n := int64(len(f.audit))
	hook := f.verify
	f.auditMu.Unlock()
	if hook != nil {
		return hook(ctx, progress)
	}
	if progress != nil {
		progress(n, n)
	}
	return model.VerifyResult{OK: true, Events: n, Head: "fake"}, ctx.Err()
}

// fakeRecords is the Records role over fakeData: it streams the requests
// received in the filter's range and records no export.
type fakeRecords struct{ *fakeData }

var _ Records = fakeRecords{}

func (f fakeRecords) RequestRecords(ctx context.Context, _ model.Actor, flt model.RecordFilter, fn func(model.Request) error) error {
	f.mu.Lock()
	reqs := slices.Clone(f.reqs)
	f.mu.Unlock()
	for _, r := range reqs {
		if r.ReceivedAt.Before(flt.Since) || !r.ReceivedAt.Before(flt.Until) {
			continue
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func (f fakeRecords) RecordExport(context.Context, model.Actor, model.RecordFilter, int, string) error {
	return nil
}
