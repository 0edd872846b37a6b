package model

import (
	"errors"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// The rule book's table tests. Every case names the rule it exercises and
// the rule's source; TestRuleBookEveryRuleHasCases fails when a row of
// Book() or a rule of AllRules() has no case, so a rule added to the book
// without a test is caught.

// Fixed instants: nothing here reads the wall clock. The tenant is in
// Los Angeles so that a tenant-local date and a UTC date differ in the
// evening.
var (
	rbReceived = time.Date(2026, 11, 2, 17, 0, 0, 0, time.UTC)  // 2026-11-02 09:00 PST
	rbNow      = time.Date(2026, 11, 10, 18, 0, 0, 0, time.UTC) // 2026-11-10 10:00 PST
)

func rbTenant() Tenant {
	return Tenant{ID: "oakridge-ca", Name: "City of Oakridge", State: "CA", TimeZone: "America/Los_Angeles",
		Approvers: []Contact{{Name: "J. Ortiz", Title: "City Clerk"}, {Name: "K. Lee", Title: "Records Officer"}}}
}

func rbActor(handle string, role Role) Actor {
	return Actor{Operator: Operator{Handle: handle, Name: handle, Role: role}, Origin: "test"}
}

var (
	rbSupport  = rbActor("sam", RoleSupport)
	rbLead     = rbActor("lee", RoleLead)
	rbLead2    = rbActor("lou", RoleLead)
	rbEngineer = rbActor("eve", RoleEngineer)
	rbAdmin    = rbActor("ada", RoleAdmin)
)

// rbSubject has an email, a name and an account but no phone, address or
// birth date: a phone match cannot count for it.
func rbSubject() *Subject {
	return &Subject{ID: "S-1", TenantID: "oakridge-ca", AccountID: "A-1", Name: "Maria Garcia",
		Emails: []string{"maria@example.org"}, ResidencyState: "CA", Status: AccountActive}
}

// rbRequest is a linked deletion logged by support, in status s.
func rbRequest(s Status, mods ...func(*Request)) Request {
	r := Request{ID: "R-1", TenantID: "oakridge-ca", SubjectID: "S-1", Type: TypeDeletion, Channel: ChannelWeb,
		Status: s, ReceivedAt: rbReceived, Requester: Person{Name: "Maria Garcia", Email: "maria@example.org"},
		ResidencyState: "CA", ResidencyFrom: ResidencySubject, LoggedBy: "sam", UpdatedBy: "sam", UpdatedAt: rbReceived, Version: 3}
	for _, m := range mods {
		m(&r)
	}
	return r
}

func rbFacts(a Actor, r Request) Facts {
	return Facts{Request: r, Tenant: rbTenant(), Actor: a, Now: rbNow, Subject: rbSubject()}
}

// Modifiers of the fixture request.
func verifiedBy(h string) func(*Request) {
	return func(r *Request) {
		r.Verification = &Verification{Method: "data points", DataPoints: []string{"email", "name"}, Level: LevelReasonable, By: h, At: rbReceived.Add(time.Hour)}
	}
}

func loggedBy(h string) func(*Request) { return func(r *Request) { r.LoggedBy = h } }

func unlinked(r *Request) { r.SubjectID = "" }

func withType(t RequestType) func(*Request) { return func(r *Request) { r.Type = t } }

func approvedDecision() *Decision {
	return &Decision{Outcome: DecisionApproved, Approver: "J. Ortiz", Method: "email", Evidence: "clerk@city.example 2026-11-09",
		DecidedAt: time.Date(2026, 11, 9, 18, 0, 0, 0, time.UTC), RecordedBy: "lou", RecordedAt: rbNow.Add(-24 * time.Hour)}
}

func decided(d *Decision) func(*Request) { return func(r *Request) { r.Decision = d } }

// rbPlan is a two-step deletion plan built by builder: one document, then
// the subject record.
func rbPlan(builder string) *Plan {
	p := &Plan{ID: "R-1/plan-1", Type: TypeDeletion, SubjectID: "S-1", BuiltBy: builder, BuiltAt: rbNow.Add(-time.Hour),
		Docs:  []PlanDoc{{Collection: "payments", Product: "Pay", RecordID: "PAY-1", Op: DocDelete, Before: "f1"}},
		Steps: []PlanStep{{Kind: StepDocument, Docs: []int{0}, Label: "payments/PAY-1: delete"}, {Kind: StepSubject, Label: "subject: de-identify"}}}
	p.Digest = p.ComputeDigest()
	return p
}

func signedPlan(builder, signer string) *Plan {
	p := rbPlan(builder)
	p.SignedBy, p.SignedAt = signer, rbNow.Add(-30*time.Minute)
	return p
}

func withPlan(p *Plan) func(*Request) { return func(r *Request) { r.Plan = p } }

func stepsDone(p *Plan, n int) *Plan {
	for i := 0; i < n; i++ {
		p.Steps[i].Done, p.Steps[i].Result, p.Steps[i].DoneBy = true, "done", "lou"
	}
	return p
}

// actRun marks a case for CheckRun: starting or resuming a run.
const actRun Action = "run"

// ruleCase is one input to the rule book and what it must decide.
type ruleCase struct {
	name string
	// rule is the id of the rule the case exercises; cite its source, as
	// the book cites it.
	rule, cite string
	action     Action // ActLog: the new request is run through Intake
	facts      Facts
	// edit is the proposed change on a copy of the request; nil is a bare
	// transition.
	edit   func(next *Request)
	reason string
	// refused: the rule says no. input: it is a refusal of the input (not
	// audited). remedy: the action that clears it.
	refused bool
	input   bool
	remedy  Action
	// detail is a part of the audit detail an accepted change must carry.
	detail string
	after  func(t *testing.T, next *Request)
}

// keyNames finds console keys or shell commands in a refusal's text: the
// doors phrase remedies themselves.
var keyNames = regexp.MustCompile("(^|\\s)\\([A-Za-z]\\)|\\bpress\\b|ctrl\\+|`|custodian requests|--[a-z]")

func runRuleCase(t *testing.T, c ruleCase) {
	t.Helper()
	f := c.facts
	next := f.Request
	if c.edit != nil {
		c.edit(&next)
		f.Edited = c.action != ActLog
	}
	var (
		detail string
		ref    *Refusal
	)
	switch c.action {
	case ActLog:
		ref = Intake(f, &next)
	case actRun:
		ref = CheckRun(f)
	default:
		detail, ref = Decide(c.action, f, &next, c.reason)
	}
	if !c.refused {
		if ref != nil {
			t.Fatalf("%s refused (%s): %s", c.action, ref.Rule, ref.Reason)
		}
		if !strings.Contains(detail, c.detail) {
			t.Errorf("audit detail %q lacks %q", detail, c.detail)
		}
		if c.after != nil {
			c.after(t, &next)
		}
		return
	}
	if ref == nil {
		t.Fatalf("%s accepted, want a refusal by %s", c.action, c.rule)
	}
	if ref.Rule != c.rule {
		t.Errorf("refused by %s (%s), want %s", ref.Rule, ref.Reason, c.rule)
	}
	if ref.Cite != c.cite {
		t.Errorf("refusal cites %q, want %q", ref.Cite, c.cite)
	}
	if ref.Input != c.input {
		t.Errorf("Input = %v, want %v (%s)", ref.Input, c.input, ref.Reason)
	}
	if ref.Remedy != c.remedy {
		t.Errorf("Remedy = %q, want %q", ref.Remedy, c.remedy)
	}
	if strings.TrimSpace(ref.Reason) == "" || ref.Error() != ref.Reason {
		t.Errorf("refusal has no reason: %+v", ref)
	}
	if m := keyNames.FindString(ref.Reason); m != "" {
		t.Errorf("reason %q names a key or command (%q)", ref.Reason, m)
	}
	if c.action == ActLog || c.action == actRun {
		return
	}
	// A rule refusal is one Check gives before any input, so the console
	// never offers what would be refused; an input refusal comes only from
	// what was typed.
	pre := Check(c.action, f)
	switch {
	case !c.input && (pre == nil || pre.Rule != c.rule):
		t.Errorf("Check = %v, want the same refusal by %s", pre, c.rule)
	case c.input && pre != nil && c.rule != "lifecycle.state":
		t.Errorf("Check refused %s before any input: %s", pre.Rule, pre.Reason)
	}
}

func TestRuleBook(t *testing.T) {
	for _, c := range allRuleCases() {
		t.Run(c.rule+"/"+c.name, func(t *testing.T) { runRuleCase(t, c) })
	}
}

func allRuleCases() []ruleCase {
	var out []ruleCase
	for _, cs := range [][]ruleCase{lifecycleRuleCases(), triageRuleCases(), decisionRuleCases(), fulfilRuleCases(), intakeRuleCases(), discloseRuleCases(), deliveryRuleCases()} {
		out = append(out, cs...)
	}
	return out
}

// lifecycleRuleCases: the rules of every action (role, state, what an
// edit may change), and one refusal by state for every action of the
// lifecycle table.
func lifecycleRuleCases() []ruleCase {
	cases := []ruleCase{
		{name: "support may not record a decision", rule: "lifecycle.role", cite: CiteRoles, action: ActApprove,
			facts: rbFacts(rbSupport, rbRequest(StatusAwaitingApproval)), refused: true},
		{name: "an engineer may not plan", rule: "lifecycle.role", cite: CiteRoles, action: ActPlan,
			facts: rbFacts(rbEngineer, rbRequest(StatusApproved)), refused: true},
		{name: "an admin may not note", rule: "lifecycle.role", cite: CiteRoles, action: ActNote,
			facts: rbFacts(rbAdmin, rbRequest(StatusReceived)), reason: "x", refused: true},
		{name: "a read-only session changes nothing", rule: "lifecycle.role", cite: CiteRoles, action: ActAcknowledge,
			facts: func() Facts { f := rbFacts(rbLead, rbRequest(StatusReceived)); f.Actor.ReadOnly = true; return f }(), refused: true},
		{name: "a disabled operator changes nothing", rule: "lifecycle.role", cite: CiteRoles, action: ActAcknowledge,
			facts: func() Facts {
				f := rbFacts(rbLead, rbRequest(StatusReceived))
				f.Actor.Operator.Disabled = true
				return f
			}(), refused: true},
		{name: "support may triage", rule: "lifecycle.role", cite: CiteRoles, action: ActStartVerification,
			facts: rbFacts(rbSupport, rbRequest(StatusReceived))},
		{name: "an unknown action is bad input", rule: "lifecycle.state", cite: CiteRecords, action: Action("frobnicate"),
			facts: rbFacts(rbLead, rbRequest(StatusReceived)), refused: true, input: true},
		{name: "start verification from received", rule: "lifecycle.state", cite: CiteRecords, action: ActStartVerification,
			facts: rbFacts(rbSupport, rbRequest(StatusReceived))},
		{name: "information arrived", rule: "lifecycle.state", cite: CiteRecords, action: ActInfoReceived,
			facts: rbFacts(rbSupport, rbRequest(StatusNeedsInfo, func(r *Request) { r.InfoRequested = "a utility bill" })),
			after: func(t *testing.T, next *Request) {
				if next.InfoRequested != "" {
					t.Errorf("InfoRequested = %q after the information arrived", next.InfoRequested)
				}
			}},
		{name: "a note may not change the type", rule: "record.immutable", cite: CiteRecords, action: ActNote,
			facts: rbFacts(rbSupport, rbRequest(StatusReceived)), reason: "called back",
			edit: func(n *Request) { n.Type = TypeAccess }, refused: true, input: true},
		{name: "only a link sets the subject", rule: "record.immutable", cite: CiteRecords, action: ActNote,
			facts: rbFacts(rbSupport, rbRequest(StatusReceived, unlinked)), reason: "called back",
			edit: func(n *Request) { n.SubjectID = "S-1" }, refused: true, input: true},
		{name: "only a fee action quotes a fee", rule: "record.immutable", cite: CiteRecords, action: ActNote,
			facts: rbFacts(rbLead, rbRequest(StatusReceived)), reason: "x",
			edit: func(n *Request) { n.Fee = &Fee{AmountCents: 100} }, refused: true, input: true},
		{name: "a note that changes only the notes", rule: "record.immutable", cite: CiteRecords, action: ActNote,
			facts: rbFacts(rbSupport, rbRequest(StatusReceived)), reason: "called back", detail: "note added"},
		{name: "a note may not add a reminder", rule: "record.reminders", cite: CiteRecords, action: ActNote,
			facts: rbFacts(rbSupport, rbRequest(StatusAwaitingApproval)), reason: "chased",
			edit: func(n *Request) { n.Reminders = []Reminder{{To: "J. Ortiz"}} }, refused: true, input: true},
		{name: "a reminder adds to the reminders", rule: "record.reminders", cite: CiteRecords, action: ActRemind,
			facts: rbFacts(rbSupport, rbRequest(StatusAwaitingApproval)),
			edit:  func(n *Request) { n.Reminders = []Reminder{{To: "J. Ortiz"}} }, detail: "reminder 1"},
	}
	// Every action of the lifecycle table is refused outside the statuses
	// it lists, by the lifecycle and not by a rule of its own.
	for _, tr := range Transitions() {
		for _, s := range Statuses() {
			if slices.Contains(tr.From, s) {
				continue
			}
			cases = append(cases, ruleCase{name: string(tr.Action) + " when " + string(s), rule: "lifecycle.state", cite: CiteRecords,
				action: tr.Action, facts: rbFacts(rbActor("sys", RoleSystem), rbRequest(s)), reason: "x", refused: true})
			break
		}
	}
	return cases
}

func triageRuleCases() []ruleCase {
	verification := func(level VerificationLevel, points ...string) func(*Request) {
		return func(n *Request) {
			n.Verification = &Verification{Method: "data points", DataPoints: points, Level: level}
		}
	}
	acked := rbNow.Add(-48 * time.Hour)
	other := func(op Operator) Facts {
		f := rbFacts(rbSupport, rbRequest(StatusVerifying))
		f.Assignee = &op
		return f
	}
	childSubject := &Subject{ID: "S-2", TenantID: "oakridge-ca", Name: "Ava Child", BirthDate: "2015-01-01", ResidencyState: "NV"}
	linkFacts := func(sub *Subject, mods ...func(*Request)) Facts {
		f := rbFacts(rbSupport, rbRequest(StatusReceived, append([]func(*Request){unlinked, func(r *Request) { r.ResidencyFrom = ResidencyTenant }}, mods...)...))
		f.Subject = sub
		return f
	}
	return []ruleCase{
		// Acknowledgement: 11 CCR §7021(a).
		{name: "first acknowledgement", rule: "ack.once", cite: CiteAck, action: ActAcknowledge,
			facts: rbFacts(rbSupport, rbRequest(StatusReceived)), detail: "receipt confirmed",
			after: func(t *testing.T, n *Request) {
				if n.AcknowledgedAt == nil || !n.AcknowledgedAt.Equal(rbNow) {
					t.Errorf("AcknowledgedAt = %v, want %v", n.AcknowledgedAt, rbNow)
				}
			}},
		{name: "acknowledged twice", rule: "ack.once", cite: CiteAck, action: ActAcknowledge,
			facts: rbFacts(rbSupport, rbRequest(StatusVerifying, func(r *Request) { r.AcknowledgedAt = &acked })), refused: true},

		// Asking for information.
		{name: "what was asked is recorded", rule: "info.what", cite: CitePolicyVerify, action: ActRequestInfo,
			facts: rbFacts(rbSupport, rbRequest(StatusVerifying)), reason: "a utility bill",
			after: func(t *testing.T, n *Request) {
				if n.InfoRequested != "a utility bill" {
					t.Errorf("InfoRequested = %q", n.InfoRequested)
				}
			}},
		{name: "asking for nothing", rule: "info.what", cite: CitePolicyVerify, action: ActRequestInfo,
			facts: rbFacts(rbSupport, rbRequest(StatusVerifying)), reason: "  ", refused: true, input: true},

		// Verification: 11 CCR §7060–7063.
		{name: "a deletion verified to a reasonable degree", rule: "verify.level", cite: CiteVerifyLevels, action: ActVerify,
			facts: rbFacts(rbSupport, rbRequest(StatusVerifying)), edit: verification(LevelReasonable, "email", "Name", "e-mail"),
			detail: "verified reasonable by data points: email, name",
			after: func(t *testing.T, n *Request) {
				v := n.Verification
				if v.By != "sam" || !v.At.Equal(rbNow) || !slices.Equal(v.DataPoints, []string{"email", "name"}) {
					t.Errorf("verification stamped %s at %v with %v", v.By, v.At, v.DataPoints)
				}
			}},
		{name: "specific pieces of PI need a reasonably high degree", rule: "verify.level", cite: CiteVerifyLevels, action: ActVerify,
			facts: rbFacts(rbSupport, rbRequest(StatusVerifying, withType(TypeAccess), func(r *Request) { r.AccessScope = AccessSpecific })),
			edit:  verification(LevelReasonable, "email", "name"), refused: true, input: true},
		{name: "a reasonably high degree with a signed declaration", rule: "verify.level", cite: CiteVerifyLevels, action: ActVerify,
			facts: rbFacts(rbSupport, rbRequest(StatusVerifying, withType(TypeAccess), func(r *Request) { r.AccessScope = AccessSpecific })),
			edit: func(n *Request) {
				n.Verification = &Verification{Method: "data points", DataPoints: []string{"email", "name", "account_id"}, Level: LevelHigh, SignedDecl: true}
			},
			detail: "verified high by data points: email, name, account_id; signed declaration"},
		{name: "a reasonably high degree without a declaration", rule: "verify.level", cite: CiteVerifyLevels, action: ActVerify,
			facts: rbFacts(rbSupport, rbRequest(StatusVerifying)), edit: verification(LevelHigh, "email", "name", "account_id"), refused: true, input: true},
		{name: "one point is not a reasonable degree", rule: "verify.level", cite: CiteVerifyLevels, action: ActVerify,
			facts: rbFacts(rbSupport, rbRequest(StatusVerifying)), edit: verification(LevelReasonable, "email"), refused: true, input: true},
		{name: "a deletion needs more than none", rule: "verify.level", cite: CiteVerifyLevels, action: ActVerify,
			facts: rbFacts(rbSupport, rbRequest(StatusVerifying)), edit: verification(LevelNone), refused: true, input: true},
		{name: "an opt-out needs no verification", rule: "verify.level", cite: CiteVerifyLevels, action: ActVerify,
			facts: rbFacts(rbSupport, rbRequest(StatusVerifying, withType(TypeOptOut), unlinked)), edit: verification(LevelNone),
			detail: "verified no verification by data points"},
		{name: "an unlinked deletion cannot be verified", rule: "verify.linked", cite: CiteVerifyMatched, action: ActVerify,
			facts: rbFacts(rbSupport, rbRequest(StatusVerifying, unlinked)), edit: verification(LevelReasonable, "email", "name"),
			refused: true, remedy: ActLink},
		{name: "a linked deletion is verified", rule: "verify.linked", cite: CiteVerifyMatched, action: ActVerify,
			facts: rbFacts(rbSupport, rbRequest(StatusVerifying)), edit: verification(LevelReasonable, "email", "account id")},
		{name: "no verification given", rule: "verify.method", cite: CitePolicyVerify, action: ActVerify,
			facts: rbFacts(rbSupport, rbRequest(StatusVerifying)), refused: true, input: true},
		{name: "no method given", rule: "verify.method", cite: CitePolicyVerify, action: ActVerify,
			facts: rbFacts(rbSupport, rbRequest(StatusVerifying)),
			edit: func(n *Request) {
				n.Verification = &Verification{DataPoints: []string{"email", "name"}, Level: LevelReasonable}
			}, refused: true, input: true},
		{name: "the method is recorded", rule: "verify.method", cite: CitePolicyVerify, action: ActVerify,
			facts: rbFacts(rbSupport, rbRequest(StatusVerifying)), edit: verification(LevelReasonable, "email", "name"), detail: "by data points"},
		{name: "a phone the subject does not have", rule: "verify.on_file", cite: CiteVerifyMatched, action: ActVerify,
			facts: rbFacts(rbSupport, rbRequest(StatusVerifying)), edit: verification(LevelReasonable, "email", "phone"), refused: true, input: true},
		{name: "an unknown data point", rule: "verify.on_file", cite: CiteVerifyMatched, action: ActVerify,
			facts: rbFacts(rbSupport, rbRequest(StatusVerifying)), edit: verification(LevelReasonable, "email", "shoe size"), refused: true, input: true},
		{name: "points the subject has", rule: "verify.on_file", cite: CiteVerifyMatched, action: ActVerify,
			facts: rbFacts(rbSupport, rbRequest(StatusVerifying)), edit: verification(LevelReasonable, "account_id", "last_transaction")},
		{name: "verified with the email being corrected", rule: "verify.not_corrected", cite: CiteCorrectionData, action: ActVerify,
			facts: rbFacts(rbSupport, rbRequest(StatusVerifying, withType(TypeRectification), func(r *Request) {
				r.Corrections = map[string]string{"email": "new@example.org"}
			})), edit: verification(LevelReasonable, "email", "name"), refused: true, input: true},
		{name: "verified with other data", rule: "verify.not_corrected", cite: CiteCorrectionData, action: ActVerify,
			facts: rbFacts(rbSupport, rbRequest(StatusVerifying, withType(TypeRectification), func(r *Request) {
				r.Corrections = map[string]string{"email": "new@example.org"}
			})), edit: verification(LevelReasonable, "account_id", "name")},
		{name: "an agent without written permission", rule: "verify.agent", cite: CitePolicyAgent, action: ActVerify,
			facts: rbFacts(rbSupport, rbRequest(StatusVerifying, func(r *Request) { r.Agent = &Agent{Person: Person{Name: "Ann Agent"}} })),
			edit: func(n *Request) {
				n.Verification = &Verification{Method: "data points", DataPoints: []string{"email", "name"}, Level: LevelReasonable, AgentChecked: true}
			}, refused: true, input: true},
		{name: "an agent not verified", rule: "verify.agent", cite: CitePolicyAgent, action: ActVerify,
			facts: rbFacts(rbSupport, rbRequest(StatusVerifying, func(r *Request) {
				r.Agent = &Agent{Person: Person{Name: "Ann Agent"}, PermissionEvidence: "signed letter, file ref 1187"}
			})), edit: verification(LevelReasonable, "email", "name"), refused: true, input: true},
		{name: "an agent verified as well", rule: "verify.agent", cite: CitePolicyAgent, action: ActVerify,
			facts: rbFacts(rbSupport, rbRequest(StatusVerifying, func(r *Request) {
				r.Agent = &Agent{Person: Person{Name: "Ann Agent"}, PermissionEvidence: "signed letter, file ref 1187"}
			})),
			edit: func(n *Request) {
				n.Verification = &Verification{Method: "data points", DataPoints: []string{"email", "name"}, Level: LevelReasonable, AgentChecked: true}
			}, detail: "; agent verified"},

		// Denials and withdrawal.
		{name: "denied as unverifiable with a basis", rule: "deny.basis", cite: CiteDenial, action: ActDenyUnverifiable,
			facts: rbFacts(rbSupport, rbRequest(StatusNeedsInfo)), reason: "no reply in 30 days", detail: "reason: no reply in 30 days",
			after: func(t *testing.T, n *Request) {
				if n.DenialReason != "no reply in 30 days" || n.Outcome != "denied" || n.RespondedAt == nil || !n.RespondedAt.Equal(rbNow) {
					t.Errorf("denial recorded as %q, %q, %v", n.DenialReason, n.Outcome, n.RespondedAt)
				}
			}},
		{name: "denied as unverifiable without a basis", rule: "deny.basis", cite: CiteDenial, action: ActDenyUnverifiable,
			facts: rbFacts(rbSupport, rbRequest(StatusVerifying)), refused: true, input: true},
		{name: "refused as excessive with a basis", rule: "deny.basis", cite: CiteDenial, action: ActRefuseExcessive,
			facts: rbFacts(rbLead, rbRequest(StatusReceived)), reason: "fourth identical request this month", detail: "reason: fourth identical request"},
		{name: "refused as excessive without a basis", rule: "deny.basis", cite: CiteDenial, action: ActRefuseExcessive,
			facts: rbFacts(rbLead, rbRequest(StatusReceived)), refused: true, input: true},
		{name: "withdrawn by email", rule: "withdraw.how", cite: CiteRecords, action: ActWithdraw,
			facts: rbFacts(rbSupport, rbRequest(StatusApproved)), reason: "requester emailed",
			after: func(t *testing.T, n *Request) {
				if n.Outcome != "withdrawn" {
					t.Errorf("Outcome = %q", n.Outcome)
				}
			}},
		{name: "withdrawn without saying how", rule: "withdraw.how", cite: CiteRecords, action: ActWithdraw,
			facts: rbFacts(rbSupport, rbRequest(StatusReceived)), refused: true, input: true},

		// Assignment.
		{name: "assign to me", rule: "assign.can_work", cite: CiteRoles, action: ActAssign,
			facts: rbFacts(rbSupport, rbRequest(StatusVerifying)), detail: "assigned to sam"},
		{name: "assign to a colleague", rule: "assign.can_work", cite: CiteRoles, action: ActAssign,
			facts: other(Operator{Handle: "ana", Role: RoleSupport}), edit: func(n *Request) { n.AssignedTo = "ana" }, detail: "assigned to ana"},
		{name: "assign to nobody known", rule: "assign.can_work", cite: CiteRoles, action: ActAssign,
			facts: rbFacts(rbSupport, rbRequest(StatusVerifying)), edit: func(n *Request) { n.AssignedTo = "ghost" }, refused: true, input: true},
		{name: "assign to a disabled operator", rule: "assign.can_work", cite: CiteRoles, action: ActAssign,
			facts: other(Operator{Handle: "ana", Role: RoleSupport, Disabled: true}), edit: func(n *Request) { n.AssignedTo = "ana" }, refused: true, input: true},
		{name: "assign to an engineer", rule: "assign.can_work", cite: CiteRoles, action: ActAssign,
			facts: other(Operator{Handle: "ana", Role: RoleEngineer}), edit: func(n *Request) { n.AssignedTo = "ana" }, refused: true, input: true},
		{name: "assign out of scope", rule: "assign.can_work", cite: CiteRoles, action: ActAssign,
			facts: other(Operator{Handle: "ana", Role: RoleSupport, Tenants: []string{"elsewhere"}}), edit: func(n *Request) { n.AssignedTo = "ana" }, refused: true, input: true},
		{name: "unassign", rule: "assign.can_work", cite: CiteRoles, action: ActAssign,
			facts: rbFacts(rbSupport, rbRequest(StatusVerifying, func(r *Request) { r.AssignedTo = "ana" })),
			edit:  func(n *Request) { n.AssignedTo = "" }, detail: "unassigned"},

		// Notes and reminders.
		{name: "a note with text", rule: "note.text", cite: CiteRecords, action: ActNote,
			facts: rbFacts(rbSupport, rbRequest(StatusCompleted)), reason: "resident called", detail: "note added",
			after: func(t *testing.T, n *Request) {
				if len(n.Notes) != 1 || n.Notes[0].By != "sam" || n.Notes[0].Text != "resident called" || !n.Notes[0].At.Equal(rbNow) {
					t.Errorf("Notes = %+v", n.Notes)
				}
			}},
		{name: "an empty note", rule: "note.text", cite: CiteRecords, action: ActNote,
			facts: rbFacts(rbSupport, rbRequest(StatusReceived)), reason: " \t", refused: true, input: true},
		{name: "a reminder to an approver", rule: "remind.approver", cite: CitePolicyApproval, action: ActRemind,
			facts: rbFacts(rbSupport, rbRequest(StatusAwaitingApproval, func(r *Request) {
				r.Reminders = []Reminder{{By: "sam", To: "J. Ortiz", At: rbReceived}}
			})),
			edit: func(n *Request) {
				n.Reminders = append(slices.Clone(n.Reminders), Reminder{To: " K. Lee "})
			}, detail: "reminder 2 sent to approver 2 (Records Officer)",
			after: func(t *testing.T, n *Request) {
				last := n.Reminders[1]
				if last.To != "K. Lee" || last.By != "sam" || !last.At.Equal(rbNow) {
					t.Errorf("reminder stamped %+v", last)
				}
			}},
		{name: "a reminder to someone else", rule: "remind.approver", cite: CitePolicyApproval, action: ActRemind,
			facts: rbFacts(rbSupport, rbRequest(StatusAwaitingApproval)),
			edit:  func(n *Request) { n.Reminders = []Reminder{{To: "Somebody"}} }, refused: true, input: true},
		{name: "two reminders at once", rule: "remind.approver", cite: CitePolicyApproval, action: ActRemind,
			facts: rbFacts(rbSupport, rbRequest(StatusAwaitingApproval)),
			edit:  func(n *Request) { n.Reminders = []Reminder{{To: "J. Ortiz"}, {To: "K. Lee"}} }, refused: true, input: true},

		// Linking an unmatched request.
		{name: "link to a child subject", rule: "link.same_tenant", cite: CitePolicyApproval, action: ActLink,
			facts: linkFacts(childSubject), edit: func(n *Request) { n.SubjectID = "S-2" }, detail: "linked to subject S-2",
			after: func(t *testing.T, n *Request) {
				if n.SubjectLabel == "" || strings.Contains(n.SubjectLabel, "Child") {
					t.Errorf("SubjectLabel = %q, want the masked name", n.SubjectLabel)
				}
				if n.ResidencyState != "NV" || n.ResidencyFrom != ResidencySubject {
					t.Errorf("residency %s from %s, want NV from the subject", n.ResidencyState, n.ResidencyFrom)
				}
				if !n.HasFlag(FlagChild) || !n.ChildDeletion() {
					t.Errorf("flags %+v: a deletion for a child of 11 is a child's deletion", n.Flags)
				}
			}},
		{name: "a stated residency survives the link", rule: "link.same_tenant", cite: CitePolicyApproval, action: ActLink,
			facts: linkFacts(childSubject, func(r *Request) { r.ResidencyState, r.ResidencyFrom = "OR", ResidencyStated }),
			edit:  func(n *Request) { n.SubjectID = "S-2" },
			after: func(t *testing.T, n *Request) {
				if n.ResidencyState != "OR" || n.ResidencyFrom != ResidencyStated {
					t.Errorf("residency %s from %s, want OR as stated", n.ResidencyState, n.ResidencyFrom)
				}
			}},
		{name: "link to no subject", rule: "link.same_tenant", cite: CitePolicyApproval, action: ActLink,
			facts: linkFacts(nil), refused: true, input: true},
		{name: "link to another tenant's subject", rule: "link.same_tenant", cite: CitePolicyApproval, action: ActLink,
			facts: linkFacts(&Subject{ID: "S-9", TenantID: "elsewhere", Name: "X"}), edit: func(n *Request) { n.SubjectID = "S-9" },
			refused: true, input: true},
		{name: "link an unlinked request", rule: "link.unlinked", cite: CiteRecords, action: ActLink,
			facts: linkFacts(rbSubject()), edit: func(n *Request) { n.SubjectID = "S-1" }},
		{name: "a link is not replaced", rule: "link.unlinked", cite: CiteRecords, action: ActLink,
			facts: rbFacts(rbSupport, rbRequest(StatusReceived)), edit: func(n *Request) { n.SubjectID = "S-2" }, refused: true},
	}
}

func decisionRuleCases() []ruleCase {
	decision := func(mods ...func(*Decision)) func(*Request) {
		return func(n *Request) {
			d := &Decision{Approver: "J. Ortiz", Method: "e-mail", Evidence: "clerk@city.example 2026-11-09"}
			for _, m := range mods {
				m(d)
			}
			n.Decision = d
		}
	}
	dated := func(at time.Time) func(*Decision) { return func(d *Decision) { d.DecidedAt = at } }
	awaiting := func(mods ...func(*Request)) Request {
		return rbRequest(StatusAwaitingApproval, append([]func(*Request){verifiedBy("sam")}, mods...)...)
	}
	la, _ := time.LoadLocation("America/Los_Angeles")
	// 2026-11-10 23:30 in Los Angeles is already the 11th in UTC.
	lateEvening := rbFacts(rbLead, awaiting())
	lateEvening.Now = time.Date(2026, 11, 10, 23, 30, 0, 0, la)
	correcting := func(mods ...func(*Decision)) func(*Request) {
		return func(n *Request) {
			d := *n.Decision
			for _, m := range mods {
				m(&d)
			}
			n.Decision = &d
		}
	}
	approved := rbRequest(StatusApproved, verifiedBy("sam"), decided(approvedDecision()))
	extended := rbRequest(StatusVerifying, func(r *Request) { r.Extension = &Extension{By: "lou", At: rbReceived, Reason: "volume"} })
	afterWindow := rbFacts(rbLead, rbRequest(StatusVerifying))
	afterWindow.Now = time.Date(2026, 12, 18, 9, 0, 0, 0, time.UTC) // 2026-12-18 01:00 PST: day 46
	lastDay := rbFacts(rbLead, rbRequest(StatusVerifying))
	lastDay.Now = time.Date(2026, 12, 18, 7, 59, 0, 0, time.UTC) // 2026-12-17 23:59 PST: day 45
	return []ruleCase{
		// Four eyes on the Customer's decision.
		{name: "the lead who logged it", rule: "decide.four_eyes_logged", cite: CiteFourEyes, action: ActApprove,
			facts: rbFacts(rbLead, awaiting(loggedBy("lee"))), edit: decision(), refused: true},
		{name: "another lead than the one who logged it", rule: "decide.four_eyes_logged", cite: CiteFourEyes, action: ActApprove,
			facts: rbFacts(rbLead2, awaiting(loggedBy("lee"))), edit: decision()},
		{name: "the lead who verified it", rule: "decide.four_eyes_verified", cite: CiteFourEyes, action: ActDeny,
			facts: rbFacts(rbLead, awaiting(verifiedBy("lee"))), edit: decision(), reason: "exempt", refused: true},
		{name: "another lead than the one who verified it", rule: "decide.four_eyes_verified", cite: CiteFourEyes, action: ActDeny,
			facts: rbFacts(rbLead2, awaiting(verifiedBy("lee"))), edit: decision(), reason: "exempt"},

		// The decision's evidence, recorded on the chain.
		{name: "an approval with its evidence", rule: "decide.evidence", cite: CitePolicyApproval, action: ActApprove,
			facts: rbFacts(rbLead, awaiting()), edit: decision(),
			detail: "Customer approved: approver J. Ortiz; email clerk@city.example 2026-11-09; decided 2026-11-10",
			after: func(t *testing.T, n *Request) {
				d := n.Decision
				if d.Outcome != DecisionApproved || d.Method != "email" || d.RecordedBy != "lee" || !d.RecordedAt.Equal(rbNow) || !d.DecidedAt.Equal(rbNow) {
					t.Errorf("decision stamped %+v", d)
				}
				if n.RespondedAt != nil {
					t.Errorf("an approval is not the response: RespondedAt = %v", n.RespondedAt)
				}
			}},
		{name: "no decision given", rule: "decide.evidence", cite: CitePolicyApproval, action: ActApprove,
			facts: rbFacts(rbLead, awaiting()), refused: true, input: true},
		{name: "no approver", rule: "decide.evidence", cite: CitePolicyApproval, action: ActApprove,
			facts: rbFacts(rbLead, awaiting()), edit: decision(func(d *Decision) { d.Approver = " " }), refused: true, input: true},
		{name: "a ticket with no number", rule: "decide.evidence", cite: CitePolicyApproval, action: ActApprove,
			facts: rbFacts(rbLead, awaiting()), edit: decision(func(d *Decision) { d.Method, d.Evidence = "ticket", "the usual one" }), refused: true, input: true},
		{name: "an approval that says denied", rule: "decide.evidence", cite: CitePolicyApproval, action: ActApprove,
			facts: rbFacts(rbLead, awaiting()), edit: decision(func(d *Decision) { d.Outcome = DecisionDenied }), refused: true, input: true},

		// The decision date, a tenant-local date from receipt to today.
		{name: "dated the day it was received", rule: "decide.date", cite: CitePolicyApproval, action: ActApprove,
			facts: rbFacts(rbLead, awaiting()), edit: decision(dated(time.Date(2026, 11, 2, 8, 30, 0, 0, la))), detail: "decided 2026-11-02"},
		{name: "dated before receipt", rule: "decide.date", cite: CitePolicyApproval, action: ActApprove,
			facts: rbFacts(rbLead, awaiting()), edit: decision(dated(time.Date(2026, 11, 1, 12, 0, 0, 0, la))), refused: true, input: true},
		{name: "dated tomorrow", rule: "decide.date", cite: CitePolicyApproval, action: ActApprove,
			facts: rbFacts(rbLead, awaiting()), edit: decision(dated(time.Date(2026, 11, 11, 9, 0, 0, 0, la))), refused: true, input: true},
		{name: "dated today in the tenant's evening, tomorrow in UTC", rule: "decide.date", cite: CitePolicyApproval, action: ActApprove,
			facts: lateEvening, edit: decision(dated(time.Date(2026, 11, 10, 23, 0, 0, 0, la))), detail: "decided 2026-11-10"},
		{name: "dated local midnight, still tomorrow in the tenant's calendar", rule: "decide.date", cite: CitePolicyApproval, action: ActApprove,
			facts: lateEvening, edit: decision(dated(time.Date(2026, 11, 11, 0, 0, 0, 0, la))), refused: true, input: true},

		// A denial.
		{name: "a denial with the Customer's reason", rule: "decide.denial_reason", cite: CiteDenial, action: ActDeny,
			facts: rbFacts(rbLead, awaiting()), edit: decision(dated(time.Date(2026, 11, 9, 12, 0, 0, 0, la))), reason: "records exempt under open-records law",
			detail: "Customer denied: approver J. Ortiz; email clerk@city.example 2026-11-09; decided 2026-11-09",
			after: func(t *testing.T, n *Request) {
				d := n.Decision
				if d.Outcome != DecisionDenied || d.Reason != "records exempt under open-records law" || n.DenialReason != d.Reason {
					t.Errorf("denial recorded as %+v, DenialReason %q", d, n.DenialReason)
				}
				if n.Outcome != "denied" || n.RespondedAt == nil || !n.RespondedAt.Equal(rbNow) {
					t.Errorf("a denial is the response: Outcome %q, RespondedAt %v", n.Outcome, n.RespondedAt)
				}
			}},
		{name: "a denial without a reason", rule: "decide.denial_reason", cite: CiteDenial, action: ActDeny,
			facts: rbFacts(rbLead, awaiting()), edit: decision(), refused: true, input: true},

		// Correcting a recorded decision.
		{name: "correct the approver and the date", rule: "decision_fix.changes", cite: CiteRecords, action: ActCorrectDecision,
			facts: rbFacts(rbLead, approved), reason: "the clerk's deputy signed",
			edit:   correcting(func(d *Decision) { d.Approver, d.DecidedAt = "K. Lee", time.Date(2026, 11, 8, 18, 0, 0, 0, time.UTC) }),
			detail: "decision corrected: approver J. Ortiz → K. Lee; decided 2026-11-09 → 2026-11-08",
			after: func(t *testing.T, n *Request) {
				if len(n.PriorDecisions) != 1 || n.PriorDecisions[0].Approver != "J. Ortiz" {
					t.Errorf("PriorDecisions = %+v, want the old decision kept", n.PriorDecisions)
				}
				if n.Decision.RecordedBy != "lee" || !n.Decision.RecordedAt.Equal(rbNow) {
					t.Errorf("correction stamped %s at %v", n.Decision.RecordedBy, n.Decision.RecordedAt)
				}
			}},
		{name: "correct a denial's reason", rule: "decision_fix.changes", cite: CiteRecords, action: ActCorrectDecision,
			facts: rbFacts(rbLead, rbRequest(StatusDenied, decided(&Decision{Outcome: DecisionDenied, Approver: "J. Ortiz", Method: "ticket",
				Evidence: "CUST-1", DecidedAt: rbNow, Reason: "exempt"}), func(r *Request) { r.DenialReason = "exempt" })),
			reason: "typo", edit: correcting(func(d *Decision) { d.Reason = "exempt under the records act" }),
			detail: "reason exempt → exempt under the records act",
			after: func(t *testing.T, n *Request) {
				if n.DenialReason != "exempt under the records act" {
					t.Errorf("DenialReason = %q", n.DenialReason)
				}
			}},
		{name: "a correction that changes nothing", rule: "decision_fix.changes", cite: CiteRecords, action: ActCorrectDecision,
			facts: rbFacts(rbLead, approved), reason: "x", edit: correcting(), refused: true, input: true},
		{name: "a correction with no date that changes nothing", rule: "decision_fix.changes", cite: CiteRecords, action: ActCorrectDecision,
			facts: rbFacts(rbLead, approved), reason: "x", edit: correcting(dated(time.Time{})), refused: true, input: true},
		{name: "a correction with no date keeps the recorded one", rule: "decision_fix.changes", cite: CiteRecords, action: ActCorrectDecision,
			facts: rbFacts(rbLead, approved), reason: "wrong approver", edit: correcting(dated(time.Time{}), func(d *Decision) { d.Approver = "K. Lee" }),
			detail: "decision corrected: approver J. Ortiz → K. Lee",
			after: func(t *testing.T, n *Request) {
				if !n.Decision.DecidedAt.Equal(approvedDecision().DecidedAt) {
					t.Errorf("DecidedAt = %v, want the recorded date kept", n.Decision.DecidedAt)
				}
			}},
		{name: "a correction that turns approval into denial", rule: "decision_fix.changes", cite: CiteRecords, action: ActCorrectDecision,
			facts: rbFacts(rbLead, approved), reason: "x", edit: correcting(func(d *Decision) { d.Outcome = DecisionDenied }), refused: true, input: true},
		{name: "a correction without a reason", rule: "decision_fix.changes", cite: CiteRecords, action: ActCorrectDecision,
			facts: rbFacts(rbLead, approved), edit: correcting(func(d *Decision) { d.Approver = "K. Lee" }), refused: true, input: true},
		{name: "a correction with no decision", rule: "decision_fix.changes", cite: CiteRecords, action: ActCorrectDecision,
			facts: rbFacts(rbLead, approved), reason: "x", edit: func(n *Request) { n.Decision = nil }, refused: true, input: true},
		{name: "a correction dated in the future", rule: "decide.date", cite: CitePolicyApproval, action: ActCorrectDecision,
			facts: rbFacts(rbLead, approved), reason: "x", edit: correcting(dated(rbNow.AddDate(0, 0, 2))), refused: true, input: true},
		{name: "nothing recorded to correct", rule: "decision_fix.recorded", cite: CiteRecords, action: ActCorrectDecision,
			facts: rbFacts(rbLead, rbRequest(StatusApproved)), reason: "x", edit: decision(), refused: true},
		{name: "a recorded decision is corrected", rule: "decision_fix.recorded", cite: CiteRecords, action: ActCorrectDecision,
			facts: rbFacts(rbLead, approved), reason: "wrong ref", edit: correcting(func(d *Decision) { d.Evidence = "clerk@city.example 2026-11-08" })},

		// Extension: 11 CCR §7021(b).
		{name: "extended on day 45", rule: "extend.window", cite: CiteExtension, action: ActExtend,
			facts: lastDay, reason: "records in archive", detail: "response deadline extended to 2027-01-31",
			after: func(t *testing.T, n *Request) {
				x := n.Extension
				if x == nil || x.By != "lee" || x.Reason != "records in archive" || !x.At.Equal(lastDay.Now) || !x.NoticeSent.Equal(lastDay.Now) {
					t.Errorf("extension stamped %+v", x)
				}
			}},
		{name: "extended on day 46", rule: "extend.window", cite: CiteExtension, action: ActExtend,
			facts: afterWindow, reason: "records in archive", refused: true},
		{name: "extended once", rule: "extend.once", cite: CiteExtension, action: ActExtend,
			facts: rbFacts(rbLead, rbRequest(StatusVerifying)), reason: "volume"},
		{name: "extended twice", rule: "extend.once", cite: CiteExtension, action: ActExtend,
			facts: rbFacts(rbLead, extended), reason: "volume", refused: true},
		{name: "an extension with a reason", rule: "extend.reason", cite: CiteExtension, action: ActExtend,
			facts: rbFacts(rbLead, rbRequest(StatusFailed)), reason: "run failed, vendor outage", detail: "extended to"},
		{name: "an extension without a reason", rule: "extend.reason", cite: CiteExtension, action: ActExtend,
			facts: rbFacts(rbLead, rbRequest(StatusVerifying)), refused: true, input: true},

		// A fee instead of a refusal.
		{name: "a fee with amount and reason", rule: "fee.quote", cite: CitePolicyFee, action: ActChargeFee,
			facts: rbFacts(rbLead, rbRequest(StatusVerifying)), reason: "fourth identical request this month",
			edit:   func(n *Request) { n.Fee = &Fee{AmountCents: 2550} },
			detail: "fee quoted: $25.50; reason: fourth identical request this month",
			after: func(t *testing.T, n *Request) {
				f := n.Fee
				if f.By != "lee" || !f.At.Equal(rbNow) || f.Reason != "fourth identical request this month" {
					t.Errorf("fee stamped %+v", f)
				}
				if n.Status != StatusVerifying || n.RespondedAt != nil {
					t.Errorf("a fee changed the status to %s or answered the request", n.Status)
				}
			}},
		{name: "a fee without an amount", rule: "fee.quote", cite: CitePolicyFee, action: ActChargeFee,
			facts: rbFacts(rbLead, rbRequest(StatusVerifying)), reason: "excessive", refused: true, input: true},
		{name: "a fee over the bound", rule: "fee.quote", cite: CitePolicyFee, action: ActChargeFee,
			facts: rbFacts(rbLead, rbRequest(StatusVerifying)), reason: "excessive",
			edit: func(n *Request) { n.Fee = &Fee{AmountCents: MaxFeeCents + 1} }, refused: true, input: true},
		{name: "a fee without a reason", rule: "fee.quote", cite: CitePolicyFee, action: ActChargeFee,
			facts: rbFacts(rbLead, rbRequest(StatusVerifying)), edit: func(n *Request) { n.Fee = &Fee{AmountCents: 1000} }, refused: true, input: true},
		{name: "the first fee", rule: "fee.once", cite: CitePolicyFee, action: ActChargeFee,
			facts: rbFacts(rbLead, rbRequest(StatusReceived)), reason: "excessive", edit: func(n *Request) { n.Fee = &Fee{AmountCents: 1000} }},
		{name: "a second fee", rule: "fee.once", cite: CitePolicyFee, action: ActChargeFee,
			facts:  rbFacts(rbLead, rbRequest(StatusReceived, func(r *Request) { r.Fee = &Fee{AmountCents: 1000, By: "lou"} })),
			reason: "excessive", edit: func(n *Request) { n.Fee = &Fee{AmountCents: 2000} }, refused: true},
	}
}

func fulfilRuleCases() []ruleCase {
	newPlan := func(builder string, mods ...func(*Plan)) func(*Request) {
		return func(n *Request) {
			p := rbPlan(builder)
			for _, m := range mods {
				m(p)
			}
			n.Plan = p
		}
	}
	approved := func(mods ...func(*Request)) Request {
		return rbRequest(StatusApproved, append([]func(*Request){verifiedBy("sam"), decided(approvedDecision())}, mods...)...)
	}
	fulfilling := func(p *Plan) Request {
		return rbRequest(StatusFulfilling, verifiedBy("sam"), decided(approvedDecision()), withPlan(p))
	}
	stale := rbPlan("lee")
	stale.Docs[0].Op = DocMask // changed after its digest was taken
	staleSigned := signedPlan("lee", "lou")
	staleSigned.Docs[0].Op = DocMask
	signOff := func(by string) func(*Request) {
		return func(n *Request) { n.Plan = clonePlan(n.Plan); n.Plan.SignedBy = by }
	}
	doStep := func(i int, result string, mods ...func(*Request)) func(*Request) {
		return func(n *Request) {
			n.Plan = clonePlan(n.Plan)
			n.Plan.Steps[i].Done, n.Plan.Steps[i].Result = true, result
			for _, m := range mods {
				m(n)
			}
		}
	}
	return []ruleCase{
		// A plan.
		{name: "a plan for a linked request", rule: "plan.linked", cite: CiteFulfilment, action: ActPlan,
			facts: rbFacts(rbLead, approved()), edit: newPlan("lee"), detail: "R-1/plan-1: delete 1; 2 steps (digest "},
		{name: "a plan for an unlinked request", rule: "plan.linked", cite: CiteFulfilment, action: ActPlan,
			facts: rbFacts(rbLead, approved(unlinked)), edit: newPlan("lee"), refused: true, remedy: ActLink},
		{name: "a new plan for a failed run", rule: "plan.not_running", cite: CiteFulfilment, action: ActPlan,
			facts: rbFacts(rbLead, rbRequest(StatusFailed, withPlan(staleSigned))), edit: newPlan("lee")},
		{name: "a plan replacing a running signed one", rule: "plan.not_running", cite: CiteFulfilment, action: ActPlan,
			facts: rbFacts(rbLead, fulfilling(signedPlan("lee", "lou"))), edit: newPlan("lee"), refused: true, remedy: ActStartFulfilment},
		{name: "a plan the planner stored", rule: "plan.built", cite: CiteFulfilment, action: ActPlan,
			facts: rbFacts(rbLead, approved(withPlan(stale))), edit: newPlan("lee")},
		{name: "no plan stored", rule: "plan.built", cite: CiteFulfilment, action: ActPlan,
			facts: rbFacts(rbLead, approved()), refused: true, input: true},
		{name: "a plan arriving signed", rule: "plan.built", cite: CiteFulfilment, action: ActPlan,
			facts: rbFacts(rbLead, approved()), edit: newPlan("lee", func(p *Plan) { p.SignedBy = "lou" }), refused: true, input: true},
		{name: "a plan built by someone else", rule: "plan.built", cite: CiteFulfilment, action: ActPlan,
			facts: rbFacts(rbLead, approved()), edit: newPlan("lou"), refused: true, input: true},
		{name: "a plan for another type", rule: "plan.built", cite: CiteFulfilment, action: ActPlan,
			facts: rbFacts(rbLead, approved(withType(TypeAccess))), edit: newPlan("lee"), refused: true, input: true},
		{name: "a plan not matching its digest", rule: "plan.built", cite: CiteFulfilment, action: ActPlan,
			facts: rbFacts(rbLead, approved()), edit: newPlan("lee", func(p *Plan) { p.Docs[0].Op = DocKeep }), refused: true, input: true},
		{name: "a new plan with a step done", rule: "plan.built", cite: CiteFulfilment, action: ActPlan,
			facts: rbFacts(rbLead, approved()), edit: newPlan("lee", func(p *Plan) { p.Steps[0].Done = true }), refused: true, input: true},

		// Sign-off by a second lead.
		{name: "signed off by another lead", rule: "sign_off.four_eyes", cite: CiteFourEyes, action: ActSignOff,
			facts: rbFacts(rbLead2, approved(withPlan(rbPlan("lee")))), edit: signOff("lou"), detail: "signed off R-1/plan-1 (digest ",
			after: func(t *testing.T, n *Request) {
				if p := n.Plan; p.SignedBy != "lou" || !p.SignedAt.Equal(rbNow) || !p.Signed() {
					t.Errorf("plan signed %s at %v (valid %v)", p.SignedBy, p.SignedAt, p.Signed())
				}
			}},
		{name: "signed off by its builder", rule: "sign_off.four_eyes", cite: CiteFourEyes, action: ActSignOff,
			facts: rbFacts(rbLead, approved(withPlan(rbPlan("lee")))), edit: signOff("lee"), refused: true},
		{name: "no plan to sign off", rule: "sign_off.plan", cite: CiteFulfilment, action: ActSignOff,
			facts: rbFacts(rbLead2, approved()), refused: true, remedy: ActPlan},
		{name: "a stale plan to sign off", rule: "sign_off.plan", cite: CiteFulfilment, action: ActSignOff,
			facts: rbFacts(rbLead2, approved(withPlan(stale))), edit: signOff("lou"), refused: true, remedy: ActPlan},
		{name: "a plan to sign off", rule: "sign_off.plan", cite: CiteFulfilment, action: ActSignOff,
			facts: rbFacts(rbLead2, rbRequest(StatusFailed, withPlan(rbPlan("lee")))), edit: signOff("lou")},
		{name: "signed off twice", rule: "sign_off.once", cite: CiteFulfilment, action: ActSignOff,
			facts: rbFacts(rbLead2, approved(withPlan(signedPlan("lee", "ann")))), edit: signOff("lou"), refused: true},
		{name: "signed off once", rule: "sign_off.once", cite: CiteFulfilment, action: ActSignOff,
			facts: rbFacts(rbLead2, fulfilling(rbPlan("lee"))), edit: signOff("lou")},
		{name: "a sign-off naming no plan read", rule: "sign_off.digest_read", cite: CiteFulfilment, action: ActSignOff,
			facts: rbFacts(rbLead2, approved(withPlan(rbPlan("lee")))), refused: true, input: true},
		{name: "a sign-off in someone else's name", rule: "sign_off.digest_read", cite: CiteFulfilment, action: ActSignOff,
			facts: rbFacts(rbLead2, approved(withPlan(rbPlan("lee")))), edit: signOff("ann"), refused: true, input: true},
		{name: "a sign-off of the plan read", rule: "sign_off.digest_read", cite: CiteFulfilment, action: ActSignOff,
			facts: rbFacts(rbLead2, approved(withPlan(rbPlan("lee")))), edit: signOff("lou")},

		// Running it.
		{name: "run a signed plan", rule: "run.signed_plan", cite: CiteFourEyes, action: ActStartFulfilment,
			facts: rbFacts(rbLead, approved(withPlan(signedPlan("lee", "lou")))), detail: "plan R-1/plan-1 signed off by lou"},
		{name: "run without a plan", rule: "run.signed_plan", cite: CiteFourEyes, action: ActStartFulfilment,
			facts: rbFacts(rbLead, approved()), refused: true, remedy: ActPlan},
		{name: "run an unsigned plan", rule: "run.signed_plan", cite: CiteFourEyes, action: ActStartFulfilment,
			facts: rbFacts(rbLead, approved(withPlan(rbPlan("lee")))), refused: true, remedy: ActSignOff},
		{name: "run a plan changed since its sign-off", rule: "run.signed_plan", cite: CiteFourEyes, action: ActStartFulfilment,
			facts: rbFacts(rbLead, approved(withPlan(staleSigned))), refused: true, remedy: ActPlan},
		{name: "an engineer retries a signed plan", rule: "run.signed_plan", cite: CiteFourEyes, action: ActRetry,
			facts: rbFacts(rbEngineer, rbRequest(StatusFailed, withPlan(signedPlan("lee", "lou")), func(r *Request) { r.FailureReason = "timeout" })),
			after: func(t *testing.T, n *Request) {
				if n.FailureReason != "" {
					t.Errorf("FailureReason = %q after a retry", n.FailureReason)
				}
			}},
		{name: "a retry of an unsigned plan", rule: "run.signed_plan", cite: CiteFourEyes, action: ActRetry,
			facts: rbFacts(rbEngineer, rbRequest(StatusFailed, withPlan(rbPlan("lee")))), refused: true, remedy: ActSignOff},

		{name: "a lead resumes a signed running plan", rule: "run.retry_first", cite: CiteFulfilment, action: actRun,
			facts: rbFacts(rbLead, fulfilling(signedPlan("lee", "lou")))},
		{name: "a failed run is run again without a retry", rule: "run.retry_first", cite: CiteFulfilment, action: actRun,
			facts:   rbFacts(rbEngineer, rbRequest(StatusFailed, withPlan(signedPlan("lee", "lou")), func(r *Request) { r.FailureReason = "timeout" })),
			refused: true, remedy: ActRetry},

		// Steps.
		{name: "the next step recorded", rule: "step.next_only", cite: CiteFulfilment, action: ActFulfilStep,
			facts: rbFacts(rbEngineer, fulfilling(signedPlan("lee", "lou"))), edit: doStep(0, "deleted"), detail: "step 1/2 payments/PAY-1: deleted",
			after: func(t *testing.T, n *Request) {
				st := n.Plan.Steps[0]
				if st.DoneBy != "eve" || !st.DoneAt.Equal(rbNow) {
					t.Errorf("step stamped %s at %v", st.DoneBy, st.DoneAt)
				}
			}},
		{name: "the subject step after the first", rule: "step.next_only", cite: CiteFulfilment, action: ActFulfilStep,
			facts: rbFacts(rbLead, fulfilling(stepsDone(signedPlan("lee", "lou"), 1))), edit: doStep(1, "de-identified"),
			detail: "step 2/2 subjects/S-1: de-identified"},
		{name: "a step out of order", rule: "step.next_only", cite: CiteFulfilment, action: ActFulfilStep,
			facts: rbFacts(rbEngineer, fulfilling(signedPlan("lee", "lou"))), edit: doStep(1, "done"), refused: true, input: true},
		{name: "a step without a result", rule: "step.next_only", cite: CiteFulfilment, action: ActFulfilStep,
			facts: rbFacts(rbEngineer, fulfilling(signedPlan("lee", "lou"))), edit: doStep(0, " "), refused: true, input: true},
		{name: "a step that changes another step", rule: "step.next_only", cite: CiteFulfilment, action: ActFulfilStep,
			facts: rbFacts(rbEngineer, fulfilling(signedPlan("lee", "lou"))),
			edit:  doStep(0, "deleted", func(n *Request) { n.Plan.Steps[1].Label = "something else" }), refused: true, input: true},
		{name: "a document step writing the access package", rule: "step.next_only", cite: CiteFulfilment, action: ActFulfilStep,
			facts: rbFacts(rbEngineer, fulfilling(signedPlan("lee", "lou"))),
			edit:  doStep(0, "deleted", func(n *Request) { n.Export = &AccessExport{Dir: "x", Records: 1} }), refused: true, input: true},
		{name: "a step dropping the plan", rule: "step.next_only", cite: CiteFulfilment, action: ActFulfilStep,
			facts: rbFacts(rbEngineer, fulfilling(signedPlan("lee", "lou"))), edit: func(n *Request) { n.Plan = nil }, refused: true, input: true},
		{name: "a step with one pending", rule: "step.pending", cite: CiteFulfilment, action: ActFulfilStep,
			facts: rbFacts(rbEngineer, fulfilling(signedPlan("lee", "lou"))), edit: doStep(0, "deleted")},
		{name: "a step with every step done", rule: "step.pending", cite: CiteFulfilment, action: ActFulfilStep,
			facts: rbFacts(rbEngineer, fulfilling(stepsDone(signedPlan("lee", "lou"), 2))), refused: true},
		{name: "a step with no plan", rule: "step.pending", cite: CiteFulfilment, action: ActFulfilStep,
			facts: rbFacts(rbEngineer, fulfilling(nil)), refused: true, remedy: ActPlan},

		// Completion.
		{name: "complete with every step done", rule: "complete.all_done", cite: CiteFulfilment, action: ActComplete,
			facts: rbFacts(rbLead, fulfilling(stepsDone(signedPlan("lee", "lou"), 2))),
			after: func(t *testing.T, n *Request) {
				if n.Outcome != "deleted 1 documents" || n.RespondedAt == nil || !n.RespondedAt.Equal(rbNow) {
					t.Errorf("completed with outcome %q at %v", n.Outcome, n.RespondedAt)
				}
			}},
		{name: "complete with a step pending", rule: "complete.all_done", cite: CiteFulfilment, action: ActComplete,
			facts: rbFacts(rbLead, fulfilling(stepsDone(signedPlan("lee", "lou"), 1))), refused: true, remedy: ActStartFulfilment},
		{name: "complete with no plan", rule: "complete.all_done", cite: CiteFulfilment, action: ActComplete,
			facts: rbFacts(rbLead, fulfilling(nil)), refused: true, remedy: ActPlan},
		{name: "complete with every processor confirmed or excepted", rule: "complete.processors", cite: CiteProcessors, action: ActComplete,
			facts: rbFacts(rbLead, withNotices(fulfilling(stepsDone(signedPlan("lee", "lou"), 2)),
				ProcessorNotice{Processor: "CRM", Confirmed: &ProcessorConfirmation{Reference: "C-1"}},
				ProcessorNotice{Processor: "Analytics", Exception: &ProcessorException{Reason: "the account was closed in 2024"}}))},
		{name: "complete while a processor has not confirmed", rule: "complete.processors", cite: CiteProcessors, action: ActComplete,
			facts: rbFacts(rbLead, withNotices(fulfilling(stepsDone(signedPlan("lee", "lou"), 2)),
				ProcessorNotice{Processor: "CRM", Confirmed: &ProcessorConfirmation{Reference: "C-1"}}, ProcessorNotice{Processor: "Analytics"})), refused: true},

		// A failed run.
		{name: "a failure with what went wrong", rule: "fail.reason", cite: CiteRecords, action: ActFail,
			facts: rbFacts(rbEngineer, fulfilling(signedPlan("lee", "lou"))), reason: "plan is stale",
			after: func(t *testing.T, n *Request) {
				if n.FailureReason != "plan is stale" {
					t.Errorf("FailureReason = %q", n.FailureReason)
				}
			}},
		{name: "a failure without a reason", rule: "fail.reason", cite: CiteRecords, action: ActFail,
			facts: rbFacts(rbEngineer, fulfilling(signedPlan("lee", "lou"))), refused: true, input: true},
	}
}

// derivingRules never refuse: they derive what a request carries.
var derivingRules = []string{"intake.residency", "intake.child", "intake.know_limit"}

// TestRuleBookEveryRuleHasCases fails when a row of the book or a rule of
// AllRules has no case: each rule needs a case it accepts and, unless it
// only derives, a case it refuses; each case cites its rule's source.
func TestRuleBookEveryRuleHasCases(t *testing.T) {
	cite := map[string]string{}
	for _, e := range AllRules() {
		cite[e.ID] = e.Cite
	}
	accepted, refused := map[string]int{}, map[string]int{}
	actionAccepted := map[Action]int{}
	for _, c := range allRuleCases() {
		want, ok := cite[c.rule]
		switch {
		case !ok:
			t.Errorf("case %q names rule %q, which the book does not have", c.name, c.rule)
		case c.cite != want:
			t.Errorf("case %q cites %q; rule %s cites %q", c.name, c.cite, c.rule, want)
		}
		if c.refused {
			refused[c.rule]++
		} else {
			accepted[c.rule]++
			actionAccepted[c.action]++
		}
	}
	for _, e := range AllRules() {
		if accepted[e.ID] == 0 {
			t.Errorf("rule %s has no case it accepts", e.ID)
		}
		if refused[e.ID] == 0 && !slices.Contains(derivingRules, e.ID) {
			t.Errorf("rule %s has no case it refuses", e.ID)
		}
	}
	for _, row := range Book() {
		if actionAccepted[row.Action] == 0 {
			t.Errorf("book row %s has no accepted case", row.Action)
		}
	}
	if actionAccepted[ActLog] == 0 {
		t.Errorf("intake has no accepted case")
	}
}

// TestRuleBookMatchesLifecycle: one book row per lifecycle action, in its
// order, and every rule with an id, a statement and a source.
func TestRuleBookMatchesLifecycle(t *testing.T) {
	book := Book()
	tr := Transitions()
	if len(book) != len(tr) {
		t.Fatalf("book has %d rows, lifecycle %d", len(book), len(tr))
	}
	for i, row := range book {
		if row.Action != tr[i].Action {
			t.Errorf("book row %d is %s, lifecycle row %s", i, row.Action, tr[i].Action)
		}
		if got, ok := RulesFor(row.Action); !ok || got.Action != row.Action {
			t.Errorf("RulesFor(%s) = %v, %v", row.Action, got.Action, ok)
		}
		for _, r := range row.Rules {
			if r.Pre == nil && r.Input == nil {
				t.Errorf("rule %s of %s decides nothing", r.ID, row.Action)
			}
		}
	}
	if _, ok := RulesFor(ActLog); ok {
		t.Errorf("RulesFor(log) found a row: intake has its own rules")
	}
	ids := map[string]bool{}
	for _, e := range AllRules() {
		if ids[e.ID] {
			t.Errorf("rule %s listed twice", e.ID)
		}
		ids[e.ID] = true
		if e.ID == "" || e.Says == "" || e.Cite == "" {
			t.Errorf("rule %+v lacks an id, a statement or a source", e)
		}
		if !strings.HasPrefix(e.Cite, "seed policy, ") && !strings.Contains(e.Cite, "11 CCR §") && !strings.HasPrefix(e.Cite, "custodian roles") {
			t.Errorf("rule %s cites %q: neither the seed policy, the CCR nor the roles", e.ID, e.Cite)
		}
	}
}

// TestRuleCitesQuoteTheSeedPolicy checks the seed policy citations against
// the policy text: the section exists and the quoted words are in it.
func TestRuleCitesQuoteTheSeedPolicy(t *testing.T) {
	const seed = "../../shared/seeds/000_8266781e851c2d76.txt"
	b, err := os.ReadFile(seed)
	if err != nil {
		t.Skipf("the seed policy is not beside the checkout: %v", err)
	}
	policy := strings.Join(strings.Fields(string(b)), " ")
	quoted := regexp.MustCompile(`"([^"]+)"`)
	for _, c := range []string{CitePolicyApproval, CitePolicyChildren, CitePolicyLimit, CitePolicyFee, CitePolicyAgent, CitePolicyVerify} {
		rest := strings.TrimPrefix(c, "seed policy, ")
		section := rest
		if i := strings.IndexAny(rest, ":;"); i >= 0 {
			section = rest[:i]
		}
		if !strings.Contains(policy, section) {
			t.Errorf("%q: the policy has no section %q", c, section)
		}
		for _, m := range quoted.FindAllStringSubmatch(rest, -1) {
			if !strings.Contains(policy, m[1]) {
				t.Errorf("%q: the policy does not say %q", c, m[1])
			}
		}
	}
}

// TestRuleCheckRoleRefusalWrapsTheTransition: a role refusal wraps the
// lifecycle's error, so errors.As finds it through the Refusal.
func TestRuleCheckRoleRefusalWrapsTheTransition(t *testing.T) {
	r := Check(ActApprove, rbFacts(rbSupport, rbRequest(StatusAwaitingApproval)))
	var te *TransitionError
	if r == nil || !errors.As(r, &te) || te.Action != ActApprove {
		t.Fatalf("Check = %v, want a refusal wrapping the *TransitionError", r)
	}
	if !strings.Contains(r.Reason, "privacy lead") {
		t.Errorf("reason %q does not say who may", r.Reason)
	}
	r = Check(ActApprove, rbFacts(rbLead, rbRequest(StatusReceived)))
	if r == nil || !errors.As(r, &te) || te.Status != StatusReceived {
		t.Fatalf("Check = %v, want a state refusal wrapping the *TransitionError", r)
	}
}

// TestRuleOffered: the console hints only what Check passes.
func TestRuleOffered(t *testing.T) {
	acked := rbReceived.Add(time.Hour)
	extended := &Extension{By: "lou", At: rbReceived, Reason: "volume"}
	late := rbFacts(rbLead, rbRequest(StatusVerifying))
	late.Now = time.Date(2026, 12, 19, 0, 0, 0, 0, time.UTC)
	approvedWithPlan := rbRequest(StatusApproved, verifiedBy("sam"), decided(approvedDecision()), withPlan(rbPlan("lee")))
	approvedSigned := rbRequest(StatusApproved, verifiedBy("sam"), decided(approvedDecision()), withPlan(signedPlan("lee", "lou")))
	cases := []struct {
		name        string
		facts       Facts
		want, never []Action
	}{
		{"support may not refuse or charge a fee", rbFacts(rbSupport, rbRequest(StatusVerifying)),
			[]Action{ActAcknowledge, ActRequestInfo, ActVerify, ActDenyUnverifiable, ActWithdraw, ActAssign, ActNote},
			[]Action{ActRefuseExcessive, ActChargeFee, ActExtend, ActApprove, ActLink}},
		{"a lead may refuse or charge a fee", rbFacts(rbLead, rbRequest(StatusVerifying)),
			[]Action{ActRefuseExcessive, ActChargeFee, ActExtend}, nil},
		{"an engineer may not run an approved request", rbFacts(rbEngineer, approvedSigned),
			nil, []Action{ActStartFulfilment, ActPlan, ActSignOff, ActNote, ActAcknowledge}},
		{"a lead runs a signed plan", rbFacts(rbLead, approvedSigned), []Action{ActStartFulfilment}, []Action{ActSignOff}},
		{"the plan's builder may not sign it off", rbFacts(rbLead, approvedWithPlan),
			[]Action{ActPlan, ActCorrectDecision}, []Action{ActSignOff, ActStartFulfilment}},
		{"another lead may sign it off", rbFacts(rbLead2, approvedWithPlan), []Action{ActSignOff}, nil},
		{"no extension after 45 days", late, []Action{ActAcknowledge}, []Action{ActExtend}},
		{"no second extension", rbFacts(rbLead, rbRequest(StatusVerifying, func(r *Request) { r.Extension = extended })), nil, []Action{ActExtend}},
		{"no second acknowledgement", rbFacts(rbSupport, rbRequest(StatusReceived, func(r *Request) { r.AcknowledgedAt = &acked })),
			[]Action{ActStartVerification}, []Action{ActAcknowledge}},
		{"link an unlinked request", rbFacts(rbSupport, rbRequest(StatusReceived, unlinked)), []Action{ActLink}, nil},
		{"no link of a linked request", rbFacts(rbSupport, rbRequest(StatusReceived)), nil, []Action{ActLink}},
		{"no verification of an unlinked deletion", rbFacts(rbSupport, rbRequest(StatusVerifying, unlinked)), []Action{ActLink}, []Action{ActVerify}},
		{"no decision by the lead who logged it", rbFacts(rbLead, rbRequest(StatusAwaitingApproval, loggedBy("lee"))),
			[]Action{ActRemind}, []Action{ActApprove, ActDeny}},
		{"the decision by another lead", rbFacts(rbLead2, rbRequest(StatusAwaitingApproval, loggedBy("lee"))), []Action{ActApprove, ActDeny}, nil},
		{"no second fee", rbFacts(rbLead, rbRequest(StatusReceived, func(r *Request) { r.Fee = &Fee{AmountCents: 100} })),
			[]Action{ActRefuseExcessive}, []Action{ActChargeFee}},
		{"no correction without a decision", rbFacts(rbLead, rbRequest(StatusApproved)), nil, []Action{ActCorrectDecision}},
		{"a read-only session is offered nothing", func() Facts { f := rbFacts(rbLead, rbRequest(StatusVerifying)); f.Actor.ReadOnly = true; return f }(),
			nil, []Action{ActNote, ActAcknowledge}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Offered(c.facts)
			for _, a := range c.want {
				if !slices.Contains(got, a) {
					t.Errorf("Offered = %v, lacks %s", got, a)
				}
			}
			for _, a := range c.never {
				if slices.Contains(got, a) {
					t.Errorf("Offered = %v, offers %s", got, a)
				}
			}
			for _, a := range got {
				if r := Check(a, c.facts); r != nil {
					t.Errorf("offered %s, which Check refuses: %s", a, r.Reason)
				}
			}
		})
	}
	if got := Offered(rbFacts(rbEngineer, rbRequest(StatusApproved))); len(got) != 0 {
		t.Errorf("an engineer is offered %v on an approved request", got)
	}
}

