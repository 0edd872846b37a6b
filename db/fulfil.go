package db

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/model"
)

// issue 5: fulfilment. A plan is computed by the model from the subject's
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
		if r.Plan == nil {
			return invalidf("there is no plan to sign off: make one first (p)")
		}
		if r.Plan.Digest != digest {
			return invalidf("the plan was replaced since you read it (you read %s, it is now %s): read it again before signing off",
				shortDigest(digest), shortDigest(r.Plan.Digest))
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
	for coll, ds := range stored {
		for _, d := range ds {
			docs[coll] = append(docs[coll], d.doc)
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
		Request: r, Subject: sub, Tenant: tenant, DataMap: dm, Docs: docs,
		Hash: hash, By: by, Now: s.now(), Seq: seq,
	})
	if err != nil {
		// The model refuses with what to do (no subject, a correction
		// verified with the data it corrects): bad input, not a failure.
		return model.Plan{}, invalidf("%v", err)
	}
	return p, nil
}

func shortDigest(d string) string {
	if len(d) > 16 {
		return d[:16]
	}
	return d
}

// samePlan compares plans by their stored form (nil equals nil).
func samePlan(a, b *model.Plan) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	x, err1 := bson.Marshal(a)
	y, err2 := bson.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

func sameExport(a, b *model.AccessExport) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	x, err1 := bson.Marshal(a)
	y, err2 := bson.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

func sameWithheld(a, b []model.Withheld) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	x, err1 := bson.Marshal(bson.M{"w": a})
	y, err2 := bson.Marshal(bson.M{"w": b})
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

