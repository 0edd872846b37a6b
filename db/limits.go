package db

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodian-dev/custodian/model"
)

// The two-requests-to-know per 12 months flag is evaluated live: whenever a
// subject's requests change in a way the rule counts (a request to know is
// logged or linked, or one is withdrawn, denied or refused), the flags of
// all the subject's requests are derived again (model.LimitFlagChanges) and
// the ones that differ are rewritten, queue rows included. Importing an
// earlier request later thus flags the later one.

// limitMayChange reports whether the change from cur to next can move a
// LIMIT flag of next's subject.
func limitMayChange(cur, next model.Request) bool {
	if next.Type != model.TypeAccess || next.SubjectID == "" {
		return false
	}
	return cur.SubjectID != next.SubjectID || model.CountsTowardLimit(cur) != model.CountsTowardLimit(next)
}

// refreshLimitFlags derives the LIMIT flags of subjectID's requests again
// and rewrites those that changed, each as a claimed write with its audit
// event. It returns the rewritten requests by id.
func (s *Store) refreshLimitFlags(ctx context.Context, actor model.Actor, subjectID string) (map[string]model.Request, error) {
	cur, err := s.requests.Find(ctx, bson.D{{Key: "subject_id", Value: subjectID}}, options.Find().
		SetSort(bson.D{{Key: "received_at", Value: 1}}).
		SetProjection(listProjection()))
	if err != nil {
		return nil, fmt.Errorf("read the requests of subject %s: %w", subjectID, err)
	}
	var all []model.Request
	if err := cur.All(ctx, &all); err != nil {
		return nil, fmt.Errorf("read the requests of subject %s: %w", subjectID, err)
	}
	return s.rewriteLimitFlags(ctx, actor, all)
}

// rewriteLimitFlags rewrites the requests among all (one subject's) whose
// LIMIT flag the rule now decides otherwise. A request changed meanwhile is
// read again and decided again, a few times at most.
func (s *Store) rewriteLimitFlags(ctx context.Context, actor model.Actor, all []model.Request) (map[string]model.Request, error) {
	out := map[string]model.Request{}
	for id := range model.LimitFlagChanges(all) {
		for attempt := 0; ; attempt++ {
			r, err := s.readRequest(ctx, id)
			if err != nil {
				return out, err
			}
			want := model.WithLimitFlag(r, all)
			nr, changed, err := s.writeLimitFlag(ctx, actor, r, want)
			if err == nil {
				if changed {
					out[id] = nr
				}
				break
			}
			if !errors.Is(err, errClaimTaken) && !errors.Is(err, errSlotUsed) || attempt == 2 {
				return out, fmt.Errorf("flag %s: %w", id, err)
			}
		}
	}
	return out, nil
}

// writeLimitFlag stores r with flags want, if they differ, and audits the
// change.
func (s *Store) writeLimitFlag(ctx context.Context, actor model.Actor, r model.Request, want []model.Flag) (model.Request, bool, error) {
	if sameFlags(r.Flags, want) {
		return r, false, nil
	}
	nr, err := cloneRequest(r)
	if err != nil {
		return r, false, err
	}
	nr.Flags = want
	now := s.now()
	nr.Version = r.Version + 1
	nr.UpdatedBy, nr.UpdatedAt = actor.Handle(), now
	detail := "two-per-12-months flag cleared: no longer over the limit"
	for _, f := range want {
		if f.Kind == model.FlagOverLimit {
			detail = "two-per-12-months flag: " + f.Reason
		}
	}
	c := s.newClaim(collRequests, r.ID, nr.Version, actor.Handle(), now)
	c.Status = nr.Status
	c.Events = []model.AuditEvent{{
		ID: c.WriteID, At: now, Actor: actor.Handle(), Role: actor.Operator.Role, Origin: actor.Origin,
		Action: actionLimitFlag, Target: auditTarget("request", r.ID), TenantID: r.TenantID,
		Outcome: model.OutcomeOK, Detail: detail,
	}}
	if c.Doc, err = bson.Marshal(nr); err != nil {
		return r, false, err
	}
	if _, err := s.commit(ctx, c); err != nil {
		return r, false, err
	}
	return nr, true, nil
}

// actionLimitFlag is the audit action of a re-derived LIMIT flag: the
// controller's own follow-up of another change, not an operator's action.
const actionLimitFlag = "limit_flag"

func sameFlags(a, b []model.Flag) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
