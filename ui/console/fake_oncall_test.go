package console

import (
	"context"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// fakeOnCall is the OnCall role over fakeData: its failed requests, and a
// fixed report around them.
type fakeOnCall struct{ *fakeData }

var _ OnCall = fakeOnCall{}

func (f fakeOnCall) Failed(_ context.Context, actor model.Actor) ([]model.Failure, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []model.Failure
	for _, r := range f.reqs {
		if fl, ok := model.FailureOf(r); ok && actor.Operator.InScope(r.TenantID) {
			out = append(out, fl)
		}
	}
	model.SortFailures(out)
	return out, nil
}

func (f fakeOnCall) Health(ctx context.Context, actor model.Actor) (model.Health, error) {
	fs, err := f.Failed(ctx, actor)
	return model.Health{At: time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC), Kind: "fake", Version: "0", RoundTrip: time.Millisecond, Failed: fs}, err
}