func clonePlan(p *model.Plan) (*model.Plan, error) {
	b, err := bson.Marshal(p)
	if err != nil {
		return nil, err
	}
	var out model.Plan
	if err := bson.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// requireSignedPlan is the condition to start or retry a run: a plan
// signed off by a second lead whose content still matches its digest.
func requireSignedPlan(p *model.Plan) error {
	switch {
	case p == nil:
		return invalidf("there is no fulfilment plan: make one (p) and have another privacy lead sign it off")
	case p.SignedBy == "":
		return invalidf("plan %s is not signed off yet: another privacy lead must sign it off first", p.ID)
	case p.Digest != p.ComputeDigest():
		return invalidf("plan %s no longer matches its digest: make a new plan (p)", p.ID)
	}
	return nil
}

// preparePlan checks a plan stored by ActPlan: it must be new, unsigned,
// untouched by execution, consistent with its digest, and the actor's own.
func preparePlan(cur model.Request, nr *model.Request, handle string, edited bool) (string, error) {
	p := nr.Plan
	switch {
	case !edited || p == nil || samePlan(p, cur.Plan):
		return "", invalidf("a plan is made by PlanFulfilment, which stores the new plan")
	case p.SignedBy != "" || !p.SignedAt.IsZero():
		return "", invalidf("a new plan cannot arrive signed off")
	case p.BuiltBy != handle:
		return "", invalidf("a plan is stored by the operator who built it")
	case p.Type != cur.Type || p.SubjectID != cur.SubjectID:
		return "", invalidf("the plan is for another request type or subject")
	case p.Digest != p.ComputeDigest():
		return "", invalidf("the plan does not match its digest")
	case cur.Status == model.StatusFulfilling && cur.Plan != nil && cur.Plan.Signed():
		return "", invalidf("plan %s is signed off and running: run it (F); if its data changed, the run stops and asks for a new plan", cur.Plan.ID)
	}
	for _, st := range p.Steps {
		if st.Done {
			return "", invalidf("a new plan cannot have steps already done")
		}
	}
	return fmt.Sprintf("%s: %s; %d steps (digest %s)", p.ID, planCounts(*p), len(p.Steps), shortDigest(p.Digest)), nil
}

// planCounts summarises a plan without PI: "delete 5, mask 3, keep 2".
func planCounts(p model.Plan) string {
	n := map[model.DocOp]int{}
	for _, d := range p.Docs {
		n[d.Op]++
	}
	if len(n) == 0 {
		return "no documents"
	}
	ops := make([]string, 0, len(n))
	for op := range n {
		ops = append(ops, string(op))
	}
	sort.Strings(ops)
	parts := make([]string, len(ops))
	for i, op := range ops {
		parts[i] = fmt.Sprintf("%s %d", strings.ReplaceAll(op, "_", " "), n[model.DocOp(op)])
	}
	return strings.Join(parts, ", ")
}

// prepareSignOff applies the four-eyes rule and records the signature; the
// digest the signer read was compared by SignOffPlan's edit.
func (s *Store) prepareSignOff(ctx context.Context, cur model.Request, nr *model.Request, actor model.Actor, now time.Time, edited bool) (string, error) {
	handle := actor.Handle()
	p := cur.Plan
	switch {
	case p == nil:
		return "", invalidf("there is no plan to sign off: make one first (p)")
	case !edited || nr.Plan == nil || nr.Plan.SignedBy != handle:
		return "", invalidf("sign a plan off with SignOffPlan, naming the digest you read")
	case p.SignedBy != "":
		return "", invalidf("plan %s is already signed off by %s", p.ID, p.SignedBy)
	case p.Digest != p.ComputeDigest():
		return "", invalidf("plan %s no longer matches its digest: make a new plan (p)", p.ID)
	case p.BuiltBy == handle:
		return "", s.refuse(ctx, actor, string(model.ActSignOff), auditTarget("request", cur.ID), cur.TenantID,
			fmt.Sprintf("four eyes: %s built this plan, so another privacy lead must sign it off", handle), nil)
	}
	signed, err := clonePlan(p)
	if err != nil {
		return "", err
	}
	signed.SignedBy, signed.SignedAt = handle, now
	nr.Plan = signed
	return fmt.Sprintf("signed off %s (digest %s)", p.ID, shortDigest(p.Digest)), nil
}

// prepareStep checks a step record: exactly the first pending step turns
// done, nothing else of the plan changes, and the access package record
// arrives only with the export step. The controller stamps who and when.
func prepareStep(cur model.Request, nr *model.Request, handle string, now time.Time) (string, error) {
	if cur.Plan == nil || nr.Plan == nil {
		return "", invalidf("there is no plan to record a step of")
	}
	pending := cur.Plan.Pending()
	if len(pending) == 0 {
		return "", invalidf("every step of plan %s is already done", cur.Plan.ID)
	}
	i := pending[0]
	if len(nr.Plan.Steps) != len(cur.Plan.Steps) || !nr.Plan.Steps[i].Done {
		return "", invalidf("a step record marks the next pending step (%d) done", i+1)
	}
	st := nr.Plan.Steps[i]
	st.Result = model.CleanLine(st.Result)
	if st.Result == "" {
		return "", invalidf("a step record says what happened")
	}
	// Compare the rest of the plan with the step put back as it was.
	check, err := clonePlan(nr.Plan)
	if err != nil {
		return "", err
	}
	check.Steps[i] = cur.Plan.Steps[i]
	if !samePlan(check, cur.Plan) {
		return "", invalidf("a step record changes nothing in the plan but its step")
	}
	kind := cur.Plan.Steps[i].Kind
	if !sameExport(nr.Export, cur.Export) && (kind != model.StepExport || nr.Export == nil) {
		return "", invalidf("only the export step records the access package")
	}
	st.DoneAt, st.DoneBy = now, handle
	nr.Plan.Steps[i] = st
	return fmt.Sprintf("step %d/%d %s: %s", i+1, len(cur.Plan.Steps), stepTarget(*cur.Plan, i), st.Result), nil
}

// stepTarget names what a step acts on, without PI.
func stepTarget(p model.Plan, i int) string {
	st := p.Steps[i]
	switch st.Kind {
	case model.StepDocument:
		switch {
		case len(st.Docs) == 1 && st.Docs[0] >= 0 && st.Docs[0] < len(p.Docs):
			return p.Docs[st.Docs[0]].Collection + "/" + p.Docs[st.Docs[0]].RecordID
		case len(st.Docs) > 1 && st.Docs[0] >= 0 && st.Docs[0] < len(p.Docs):
			return fmt.Sprintf("%s (%d documents)", p.Docs[st.Docs[0]].Collection, len(st.Docs))
		}
	case model.StepSubject:
		return model.SubjectsCollection + "/" + p.SubjectID
	case model.StepExport:
		return "access package"
	}
	return string(st.Kind)
}

// prepareComplete records the response: refused until every step is done;
// what was withheld comes from the plan, not the caller.
func prepareComplete(cur model.Request, nr *model.Request) error {
	p := cur.Plan
	if p == nil {
		return invalidf("there is no fulfilment plan to complete: fail the request, make a plan (p), have it signed off and retry")
	}
	if n := len(p.Pending()); n > 0 {
		return invalidf("%d of %d steps of plan %s are not done: run the plan to the end first", n, len(p.Steps), p.ID)
	}
	nr.Withheld = nil
	for _, w := range p.Withheld {
		nr.Withheld = append(nr.Withheld, model.Withheld{Category: w.Category, Where: append([]string(nil), w.Where...), Reason: w.Reason})
	}
	if nr.Outcome == "" {
		nr.Outcome = planOutcome(*p, nr.Export)
	}
	return nil
}

// planOutcome is the response's outcome for the 24-month record.
func planOutcome(p model.Plan, exp *model.AccessExport) string {
	n := map[model.DocOp]int{}
	for _, d := range p.Docs {
		n[d.Op]++
	}
	var parts []string
	add := func(count int, format string) {
		if count > 0 {
			parts = append(parts, fmt.Sprintf(format, count))
		}
	}
	switch p.Type {
	case model.TypeAccess:
		records := n[model.DocExport]
		if exp != nil {
			records = exp.Records
		}
		parts = append(parts, fmt.Sprintf("access package of %d records written", records))
		add(n[model.DocOutOfScope], "%d older records outside the look-back")
	case model.TypeDeletion, model.TypeChildDeletion:
		add(n[model.DocDelete], "deleted %d documents")
		add(n[model.DocMask], "de-identified %d")
		add(n[model.DocKeep], "kept %d whole")
		if len(p.Withheld) > 0 {
			var cats []string
			for _, w := range p.Withheld {
				label := string(w.Category)
				if info, ok := w.Category.Info(); ok {
					label = strings.ToLower(info.Label)
				}
				if !slices.Contains(cats, label) {
					cats = append(cats, label)
				}
			}
			parts = append(parts, "kept "+strings.Join(cats, ", ")+" under retention rules or legal holds (see withheld)")
		}
		if p.Subject != nil && p.Subject.Op.Changes() {
			parts = append(parts, "identity erased from the subject record")
		}
	case model.TypeRectification:
		add(n[model.DocCorrect], "corrected %d documents")
		if p.Subject != nil && p.Subject.Op.Changes() {
			parts = append(parts, "subject record corrected")
		}
	case model.TypeOptOut:
		add(n[model.DocOptOut], "marketing email switched off in %d subscriptions")
	}
	if len(parts) == 0 {
		return "completed: nothing needed changing"
	}
	return strings.Join(parts, ", ")
}
