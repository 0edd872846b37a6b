package ui

import (
	"context"
	"errors"

	"github.com/custodian-dev/custodian/model"
)

// Branch issue5-db only: it adds the fulfilment methods to Backend, and the
// in-memory fake needs them to compile. Branch issue5-ui gives the fake real
// ones; on merge, delete this file in favour of those.

var errFakeNoFulfilment = errors.New("the fake backend does not fulfil requests")

func (f *fakeBackend) PlanFulfilment(context.Context, model.Actor, string, int64) (model.Request, error) {
	return model.Request{}, errFakeNoFulfilment
}

func (f *fakeBackend) SignOffPlan(context.Context, model.Actor, string, int64, string) (model.Request, error) {
	return model.Request{}, errFakeNoFulfilment
}

func (f *fakeBackend) RunFulfilment(context.Context, model.Actor, string, func(model.StepProgress)) (model.Request, error) {
	return model.Request{}, errFakeNoFulfilment
}
