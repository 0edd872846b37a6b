package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Rules of fulfilment: a plan is made for a linked subject, signed off by
// a second privacy lead, run step by step, and completed when every step
// is done.

func rulePlanLinked() Rule {
	return Rule{ID: "plan.linked", Cite: CiteFulfilment,
		Says: "A plan is made only for a request linked to its subject.",
		Pre: func(f Facts) *Refusal {
			if f.Request.SubjectID == "" {
				return refuse(rulePlanLinked(), "the request is not linked to a subject: link it to its subject before planning").withRemedy(ActLink)
			}
			return nil
		}}
}

func rulePlanNotRunning() Rule {
	return Rule{ID: "plan.not_running", Cite: CiteFulfilment,
		Says: "A signed plan that is running is not replaced; a run whose data changed stops and asks for a new plan.",
		Pre: func(f Facts) *Refusal {
			if p := f.Request.Plan; f.Request.Status == StatusFulfilling && p != nil && p.SignedBy != "" && f.planIntact(p) {
				return refuse(rulePlanNotRunning(), "plan %s is signed off and running: run it; if its data changed, the run stops and asks for a new plan", p.ID).withRemedy(ActStartFulfilment)
			}
			return nil
		}}
}

func rulePlanStored() Rule {
	return Rule{ID: "plan.built", Cite: CiteFulfilment,
		Says: "A stored plan is new, unsigned, with no step done, built by the operator storing it for this request's type and subject, and matches its digest.",
		Input: func(f Facts, next *Request) *Refusal {
			p, handle := next.Plan, f.Actor.Handle()
			switch {
			case !f.Edited || p == nil || samePlan(p, f.Request.Plan):
				return badInput(rulePlanStored(), "a plan is made by the planner, which stores the new plan")
			case p.SignedBy != "" || !p.SignedAt.IsZero():
				return badInput(rulePlanStored(), "a new plan cannot arrive signed off")
			case p.BuiltBy != handle:
				return badInput(rulePlanStored(), "a plan is stored by the operator who built it")
			case p.Type != f.Request.Type || p.SubjectID != f.Request.SubjectID:
				return badInput(rulePlanStored(), "the plan is for another request type or subject")
			case p.Digest != p.ComputeDigest():
				return badInput(rulePlanStored(), "the plan does not match its digest")
			}
			for _, st := range p.Steps {
				if st.Done {
					return badInput(rulePlanStored(), "a new plan cannot have steps already done")
				}
			}
			return nil
		}}
}

func recordPlan(_ Facts, next *Request) string {
	p := next.Plan
	return fmt.Sprintf("%s: %s; %d steps (digest %s)", p.ID, PlanCountsLine(*p), len(p.Steps), ShortDigest(p.Digest))
}

func ruleSignOffPlan() Rule {
	return Rule{ID: "sign_off.plan", Cite: CiteFulfilment,
		Says: "There is a plan to sign off, it still matches its digest, and it was made with every disclosure decision recorded.",
		Pre: func(f Facts) *Refusal {
			p := f.Request.Plan
			switch {
			case p == nil:
				return refuse(ruleSignOffPlan(), "there is no plan to sign off: make one first").withRemedy(ActPlan)
			case !f.planIntact(p):
				return refuse(ruleSignOffPlan(), "plan %s no longer matches its digest: make a new plan", p.ID).withRemedy(ActPlan)
			case !DisclosuresCurrent(f.Request, p):
				return refuse(ruleSignOffPlan(), "plan %s was made before the latest disclosure decision: make a new plan", p.ID).withRemedy(ActPlan)
			}
			return nil
		}}
}

func ruleSignOffFourEyes() Rule {
	return Rule{ID: "sign_off.four_eyes", Cite: CiteFourEyes,
		Says: "The privacy lead who built a plan does not sign it off.",
		Pre: func(f Facts) *Refusal {
			if p := f.Request.Plan; p != nil && p.BuiltBy == f.Actor.Handle() {
				return refuse(ruleSignOffFourEyes(), "four eyes: %s built this plan, so another privacy lead must sign it off", p.BuiltBy)
			}
			return nil
		}}
}

func ruleSignOffOnce() Rule {
	return Rule{ID: "sign_off.once", Cite: CiteFulfilment,
		Says: "A plan is signed off once.",
		Pre: func(f Facts) *Refusal {
			if p := f.Request.Plan; p != nil && p.SignedBy != "" {
				return refuse(ruleSignOffOnce(), "plan %s is already signed off by %s", p.ID, p.SignedBy)
			}
			return nil
		}}
}

