package db

import (
	"context"
	"errors"
	"fmt"
	"maps"
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
	return bson.D{{Key: "history", Value: 0}, {Key: "notes", Value: 0}}
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
		after := f.AfterDue.UTC()
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "due_at", Value: bson.D{{Key: "$gt", Value: after}}}},
			bson.D{{Key: "due_at", Value: after}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: f.AfterID}}}},
		}})
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
	if r.SubjectID != "" {
		var sub model.Subject
		err := s.subjects.FindOne(ctx, bson.D{{Key: "_id", Value: r.SubjectID}}).Decode(&sub)
		if errors.Is(err, mongo.ErrNoDocuments) || (err == nil && sub.TenantID != r.TenantID) {
			return model.Request{}, false, invalidf("log request %s: %s is not a subject of tenant %s", r.ID, r.SubjectID, r.TenantID)
		}
		if err != nil {
			return model.Request{}, false, fmt.Errorf("log request %s: read subject: %w", r.ID, err)
		}
		r.SubjectLabel = model.SubjectLabelFor(sub.Name)
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
	if req.Agent != nil && !req.HasFlag(model.FlagAgent) {
		req.Flags = append(req.Flags, model.Flag{Kind: model.FlagAgent, Reason: "submitted by an authorized agent: verify the agent and the subject (§7063)"})
	}
	if req.Type == model.TypeChildDeletion && !req.HasFlag(model.FlagChild) {
		req.Flags = append(req.Flags, model.Flag{Kind: model.FlagChild, Reason: "data a child under 14 provided: delete as soon as reasonably practicable"})
	}
	// Only a California request to know can be over the limit; asking the
	// database for the subject's history costs a scan on FerretDB, so ask only then.
	if req.SubjectID != "" && !req.HasFlag(model.FlagOverLimit) && model.CheckKnowLimit(req, nil).Applies {
		earlier := o.earlier[req.SubjectID]
		if o.earlier == nil {
			var err error
			if earlier, err = s.SubjectRequests(ctx, actor, req.SubjectID); err != nil {
				return model.Request{}, false, fmt.Errorf("log request %s: check the two-per-12-months limit: %w", r.ID, err)
			}
		}
		if f, ok := model.OverLimitFlag(req, earlier); ok {
			req.Flags = append(req.Flags, f)
		}
	}
	id := claimID(collRequests, req.ID, 1)
	req.History = []model.Event{{ID: id, At: now, Actor: actor.Handle(), Role: actor.Operator.Role, Action: model.ActLog, To: model.StatusReceived}}
	req.DueAt = model.ComputeDeadlines(req, tenant).Next
	req.UpdatedBy, req.UpdatedAt = actor.Handle(), now

	c := claim{ID: id, Coll: collRequests, DocID: req.ID, Version: 1, By: actor.Handle(), At: now, Status: req.Status}
	c.Events = []model.AuditEvent{{
		ID: id, At: now, Actor: actor.Handle(), Role: actor.Operator.Role, Origin: actor.Origin,
		Action: string(model.ActLog), Target: tgt, TenantID: req.TenantID, Outcome: model.OutcomeOK,
		Detail: fmt.Sprintf("%s via %s → %s%s", req.Type, req.Channel, req.Status, linked),
	}}
	if c.Doc, err = bson.Marshal(req); err != nil {
		return model.Request{}, false, fmt.Errorf("log request %s: %w", r.ID, err)
	}
	_, err = s.commit(ctx, c)
	switch {
	case err == nil:
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
	if r.Agent != nil && strings.TrimSpace(r.Agent.PermissionEvidence) == "" {
		return invalidf("request %s: an authorized agent needs the subject's written permission (§7063): record where it is", r.ID)
	}
	if r.Type == model.TypeRectification && len(r.Corrections) == 0 {
		return invalidf("request %s: a correction must say which fields to change", r.ID)
	}
	if (r.Status != "" && r.Status != model.StatusReceived) || r.Version != 0 || len(r.History) > 0 ||
		r.Verification != nil || r.Decision != nil || r.Extension != nil || r.AcknowledgedAt != nil || r.RespondedAt != nil {
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
	}
	pick := func(r model.Request) content {
		c := content{r.TenantID, r.SubjectID, r.ExternalRef, r.ResidencyState, r.Type, r.Channel, r.Requester, r.Agent, r.Corrections}
		if len(c.Corrections) == 0 {
			c.Corrections = nil
		}
		return c
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
// Checks, in order: tenant scope (outside it the request is not found), the
// actor's permission and session, the version (a stale version is a
// *ConflictError naming who changed it), the lifecycle table, the four-eyes
// rule for Customer decisions and the one-extension rule. Refusals are
// *RefusedError and are audited. edit (may be nil) then changes a copy —
// recording a verification, a decision, an assignment — and the action's own
// rules check the result (bad input is ErrInvalid, not audited). The new
// version carries a history event and a recomputed due date, and is written
// together with its audit event in one claimed write (see claim), so exactly
// one of several concurrent callers at the same version wins.
func (s *Store) Apply(ctx context.Context, actor model.Actor, id string, version int64, a model.Action, reason string, edit func(*model.Request) error) (model.Request, error) {
	tgt := auditTarget("request", id)
	t, ok := model.TransitionFor(a)
	if !ok {
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
	role := actor.Operator.Role
	if !actor.Can(t.Perm) {
		// The model's TransitionError rides along so callers can tell a role
		// refusal from a state one with errors.As.
		_, nerr := model.Next(cur.Status, a, role)
		return model.Request{}, s.refuse(ctx, actor, string(a), tgt, cur.TenantID, actor.Refusal(t.Perm, a.Label()), nerr)
	}
	if version != cur.Version {
		return model.Request{}, s.conflictFromDoc(cur)
	}
	next, err := model.Next(cur.Status, a, role)
	if err != nil {
		return model.Request{}, s.refuse(ctx, actor, string(a), tgt, cur.TenantID, err.Error(), err)
	}
	handle := actor.Handle()
	if a == model.ActApprove || a == model.ActDeny {
		switch {
		case cur.LoggedBy == handle:
			return model.Request{}, s.refuse(ctx, actor, string(a), tgt, cur.TenantID,
				fmt.Sprintf("four eyes: %s logged this request, so another privacy lead must record the Customer's decision", handle), nil)
		case cur.Verification != nil && cur.Verification.By == handle:
			return model.Request{}, s.refuse(ctx, actor, string(a), tgt, cur.TenantID,
				fmt.Sprintf("four eyes: %s verified the requester's identity, so another privacy lead must record the Customer's decision", handle), nil)
		}
	}
	tenant, err := s.tenant(ctx, cur.TenantID)
	if err != nil {
		return model.Request{}, fmt.Errorf("%s %s: %w", a.Label(), id, err)
	}
	now := s.now()
	if a == model.ActExtend {
		d := model.ComputeDeadlines(cur, tenant)
		switch {
		case d.Extended:
			return model.Request{}, s.refuse(ctx, actor, string(a), tgt, cur.TenantID, "the response deadline has already been extended once; only one extension is allowed", nil)
		case !d.CanExtend(now):
			return model.Request{}, s.refuse(ctx, actor, string(a), tgt, cur.TenantID,
				fmt.Sprintf("an extension must be made within the first 45 days, which ended %s", d.Legal45.In(tenant.Location()).Format(time.DateOnly)), nil)
		}
	}

	nr, err := cloneRequest(cur)
	if err != nil {
		return model.Request{}, fmt.Errorf("%s %s: %w", a.Label(), id, err)
	}
	if edit != nil {
		if err := edit(&nr); err != nil {
			return model.Request{}, fmt.Errorf("%s %s: %w", a.Label(), id, err)
		}
		if err := checkImmutable(a, cur, nr); err != nil {
			return model.Request{}, fmt.Errorf("%s %s: %w", a.Label(), id, err)
		}
	}
	detail, err := s.prepare(ctx, a, cur, &nr, actor, now, reason, edit != nil)
	if err != nil {
		return model.Request{}, fmt.Errorf("%s %s: %w", a.Label(), id, err)
	}

	nr.Version = cur.Version + 1
	nr.Status = next
	evID := claimID(collRequests, id, nr.Version)
	nr.History = append(nr.History, model.Event{ID: evID, At: now, Actor: handle, Role: role, Action: a, From: cur.Status, To: next, Reason: reason})
	nr.DueAt = model.ComputeDeadlines(nr, tenant).Next
	nr.UpdatedBy, nr.UpdatedAt = handle, now
	if detail == "" && next != cur.Status {
		detail = string(cur.Status) + "→" + string(next)
	}
	auditReason := reason
	if a == model.ActNote {
		auditReason = "" // a note may quote the requester; the chain never holds PI
	}
	c := claim{ID: evID, Coll: collRequests, DocID: id, Version: nr.Version, By: handle, At: now, Status: next}
	c.Events = []model.AuditEvent{{
		ID: evID, At: now, Actor: handle, Role: role, Origin: actor.Origin, Action: string(a), Target: tgt,
		TenantID: cur.TenantID, Outcome: model.OutcomeOK, Reason: auditReason, Detail: detail,
	}}
	if c.Doc, err = bson.Marshal(nr); err != nil {
		return model.Request{}, fmt.Errorf("%s %s: %w", a.Label(), id, err)
	}
	if _, err := s.commit(ctx, c); err != nil {
		if errors.Is(err, errClaimTaken) || errors.Is(err, errSlotUsed) {
			return model.Request{}, s.conflictAfterClaim(ctx, id, evID)
		}
		return model.Request{}, fmt.Errorf("%s %s: %w", a.Label(), id, err)
	}
	return nr, nil
}

// prepare applies an action's own rules to the edited copy nr and returns the
// audit detail, if it is more than "from→to". Errors are bad input.
func (s *Store) prepare(ctx context.Context, a model.Action, cur model.Request, nr *model.Request, actor model.Actor, now time.Time, reason string, edited bool) (string, error) {
	handle := actor.Handle()
	needReason := func(what string) error {
		if reason == "" {
			return invalidf("needs a reason: %s", what)
		}
		return nil
	}
	if a != model.ActRemind && !sameReminders(nr.Reminders, cur.Reminders) {
		return "", invalidf("only a reminder may change the reminders")
	}
	switch a {
	case model.ActRemind:
		return s.prepareRemind(ctx, cur, nr, handle, now)
	// issue 5: fulfilment (fulfil.go).
	case model.ActPlan:
		return preparePlan(cur, nr, handle, edited)
	case model.ActSignOff:
		return s.prepareSignOff(ctx, cur, nr, actor, now, edited)
	case model.ActFulfilStep:
		return prepareStep(cur, nr, handle, now)
	case model.ActStartFulfilment:
		if err := requireSignedPlan(cur.Plan); err != nil {
			return "", err
		}
		return fmt.Sprintf("%s→%s, plan %s signed off by %s", cur.Status, model.StatusFulfilling, cur.Plan.ID, cur.Plan.SignedBy), nil
	case model.ActAcknowledge:
		if nr.AcknowledgedAt == nil {
			nr.AcknowledgedAt = &now
		}
	case model.ActRequestInfo:
		if err := needReason("what the requester must provide"); err != nil {
			return "", err
		}
		nr.InfoRequested = reason
	case model.ActInfoReceived:
		nr.InfoRequested = ""
	case model.ActVerify:
		v := nr.Verification
		if v == nil || reflect.DeepEqual(v, cur.Verification) {
			return "", invalidf("needs the verification: method, matched data points and level")
		}
		if strings.TrimSpace(v.Method) == "" {
			return "", invalidf("say how identity was checked (method)")
		}
		switch v.Level {
		case model.LevelReasonable:
			if len(v.DataPoints) < 2 {
				return "", invalidf("a reasonable degree of certainty needs 2 matched data points (§7062), got %d", len(v.DataPoints))
			}
		case model.LevelHigh:
			if len(v.DataPoints) < 3 || !v.SignedDecl {
				return "", invalidf("a high degree of certainty needs 3 matched data points and a signed declaration (§7062)")
			}
		default:
			return "", invalidf("the verification level must be %q or %q", model.LevelReasonable, model.LevelHigh)
		}
		if nr.Agent != nil && !v.AgentChecked {
			return "", invalidf("the authorized agent must be verified too (§7063)")
		}
		for _, dp := range v.DataPoints {
			if _, ok := nr.Corrections[dp]; ok {
				return "", invalidf("%q is being corrected; verify with other data", dp)
			}
		}
		v.By, v.At = handle, now
	case model.ActApprove, model.ActDeny:
		want := model.DecisionApproved
		if a == model.ActDeny {
			want = model.DecisionDenied
			if err := needReason("the Customer's reason for denying"); err != nil {
				return "", err
			}
		}
		d := nr.Decision
		if d == nil || reflect.DeepEqual(d, cur.Decision) {
			return "", invalidf("needs the Customer's decision: who decided, how, and the evidence")
		}
		if d.Outcome == "" {
			d.Outcome = want
		}
		switch {
		case d.Outcome != want:
			return "", invalidf("the decision says %q", d.Outcome)
		case strings.TrimSpace(d.Approver) == "" || strings.TrimSpace(d.Method) == "" || strings.TrimSpace(d.Evidence) == "":
			return "", invalidf("record who at the Customer decided, how (email, ticket, letter) and where the evidence is")
		case d.DecidedAt.After(now.Add(time.Minute)):
			return "", invalidf("the decision date is in the future")
		}
		// The evidence must name a known method and a reference that
		// finds it; stored in the method's canonical spelling.
		e, err := model.ParseEvidence(d.Method, d.Evidence)
		if err != nil {
			return "", invalidf("the Customer's evidence: %v", err)
		}
		d.SetEvidence(e)
		if d.DecidedAt.IsZero() {
			d.DecidedAt = now
		}
		d.DecidedAt = d.DecidedAt.UTC().Truncate(time.Millisecond)
		if a == model.ActDeny {
			if d.Reason == "" {
				d.Reason = reason
			}
			nr.DenialReason = reason
		}
		d.RecordedBy, d.RecordedAt = handle, now
	case model.ActDenyUnverifiable:
		if err := needReason("why identity could not be verified"); err != nil {
			return "", err
		}
		nr.DenialReason = reason
	case model.ActRefuseExcessive:
		if err := needReason("why the request is baseless, repetitive or excessive"); err != nil {
			return "", err
		}
		nr.DenialReason = reason
	case model.ActExtend:
		if err := needReason("the requester is told why"); err != nil {
			return "", err
		}
		notice := now
		if nr.Extension != nil && !nr.Extension.NoticeSent.IsZero() {
			notice = nr.Extension.NoticeSent.UTC().Truncate(time.Millisecond)
		}
		nr.Extension = &model.Extension{By: handle, At: now, Reason: reason, NoticeSent: notice}
	case model.ActFail:
		if err := needReason("what went wrong"); err != nil {
			return "", err
		}
		nr.FailureReason = reason
	case model.ActRetry:
		// A plan made after the failure needs its sign-off before it runs.
		if err := requireSignedPlan(cur.Plan); err != nil {
			return "", err
		}
		nr.FailureReason = ""
	case model.ActAssign:
		if !edited && nr.AssignedTo == cur.AssignedTo {
			nr.AssignedTo = handle
		}
		if nr.AssignedTo == "" {
			return "unassigned", nil
		}
		if nr.AssignedTo != cur.AssignedTo && nr.AssignedTo != handle {
			op, err := s.Operator(ctx, nr.AssignedTo)
			switch {
			case errors.Is(err, ErrNotFound):
				return "", invalidf("there is no operator %q", nr.AssignedTo)
			case err != nil:
				return "", err
			case op.Disabled || !op.InScope(nr.TenantID) || !op.Role.Can(model.PermTriage):
				return "", invalidf("%s cannot work on this request (disabled, out of scope or read-only role)", op.Handle)
			}
		}
		return "assigned to " + nr.AssignedTo, nil
	case model.ActNote:
		if err := needReason("the note's text"); err != nil {
			return "", err
		}
		if len(nr.Notes) == len(cur.Notes) {
			nr.Notes = append(nr.Notes, model.Note{By: handle, At: now, Text: reason})
		}
		return "note added", nil
	case model.ActComplete:
		if err := prepareComplete(cur, nr); err != nil {
			return "", err
		}
	case model.ActWithdraw:
		if nr.Outcome == "" {
			nr.Outcome = "withdrawn"
		}
	}
	if t, _ := model.TransitionFor(a); t.To == model.StatusDenied && nr.Outcome == "" {
		nr.Outcome = "denied"
	}
	if t, _ := model.TransitionFor(a); (t.To == model.StatusCompleted || t.To == model.StatusDenied) && nr.RespondedAt == nil {
		nr.RespondedAt = &now
	}
	if a == model.ActExtend {
		return "response deadline extended", nil
	}
	return "", nil
}

// cloneRequest deep-copies r for an edit: a round trip through BSON copies
// every slice, map and pointer, including fields added to the model later.
func cloneRequest(r model.Request) (model.Request, error) {
	b, err := bson.Marshal(r)
	if err != nil {
		return model.Request{}, err
	}
	var out model.Request
	err = bson.Unmarshal(b, &out)
	return out, err
}

// checkImmutable refuses edits to what only the controller may set. The
// fulfilment record (plan, access package, what was withheld) changes only
// through the fulfilment actions, whose prepare checks what they change.
func checkImmutable(a model.Action, before, after model.Request) error {
	var field string
	switch {
	case after.ID != before.ID:
		field = "id"
	case after.TenantID != before.TenantID:
		field = "tenant"
	case after.Type != before.Type:
		field = "type"
	case after.Channel != before.Channel:
		field = "channel"
	case after.Status != before.Status:
		field = "status"
	case after.Version != before.Version:
		field = "version"
	case !after.ReceivedAt.Equal(before.ReceivedAt):
		field = "received date"
	case after.LoggedBy != before.LoggedBy:
		field = "logged-by"
	case after.UpdatedBy != before.UpdatedBy || !after.UpdatedAt.Equal(before.UpdatedAt):
		field = "last-change stamp"
	case !reflect.DeepEqual(after.History, before.History):
		field = "history"
	case len(after.Notes) < len(before.Notes):
		field = "earlier notes"
	case !maps.Equal(after.Corrections, before.Corrections):
		field = "requested corrections"
	case a != model.ActPlan && a != model.ActSignOff && a != model.ActFulfilStep && !samePlan(after.Plan, before.Plan):
		field = "fulfilment plan"
	case a != model.ActFulfilStep && !sameExport(after.Export, before.Export):
		field = "access package record"
	case !sameWithheld(after.Withheld, before.Withheld):
		field = "withheld data (the plan decides it)"
	}
	if field != "" {
		return invalidf("an edit cannot change the request's %s", field)
	}
	return nil
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
