package db

import (
	"context"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/model"
)

// Fulfilment. A plan is computed by the model from the subject's
// documents (PlanFulfilment), stored on the request with its audit event in
// one claimed write (Apply ActPlan), signed off by a second privacy lead
// (SignOffPlan), and executed step by step (RunFulfilment, fulfilrun.go).
// Every change of the plan goes through Apply, so scope, role, version and
// lifecycle are checked in one place and each change is audited.

// PlanFulfilment computes the plan for an approved (or failed) request read
// at version and stores it on the request (replacing an unsigned or stale
// one). The plan is built inside Apply's edit, i.e. after scope, role,
// version and lifecycle were checked, from the request at that version.
func (s *Store) PlanFulfilment(ctx context.Context, actor model.Actor, id string, version int64) (model.Request, error) {
	return s.Apply(ctx, actor, id, version, model.ActPlan, "", func(r *model.Request) error {
		p, err := s.buildPlan(ctx, actor.Handle(), *r)
		if err != nil {
			return err
		}
		r.Plan = &p
		return nil
	})
}

// SignOffPlan records a second privacy lead's sign-off of the plan with
// digest: naming the digest read means a plan replaced meanwhile is never
// signed unseen.
func (s *Store) SignOffPlan(ctx context.Context, actor model.Actor, id string, version int64, digest string) (model.Request, error) {
	return s.Apply(ctx, actor, id, version, model.ActSignOff, "", func(r *model.Request) error {
		if ref := model.CheckSignOffDigest(r.Plan, digest); ref != nil {
			return &inputError{msg: ref.Reason, cause: ref}
		}
		r.Plan.SignedBy = actor.Handle()
		return nil
	})
}

// buildPlan reads what the model needs and asks it for the plan.
func (s *Store) buildPlan(ctx context.Context, by string, r model.Request) (model.Plan, error) {
	if r.SubjectID == "" {
		return model.Plan{}, invalidf("the request is not linked to a subject: link the requester to a subject before planning")
	}
	var sub model.Subject
	if err := s.subjects.FindOne(ctx, bson.D{{Key: "_id", Value: r.SubjectID}}).Decode(&sub); err != nil {
		return model.Plan{}, fmt.Errorf("read subject %s: %w", r.SubjectID, err)
	}
	if sub.TenantID != r.TenantID {
		return model.Plan{}, invalidf("subject %s is not a subject of tenant %s", sub.ID, r.TenantID)
	}
	tenant, err := s.tenant(ctx, r.TenantID)
	if err != nil {
		return model.Plan{}, err
	}
	// DataMap validates every entry: a bad map stops here, naming the
	// collection and field, before anything is read or written.
	dm, err := s.DataMap(ctx)
	if err != nil {
		return model.Plan{}, err
	}
	stored, err := s.subjectDocs(ctx, dm, r.TenantID, r.SubjectID)
	if err != nil {
		return model.Plan{}, err
	}
	docs := make(map[string][]model.Doc, len(stored))
	keys := make(map[string][]string, len(stored))
	for coll, ds := range stored {
		for _, d := range ds {
			docs[coll] = append(docs[coll], d.doc)
			keys[coll] = append(keys[coll], d.key)
		}
	}
	hash, err := s.tenantHasher(ctx, r.TenantID)
	if err != nil {
		return model.Plan{}, err
	}
	seq := 1
	for _, e := range r.History {
		if e.Action == model.ActPlan {
			seq++
		}
	}
	p, err := model.BuildPlan(model.PlanInput{
		Request: r, Subject: sub, Tenant: tenant, DataMap: dm, DataMapVersion: s.dataMapVersion(ctx), Docs: docs, IDKeys: keys,
		Hash: hash, By: by, Now: s.now(), Seq: seq,
	})
	if err != nil {
		// The model refuses with what to do (no subject, a correction
		// verified with the data it corrects): bad input, not a failure.
		return model.Plan{}, invalidf("%v", err)
	}
	return p, nil
}

// Disclose records a privacy lead's decision, with reason, that the access
// response discloses field ("collection.field") although it holds another
// person's data. The rule book decides (model rules disclose.*); the
// decision goes on the request and the audit chain. The stored plan stays
// as it was built, and sign_off.plan refuses it until a new plan is made
// with the decision.
func (s *Store) Disclose(ctx context.Context, actor model.Actor, id string, version int64, field, reason string) (model.Request, error) {
	coll, name, ok := strings.Cut(strings.TrimSpace(field), ".")
	if !ok || coll == "" || name == "" {
		return model.Request{}, invalidf("disclose %s: name the field as collection.field, e.g. rec_registrations.guardian_phone", id)
	}
	return s.Apply(ctx, actor, id, version, model.ActDisclose, reason, func(r *model.Request) error {
		r.Disclosures = append(r.Disclosures, model.Disclosure{Collection: coll, Field: name})
		return nil
	})
}
