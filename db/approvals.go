package db

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodian-dev/custodian/model"
)

// approvalsMax bounds the approvals list: a desk with more requests waiting
// on Customers than this has a problem no list will solve.
const approvalsMax = 2000

// Approvals returns the requests in the actor's scope (or of tenantID) that
// wait on their Customer's decision, with their history (the pane shows how
// long each has waited since it entered awaiting_approval) and reminders,
// but without notes. Oldest-waiting first is the caller's sort: the waiting
// time lives in the history, which no index can order by.
func (s *Store) Approvals(ctx context.Context, actor model.Actor, tenantID string) ([]model.Request, error) {
	if err := s.canRead(ctx, actor, "approvals"); err != nil {
		return nil, err
	}
	filter := bson.D{}
	switch {
	case tenantID != "":
		if !actor.Operator.InScope(tenantID) {
			return []model.Request{}, nil
		}
		filter = append(filter, bson.E{Key: "tenant_id", Value: tenantID})
	default:
		if sf := scopeFilter(actor); sf.Key != "" {
			filter = append(filter, sf)
		}
	}
	filter = append(filter, bson.E{Key: "status", Value: model.StatusAwaitingApproval})
	cur, err := s.requests.Find(ctx, filter, options.Find().
		SetSort(bson.D{{Key: "due_at", Value: 1}, {Key: "_id", Value: 1}}).
		SetLimit(approvalsMax).
		SetProjection(bson.D{{Key: "notes", Value: 0}}))
	if err != nil {
		return nil, fmt.Errorf("read approvals: %w", err)
	}
	out := []model.Request{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("read approvals: %w", err)
	}
	return out, nil
}
