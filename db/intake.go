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

// matchBatchMax bounds how many people one matchContacts query covers, so
// its $in lists stay far below MongoDB's 16 MB command limit.
const matchBatchMax = 500

// MatchSubjects returns the subjects of tenantID that a requester p may be:
// those holding p's email address (any case) or phone number (any
// punctuation, with or without the +1 country code) — both indexed — and,
// only when p gives neither, those whose name equals p's ignoring case,
// accents, punctuation and spacing (model.NameKey). At most 50, by id. Outside the actor's scope the tenant is not
// found; an unreadable email or phone is ErrInvalid.
func (s *Store) MatchSubjects(ctx context.Context, actor model.Actor, tenantID string, p model.Person) ([]model.Subject, error) {
	if err := s.canRead(ctx, actor, auditTarget("tenant", tenantID)); err != nil {
		return nil, err
	}
	if !actor.Operator.InScope(tenantID) {
		return nil, s.outOfScope(ctx, actor, "tenant", tenantID, tenantID)
	}
	if strings.TrimSpace(p.Email) != "" {
		if _, err := model.ParseEmail(p.Email); err != nil {
			return nil, invalidf("match subjects: %v", err)
		}
	}
	if strings.TrimSpace(p.Phone) != "" {
		if _, err := model.PhoneKey(p.Phone); err != nil {
			return nil, invalidf("match subjects: %v", err)
		}
	}
	if strings.TrimSpace(p.Email) != "" || strings.TrimSpace(p.Phone) != "" {
		subs, err := s.matchContacts(ctx, []TenantPerson{{tenantID, p}})
		if err != nil {
			return nil, fmt.Errorf("match subjects of tenant %s: %w", tenantID, err)
		}
		return subs[0], nil
	}
	key := model.NameKey(p.Name)
	if key == "" {
		return nil, invalidf("match subjects: give the requester's email, phone or name")
	}
	return s.matchName(ctx, tenantID, key)
}

// matchName finds subjects of a tenant by name key (model.NameKey): one
// equality on the {tenant_id, name_key} index, however many subjects the
// tenant has. Subjects stored before name_key existed get it from the
// backfill EnsureSchema runs.
func (s *Store) matchName(ctx context.Context, tenantID, key string) ([]model.Subject, error) {
	filter := bson.D{{Key: "tenant_id", Value: tenantID}, {Key: "name_key", Value: key}}
	cur, err := s.subjects.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(lookupMax))
	if err != nil {
		return nil, fmt.Errorf("match subjects of tenant %s by name: %w", tenantID, err)
	}
	out := []model.Subject{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("match subjects of tenant %s by name: %w", tenantID, err)
	}
	return out, nil
}

// contactKeys are a person's email and phone as subjects store them; a value
// that does not parse matches nothing.
func contactKeys(p model.Person) (email, phone string) {
	if e, err := model.ParseEmail(p.Email); err == nil {
		email = model.EmailKey(e)
	}
	if k, err := model.PhoneKey(p.Phone); err == nil {
		phone = k
	}
	return email, phone
}

// TenantPerson is a requester of one tenant, for matching many at once.
type TenantPerson struct {
	TenantID string
	Person   model.Person
}

// matchContacts finds, for each requester, the subjects of their tenant
// holding their email or phone, in one query per matchBatchMax requesters
// whatever their tenants (one scan on FerretDB instead of one per person or
// tenant). No scope check: callers check it.
func (s *Store) matchContacts(ctx context.Context, people []TenantPerson) ([][]model.Subject, error) {
	out := make([][]model.Subject, len(people))
	for start := 0; start < len(people); start += matchBatchMax {
		end := min(start+matchBatchMax, len(people))
		if err := s.matchContactsChunk(ctx, people[start:end], out[start:end]); err != nil {
			return nil, err
		}
	}
	for i := range out {
		if out[i] == nil {
			out[i] = []model.Subject{}
		}
	}
	return out, nil
}

