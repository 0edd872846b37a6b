package sshd

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/console"
)

// errClosing answers calls made after shutdown began.
var errClosing = errors.New("the server is shutting down; reconnect in a moment")

// inflight counts backend calls so that shutdown can let the ones already
// running (a write half way through its claim) finish before the database
// connection is closed, and refuse any that start later.
type inflight struct {
	mu      sync.Mutex
	n       int
	closing bool
	idle    chan struct{} // closed when n drops to 0 while closing
}

func (f *inflight) begin() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closing {
		return errClosing
	}
	f.n++
	return nil
}

func (f *inflight) end() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n--
	if f.n == 0 && f.closing && f.idle != nil {
		close(f.idle)
		f.idle = nil
	}
}

// drain refuses new calls and waits until the running ones return or ctx ends.
func (f *inflight) drain(ctx context.Context) error {
	f.mu.Lock()
	f.closing = true
	if f.n == 0 {
		f.mu.Unlock()
		return nil
	}
	if f.idle == nil {
		f.idle = make(chan struct{})
	}
	idle := f.idle
	f.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// trackedBackend is the console.Backend every SSH session uses. Each method of
// console.Backend is overridden to count the call (TestTrackedBackendCoversBackend
// fails when one is missing, e.g. after a pane adds a write).
type trackedBackend struct {
	console.Backend
	f *inflight
}

func track[T any](f *inflight, call func() (T, error)) (T, error) {
	if err := f.begin(); err != nil {
		var zero T
		return zero, err
	}
	defer f.end()
	return call()
}

func (b trackedBackend) Tenants(ctx context.Context, actor model.Actor) ([]model.Tenant, error) {
	return track(b.f, func() ([]model.Tenant, error) { return b.Backend.Tenants(ctx, actor) })
}

func (b trackedBackend) Queue(ctx context.Context, actor model.Actor, f model.QueueFilter) ([]model.Request, error) {
	return track(b.f, func() ([]model.Request, error) { return b.Backend.Queue(ctx, actor, f) })
}

func (b trackedBackend) Request(ctx context.Context, actor model.Actor, id string) (model.Request, error) {
	return track(b.f, func() (model.Request, error) { return b.Backend.Request(ctx, actor, id) })
}

func (b trackedBackend) Subjects(ctx context.Context, actor model.Actor, ids []string) (map[string]model.Subject, error) {
	return track(b.f, func() (map[string]model.Subject, error) { return b.Backend.Subjects(ctx, actor, ids) })
}

func (b trackedBackend) Subject(ctx context.Context, actor model.Actor, id string) (model.Subject, error) {
	return track(b.f, func() (model.Subject, error) { return b.Backend.Subject(ctx, actor, id) })
}

// trackErr is track for calls that return only an error.
func trackErr(f *inflight, call func() error) error {
	_, err := track(f, func() (struct{}, error) { return struct{}{}, call() })
	return err
}

func (b trackedBackend) Apply(ctx context.Context, actor model.Actor, id string, version int64, a model.Action, reason string, edit func(*model.Request) error) (model.Request, error) {
	return track(b.f, func() (model.Request, error) { return b.Backend.Apply(ctx, actor, id, version, a, reason, edit) })
}

func (b trackedBackend) CreateRequest(ctx context.Context, actor model.Actor, r model.Request) (model.Request, error) {
	return track(b.f, func() (model.Request, error) { return b.Backend.CreateRequest(ctx, actor, r) })
}

func (b trackedBackend) Operators(ctx context.Context, actor model.Actor) ([]model.Operator, error) {
	return track(b.f, func() ([]model.Operator, error) { return b.Backend.Operators(ctx, actor) })
}

func (b trackedBackend) Approvals(ctx context.Context, actor model.Actor, tenantID string) ([]model.Request, error) {
	return track(b.f, func() ([]model.Request, error) { return b.Backend.Approvals(ctx, actor, tenantID) })
}

func (b trackedBackend) MatchSubjects(ctx context.Context, actor model.Actor, tenantID string, p model.Person) ([]model.Subject, error) {
	return track(b.f, func() ([]model.Subject, error) { return b.Backend.MatchSubjects(ctx, actor, tenantID, p) })
}

func (b trackedBackend) KnowLimit(ctx context.Context, actor model.Actor, requestID string) (model.LimitResult, error) {
	return track(b.f, func() (model.LimitResult, error) { return b.Backend.KnowLimit(ctx, actor, requestID) })
}

func (b trackedBackend) AuditHistory(ctx context.Context, actor model.Actor, f model.AuditFilter, beforeSeq int64, limit int) (model.AuditPage, error) {
	return track(b.f, func() (model.AuditPage, error) { return b.Backend.AuditHistory(ctx, actor, f, beforeSeq, limit) })
}

func (b trackedBackend) VerifyAudit(ctx context.Context, progress func(done, total int64)) (model.VerifyResult, error) {
	return track(b.f, func() (model.VerifyResult, error) { return b.Backend.VerifyAudit(ctx, progress) })
}

func (b trackedBackend) RequestRecords(ctx context.Context, actor model.Actor, f model.RecordFilter, fn func(model.Request) error) error {
	return trackErr(b.f, func() error { return b.Backend.RequestRecords(ctx, actor, f, fn) })
}

func (b trackedBackend) RecordExport(ctx context.Context, actor model.Actor, f model.RecordFilter, count int, dest string) error {
	return trackErr(b.f, func() error { return b.Backend.RecordExport(ctx, actor, f, count, dest) })
}

func (b trackedBackend) SubjectDirectory(ctx context.Context, actor model.Actor, tenantID string, changedSince time.Time, batch func([]model.Subject) error, progress func(done, total int)) error {
	return trackErr(b.f, func() error {
		return b.Backend.SubjectDirectory(ctx, actor, tenantID, changedSince, batch, progress)
	})
}

func (b trackedBackend) OpenRequestCounts(ctx context.Context, actor model.Actor, tenantID string) (map[string]int, error) {
	return track(b.f, func() (map[string]int, error) { return b.Backend.OpenRequestCounts(ctx, actor, tenantID) })
}

func (b trackedBackend) SubjectRecords(ctx context.Context, actor model.Actor, subjectID string) ([]model.PIRecord, error) {
	return track(b.f, func() ([]model.PIRecord, error) { return b.Backend.SubjectRecords(ctx, actor, subjectID) })
}

func (b trackedBackend) SubjectRequests(ctx context.Context, actor model.Actor, subjectID string) ([]model.Request, error) {
	return track(b.f, func() ([]model.Request, error) { return b.Backend.SubjectRequests(ctx, actor, subjectID) })
}

func (b trackedBackend) RevealField(ctx context.Context, actor model.Actor, subjectID string, ref model.FieldRef, reason string) (string, error) {
	return track(b.f, func() (string, error) { return b.Backend.RevealField(ctx, actor, subjectID, ref, reason) })
}

// Fulfilment. A run can take a while; shutdown waits for the step
// in flight, whose change and record must not be cut apart.

func (b trackedBackend) PlanFulfilment(ctx context.Context, actor model.Actor, id string, version int64) (model.Request, error) {
	return track(b.f, func() (model.Request, error) { return b.Backend.PlanFulfilment(ctx, actor, id, version) })
}

func (b trackedBackend) SignOffPlan(ctx context.Context, actor model.Actor, id string, version int64, digest string) (model.Request, error) {
	return track(b.f, func() (model.Request, error) { return b.Backend.SignOffPlan(ctx, actor, id, version, digest) })
}

func (b trackedBackend) RunFulfilment(ctx context.Context, actor model.Actor, id string, progress func(model.StepProgress)) (model.Request, error) {
	return track(b.f, func() (model.Request, error) { return b.Backend.RunFulfilment(ctx, actor, id, progress) })
}
