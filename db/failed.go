package db

import (
	"context"
	"fmt"

	"github.com/custodian-dev/custodian/model"
)

// Failed lists the failed requests in the actor's scope, newest failure
// first, each with the step it stopped at and why. It reads the failed rows
// of the open-queue projection (which carry the failure fields) through the
// queue's own index, so it costs what one queue page of one status costs;
// failures are few, so they are ordered in memory.
func (s *Store) Failed(ctx context.Context, actor model.Actor) ([]model.Failure, error) {
	if err := s.canSeeHealth(ctx, actor, "failed requests"); err != nil {
		return nil, err
	}
	rows, err := s.Queue(ctx, actor, model.QueueFilter{Statuses: []model.Status{model.StatusFailed}, Limit: queueMax})
	if err != nil {
		return nil, fmt.Errorf("failed requests: %w", err)
	}
	out := make([]model.Failure, 0, len(rows))
	for _, r := range rows {
		if f, ok := model.FailureOf(r); ok {
			out = append(out, f)
		}
	}
	model.SortFailures(out)
	return out, nil
}

// canSeeHealth is the controller's check for the on-call view: the
// operator as stored now (a disabled one is refused) must hold PermHealth.
// A refusal is an audit event like every other.
func (s *Store) canSeeHealth(ctx context.Context, actor model.Actor, what string) error {
	cur, err := s.currentActor(ctx, actor)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	// Seeing health is a read: a read-only session may, a disabled
	// operator may not.
	if !cur.Operator.Disabled && cur.Operator.Role.Can(model.PermHealth) {
		return nil
	}
	return s.refuse(ctx, cur, "health", what, "", cur.Refusal(model.PermHealth, "see "+what), nil)
}
