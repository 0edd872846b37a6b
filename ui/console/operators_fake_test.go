package console

import (
	"context"
	"sync"

	"github.com/custodian-dev/custodian/model"
)

// fakeOperatorAdmin records the operators written; the real checks are
// the store's, which the operators pane's end-to-end tests run against.
type fakeOperatorAdmin struct {
	putMu sync.Mutex
	put   []model.Operator
}

var _ OperatorAdmin = (*fakeOperatorAdmin)(nil)

func (f *fakeOperatorAdmin) PutOperator(ctx context.Context, _ model.Actor, op model.Operator) error {
	f.putMu.Lock()
	defer f.putMu.Unlock()
	f.put = append(f.put, op)
	return ctx.Err()
}
