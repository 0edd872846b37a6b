package model

import "testing"

// The question before a run names what its pending steps still change
// (README "Fulfilment": F asks once, with Cancel focused, naming the
// counts); a plan that changes nothing runs without asking.
func TestPlanConfirmLine(t *testing.T) {
	doc := func(coll string, op DocOp) PlanDoc { return PlanDoc{Collection: coll, RecordID: coll + "-1", Op: op} }
	deletion := Plan{Type: TypeDeletion,
		Docs:  []PlanDoc{doc("payments", DocDelete), doc("payments", DocMask), doc("permits", DocDelete), doc("permits", DocMask), doc("permits", DocKeep)},
		Steps: []PlanStep{{Kind: StepDocument, Docs: []int{0, 1}}, {Kind: StepDocument, Docs: []int{2, 3}}}}
	withSubject := deletion
	withSubject.Subject = &PlanDoc{Collection: SubjectsCollection, Op: DocMask}
	withSubject.Steps = append(append([]PlanStep(nil), deletion.Steps...), PlanStep{Kind: StepSubject})
	resumed := withSubject
	resumed.Steps = append([]PlanStep(nil), withSubject.Steps...)
	resumed.Steps[0].Done = true
	allDone := resumed
	allDone.Steps = []PlanStep{{Kind: StepDocument, Docs: []int{0, 1}, Done: true}}
	correction := Plan{Type: TypeRectification, Docs: []PlanDoc{doc("payments", DocCorrect)},
		Subject: &PlanDoc{Collection: SubjectsCollection, Op: DocCorrect},
		Steps:   []PlanStep{{Kind: StepDocument, Docs: []int{0}}, {Kind: StepSubject}}}
	access := Plan{Type: TypeAccess, Docs: []PlanDoc{doc("payments", DocExport)}, Steps: []PlanStep{{Kind: StepExport}}}
	for _, tc := range []struct {
		name string
		p    Plan
		want string
	}{
		{"deletion", deletion, "Run the plan: delete 2 documents, mask 2, in 2 collections?"},
		{"deletion with the subject record", withSubject, "Run the plan: delete 2 documents, mask 2, in 2 collections and de-identify the subject record?"},
		{"resumed names what remains", resumed, "Resume the plan (1 of 3 steps done): delete 1 document, mask 1, in 1 collection and de-identify the subject record?"},
		{"every change done", allDone, ""},
		{"correction", correction, "Run the plan: correct 1 document, in 1 collection and correct the subject record?"},
		{"access changes nothing", access, ""},
		{"no steps", Plan{Type: TypeDeletion}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := PlanConfirmLine(tc.p); got != tc.want {
				t.Errorf("PlanConfirmLine = %q\nwant %q", got, tc.want)
			}
		})
	}
}

// A plan is marked stale from what the request carries: a plan edited
// after its digest, a request whose type or subject moved, or a run that
// failed because the data changed since the plan (run.plan_current).
func TestPlanStale(t *testing.T) {
	fresh := func() Request {
		p := &Plan{ID: "R-1/plan-1", Type: TypeDeletion, SubjectID: "S-1", Docs: []PlanDoc{{Collection: "payments", RecordID: "P-1", Op: DocDelete}}}
		p.Digest = p.ComputeDigest()
		return Request{ID: "R-1", Type: TypeDeletion, SubjectID: "S-1", Status: StatusApproved, Plan: p}
	}
	for _, tc := range []struct {
		name  string
		edit  func(r *Request)
		stale bool
	}{
		{"as made", func(*Request) {}, false},
		{"no plan", func(r *Request) { r.Plan = nil }, false},
		{"edited after its digest", func(r *Request) { r.Plan.Docs[0].Op = DocKeep }, true},
		{"relinked to another subject", func(r *Request) { r.SubjectID = "S-2" }, true},
		{"failed as stale", func(r *Request) {
			r.Status, r.FailureReason = StatusFailed, "plan is stale: payments/P-1 changed since the plan was made"
		}, true},
		{"failed for another reason", func(r *Request) {
			r.Status, r.FailureReason = StatusFailed, "step 1/1 payments/P-1: write timed out"
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := fresh()
			tc.edit(&r)
			if got := PlanStale(r); (got != "") != tc.stale {
				t.Errorf("PlanStale = %q, want stale %v", got, tc.stale)
			}
		})
	}
}

// A correction's preview reveals the value the requester asked for: the
// request's correction whose masked form the plan shows (11 CCR §7023: the
// lead checks the correction before signing it off).
func TestCorrectionFor(t *testing.T) {
	r := Request{Type: TypeRectification, Corrections: map[string]string{"email": "new@example.org", "address": "1 Main St, Oakridge, CA 95000"}}
	email := PlanField{Field: "billing_email", Kind: KindEmail, Op: FieldSet, New: Mask(KindEmail, "new@example.org")}
	addr := PlanField{Field: "address", Kind: KindAddress, Op: FieldAlready, New: Mask(KindAddress, "1 Main St, Oakridge, CA 95000")}
	for _, tc := range []struct {
		name string
		r    Request
		pf   PlanField
		want string
		ok   bool
	}{
		{"set field", r, email, "new@example.org", true},
		{"already the new value", r, addr, "1 Main St, Oakridge, CA 95000", true},
		{"a field the plan does not set", r, PlanField{Field: "ssn", Op: FieldKeep, New: email.New}, "", false},
		{"no correction matches", r, PlanField{Field: "phone", Kind: KindPhone, Op: FieldSet, New: Mask(KindPhone, "555-0100")}, "", false},
		{"not a correction", Request{Type: TypeDeletion, Corrections: r.Corrections}, email, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := CorrectionFor(tc.r, tc.pf)
			if got != tc.want || ok != tc.ok {
				t.Errorf("CorrectionFor = %q, %v; want %q, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}
