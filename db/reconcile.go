package db

import (
	"context"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodian-dev/custodian/model"
)

// RequestsReport is what VerifyRequests found.
type RequestsReport struct {
	Checked int // requests compared with the chain
	// Legacy counts requests with history lines that name no event (the
	// demo dataset's, written straight to the database at seeding): those
	// lines are unverifiable, and only lines after them are checked.
	Legacy int
	// Mismatches name a request and what differs; never personal data.
	Mismatches []string
}

// chainEvent is what reconciliation needs of one chain entry.
type chainEvent struct {
	target, action, actor string
	role                  model.Role
}

// VerifyRequests compares every request's history and status with the
// audit chain: each history line must name an event on the chain for that
// request with the same action and actor, every history-writing event of
// the request must be in its history, and replaying the events' actions
// through the lifecycle must give the stored status. Run it after
// VerifyAudit says the chain itself is sound.
func (s *Store) VerifyRequests(ctx context.Context) (RequestsReport, error) {
	var rep RequestsReport
	events := map[string]chainEvent{}
	byReq := map[string][]string{} // request id → ids of its history-writing events
	cur, err := s.audit.Find(ctx, bson.D{{Key: "target", Value: bson.D{{Key: "$regex", Value: "^request:"}}}},
		options.Find().SetProjection(bson.D{{Key: "event_id", Value: 1}, {Key: "target", Value: 1}, {Key: "action", Value: 1},
			{Key: "actor", Value: 1}, {Key: "role", Value: 1}, {Key: "outcome", Value: 1}}))
	if err != nil {
		return rep, fmt.Errorf("verify requests: read chain: %w", err)
	}
	for cur.Next(ctx) {
		var r AuditRecord
		if err := cur.Decode(&r); err != nil {
			_ = cur.Close(ctx)
			return rep, fmt.Errorf("verify requests: read chain: %w", err)
		}
		if r.Outcome != model.OutcomeOK {
			continue
		}
		events[r.ID] = chainEvent{target: r.Target, action: r.Action, actor: r.Actor, role: r.Role}
		id := strings.TrimPrefix(r.Target, "request:")
		// Claimed request writes have event ids "requests/<id>@<version>"
		// (followed by "#<writer>.<nonce>" since writes name their writer);
		// all but a LIMIT flag re-derivation add a history line.
		if strings.HasPrefix(r.ID, collRequests+"/"+id+"@") && r.Action != actionLimitFlag {
			byReq[id] = append(byReq[id], r.ID)
		}
	}
	err = cur.Err()
	_ = cur.Close(ctx)
	if err != nil {
		return rep, fmt.Errorf("verify requests: read chain: %w", err)
	}
	// A write between its document and its events (or crashed there) has
	// its events still in its claim: those lines are pending, not forged.
	pending := map[string]bool{}
	ccur, err := s.claims.Find(ctx, bson.D{{Key: "coll", Value: collRequests}}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "write_id", Value: 1}}))
	if err != nil {
		return rep, fmt.Errorf("verify requests: read claims: %w", err)
	}
	// History lines name their write id; claims of older versions, their claim id.
	var cs []struct {
		ID      string `bson:"_id"`
		WriteID string `bson:"write_id"`
	}
	if err := ccur.All(ctx, &cs); err != nil {
		return rep, fmt.Errorf("verify requests: read claims: %w", err)
	}
	for _, c := range cs {
		pending[c.ID] = true
		if c.WriteID != "" {
			pending[c.WriteID] = true
		}
	}

	rcur, err := s.requests.Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "status", Value: 1}, {Key: "history", Value: 1}}))
	if err != nil {
		return rep, fmt.Errorf("verify requests: %w", err)
	}
	defer rcur.Close(ctx)
	for rcur.Next(ctx) {
		var r model.Request
		if err := rcur.Decode(&r); err != nil {
			return rep, fmt.Errorf("verify requests: %w", err)
		}
		rep.Checked++
		legacy, problems := reconcile(r, events, byReq[r.ID], pending)
		if legacy {
			rep.Legacy++
		}
		for _, p := range problems {
			rep.Mismatches = append(rep.Mismatches, "request "+model.CleanLine(r.ID)+": "+p)
		}
	}
	if err := rcur.Err(); err != nil {
		return rep, fmt.Errorf("verify requests: %w", err)
	}
	return rep, nil
}

// reconcile compares one request with its chain events.
func reconcile(r model.Request, events map[string]chainEvent, own []string, pending map[string]bool) (legacy bool, problems []string) {
	seen := map[string]bool{}
	var status model.Status
	verified := false
	for i, h := range r.History {
		n := i + 1
		ev, ok := events[h.ID]
		// The demo dataset's lines, written straight to the database at
		// seeding, name no event or one of their own ("<id>-E01"), never a
		// claimed write's; they are legacy as long as nothing verified
		// precedes them.
		if h.ID == "" || (!ok && !pending[h.ID] && !strings.HasPrefix(h.ID, collRequests+"/")) {
			if verified {
				problems = append(problems, fmt.Sprintf("history line %d (%s) names no audit event of a recorded write", n, h.Action))
				continue
			}
			legacy, status = true, h.To
			continue
		}
		verified = true
		seen[h.ID] = true
		switch {
		case !ok && pending[h.ID]:
			status = h.To
			continue
		case !ok:
			problems = append(problems, fmt.Sprintf("history line %d (%s) names event %s, which is not on the chain", n, h.Action, model.CleanLine(h.ID)))
			continue
		case ev.target != "request:"+r.ID:
			problems = append(problems, fmt.Sprintf("history line %d names an event about %s", n, model.CleanLine(ev.target)))
			continue
		case ev.action != string(h.Action) || ev.actor != h.Actor:
			problems = append(problems, fmt.Sprintf("history line %d says %s by %s, its event says %s by %s", n, h.Action, model.CleanLine(h.Actor), model.CleanLine(ev.action), model.CleanLine(ev.actor)))
			continue
		}
		next := model.StatusReceived
		if h.Action != model.ActLog {
			var err error
			if next, err = model.Next(status, h.Action, ev.role); err != nil {
				problems = append(problems, fmt.Sprintf("history line %d: %s cannot follow %s", n, h.Action, status))
				next = h.To
			}
		}
		if h.To != next {
			problems = append(problems, fmt.Sprintf("history line %d says it led to %s, its action leads to %s", n, h.To, next))
		}
		status = next
	}
	for _, id := range own {
		if !seen[id] {
			ev := events[id]
			problems = append(problems, fmt.Sprintf("the chain's event %s (%s by %s) is missing from its history", model.CleanLine(id), model.CleanLine(ev.action), model.CleanLine(ev.actor)))
		}
	}
	if len(r.History) > 0 && status != r.Status {
		problems = append(problems, fmt.Sprintf("status is %s, its history and the chain give %s", r.Status, status))
	}
	return legacy, problems
}
