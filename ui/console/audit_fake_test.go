package console

import (
	"context"
	"slices"

	"github.com/custodian-dev/custodian/model"
)

// The fake's audit history is its audit slice, oldest first; it keeps the
// store's contract: newest first, keyset on Seq, filter by model.AuditFilter.

func (f *fakeBackend) AuditHistory(ctx context.Context, _ model.Actor, flt model.AuditFilter, before int64, limit int) (model.AuditPage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failWith != nil {
		return model.AuditPage{}, f.failWith
	}
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

func (f *fakeBackend) VerifyAudit(ctx context.Context, progress func(done, total int64)) (model.VerifyResult, error) {
	f.mu.Lock()
	n := int64(len(f.audit))
	hook := f.verify
	f.mu.Unlock()
	if hook != nil {
		return hook(ctx, progress)
	}
	if progress != nil {
		progress(n, n)
	}
	return model.VerifyResult{OK: true, Events: n, Head: "fake"}, ctx.Err()
}

func (f *fakeBackend) RequestRecords(ctx context.Context, _ model.Actor, flt model.RecordFilter, fn func(model.Request) error) error {
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

func (f *fakeBackend) RecordExport(context.Context, model.Actor, model.RecordFilter, int, string) error {
	return nil
}
