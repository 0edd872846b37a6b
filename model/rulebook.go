package model

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The rule book: every rule that decides whether an action may be taken on
// a request, and what it records, as named functions in one table keyed by
// action beside the lifecycle table. The controller reads what the rules
// need (Facts), asks Check or Decide, and stores the result; the console
// asks the same functions for hints and live validation. Nothing here
// names a key or a command: a Refusal's Remedy is an action, phrased by
// each door.

// Sources the rules cite.
const (
	CitePolicyApproval = "seed policy, How Do Users Request Access: \"Customer approval regarding every access, rectifying, disclosing, and deletion request\""
	CitePolicyChildren = "seed policy, Privacy of Children: a child under 14's data is deleted \"as soon as is reasonably practicable\""
	CitePolicyLimit    = "seed policy, California Residents: \"limited to two Personal Information requests per year\""
	CitePolicyFee      = "seed policy, California Residents: baseless, repetitive or excessive requests — \"a reasonable fee\" or refusal"
	CitePolicyAgent    = "seed policy, Right to use an authorized agent; 11 CCR §7063"
	CitePolicyVerify   = "seed policy, How Do Users Request Access: \"verification will be required to prove your identity\""
	CiteRoles          = "custodian roles: support triages, a privacy lead decides and signs off, an engineer retries"
	CiteFourEyes       = "custodian roles: a privacy lead may not sign off what it did itself (four eyes)"
	CiteAck            = "11 CCR §7021(a): confirm receipt within 10 business days"
	CiteExtension      = "11 CCR §7021(b): one extension of up to 45 days, with notice, inside the first 45"
	CiteVerifyLevels   = "11 CCR §7060–7062: 2 points reasonable, 3 points and a signed declaration reasonably high"
	CiteVerifyMatched  = "11 CCR §7060(c), §7062: a point is matched against information the business holds"
	CiteCorrectionData = "11 CCR §7060(c), §7023: verify a correction with data other than the data corrected"
	CiteRecords        = "11 CCR §7101: keep the record of every request and how it was answered"
	CiteDenial         = "11 CCR §7022(e), §7024: a denial states its basis"
	CiteFulfilment     = "11 CCR §7022(b)–(c), §7023(c): do what the approved request asks, and record it"
)

// Facts are what the rules decide on. The controller fills them from the
// database; the console from what it has read.
type Facts struct {
	// Request is the request as stored, before the action.
	Request Request
	Tenant  Tenant
	Actor   Actor
	Now     time.Time
	// Subject is the linked subject (after a link, the one being linked);
	// read only for actions whose book row NeedsSubject, nil when unlinked.
	Subject *Subject
	// Assignee is the operator a request is being assigned to, read when
	// the proposed change names someone other than the actor.
	Assignee *Operator
	// Others are the subject's other requests, for the two-per-12-months
	// rule at intake and link.
	Others []Request
	// Edited says the caller proposed a change of its own; a bare
	// transition (no edit) of assign means "assign to me".
	Edited bool

	reasonText string
	action     Action
	// memo keeps what several rules would each compute again — the
	// tenant's zone, a plan's digest — for one Check, Decide or Offered.
	memo *factsMemo
}

type factsMemo struct {
	loc    *time.Location
	intact map[*Plan]bool
}

func (f *Facts) remember() {
	if f.memo == nil {
		f.memo = &factsMemo{intact: map[*Plan]bool{}}
	}
}

// location is the tenant's time zone.
func (f Facts) location() *time.Location {
	if f.memo == nil {
		return f.Tenant.Location()
	}
	if f.memo.loc == nil {
		f.memo.loc = f.Tenant.Location()
	}
	return f.memo.loc
}

// planIntact reports whether p still matches its digest.
func (f Facts) planIntact(p *Plan) bool {
	if f.memo == nil {
		return p.Digest == p.ComputeDigest()
	}
	ok, seen := f.memo.intact[p]
	if !seen {
		ok = p.Digest == p.ComputeDigest()
		f.memo.intact[p] = ok
	}
	return ok
}