func ruleSignOffStored() Rule {
	return Rule{ID: "sign_off.digest_read", Cite: CiteFulfilment,
		Says: "A sign-off names the digest of the plan the lead read; a plan replaced meanwhile is never signed unseen.",
		Input: func(f Facts, next *Request) *Refusal {
			if !f.Edited || next.Plan == nil || next.Plan.SignedBy != f.Actor.Handle() {
				return badInput(ruleSignOffStored(), "sign a plan off naming the digest you read")
			}
			return nil
		}}
}

// CheckSignOffDigest is the sign_off.digest_read rule's comparison: the
// digest the lead read must be the plan's.
func CheckSignOffDigest(p *Plan, read string) *Refusal {
	if p == nil {
		return refuse(ruleSignOffPlan(), "there is no plan to sign off: make one first").withRemedy(ActPlan)
	}
	if p.Digest != read {
		return badInput(ruleSignOffStored(), "the plan was replaced since you read it (you read %s, it is now %s): read it again before signing off",
			ShortDigest(read), ShortDigest(p.Digest))
	}
	return nil
}

func recordSignOff(f Facts, next *Request) string {
	signed := clonePlan(f.Request.Plan)
	signed.SignedBy, signed.SignedAt = f.Actor.Handle(), f.Now
	next.Plan = signed
	return fmt.Sprintf("signed off %s (digest %s)", signed.ID, ShortDigest(signed.Digest))
}

func ruleSignedPlan() Rule {
	return Rule{ID: "run.signed_plan", Cite: CiteFourEyes,
		Says: "A run starts or is retried only with a plan signed off by a second privacy lead whose content still matches its digest.",
		Pre:  func(f Facts) *Refusal { return requireSignedPlan(f, f.Request.Plan) }}
}

func ruleRunRetryFirst() Rule {
	return Rule{ID: "run.retry_first", Cite: CiteFulfilment,
		Says: "A failed run is retried (and, if its plan went stale, planned and signed off again) before it runs again."}
}

// RunRules are the rules of starting or resuming a run, besides the book's
// rows for start_fulfilment and fulfil_step.
func RunRules() []Rule { return []Rule{ruleRunRetryFirst()} }

// CheckRun decides whether f.Actor may start (approved) or resume
// (fulfilling) the run of f.Request's signed plan.
func CheckRun(f Facts) *Refusal {
	if !f.Actor.Can(PermRetry) {
		return refuse(ruleRole(), "%s", f.Actor.Refusal(PermRetry, "run a fulfilment plan"))
	}
	switch f.Request.Status {
	case StatusApproved:
		return Check(ActStartFulfilment, f)
	case StatusFulfilling:
		return requireSignedPlan(f, f.Request.Plan)
	case StatusFailed:
		return refuse(ruleRunRetryFirst(), "it failed (%s): retry it first, after a new plan and sign-off if the plan was stale", CleanLine(f.Request.FailureReason)).withRemedy(ActRetry)
	}
	return refuse(ruleState(), "a request that is %s has no fulfilment to run", f.Request.Status.Label())
}

func requireSignedPlan(f Facts, p *Plan) *Refusal {
	switch {
	case p == nil:
		return refuse(ruleSignedPlan(), "there is no fulfilment plan: make one and have another privacy lead sign it off").withRemedy(ActPlan)
	case p.SignedBy == "":
		return refuse(ruleSignedPlan(), "plan %s is not signed off yet: another privacy lead must sign it off first", p.ID).withRemedy(ActSignOff)
	case !f.planIntact(p):
		return refuse(ruleSignedPlan(), "plan %s no longer matches its digest: make a new plan", p.ID).withRemedy(ActPlan)
	}
	return nil
}

func ruleStepPending() Rule {
	return Rule{ID: "step.pending", Cite: CiteFulfilment,
		Says: "A step is recorded only while the plan has one pending.",
		Pre: func(f Facts) *Refusal {
			p := f.Request.Plan
			if p == nil {
				return refuse(ruleStepPending(), "there is no plan to record a step of").withRemedy(ActPlan)
			}
			if len(p.Pending()) == 0 {
				return refuse(ruleStepPending(), "every step of plan %s is already done", p.ID)
			}
			return nil
		}}
}

func ruleStepRecord() Rule {
	return Rule{ID: "step.next_only", Cite: CiteFulfilment,
		Says: "A step record marks the next pending step done, says what happened, changes nothing else in the plan, and only the export step records the access package.",
		Input: func(f Facts, next *Request) *Refusal {
			cur := f.Request
			if next.Plan == nil {
				return badInput(ruleStepRecord(), "there is no plan to record a step of")
			}
			i := cur.Plan.Pending()[0]
			if len(next.Plan.Steps) != len(cur.Plan.Steps) || !next.Plan.Steps[i].Done {
				return badInput(ruleStepRecord(), "a step record marks the next pending step (%d) done", i+1)
			}
			if strings.TrimSpace(CleanLine(next.Plan.Steps[i].Result)) == "" {
				return badInput(ruleStepRecord(), "a step record says what happened")
			}
			check := clonePlan(next.Plan)
			check.Steps[i] = cur.Plan.Steps[i]
			if !samePlan(check, cur.Plan) {
				return badInput(ruleStepRecord(), "a step record changes nothing in the plan but its step")
			}
			if !sameJSON(next.Export, cur.Export) && (cur.Plan.Steps[i].Kind != StepExport || next.Export == nil) {
				return badInput(ruleStepRecord(), "only the export step records the access package")
			}
			return nil
		}}
}

