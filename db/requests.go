package db

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodian-dev/custodian/model"
)

const (
	queueDefault = 500
	queueMax     = 5000
	// subjectRequestsMax bounds a subject's history: far above the two
	// requests to know a year that the limit check needs.
	subjectRequestsMax = 200
)

// requestIDPattern keeps ids printable and free of the claim id's "/" and "@".
var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`)

// listProjection leaves out what lists never show and what grows with every
// change; Request returns the whole record.
func listProjection() bson.D {
	return bson.D{{Key: "history", Value: 0}, {Key: "notes", Value: 0}, {Key: "plan", Value: 0}, {Key: "plan_ref", Value: 0}}
}

// Queue returns one page of requests in the actor's scope, earliest due
// first (then by id), starting strictly after (f.AfterDue, f.AfterID).
// Rows of open requests come from the open-queue projection and carry only
// its fields (queueRow); rows of closed ones leave out History and Notes.
func (s *Store) Queue(ctx context.Context, actor model.Actor, f model.QueueFilter) ([]model.Request, error) {
	if err := s.canRead(ctx, actor, "queue"); err != nil {
		return nil, err
	}
	limit := f.Limit
	switch {
	case limit < 0:
		return nil, invalidf("queue page size %d is negative", limit)
	case limit == 0:
		limit = queueDefault
	case limit > queueMax:
		limit = queueMax
	}
	statuses := f.Statuses
	if len(statuses) == 0 {
		statuses = model.OpenStatuses()
	}
	// Open statuses are read from the slim open-queue projection (queue.go);
	// asking for a closed one reads the requests themselves.
	source, projection := s.queue, bson.D{}
	for _, st := range statuses {
		if _, err := model.ParseStatus(string(st)); err != nil {
			return nil, invalidf("queue filter: %v", err)
		}
		if !st.Open() {
			source, projection = s.requests, listProjection()
		}
	}

	filter := bson.D{}
	switch {
	case f.TenantID != "":
		if !actor.Operator.InScope(f.TenantID) {
			return []model.Request{}, nil
		}
		filter = append(filter, bson.E{Key: "tenant_id", Value: f.TenantID})
	default:
		if sf := scopeFilter(actor); sf.Key != "" {
			filter = append(filter, sf)
		}
	}
	filter = append(filter, bson.E{Key: "status", Value: bson.D{{Key: "$in", Value: statuses}}})
	if !f.AfterDue.IsZero() || f.AfterID != "" {
		filter = append(filter, afterDueAndID(f.AfterDue, f.AfterID)...)
	}
	cur, err := source.Find(ctx, filter, options.Find().
		SetSort(bson.D{{Key: "due_at", Value: 1}, {Key: "_id", Value: 1}}).
		SetLimit(int64(limit)).
		SetProjection(projection))
	if err != nil {
		return nil, fmt.Errorf("read queue: %w", err)
	}
	out := []model.Request{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("read queue: %w", err)
	}
	return out, nil
}

// afterDueAndID is the keyset position "strictly after (due, id)" in
// {due_at, _id} order, written as a range on due_at (due_at >= due: index
// bounds on the {[tenant_id,] status, due_at, _id} indexes) minus the rows
// at due itself up to id. The equivalent $or of the two cases gives the
// planner no single range, so every page would read the index from the
// start of each status.
func afterDueAndID(due time.Time, id string) bson.D {
	due = due.UTC()
	return bson.D{
		{Key: "due_at", Value: bson.D{{Key: "$gte", Value: due}}},
		{Key: "$nor", Value: bson.A{bson.D{{Key: "due_at", Value: due}, {Key: "_id", Value: bson.D{{Key: "$lte", Value: id}}}}}},
	}
}

// Request returns one whole request; outside the actor's scope it is not found.
func (s *Store) Request(ctx context.Context, actor model.Actor, id string) (model.Request, error) {
	if err := s.canRead(ctx, actor, auditTarget("request", id)); err != nil {
		return model.Request{}, err
	}
	r, err := s.readRequest(ctx, id)
	if err != nil {
		return model.Request{}, err
	}
	if !actor.Operator.InScope(r.TenantID) {
		return model.Request{}, s.outOfScope(ctx, actor, "request", id, r.TenantID)
	}
	return r, nil
}

func (s *Store) readRequest(ctx context.Context, id string) (model.Request, error) {
	var r model.Request
	err := s.requests.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&r)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return r, notFound("request", id)
	}
	if err != nil {
		return r, fmt.Errorf("read request %s: %w", id, err)
	}
	if err := s.loadPlan(ctx, &r); err != nil {
		return r, err
	}
	return r, nil
}

// SubjectRequests returns a subject's requests, newest first (at most
// subjectRequestsMax), without History and Notes.
func (s *Store) SubjectRequests(ctx context.Context, actor model.Actor, subjectID string) ([]model.Request, error) {
	if _, err := s.Subject(ctx, actor, subjectID); err != nil {
		return nil, err
	}
	cur, err := s.requests.Find(ctx, bson.D{{Key: "subject_id", Value: subjectID}}, options.Find().
		SetSort(bson.D{{Key: "received_at", Value: -1}}).
		SetLimit(subjectRequestsMax).
		SetProjection(listProjection()))
	if err != nil {
		return nil, fmt.Errorf("read requests of subject %s: %w", subjectID, err)
	}
	out := []model.Request{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("read requests of subject %s: %w", subjectID, err)
	}
	return out, nil
}

// CreateRequest logs a new request under the client-chosen r.ID. It sets the
// status (received), version 1, who logged it, the due date, agent and child
// flags, and the "log" history and audit events. Repeating the call with the
// same id and content returns the stored request and writes nothing; the
// same id with other content is ErrExists.
//
// A request without a SubjectID is linked to its subject when the
// requester's email or phone matches exactly one subject of the tenant
// (matchContacts); with several matches or none it stays unlinked for an
// operator to pick from MatchSubjects' candidates.
func (s *Store) CreateRequest(ctx context.Context, actor model.Actor, r model.Request) (model.Request, error) {
	actor, err := s.currentActor(ctx, actor)
	if err != nil {
		return model.Request{}, fmt.Errorf("log request %s: %w", r.ID, err)
	}
	req, _, err := s.createRequest(ctx, actor, r, createOptions{match: true})
	return req, err
}

// createOptions let a batch do once what CreateRequest does per request.
type createOptions struct {
	// match links an unlinked request to its subject by contact; a batch
	// that matched already leaves it false.
	match bool
	// earlier, when not nil, holds the requests of the subjects involved
	// (by subject id) for the two-per-12-months check, instead of a query
	// per request; a subject missing from it has none.
	earlier map[string][]model.Request
}

// createRequest is CreateRequest; created is false when an identical request
// was already stored.
func (s *Store) createRequest(ctx context.Context, actor model.Actor, r model.Request, o createOptions) (_ model.Request, created bool, _ error) {
	ctx, leave, err := s.inflight.enter(ctx)
	if err != nil {
		return model.Request{}, false, fmt.Errorf("log request %s: %w", r.ID, err)
	}
	defer leave()
	tgt := auditTarget("request", r.ID)
	if !actor.Can(model.PermTriage) {
		return model.Request{}, false, s.refuse(ctx, actor, string(model.ActLog), tgt, r.TenantID,
			actor.Refusal(model.PermTriage, model.ActLog.Label()), nil)
	}
	if err := validateNew(&r); err != nil {
		return model.Request{}, false, err
	}
	if !actor.Operator.InScope(r.TenantID) {
		_ = s.refuse(ctx, actor, string(model.ActLog), tgt, r.TenantID,
			fmt.Sprintf("tenant %s is outside operator %s's scope", r.TenantID, actor.Handle()), nil)
		return model.Request{}, false, fmt.Errorf("log request %s: %w", r.ID, notFound("tenant", r.TenantID))
	}
	tenant, err := s.tenant(ctx, r.TenantID)
	if err != nil {
		return model.Request{}, false, fmt.Errorf("log request %s: %w", r.ID, err)
	}
	linked := ""
	if r.SubjectID == "" && o.match {
		subs, err := s.matchContacts(ctx, []TenantPerson{{r.TenantID, r.Requester}})
		if err != nil {
			return model.Request{}, false, fmt.Errorf("log request %s: match the requester to a subject: %w", r.ID, err)
		}
		if len(subs[0]) == 1 {
			r.SubjectID, linked = subs[0][0].ID, "; subject matched by contact"
		}
	}
	var sub *model.Subject
	if r.SubjectID != "" {
		var found model.Subject
		err := s.subjects.FindOne(ctx, bson.D{{Key: "_id", Value: r.SubjectID}}).Decode(&found)
		if errors.Is(err, mongo.ErrNoDocuments) || (err == nil && found.TenantID != r.TenantID) {
			return model.Request{}, false, invalidf("log request %s: %s is not a subject of tenant %s", r.ID, r.SubjectID, r.TenantID)
		}
		if err != nil {
			return model.Request{}, false, fmt.Errorf("log request %s: read subject: %w", r.ID, err)
		}
		sub = &found
		r.SubjectLabel = model.SubjectLabelFor(found.Name)
	} else {
		r.SubjectLabel = model.SubjectLabelFor(r.Requester.Name)
	}
	// No read before the write: the claim on version 1 tells a retry apart
	// (errClaimTaken / errSlotUsed below), and the unique external_ref index
	// refuses a second request with the same reference (ErrExists), so the
	// common case costs no extra scan of the requests.

	now := s.now()
	req := r
	if req.ReceivedAt.IsZero() {
		req.ReceivedAt = now
	}
	req.Status = model.StatusReceived
	req.Version = 1
	req.LoggedBy = actor.Handle()
	facts := model.Facts{Tenant: tenant, Subject: sub, Actor: actor, Now: now}
	// Only a request to know of a linked subject can be over the limit;
	// asking the database for the subject's history costs a scan on
	// FerretDB, so ask only then.
	countsLimit := req.Type == model.TypeAccess && req.SubjectID != ""
	if countsLimit {
		facts.Others = o.earlier[req.SubjectID]
		if o.earlier == nil {
			if facts.Others, err = s.SubjectRequests(ctx, actor, req.SubjectID); err != nil {
				return model.Request{}, false, fmt.Errorf("log request %s: check the two-per-12-months limit: %w", r.ID, err)
			}
		}
	}
	if ref := model.Intake(facts, &req); ref != nil {
		return model.Request{}, false, fmt.Errorf("log request %s: %w", r.ID, &inputError{msg: ref.Reason, cause: ref})
	}
	c := s.newClaim(collRequests, req.ID, 1, actor.Handle(), now)
	c.Status = req.Status
	id := c.ID
	req.History = []model.Event{{ID: c.WriteID, At: now, Actor: actor.Handle(), Role: actor.Operator.Role, Action: model.ActLog, To: model.StatusReceived}}
	req.DueAt = model.ComputeDeadlines(req, tenant).Next
	req.UpdatedBy, req.UpdatedAt = actor.Handle(), now

	c.Events = []model.AuditEvent{{
		ID: c.WriteID, At: now, Actor: actor.Handle(), Role: actor.Operator.Role, Origin: actor.Origin,
		Action: string(model.ActLog), Target: tgt, TenantID: req.TenantID, Outcome: model.OutcomeOK,
		Detail: fmt.Sprintf("%s via %s → %s%s", req.Type, req.Channel, req.Status, linked),
	}}
	if c.Doc, err = bson.Marshal(req); err != nil {
		return model.Request{}, false, fmt.Errorf("log request %s: %w", r.ID, err)
	}
	_, err = s.commit(ctx, c)
	switch {
	case err == nil:
		if countsLimit && o.earlier == nil {
			// A request logged with an earlier receipt date can put a later
			// one over the limit.
			if _, ferr := s.rewriteLimitFlags(ctx, actor, append(facts.Others, req)); ferr != nil {
				s.log.Warn("re-derive the two-per-12-months flags", "subject", req.SubjectID, "err", ferr)
			}
		}
		return req, true, nil
	case errors.Is(err, errClaimTaken):
		// A concurrent or earlier attempt with this id: same content is a
		// retry. The stored request, once there, is the authority (the claim
		// may be a late writer's); until then the claim shows what is coming.
		if other, ok, lerr := s.loadClaim(ctx, id); lerr == nil && ok {
			var pending model.Request
			if v, verr := docVersion(ctx, s.requests, r.ID); verr == nil && v == 0 && bson.Unmarshal(other.Doc, &pending) == nil {
				if s.now().Sub(other.At) >= s.staleClaim {
					if _, serr := s.settleClaim(ctx, other, s.now()); serr != nil {
						s.log.Warn("settle stale claim", "claim", other.ID, "err", serr)
					}
				}
				req, err := sameOrExists(r, pending)
				return req, false, err
			}
		}
		fallthrough
	case errors.Is(err, errSlotUsed):
		existing, rerr := s.readRequest(ctx, r.ID)
		if rerr != nil {
			return model.Request{}, false, fmt.Errorf("log request %s: %w", r.ID, rerr)
		}
		req, err := sameOrExists(r, existing)
		return req, false, err
	case errors.Is(err, ErrExists) && r.ExternalRef != "":
		var other model.Request
		ferr := s.requests.FindOne(ctx, bson.D{{Key: "external_ref", Value: r.ExternalRef}},
			options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Decode(&other)
		if ferr == nil {
			return model.Request{}, false, fmt.Errorf("log request %s: %w: external reference %q is request %s", r.ID, ErrExists, r.ExternalRef, other.ID)
		}
	}
	return model.Request{}, false, fmt.Errorf("log request %s: %w", r.ID, err)
}

// validateNew checks the caller's part of a new request and normalises it.
func validateNew(r *model.Request) error {
	if !requestIDPattern.MatchString(r.ID) {
		return invalidf("request id %q: use 1–64 letters, digits, '.', '_', ':' or '-'", r.ID)
	}
	if r.TenantID == "" {
		return invalidf("request %s has no tenant", r.ID)
	}
	if !slices.Contains(model.RequestTypes(), r.Type) {
		return invalidf("request %s: unknown type %q", r.ID, r.Type)
	}
	if !slices.Contains(model.Channels(), r.Channel) {
		return invalidf("request %s: unknown channel %q", r.ID, r.Channel)
	}
	if strings.TrimSpace(r.Requester.Name) == "" && r.Requester.Email == "" && r.Requester.Phone == "" {
		return invalidf("request %s: the requester needs a name, email or phone", r.ID)
	}
	if (r.Status != "" && r.Status != model.StatusReceived) || r.Version != 0 || len(r.History) > 0 ||
		r.Verification != nil || r.Decision != nil || r.Extension != nil || r.AcknowledgedAt != nil || r.RespondedAt != nil || r.ClosedOn != nil {
		return invalidf("request %s: a new request cannot carry lifecycle data (status, version, history, verification, decision, extension, acknowledgement, response)", r.ID)
	}
	if !r.ReceivedAt.IsZero() {
		r.ReceivedAt = r.ReceivedAt.UTC().Truncate(time.Millisecond)
	}
	if r.Flags == nil {
		r.Flags = []model.Flag{}
	}
	if r.Notes == nil {
		r.Notes = []model.Note{}
	}
	return nil
}

// sameOrExists answers a repeated create: the stored request if it is the
// same request, ErrExists otherwise.
func sameOrExists(want, have model.Request) (model.Request, error) {
	type content struct {
		TenantID, SubjectID, ExternalRef, ResidencyState string
		Type                                             model.RequestType
		Channel                                          model.Channel
		Requester                                        model.Person
		Agent                                            *model.Agent
		Corrections                                      map[string]string
		AccessScope                                      model.AccessScope
	}
	pick := func(r model.Request) content {
		c := content{r.TenantID, r.SubjectID, r.ExternalRef, r.ResidencyState, r.Type, r.Channel, r.Requester, r.Agent, r.Corrections, r.AccessScope}
		if len(c.Corrections) == 0 {
			c.Corrections = nil
		}
		return c
	}
	// What the controller derives when the caller left it out (the state
	// whose law applies, a request to know's default scope) is no difference.
	if want.ResidencyState == "" {
		want.ResidencyState = have.ResidencyState
	}
	if want.AccessScope == "" {
		want.AccessScope = have.AccessScope
	}
	same := reflect.DeepEqual(pick(want), pick(have)) &&
		(want.ReceivedAt.IsZero() || want.ReceivedAt.Equal(have.ReceivedAt))
	if !same {
		return model.Request{}, fmt.Errorf("log request %s: %w with different content", want.ID, ErrExists)
	}
	return have, nil
}

// Transition is Apply without changes of the caller's own.
func (s *Store) Transition(ctx context.Context, actor model.Actor, id string, version int64, a model.Action, reason string) (model.Request, error) {
	return s.Apply(ctx, actor, id, version, a, reason, nil)
}

// Apply performs action a on request id, which the caller read at version.
//
// The rules are the model's rule book (model.Check, model.Decide); Apply
// reads what they need, checks tenant scope (outside it the request is not
// found) and the version (a stale version is a *ConflictError naming who
// changed it), and stores the result. A rule refusal is a *RefusedError on
// the audit chain; a refusal of the input is ErrInvalid and writes nothing;
// both wrap the *model.Refusal. edit (may be nil) changes a copy —
// recording a verification, a decision, an assignment. The new version
// carries a history event and a recomputed due date, and is written together
// with its audit event in one claimed write (see claim), so exactly one of
// several concurrent callers at the same version wins.
func (s *Store) Apply(ctx context.Context, actor model.Actor, id string, version int64, a model.Action, reason string, edit func(*model.Request) error) (model.Request, error) {
	// Counted from the start, not only from its claim: a refusal is a
	// write too (an audit event), and a started action should finish.
	ctx, leave, err := s.inflight.enter(ctx)
	if err != nil {
		return model.Request{}, fmt.Errorf("%s %s: %w", a.Label(), id, err)
	}
	defer leave()
	tgt := auditTarget("request", id)
	actor, err = s.currentActor(ctx, actor)
	if err != nil {
		return model.Request{}, fmt.Errorf("%s %s: %w", a.Label(), id, err)
	}
	if _, ok := model.TransitionFor(a); !ok {
		return model.Request{}, invalidf("%s: unknown action %q", id, a)
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > maxTextLen {
		return model.Request{}, invalidf("%s %s: the reason is longer than %d characters", a.Label(), id, maxTextLen)
	}
	cur, err := s.readRequest(ctx, id)
	if err != nil {
		return model.Request{}, err
	}
	if !actor.Operator.InScope(cur.TenantID) {
		_ = s.refuse(ctx, actor, string(a), tgt, cur.TenantID,
			fmt.Sprintf("tenant %s is outside operator %s's scope", cur.TenantID, actor.Handle()), nil)
		return model.Request{}, notFound("request", id)
	}
	tenant, err := s.tenant(ctx, cur.TenantID)
	if err != nil {
		return model.Request{}, fmt.Errorf("%s %s: %w", a.Label(), id, err)
	}
	facts := model.Facts{Request: cur, Tenant: tenant, Actor: actor, Now: s.now(), Edited: edit != nil}
	// The role is decided before the version: a role refusal does not
	// depend on what the request is now.
	if t, _ := model.TransitionFor(a); !actor.Can(t.Perm) {
		return model.Request{}, s.refusal(ctx, actor, a, cur, model.Check(a, facts))
	}
	if version != cur.Version {
		return model.Request{}, s.conflictFromDoc(cur)
	}
	if ref := model.Check(a, facts); ref != nil {
		return model.Request{}, s.refusal(ctx, actor, a, cur, ref)
	}

	nr, err := cloneRequest(cur)
	if err != nil {
		return model.Request{}, fmt.Errorf("%s %s: %w", a.Label(), id, err)
	}
	if edit != nil {
		if err := edit(&nr); err != nil {
			return model.Request{}, fmt.Errorf("%s %s: %w", a.Label(), id, err)
		}
	}
	if err := s.readFacts(ctx, a, &facts, nr); err != nil {
		return model.Request{}, fmt.Errorf("%s %s: %w", a.Label(), id, err)
	}
	detail, ref := model.Decide(a, facts, &nr, reason)
	if ref != nil {
		return model.Request{}, s.refusal(ctx, actor, a, cur, ref)
	}
	now, handle, role := facts.Now, actor.Handle(), actor.Operator.Role
	next, _ := model.Next(cur.Status, a, role)
	nr.Version = cur.Version + 1
	nr.Status = next
	c := s.newClaim(collRequests, id, nr.Version, handle, now)
	c.Status = next
	nr.History = append(nr.History, model.Event{ID: c.WriteID, At: now, Actor: handle, Role: role, Action: a, From: cur.Status, To: next, Reason: reason})
	nr.DueAt = model.ComputeDeadlines(nr, tenant).Next
	nr.UpdatedBy, nr.UpdatedAt = handle, now
	if next != cur.Status {
		detail = strings.TrimSuffix(string(cur.Status)+"→"+string(next)+"; "+detail, "; ")
	}
	auditReason := reason
	if a == model.ActNote {
		auditReason = "" // a note may quote the requester; the chain never holds PI
	}
	c.Events = []model.AuditEvent{{
		ID: c.WriteID, At: now, Actor: handle, Role: role, Origin: actor.Origin, Action: string(a), Target: tgt,
		TenantID: cur.TenantID, Outcome: model.OutcomeOK, Reason: auditReason, Detail: detail,
	}}
	// The plan's body before the request that refers to it (plans.go).
	if err := s.storePlan(ctx, &nr); err != nil {
		return model.Request{}, fmt.Errorf("%s %s: %w", a.Label(), id, err)
	}
	if c.Doc, err = bson.Marshal(nr); err != nil {
		return model.Request{}, fmt.Errorf("%s %s: %w", a.Label(), id, err)
	}
	if _, err := s.commit(ctx, c); err != nil {
		if errors.Is(err, errClaimTaken) || errors.Is(err, errSlotUsed) {
			return model.Request{}, s.conflictAfterClaim(ctx, id, c.ID)
		}
		return model.Request{}, fmt.Errorf("%s %s: %w", a.Label(), id, err)
	}
	if limitMayChange(cur, nr) {
		if updated, err := s.refreshLimitFlags(ctx, actor, nr.SubjectID); err != nil {
			s.log.Warn("re-derive the two-per-12-months flags", "subject", nr.SubjectID, "err", err)
		} else if r, ok := updated[nr.ID]; ok {
			nr = r
		}
	}
	return nr, nil
}

// readFacts reads what the action's rules decide on besides the request
// and its tenant: the subject being verified or linked, and the operator a
// request is assigned to.
func (s *Store) readFacts(ctx context.Context, a model.Action, f *model.Facts, next model.Request) error {
	row, _ := model.RulesFor(a)
	if row.NeedsSubject && next.SubjectID != "" {
		var sub model.Subject
		err := s.subjects.FindOne(ctx, bson.D{{Key: "_id", Value: next.SubjectID}}).Decode(&sub)
		switch {
		case errors.Is(err, mongo.ErrNoDocuments):
		case err != nil:
			return fmt.Errorf("read subject %s: %w", next.SubjectID, err)
		default:
			f.Subject = &sub
		}
	}
	if a == model.ActAssign && next.AssignedTo != "" && next.AssignedTo != f.Request.AssignedTo && next.AssignedTo != f.Actor.Handle() {
		op, err := s.Operator(ctx, next.AssignedTo)
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return err
		default:
			f.Assignee = &op
		}
	}
	return nil
}

// refusal turns the rule book's refusal into the controller's error: a
// refusal of the input writes nothing; a rule's refusal is audited, naming
// the rule, the same way through every door.
func (s *Store) refusal(ctx context.Context, actor model.Actor, a model.Action, r model.Request, ref *model.Refusal) error {
	if ref.Input {
		return fmt.Errorf("%s %s: %w", a.Label(), r.ID, &inputError{msg: ref.Reason, cause: ref})
	}
	return s.refuseRule(ctx, actor, string(a), auditTarget("request", r.ID), r.TenantID, ref)
}

// cloneRequest deep-copies r for an edit: a round trip through BSON copies
// every slice, map and pointer, including fields added to the model later;
// the plan, which is not stored in the request, is copied on its own.
func cloneRequest(r model.Request) (model.Request, error) {
	b, err := bson.Marshal(r)
	if err != nil {
		return model.Request{}, err
	}
	var out model.Request
	if err = bson.Unmarshal(b, &out); err != nil {
		return model.Request{}, err
	}
	out.Plan = r.Plan.Clone()
	return out, nil
}

func (s *Store) conflictFromDoc(r model.Request) *ConflictError {
	return &ConflictError{Kind: "request", ID: r.ID, By: r.UpdatedBy, At: r.UpdatedAt, Status: r.Status, Version: r.Version, now: s.now()}
}

// conflictAfterClaim names the writer that owns the version this write
// wanted: from its claim while the write is in flight, else from the
// document it wrote. A claim left stale by a crashed writer is finished
// first, so the caller's reload shows the winner's result.
func (s *Store) conflictAfterClaim(ctx context.Context, id, claimID string) error {
	c, ok, err := s.loadClaim(ctx, claimID)
	if err == nil && ok {
		// The claim is read first: once the document shows its version, the
		// document is the authority, since the claim may be a late writer's
		// that is about to find the version taken and withdraw.
		if v, err := docVersion(ctx, s.requests, id); err == nil && v < c.Version {
			if s.now().Sub(c.At) >= s.staleClaim {
				if _, err := s.settleClaim(ctx, c, s.now()); err != nil {
					s.log.Warn("settle stale claim", "claim", c.ID, "err", err)
				}
			}
			return &ConflictError{Kind: "request", ID: id, By: c.By, At: c.At, Status: c.Status, Version: c.Version, now: s.now()}
		}
	}
	cur, err := s.readRequest(ctx, id)
	if err != nil {
		return fmt.Errorf("request %s changed meanwhile, and reading it failed: %w", id, err)
	}
	return s.conflictFromDoc(cur)
}