// Rule is one named rule: its id, what it says, where it comes from, and
// the function that decides it. Pre decides on the request as it stands
// (the console's hints consult it); Input decides on the proposed change,
// an edited copy of the request, and may normalise what it accepts (an
// evidence method's canonical spelling).
type Rule struct {
	ID    string
	Says  string
	Cite  string
	Pre   func(Facts) *Refusal
	Input func(Facts, *Request) *Refusal
}

// ActionRules is one row of the rule book.
type ActionRules struct {
	Action Action
	// Rules are decided in order after the lifecycle's role and state.
	Rules []Rule
	// Record stamps what only the controller sets on an accepted change
	// (who, when) and returns the audit detail beyond "from→to": the
	// decision itself, never a resident's PI.
	Record func(Facts, *Request) string
	// NeedsSubject asks the controller to read the linked subject.
	NeedsSubject bool
}

// Rules that hold for every action.
func ruleRole() Rule {
	return Rule{ID: "lifecycle.role", Cite: CiteRoles,
		Says: "The operator's role holds the action's permission, and the session is not read-only."}
}

func ruleState() Rule {
	return Rule{ID: "lifecycle.state", Cite: CiteRecords,
		Says: "The action is taken only from the statuses the lifecycle table lists for it."}
}

func ruleImmutable() Rule {
	return Rule{ID: "record.immutable", Cite: CiteRecords,
		Says:  "An action changes only what it records: id, tenant, type, channel, receipt, history, earlier notes, requested corrections, the plan and the package stay as they are.",
		Input: checkImmutable}
}

func ruleReminders() Rule {
	return Rule{ID: "record.reminders", Cite: CiteRecords,
		Says: "Only a reminder adds to the reminders.",
		Input: func(f Facts, next *Request) *Refusal {
			if !sameReminders(next.Reminders, f.Request.Reminders) {
				return badInput(ruleReminders(), "only a reminder may change the reminders")
			}
			return nil
		}}
}

// Book is the rule book: one row per action of the lifecycle table, in
// its order.
func Book() []ActionRules {
	return []ActionRules{
		{Action: ActAcknowledge, Rules: []Rule{ruleAckOnce()}, Record: recordAck},
		{Action: ActStartVerification},
		{Action: ActRequestInfo, Rules: []Rule{ruleInfoAsked()}, Record: recordInfoAsked},
		{Action: ActInfoReceived, Record: func(_ Facts, next *Request) string { next.InfoRequested = ""; return "" }},
		{Action: ActVerify, Rules: []Rule{ruleVerifyLinked(), ruleVerifyGiven(), ruleVerifyLevel(), ruleVerifyMatched(), ruleVerifyCorrection(), ruleVerifyAgent()}, Record: recordVerify, NeedsSubject: true},
		{Action: ActDenyUnverifiable, Rules: []Rule{ruleDenialReason()}, Record: recordDenial},
		{Action: ActRefuseExcessive, Rules: []Rule{ruleDenialReason()}, Record: recordDenial},
		{Action: ActChargeFee, Rules: []Rule{ruleFeeOnce(), ruleFeeQuote()}, Record: recordFee},
		{Action: ActApprove, Rules: []Rule{ruleFourEyesLogged(), ruleFourEyesVerified(), ruleDecisionGiven(), ruleDecisionDate()}, Record: recordDecision},
		{Action: ActDeny, Rules: []Rule{ruleFourEyesLogged(), ruleFourEyesVerified(), ruleDecisionGiven(), ruleDecisionDate(), ruleDecisionReason()}, Record: recordDecision},
		{Action: ActCorrectDecision, Rules: []Rule{ruleCorrectionHasDecision(), ruleCorrectionChanges(), ruleDecisionDate()}, Record: recordDecisionCorrection},
		{Action: ActPlan, Rules: []Rule{rulePlanLinked(), rulePlanNotRunning(), rulePlanStored()}, Record: recordPlan},
		{Action: ActSignOff, Rules: []Rule{ruleSignOffPlan(), ruleSignOffFourEyes(), ruleSignOffOnce(), ruleSignOffStored()}, Record: recordSignOff},
		{Action: ActDisclose, Rules: []Rule{ruleDiscloseAccess(), ruleDiscloseField(), ruleDiscloseReason()}, Record: recordDisclose},
		{Action: ActStartFulfilment, Rules: []Rule{ruleSignedPlan()}, Record: func(f Facts, _ *Request) string {
			return fmt.Sprintf("plan %s signed off by %s", f.Request.Plan.ID, f.Request.Plan.SignedBy)
		}},
		{Action: ActFulfilStep, Rules: []Rule{ruleStepPending(), ruleStepRecord()}, Record: recordStep},
		{Action: ActComplete, Rules: []Rule{ruleCompleteAllDone(), ruleCompleteProcessors(), ruleCompleteDelivered()}, Record: recordComplete},
		{Action: ActFail, Rules: []Rule{ruleFailReason()}, Record: recordFail},
		{Action: ActRetry, Rules: []Rule{ruleSignedPlan()}, Record: func(_ Facts, next *Request) string {
			next.FailureReason, next.FailedAt, next.FailedStep = "", nil, ""
			return ""
		}},
		{Action: ActWithdraw, Rules: []Rule{ruleWithdrawHow()}, Record: recordWithdraw},
		{Action: ActExtend, Rules: []Rule{ruleExtendOnce(), ruleExtendWindow(), ruleExtendReason()}, Record: recordExtend},
		{Action: ActAssign, Rules: []Rule{ruleAssignee()}, Record: recordAssign},
		{Action: ActNote, Rules: []Rule{ruleNoteText()}, Record: recordNote},
		{Action: ActRemind, Rules: []Rule{ruleRemindApprover()}, Record: recordRemind},
		{Action: ActLink, Rules: []Rule{ruleLinkUnlinked(), ruleLinkSubject()}, Record: recordLink, NeedsSubject: true},
	}
}

