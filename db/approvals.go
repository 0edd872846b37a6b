package db

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

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

// prepareRemind checks the one reminder the caller's edit appended: it must
// name one of the tenant's approver contacts. Who sent it and when are the
// controller's to set. The audit detail names the contact by title only:
// the chain holds no names.
func (s *Store) prepareRemind(ctx context.Context, cur model.Request, nr *model.Request, handle string, now time.Time) (string, error) {
	if len(nr.Reminders) != len(cur.Reminders)+1 || !sameReminders(nr.Reminders[:len(cur.Reminders)], cur.Reminders) {
		return "", invalidf("a reminder adds exactly one entry and keeps the earlier ones")
	}
	tenant, err := s.tenant(ctx, cur.TenantID)
	if err != nil {
		return "", err
	}
	rem := &nr.Reminders[len(nr.Reminders)-1]
	to := strings.TrimSpace(rem.To)
	i := slices.IndexFunc(tenant.Approvers, func(c model.Contact) bool { return c.Name == to })
	if to == "" || i < 0 {
		return "", invalidf("a reminder goes to one of %s's approver contacts", tenant.ID)
	}
	rem.To, rem.By, rem.At = to, handle, now
	title := strings.TrimSpace(tenant.Approvers[i].Title)
	if title == "" {
		title = "contact"
	}
	return fmt.Sprintf("reminder %d sent to approver %d (%s)", len(nr.Reminders), i+1, model.CleanLine(title)), nil
}

// sameReminders compares reminder lists by value; nil and empty are the same.
func sameReminders(a, b []model.Reminder) bool {
	return slices.EqualFunc(a, b, func(x, y model.Reminder) bool {
		return x.By == y.By && x.To == y.To && x.At.Equal(y.At)
	})
}