func (s *Store) matchContactsChunk(ctx context.Context, people []TenantPerson, out [][]model.Subject) error {
	var emails, phones, tenants []string
	keys := make([][2]string, len(people))
	for i, p := range people {
		e, ph := contactKeys(p.Person)
		keys[i] = [2]string{e, ph}
		if e != "" {
			emails = append(emails, e)
		}
		if ph != "" {
			phones = append(phones, ph)
		}
		if e != "" || ph != "" {
			tenants = append(tenants, p.TenantID)
		}
	}
	var or bson.A
	if len(emails) > 0 {
		or = append(or, bson.D{{Key: "emails", Value: bson.D{{Key: "$in", Value: emails}}}})
	}
	if len(phones) > 0 {
		or = append(or, bson.D{{Key: "phones", Value: bson.D{{Key: "$in", Value: phones}}}})
	}
	if len(or) == 0 {
		return nil
	}
	tenants = slices.Compact(slices.Sorted(slices.Values(tenants)))
	filter := bson.D{{Key: "tenant_id", Value: bson.D{{Key: "$in", Value: tenants}}}, {Key: "$or", Value: or}}
	cur, err := s.subjects.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return fmt.Errorf("match %d requesters to subjects: %w", len(people), err)
	}
	var subs []model.Subject
	if err := cur.All(ctx, &subs); err != nil {
		return fmt.Errorf("match %d requesters to subjects: %w", len(people), err)
	}
	for i, k := range keys {
		for _, sub := range subs {
			if len(out[i]) >= lookupMax {
				break
			}
			if sub.TenantID != people[i].TenantID {
				continue
			}
			if (k[0] != "" && slices.Contains(sub.Emails, k[0])) || (k[1] != "" && slices.Contains(sub.Phones, k[1])) {
				out[i] = append(out[i], sub)
			}
		}
	}
	return nil
}

// ImportResult is what became of one request of CreateRequests.
type ImportResult struct {
	Request model.Request
	// Created is false when the same request was already stored (a re-import).
	Created bool
	Err     error
}

// CreateRequests logs a batch of new requests, each exactly as
// CreateRequest would (same checks, same idempotency), with two reads for
// the whole batch instead of two per request: the subjects of all unlinked
// requests are matched by contact in one query, and the earlier requests of
// every subject involved are read in one query for the two-per-12-months
// check — which therefore also counts the batch's own earlier requests. A
// request's failure is in its result and does not stop the others; the
// error is for a failure of the whole batch (the actor may not log
// requests, the context ended). progress, if not nil, is called after each
// request.
func (s *Store) CreateRequests(ctx context.Context, actor model.Actor, rs []model.Request, progress func(done, total int)) ([]ImportResult, error) {
	actor, err := s.currentActor(ctx, actor)
	if err != nil {
		return nil, fmt.Errorf("log requests: %w", err)
	}
	if !actor.Can(model.PermTriage) {
		return nil, s.refuse(ctx, actor, string(model.ActLog), "requests", "",
			actor.Refusal(model.PermTriage, model.ActLog.Label()), nil)
	}
	linked := slices.Clone(rs)
	var people []TenantPerson
	var idx []int
	for i, r := range rs {
		if r.SubjectID == "" && actor.Operator.InScope(r.TenantID) {
			people = append(people, TenantPerson{r.TenantID, r.Requester})
			idx = append(idx, i)
		}
	}
	subs, err := s.matchContacts(ctx, people)
	if err != nil {
		return nil, fmt.Errorf("log %d requests: %w", len(rs), err)
	}
	for j, i := range idx {
		if len(subs[j]) == 1 {
			linked[i].SubjectID = subs[j][0].ID
		}
	}
	earlier, err := s.limitHistories(ctx, linked)
	if err != nil {
		return nil, fmt.Errorf("log %d requests: check the two-per-12-months limit: %w", len(rs), err)
	}
	out := make([]ImportResult, len(rs))
	touched := map[string]bool{}
	defer func() {
		// Requests imported out of order can put an earlier-stored one over
		// the limit: derive the subjects' flags again once the batch is in.
		for sub := range touched {
			if _, err := s.rewriteLimitFlags(ctx, actor, earlier[sub]); err != nil {
				s.log.Warn("re-derive the two-per-12-months flags", "subject", sub, "err", err)
			}
		}
	}()
	for i, r := range linked {
		if err := ctx.Err(); err != nil {
			return out[:i], fmt.Errorf("log requests: stopped after %d of %d: %w", i, len(rs), err)
		}
		req, created, err := s.createRequest(ctx, actor, r, createOptions{earlier: earlier})
		out[i] = ImportResult{Request: req, Created: created, Err: err}
		if err == nil && created && req.SubjectID != "" {
			earlier[req.SubjectID] = append(earlier[req.SubjectID], req)
			if req.Type == model.TypeAccess {
				touched[req.SubjectID] = true
			}
		}
		if progress != nil {
			progress(i+1, len(rs))
		}
	}
	return out, nil
}

