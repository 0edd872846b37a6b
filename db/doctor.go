package db

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodian-dev/custodian/model"
)

// ClaimState is what will become of a leftover claim.
type ClaimState string

const (
	// ClaimInFlight: younger than the stale age; its writer is probably at work.
	ClaimInFlight ClaimState = "in flight"
	// ClaimWillApply: the document is at the version before it; the next
	// drain writes it and records its events.
	ClaimWillApply ClaimState = "will apply"
	// ClaimEventsPending: the document carries its write; the next drain
	// puts its events on the chain.
	ClaimEventsPending ClaimState = "events pending"
	// ClaimLost: another write took its version; the next drain removes it
	// without recording anything.
	ClaimLost ClaimState = "lost its version"
	// ClaimCannotApply: the document is more than one version behind the
	// claim (or gone): it can never be written. Needs an admin.
	ClaimCannotApply ClaimState = "cannot apply"
	// ClaimUndecided: the document moved past the claim's version without
	// recording whether this write made it. Needs an admin.
	ClaimUndecided ClaimState = "undecided"
)

// NeedsAttention reports states no drain will ever resolve.
func (s ClaimState) NeedsAttention() bool { return s == ClaimCannotApply || s == ClaimUndecided }

// ClaimReport is one leftover claim as custodian db doctor lists it.
type ClaimReport struct {
	ID         string
	Coll       string
	DocID      string
	Version    int64 // the version the claim writes
	DocVersion int64 // the document's version now (0: no document)
	By         string
	At         time.Time
	Age        time.Duration
	State      ClaimState
}

// Claims lists every claim left in the database, in id order, and what
// will become of each. Claims are few (each lives for one write unless its
// writer stopped), so the whole collection is read.
func (s *Store) Claims(ctx context.Context) ([]ClaimReport, error) {
	cur, err := s.claims.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("list claims: %w", err)
	}
	var cs []claim
	if err := cur.All(ctx, &cs); err != nil {
		return nil, fmt.Errorf("list claims: %w", err)
	}
	now := s.now()
	out := make([]ClaimReport, 0, len(cs))
	for _, c := range cs {
		rep, err := s.claimReport(ctx, c, now)
		if err != nil {
			return out, err
		}
		out = append(out, rep)
	}
	return out, nil
}

// claimReport decides c's state by the same rules as settleClaim.
func (s *Store) claimReport(ctx context.Context, c claim, now time.Time) (ClaimReport, error) {
	w, err := readWrites(ctx, s.db.Collection(c.Coll), c.DocID)
	if err != nil {
		return ClaimReport{}, fmt.Errorf("claim %s: %w", c.ID, err)
	}
	rep := ClaimReport{ID: c.ID, Coll: c.Coll, DocID: c.DocID, Version: c.Version, DocVersion: w.Version,
		By: c.By, At: c.At, Age: now.Sub(c.At)}
	switch wrote, known := w.wrote(c); {
	case w.Version < c.Version-1:
		rep.State = ClaimCannotApply
	case w.Version == c.Version-1 && rep.Age < s.staleClaim:
		rep.State = ClaimInFlight
	case w.Version == c.Version-1:
		rep.State = ClaimWillApply
	case !known:
		rep.State = ClaimUndecided
	case wrote:
		rep.State = ClaimEventsPending
	default:
		rep.State = ClaimLost
	}
	return rep, nil
}

// actionClaimDropped is the audit action of an admin removing a claim that
// no drain can resolve.
const actionClaimDropped = "claim_dropped"

// DropClaim removes a claim that can never be applied or whose outcome is
// not recorded (ClaimState.NeedsAttention), and records that on the audit
// chain against the document it was for. Admins only; a claim a drain will
// still resolve is refused (dropping it would lose a write).
func (s *Store) DropClaim(ctx context.Context, actor model.Actor, id string) error {
	actor, err := s.currentActor(ctx, actor)
	if err != nil {
		return fmt.Errorf("drop claim %s: %w", id, err)
	}
	target := auditTarget("claim", id)
	if actor.Operator.Role != model.RoleAdmin {
		return s.refuse(ctx, actor, actionClaimDropped, target, "",
			fmt.Sprintf("only an admin may drop a claim; %s is %s", actor.Handle(), actor.Operator.Role), nil)
	}
	c, ok, err := s.loadClaim(ctx, id)
	if err != nil {
		return fmt.Errorf("drop claim %s: %w", id, err)
	}
	if !ok {
		return fmt.Errorf("drop %w (custodian db doctor lists the claims left)", notFound("claim", id))
	}
	rep, err := s.claimReport(ctx, c, s.now())
	if err != nil {
		return fmt.Errorf("drop claim %s: %w", id, err)
	}
	if !rep.State.NeedsAttention() {
		return invalidf("claim %s %s: the next drain resolves it, so it is not dropped", id, rep.State)
	}
	res, err := s.claims.DeleteOne(ctx, ownClaim(c))
	if err != nil {
		return fmt.Errorf("drop claim %s: %w", id, err)
	}
	if res.DeletedCount == 0 {
		return fmt.Errorf("drop %w (removed meanwhile)", notFound("claim", id))
	}
	actions := make([]string, 0, len(c.Events))
	for _, ev := range c.Events {
		actions = append(actions, ev.Action)
	}
	tenant := ""
	if len(c.Events) > 0 {
		tenant = c.Events[0].TenantID
	}
	ev := model.AuditEvent{
		At: s.now(), Actor: actor.Handle(), Role: actor.Operator.Role, Origin: actor.Origin,
		Action: actionClaimDropped, Target: auditTarget(kindOfColl(c.Coll), c.DocID), TenantID: tenant, Outcome: model.OutcomeOK,
		Detail: fmt.Sprintf("claim %s (%s, version %d by %s at %s, events: %s) dropped: %s at version %d",
			c.ID, c.WriteID, c.Version, c.By, c.At.UTC().Format(time.RFC3339), strings.Join(actions, ","), rep.State, rep.DocVersion),
	}
	if _, err := s.AppendAudit(ctx, ev); err != nil {
		// The claim is gone; say so rather than pretend nothing happened.
		return fmt.Errorf("claim %s dropped, but recording it on the audit chain failed: %w", id, err)
	}
	return nil
}

// kindOfColl is the audit target kind of a claimed collection's documents.
func kindOfColl(coll string) string {
	switch coll {
	case collRequests:
		return "request"
	case collOperators:
		return "operator"
	}
	return strings.TrimSuffix(coll, "s")
}