// RulesFor returns the book's row for a.
func RulesFor(a Action) (ActionRules, bool) {
	for _, r := range Book() {
		if r.Action == a {
			return r, true
		}
	}
	return ActionRules{}, false
}

// Check decides whether f.Actor may take a on f.Request now, before any
// input: role, lifecycle state, and the action's preconditions (four eyes,
// once-only, time windows, a signed plan). The console offers a key only
// when Check passes; the controller asks it again before writing.
func Check(a Action, f Facts) *Refusal {
	t, ok := TransitionFor(a)
	if !ok {
		return badInput(ruleState(), "unknown action %q", a)
	}
	row, _ := RulesFor(a)
	f.remember()
	return check(t, row, f)
}

// check is Check with the action's table rows at hand.
func check(t Transition, row ActionRules, f Facts) *Refusal {
	a := t.Action
	if !f.Actor.Can(t.Perm) {
		_, err := Next(f.Request.Status, a, f.Actor.Operator.Role)
		r := refuse(ruleRole(), "%s", f.Actor.Refusal(t.Perm, a.Label()))
		r.Err = err
		return r
	}
	if !slices.Contains(t.From, f.Request.Status) {
		_, err := Next(f.Request.Status, a, f.Actor.Operator.Role)
		r := refuse(ruleState(), "%s", err.Error())
		r.Err = err
		return r
	}
	for _, rule := range row.Rules {
		if rule.Pre == nil {
			continue
		}
		if r := rule.Pre(f); r != nil {
			return r
		}
	}
	return nil
}