// limitHistories reads, in one query per queueMax subjects, the requests of
// every subject whose new request the two-per-12-months limit applies to,
// keyed by subject id (without History and Notes). No scope check: each
// request's own checks run before its history is used.
func (s *Store) limitHistories(ctx context.Context, rs []model.Request) (map[string][]model.Request, error) {
	out := map[string][]model.Request{}
	var ids []string
	for _, r := range rs {
		if r.SubjectID != "" && r.Type == model.TypeAccess {
			ids = append(ids, r.SubjectID)
		}
	}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	for start := 0; start < len(ids); start += queueMax {
		chunk := ids[start:min(start+queueMax, len(ids))]
		cur, err := s.requests.Find(ctx, bson.D{{Key: "subject_id", Value: bson.D{{Key: "$in", Value: chunk}}}},
			options.Find().SetProjection(listProjection()))
		if err != nil {
			return nil, fmt.Errorf("read the requests of %d subjects: %w", len(chunk), err)
		}
		var found []model.Request
		if err := cur.All(ctx, &found); err != nil {
			return nil, fmt.Errorf("read the requests of %d subjects: %w", len(chunk), err)
		}
		for _, r := range found {
			out[r.SubjectID] = append(out[r.SubjectID], r)
		}
	}
	return out, nil
}

// ExistingRequests returns the stored requests in the actor's scope that
// have one of ids or one of externalRefs, without History and Notes: one
// query for an import to tell new lines from lines imported before, and
// from references already used by requests logged another way.
func (s *Store) ExistingRequests(ctx context.Context, actor model.Actor, ids, externalRefs []string) ([]model.Request, error) {
	if err := s.canRead(ctx, actor, "requests"); err != nil {
		return nil, err
	}
	out := []model.Request{}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	externalRefs = slices.Compact(slices.Sorted(slices.Values(externalRefs)))
	for start := 0; start < max(len(ids), len(externalRefs)); start += queueMax {
		idChunk := ids[min(start, len(ids)):min(start+queueMax, len(ids))]
		refChunk := externalRefs[min(start, len(externalRefs)):min(start+queueMax, len(externalRefs))]
		filter := bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: idChunk}}}},
			bson.D{{Key: "external_ref", Value: bson.D{{Key: "$in", Value: refChunk}}}},
		}}}
		if sf := scopeFilter(actor); sf.Key != "" {
			filter = append(filter, sf)
		}
		cur, err := s.requests.Find(ctx, filter, options.Find().SetProjection(listProjection()))
		if err != nil {
			return nil, fmt.Errorf("read requests by id and external reference: %w", err)
		}
		var rs []model.Request
		if err := cur.All(ctx, &rs); err != nil {
			return nil, fmt.Errorf("read requests by id and external reference: %w", err)
		}
		out = append(out, rs...)
	}
	return out, nil
}

// SameRequest reports whether stored is the request want describes — what
// a repeated CreateRequest accepts as a retry rather than ErrExists.
func SameRequest(want, stored model.Request) bool {
	if want.SubjectID == "" {
		want.SubjectID = stored.SubjectID // linked by contact when it was logged
	}
	if !want.ReceivedAt.IsZero() {
		want.ReceivedAt = want.ReceivedAt.UTC().Truncate(time.Millisecond)
	}
	_, err := sameOrExists(want, stored)
	return err == nil
}

// KnowLimit evaluates request id against the two-requests-to-know per 12
// months limit, listing the subject's earlier requests to know in the window.
// A request not linked to a subject has no history to count.
func (s *Store) KnowLimit(ctx context.Context, actor model.Actor, requestID string) (model.LimitResult, error) {
	r, err := s.Request(ctx, actor, requestID)
	if err != nil {
		return model.LimitResult{}, err
	}
	if r.SubjectID == "" || !model.CheckKnowLimit(r, nil).Applies {
		return model.CheckKnowLimit(r, nil), nil
	}
	others, err := s.SubjectRequests(ctx, actor, r.SubjectID)
	if err != nil {
		return model.LimitResult{}, fmt.Errorf("limit check of %s: %w", requestID, err)
	}
	return model.CheckKnowLimit(r, others), nil
}

// MatchSubjectsMany is MatchSubjects by email and phone (no name matching)
// for many requesters at once, each within their own tenant, in one query:
// what an import needs to find each line's subject without a scan per line.
// Every tenant must be in the actor's scope (else ErrNotFound, audited).
func (s *Store) MatchSubjectsMany(ctx context.Context, actor model.Actor, people []TenantPerson) ([][]model.Subject, error) {
	if err := s.canRead(ctx, actor, "subjects"); err != nil {
		return nil, err
	}
	for _, p := range people {
		if !actor.Operator.InScope(p.TenantID) {
			return nil, s.outOfScope(ctx, actor, "tenant", p.TenantID, p.TenantID)
		}
	}
	out, err := s.matchContacts(ctx, people)
	if err != nil {
		return nil, fmt.Errorf("match %d requesters to subjects: %w", len(people), err)
	}
	return out, nil
}