// TestRuleCheckDecisionDate is the decide.date rule on its own, as the
// console's form calls it (CitePolicyApproval): tenant-local dates.
func TestRuleCheckDecisionDate(t *testing.T) {
	la, _ := time.LoadLocation("America/Los_Angeles")
	tenant := rbTenant()
	// Received 2026-11-02 23:30 in Los Angeles: already the 3rd in UTC.
	r := Request{ReceivedAt: time.Date(2026, 11, 3, 7, 30, 0, 0, time.UTC)}
	now := time.Date(2026, 11, 10, 7, 30, 0, 0, time.UTC) // 2026-11-09 23:30 in Los Angeles
	cases := []struct {
		name string
		at   time.Time
		ok   bool
	}{
		{"no date: today", time.Time{}, true},
		{"the local day of receipt, before the instant of receipt", time.Date(2026, 11, 2, 8, 0, 0, 0, la), true},
		{"the local day before receipt", time.Date(2026, 11, 1, 23, 59, 0, 0, la), false},
		{"today, local", time.Date(2026, 11, 9, 23, 59, 0, 0, la), true},
		{"local midnight: tomorrow", time.Date(2026, 11, 10, 0, 0, 0, 0, la), false},
		{"today in UTC is tomorrow in the tenant's calendar", time.Date(2026, 11, 10, 8, 0, 0, 0, time.UTC), false},
		{"next year", now.AddDate(1, 0, 0), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ref := CheckDecisionDate(c.at, r, tenant, now)
			if (ref == nil) != c.ok {
				t.Fatalf("CheckDecisionDate(%v) = %v, want ok %v", c.at, ref, c.ok)
			}
			if ref != nil && (ref.Rule != "decide.date" || !ref.Input || ref.Cite != CitePolicyApproval) {
				t.Errorf("refusal %+v", ref)
			}
		})
	}
}