func recordStep(f Facts, next *Request) string {
	i := f.Request.Plan.Pending()[0]
	st := next.Plan.Steps[i]
	st.Result = CleanLine(st.Result)
	st.DoneAt, st.DoneBy = f.Now, f.Actor.Handle()
	next.Plan.Steps[i] = st
	return fmt.Sprintf("step %d/%d %s: %s", i+1, len(f.Request.Plan.Steps), StepTarget(*f.Request.Plan, i), st.Result)
}

// StepTarget names what a step acts on, without PI.
func StepTarget(p Plan, i int) string {
	st := p.Steps[i]
	switch st.Kind {
	case StepDocument:
		switch {
		case len(st.Docs) == 1 && st.Docs[0] >= 0 && st.Docs[0] < len(p.Docs):
			return p.Docs[st.Docs[0]].Collection + "/" + p.Docs[st.Docs[0]].RecordID
		case len(st.Docs) > 1 && st.Docs[0] >= 0 && st.Docs[0] < len(p.Docs):
			return fmt.Sprintf("%s (%d documents)", p.Docs[st.Docs[0]].Collection, len(st.Docs))
		}
	case StepSubject:
		return SubjectsCollection + "/" + p.SubjectID
	case StepExport:
		return "access package"
	}
	return string(st.Kind)
}

func ruleCompleteAllDone() Rule {
	return Rule{ID: "complete.all_done", Cite: CiteFulfilment,
		Says: "A request is completed only when every step of its plan is done; what was withheld comes from the plan.",
		Pre: func(f Facts) *Refusal {
			p := f.Request.Plan
			if p == nil {
				return refuse(ruleCompleteAllDone(), "there is no fulfilment plan to complete: fail the request, make a plan, have it signed off and retry").withRemedy(ActPlan)
			}
			if n := len(p.Pending()); n > 0 {
				return refuse(ruleCompleteAllDone(), "%d of %d steps of plan %s are not done: run the plan to the end first", n, len(p.Steps), p.ID).withRemedy(ActStartFulfilment)
			}
			return nil
		}}
}

func recordComplete(f Facts, next *Request) string {
	p := f.Request.Plan
	next.Withheld = nil
	for _, w := range p.Withheld {
		next.Withheld = append(next.Withheld, Withheld{Category: w.Category, Where: append([]string(nil), w.Where...), Reason: w.Reason})
	}
	if next.Outcome == "" {
		next.Outcome = PlanOutcome(*p, next.Export)
	}
	recordDelivered(f, next)
	return ""
}

func ruleFailReason() Rule {
	return reasonRule("fail.reason", CiteRecords,
		"A failed run records what went wrong.",
		"what went wrong")
}

// PlanOutcome is the response's outcome for the 24-month record.
func PlanOutcome(p Plan, exp *AccessExport) string {
	n := map[DocOp]int{}
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
	case TypeAccess:
		records := n[DocExport]
		if exp != nil {
			records = exp.Records
		}
		parts = append(parts, "access package of "+Count(records, "record")+" written")
		add(n[DocOutOfScope], "%d older records outside the look-back")
	case TypeDeletion, TypeChildDeletion:
		add(n[DocDelete], "deleted %d documents")
		add(n[DocMask], "de-identified %d")
		add(n[DocKeep], "kept %d whole")
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
	case TypeRectification:
		add(n[DocCorrect], "corrected %d documents")
		if p.Subject != nil && p.Subject.Op.Changes() {
			parts = append(parts, "subject record corrected")
		}
	case TypeOptOut:
		add(n[DocOptOut], "marketing email switched off in %d subscriptions")
	}
	if len(parts) == 0 {
		return "completed: nothing needed changing"
	}
	return strings.Join(parts, ", ")
}

// PlanCountsLine summarises a plan without PI: "delete 5, mask 3, keep 2".
func PlanCountsLine(p Plan) string {
	n := map[DocOp]int{}
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
		parts[i] = fmt.Sprintf("%s %d", strings.ReplaceAll(op, "_", " "), n[DocOp(op)])
	}
	return strings.Join(parts, ", ")
}

