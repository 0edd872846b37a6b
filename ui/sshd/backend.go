package sshd

import (
	"context"
	"errors"
	"sync"

	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui"
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

// trackedBackend is the ui.Backend every SSH session uses. Each method of
// ui.Backend is overridden to count the call (TestTrackedBackendCoversBackend
// fails when one is missing, e.g. after a pane adds a write).
type trackedBackend struct {
	ui.Backend
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