// TestRuleVerificationFunctions are the verify rules as the console's form
// calls them (CiteVerifyLevels, CiteVerifyMatched, CitePolicyAgent).
func TestRuleVerificationFunctions(t *testing.T) {
	levels := []struct {
		r    Request
		want VerificationLevel
	}{
		{Request{Type: TypeOptOut}, LevelNone},
		{Request{Type: TypeAccess}, LevelReasonable},
		{Request{Type: TypeAccess, AccessScope: AccessCategories}, LevelReasonable},
		{Request{Type: TypeAccess, AccessScope: AccessSpecific}, LevelHigh},
		{Request{Type: TypeDeletion}, LevelReasonable},
		{Request{Type: TypeChildDeletion}, LevelReasonable},
		{Request{Type: TypeRectification}, LevelReasonable},
	}
	for _, c := range levels {
		if got := RequiredLevel(c.r); got != c.want {
			t.Errorf("RequiredLevel(%s %s) = %q, want %q", c.r.Type, c.r.AccessScope, got, c.want)
		}
	}
	if p, d := PointsFor(LevelHigh); p != 3 || !d {
		t.Errorf("PointsFor(high) = %d, %v", p, d)
	}
	if p, d := PointsFor(LevelReasonable); p != 2 || d {
		t.Errorf("PointsFor(reasonable) = %d, %v", p, d)
	}
	if r := CheckVerificationLevel(Request{Type: TypeDeletion}, Verification{Level: "certain", DataPoints: []string{"a", "b"}}); r == nil || r.Rule != "verify.level" {
		t.Errorf("an unknown level: %v", r)
	}
	if r := CheckPointsOnFile(nil, []string{"email"}); r == nil || r.Rule != "verify.on_file" {
		t.Errorf("unlinked: %v", r)
	}
	full := Subject{Name: "A", Emails: []string{"a@b"}, Phones: []string{"1"}, Address: "x", AccountID: "1", BirthDate: "2000-01-01"}
	for _, p := range DataPoints() {
		if !full.OnFile(p) {
			t.Errorf("%s is on file for a full subject", p)
		}
		if (Subject{}).OnFile(p) {
			t.Errorf("%s is on file for an empty subject", p)
		}
	}
	if r := CheckAgentVerified(Request{}, Verification{}); r != nil {
		t.Errorf("no agent: %v", r)
	}
}