// ShortDigest is the first 16 hex digits of a digest, enough to tell plans apart.
func ShortDigest(d string) string {
	if len(d) > 16 {
		return d[:16]
	}
	return d
}

// sameJSON compares two values by their JSON form, so nil and empty
// collections of the same kind read alike as they do once stored.
func sameJSON(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		return false
	}
	return bytes.Equal(normalJSON(ja), normalJSON(jb))
}

// normalJSON treats an empty list or object like null.
func normalJSON(b []byte) []byte {
	switch string(b) {
	case "[]", "{}":
		return []byte("null")
	}
	return b
}

// samePlan compares plans by their stored form (nil equals nil).
func samePlan(a, b *Plan) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return sameJSON(a, b)
}

// clonePlan deep-copies a plan through its JSON form.
func clonePlan(p *Plan) *Plan {
	if p == nil {
		return nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		panic(fmt.Sprintf("plan does not encode: %v", err))
	}
	var out Plan
	if err := json.Unmarshal(b, &out); err != nil {
		panic(fmt.Sprintf("plan does not decode: %v", err))
	}
	return &out
}

// PlanConfirmLine is the question asked before a run that changes stored
// data, naming what its pending steps still do ("Run the plan: delete 2
// documents, mask 2, in 2 collections?"). It is "" when nothing pending
// changes anything (an access plan, or a run whose changes are all done),
// which runs without asking. The console and the CLI both ask it, so the
// counts a lead confirms are the same whichever door they use.
func PlanConfirmLine(p Plan) string {
	n := map[DocOp]int{}
	colls := map[string]bool{}
	var subject *PlanDoc
	pending := p.Pending()
	for _, i := range pending {
		switch st := p.Steps[i]; st.Kind {
		case StepDocument:
			for _, di := range st.Docs {
				if di >= 0 && di < len(p.Docs) && p.Docs[di].Op.Changes() {
					n[p.Docs[di].Op]++
					colls[p.Docs[di].Collection] = true
				}
			}
		case StepSubject:
			if p.Subject != nil && p.Subject.Op.Changes() {
				subject = p.Subject
			}
		}
	}
	var docs []string
	for _, op := range DocOps() {
		if k := n[op]; k > 0 {
			if len(docs) == 0 {
				docs = append(docs, fmt.Sprintf("%s %d document%s", op.Label(), k, plural(k)))
			} else {
				docs = append(docs, fmt.Sprintf("%s %d", op.Label(), k))
			}
		}
	}
	var what []string
	if len(docs) > 0 {
		what = append(what, strings.Join(docs, ", ")+fmt.Sprintf(", in %d collection%s", len(colls), plural(len(colls))))
	}
	if subject != nil {
		verb := "de-identify"
		if subject.Op == DocCorrect {
			verb = "correct"
		}
		what = append(what, verb+" the subject record")
	}
	if len(what) == 0 {
		return ""
	}
	if done := len(p.Steps) - len(pending); done > 0 {
		return fmt.Sprintf("Resume the plan (%d of %d steps done): %s?", done, len(p.Steps), strings.Join(what, " and "))
	}
	return "Run the plan: " + strings.Join(what, " and ") + "?"
}

// PlanStale says why r's plan no longer describes what a run would do,
// or "" while it still does: its content no longer matches its digest, the
// request's type or subject changed since it was made, or a run failed
// because the data changed since it was made. Views mark such a plan
// stale from what the request carries, without reading the database.
func PlanStale(r Request) string {
	p := r.Plan
	switch {
	case p == nil:
		return ""
	case p.Digest != p.ComputeDigest():
		return "it no longer matches its digest"
	case p.Type != r.Type || p.SubjectID != r.SubjectID:
		return "the request's type or subject changed since it was made"
	case r.Status == StatusFailed && strings.Contains(r.FailureReason, StalePlanText):
		return "a run found the data changed since it was made"
	}
	return ""
}

// StalePlanText starts the failure reason of a run stopped because the
// data changed since its plan was made.
const StalePlanText = "plan is stale"

// CorrectionFor is the value the request asks a correction plan's field
// to be set to: the request's correction whose masked form the plan shows
// as the field's new value (the plan keeps values masked; the request
// keeps what the requester asked for). ok is false for a field the plan
// does not set, or when no correction or more than one matches.
func CorrectionFor(r Request, pf PlanField) (string, bool) {
	if r.Type != TypeRectification || (pf.Op != FieldSet && pf.Op != FieldAlready) {
		return "", false
	}
	found, n := "", 0
	for _, point := range slices.Sorted(maps.Keys(r.Corrections)) {
		if v := r.Corrections[point]; Mask(pf.Kind, v) == pf.New {
			if n == 0 || v != found {
				n++
			}
			found = v
		}
	}
	return found, n == 1
}