// Decide checks a proposed change — next, an edited copy of f.Request — and
// records it: Check first, then every input rule of the action, then the
// controller's stamps. It returns the audit detail beyond "from→to".
// reason is what the operator typed as the action's reason (a denial's
// basis, a note's text, a fee's reason); the rules that need one refuse
// a blank one.
func Decide(a Action, f Facts, next *Request, reason string) (string, *Refusal) {
	f.remember()
	if r := Check(a, f); r != nil {
		return "", r
	}
	f.reasonText, f.action = strings.TrimSpace(reason), a
	row, _ := RulesFor(a)
	general := []Rule{ruleImmutable()}
	if a != ActRemind {
		general = append(general, ruleReminders())
	}
	for _, rule := range append(general, row.Rules...) {
		if rule.Input == nil {
			continue
		}
		if r := rule.Input(f, next); r != nil {
			return "", r
		}
	}
	detail := ""
	if row.Record != nil {
		detail = row.Record(f, next)
	}
	if t, _ := TransitionFor(a); t.To == StatusDenied && next.Outcome == "" {
		next.Outcome = "denied"
	}
	if t, _ := TransitionFor(a); (t.To == StatusCompleted || t.To == StatusDenied) && next.RespondedAt == nil {
		now := f.Now
		next.RespondedAt = &now
	}
	// The closing moment is kept for every closed request, a withdrawal
	// included (it has no response): lists judge deadlines by it.
	if t, _ := TransitionFor(a); t.To != "" && !t.To.Open() && next.ClosedOn == nil {
		now := f.Now
		next.ClosedOn = &now
	}
	return detail, nil
}

// Offered lists the actions f.Actor may take on f.Request now (Check
// passes), in lifecycle-table order: what the console hints and `?` lists.
func Offered(f Facts) []Action {
	f.remember()
	book := Book()
	var out []Action
	for i, t := range Transitions() {
		if check(t, book[i], f) == nil {
			out = append(out, t.Action)
		}
	}
	return out
}

// AllRules lists every rule of the book once, the lifecycle's own first,
// with the actions each decides: the README's rule section is made from it.
func AllRules() []BookEntry {
	var out []BookEntry
	index := map[string]int{}
	add := func(r Rule, a Action) {
		if i, ok := index[r.ID]; ok {
			if a != "" && !slices.Contains(out[i].Actions, a) {
				out[i].Actions = append(out[i].Actions, a)
			}
			return
		}
		index[r.ID] = len(out)
		e := BookEntry{ID: r.ID, Says: r.Says, Cite: r.Cite}
		if a != "" {
			e.Actions = []Action{a}
		}
		out = append(out, e)
	}
	for _, r := range []Rule{ruleRole(), ruleState(), ruleImmutable(), ruleReminders()} {
		add(r, "")
	}
	for _, row := range Book() {
		for _, r := range row.Rules {
			add(r, row.Action)
		}
	}
	for _, r := range RunRules() {
		add(r, ActFulfilStep)
	}
	for _, r := range IntakeRules() {
		add(r, ActLog)
	}
	return out
}

// BookEntry is one rule as documented.
type BookEntry struct {
	ID      string
	Says    string
	Cite    string
	Actions []Action // empty: every action
}

// RuleBookMarkdown renders AllRules as the README's rule table.
func RuleBookMarkdown() string {
	var b strings.Builder
	b.WriteString("| rule | actions | what it says | source |\n|---|---|---|---|\n")
	for _, e := range AllRules() {
		acts := "every action"
		if len(e.Actions) > 0 {
			names := make([]string, len(e.Actions))
			for i, a := range e.Actions {
				names[i] = string(a)
			}
			acts = strings.Join(names, ", ")
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", e.ID, acts, e.Says, strings.ReplaceAll(e.Cite, "|", "\\|"))
	}
	return b.String()
}

// reason is the operator's stated reason for the action being decided.
func (f Facts) reason(*Request) string { return f.reasonText }

// reasonRule is a rule that the action states a reason; what says what
// the reason is for.
func reasonRule(id, cite, says, what string) Rule {
	r := Rule{ID: id, Cite: cite, Says: says}
	r.Input = func(f Facts, _ *Request) *Refusal { return needReason(r, f, what) }
	return r
}

// needReason is an input rule: the action needs a stated reason.
func needReason(rule Rule, f Facts, what string) *Refusal {
	if f.reasonText == "" {
		return badInput(rule, "needs a reason: %s", what)
	}
	return nil
}

// recordFail keeps what on-call needs of a failed run: why, when, and the
// step it stopped at (FailedStep of the plan as it stood).
func recordFail(f Facts, next *Request) string {
	at := f.Now
	next.FailureReason, next.FailedAt, next.FailedStep = f.reason(next), &at, FailedStep(next.Plan)
	return ""
}