// TestRuleSignOffDigest is the sign_off.digest_read comparison the doors
// make before asking to sign (CiteFulfilment).
func TestRuleSignOffDigest(t *testing.T) {
	p := rbPlan("lee")
	if r := CheckSignOffDigest(p, p.Digest); r != nil {
		t.Errorf("the digest read: %v", r)
	}
	if r := CheckSignOffDigest(p, "0123456789abcdef0123"); r == nil || r.Rule != "sign_off.digest_read" || !r.Input {
		t.Errorf("another digest: %+v", r)
	}
	if r := CheckSignOffDigest(nil, "x"); r == nil || r.Rule != "sign_off.plan" || r.Remedy != ActPlan {
		t.Errorf("no plan: %+v", r)
	}
}

// TestRuleFee is the fee.quote amount as typed (CitePolicyFee).
func TestRuleFee(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"25", 2500, true}, {"25.5", 2550, true}, {"$25.50", 2550, true}, {" 0.01 ", 1, true},
		{"", 0, false}, {"0", 0, false}, {"-5", 0, false}, {"25.505", 0, false}, {"25.", 0, false},
		{"ten", 0, false}, {"100001", 0, false}, {"100000", MaxFeeCents, true},
	}
	for _, c := range cases {
		got, err := ParseFee(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseFee(%q) = %d, %v; want %d, ok %v", c.in, got, err, c.want, c.ok)
		}
	}
	if s := FormatCents(2550); s != "$25.50" {
		t.Errorf("FormatCents(2550) = %q", s)
	}
}

// TestRuleBookMarkdown: the README's table has a row per rule, a header,
// and pipes in a source escaped.
func TestRuleBookMarkdown(t *testing.T) {
	md := RuleBookMarkdown()
	lines := strings.Split(strings.TrimSuffix(md, "\n"), "\n")
	if len(lines) != len(AllRules())+2 {
		t.Fatalf("%d lines for %d rules", len(lines), len(AllRules()))
	}
	for i, e := range AllRules() {
		line := lines[i+2]
		if !strings.HasPrefix(line, "| `"+e.ID+"` | ") {
			t.Errorf("line %d is %q, want rule %s", i+2, line, e.ID)
		}
		if strings.Count(strings.ReplaceAll(line, "\\|", ""), "|") != 5 {
			t.Errorf("line %q does not have four cells", line)
		}
	}
	if !strings.Contains(md, "| `lifecycle.role` | every action |") || !strings.Contains(md, "| `ack.once` | acknowledge |") {
		t.Errorf("actions column:\n%s", md)
	}
}

// withNotices is r with processor notices recorded.
func withNotices(r Request, ns ...ProcessorNotice) Request {
	r.ProcessorNotices = ns
	return r
}
