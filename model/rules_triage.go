package model

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"
)

// Rules of triage: acknowledgement, asking for information, verification,
// denials, withdrawal, assignment, notes, reminders and linking a subject.

func ruleAckOnce() Rule {
	return Rule{ID: "ack.once", Cite: CiteAck,
		Says: "Receipt is confirmed once; a request already acknowledged is not acknowledged again.",
		Pre: func(f Facts) *Refusal {
			if at := f.Request.AcknowledgedAt; at != nil {
				return refuse(ruleAckOnce(), "receipt was already confirmed on %s", at.In(f.location()).Format(time.DateOnly))
			}
			return nil
		}}
}

func recordAck(f Facts, next *Request) string {
	now := f.Now
	next.AcknowledgedAt = &now
	return "receipt confirmed"
}

func ruleInfoAsked() Rule {
	return reasonRule("info.what", CitePolicyVerify,
		"Asking the requester for information records what was asked.",
		"what the requester must provide")
}

func recordInfoAsked(f Facts, next *Request) string {
	next.InfoRequested = f.reasonText
	return ""
}

// RequiredLevel is the degree of certainty a request's type asks for
// (11 CCR §7062): none for an opt-out, reasonably high for specific pieces
// of PI, reasonable for everything else.
func RequiredLevel(r Request) VerificationLevel {
	switch r.Type {
	case TypeOptOut:
		return LevelNone
	case TypeAccess:
		if r.AccessScope == AccessSpecific {
			return LevelHigh
		}
	}
	return LevelReasonable
}

// LevelRank orders levels: none < reasonable < high.
func (l VerificationLevel) rank() int {
	switch l {
	case LevelReasonable:
		return 1
	case LevelHigh:
		return 2
	}
	return 0
}

// LevelLabel is the level as the regulation names it.
func (l VerificationLevel) Label() string {
	switch l {
	case LevelReasonable:
		return "reasonable degree (2 matched points)"
	case LevelHigh:
		return "reasonably high degree (3 matched points and a signed declaration)"
	}
	return "none needed"
}

// PointsFor is how many matched data points a level needs, and whether it
// needs a signed declaration.
func PointsFor(l VerificationLevel) (points int, declaration bool) {
	switch l {
	case LevelReasonable:
		return 2, false
	case LevelHigh:
		return 3, true
	}
	return 0, false
}

// OnFile reports whether the subject on file holds data point p, so that a
// match of it can count.
func (s Subject) OnFile(p DataPoint) bool {
	switch p {
	case PointName:
		return strings.TrimSpace(s.Name) != ""
	case PointEmail:
		return len(s.Emails) > 0
	case PointPhone:
		return len(s.Phones) > 0
	case PointAddress:
		return strings.TrimSpace(s.Address) != ""
	case PointAccountID, PointLastTransaction:
		// Payments are recorded against the account.
		return strings.TrimSpace(s.AccountID) != ""
	case PointBirthDate:
		return s.BirthDate != ""
	}
	return false
}

func ruleVerifyLinked() Rule {
	return Rule{ID: "verify.linked", Cite: CiteVerifyMatched,
		Says: "A request that needs verification is linked to its subject first: data points are matched against the subject on file.",
		Pre: func(f Facts) *Refusal {
			if RequiredLevel(f.Request) != LevelNone && f.Request.SubjectID == "" {
				return refuse(ruleVerifyLinked(), "the request is not linked to a subject, so no data point can be matched: link it to the subject first").withRemedy(ActLink)
			}
			return nil
		}}
}

func ruleVerifyGiven() Rule {
	return Rule{ID: "verify.method", Cite: CitePolicyVerify,
		Says: "A verification records how identity was checked.",
		Input: func(f Facts, next *Request) *Refusal {
			v := next.Verification
			if v == nil || reflect.DeepEqual(v, f.Request.Verification) {
				return badInput(ruleVerifyGiven(), "needs the verification: method, matched data points and level")
			}
			if strings.TrimSpace(v.Method) == "" {
				return badInput(ruleVerifyGiven(), "say how identity was checked (method)")
			}
			return nil
		}}
}

func ruleVerifyLevel() Rule {
	return Rule{ID: "verify.level", Cite: CiteVerifyLevels,
		Says: "The level reached is at least what the request type needs — categories of PI and deletion: reasonable (2 points); specific pieces of PI: reasonably high (3 points and a signed declaration); opt-out: none — and the points and declaration support it.",
		Input: func(f Facts, next *Request) *Refusal {
			return CheckVerificationLevel(*next, *next.Verification)
		}}
}

func ruleVerifyMatched() Rule {
	return Rule{ID: "verify.on_file", Cite: CiteVerifyMatched,
		Says: "A data point counts as matched only if the subject on file holds it.",
		Input: func(f Facts, next *Request) *Refusal {
			return CheckPointsOnFile(f.Subject, next.Verification.DataPoints)
		}}
}

func ruleVerifyCorrection() Rule {
	return Rule{ID: "verify.not_corrected", Cite: CiteCorrectionData,
		Says: "A correction is verified with data other than the data being corrected.",
		Input: func(f Facts, next *Request) *Refusal {
			return CheckPointsNotCorrected(*next, next.Verification.DataPoints)
		}}
}

func ruleVerifyAgent() Rule {
	return Rule{ID: "verify.agent", Cite: CitePolicyAgent,
		Says: "A request made by an authorized agent has the subject's written permission on record and the agent verified as well as the subject.",
		Input: func(f Facts, next *Request) *Refusal {
			return CheckAgentVerified(*next, *next.Verification)
		}}
}

// CheckVerificationLevel is the verify.level rule, for live validation too.
func CheckVerificationLevel(r Request, v Verification) *Refusal {
	need := RequiredLevel(r)
	switch v.Level {
	case LevelNone, LevelReasonable, LevelHigh:
	default:
		return badInput(ruleVerifyLevel(), "the verification level must be %q or %q", LevelReasonable, LevelHigh)
	}
	if v.Level.rank() < need.rank() {
		return badInput(ruleVerifyLevel(), "%s needs a %s; %s is not enough", requestNoun(r), need.Label(), orNone(v.Level))
	}
	points, decl := PointsFor(v.Level)
	if len(v.DataPoints) < points {
		return badInput(ruleVerifyLevel(), "a %s needs %d matched data points, got %d", v.Level.Label(), points, len(v.DataPoints))
	}
	if decl && !v.SignedDecl {
		return badInput(ruleVerifyLevel(), "a reasonably high degree needs a signed declaration under penalty of perjury (§7062(b))")
	}
	return nil
}

func orNone(l VerificationLevel) string {
	if l == LevelNone {
		return "no verification"
	}
	return string(l)
}

// requestNoun names what a request asks for, for refusals.
func requestNoun(r Request) string {
	switch {
	case r.Type == TypeAccess && r.AccessScope == AccessSpecific:
		return "a request for specific pieces of PI"
	case r.Type == TypeAccess:
		return "a request for the categories of PI"
	}
	return "a " + r.Type.Label() + " request"
}

// CheckPointsOnFile is the verify.on_file rule: each point must be held on
// file for sub (nil: not linked, nothing can match).
func CheckPointsOnFile(sub *Subject, points []string) *Refusal {
	for _, p := range points {
		dp, err := ParseDataPoint(p)
		if err != nil {
			return badInput(ruleVerifyMatched(), "%v", err)
		}
		if sub == nil {
			return badInput(ruleVerifyMatched(), "the request is not linked to a subject, so %s cannot be matched", dp.Label())
		}
		if !sub.OnFile(dp) {
			return badInput(ruleVerifyMatched(), "the subject on file has no %s, so it cannot count as matched: use a point the record holds", dp.Label())
		}
	}
	return nil
}

// CheckPointsNotCorrected is the verify.not_corrected rule.
func CheckPointsNotCorrected(r Request, points []string) *Refusal {
	for _, p := range points {
		dp, err := ParseDataPoint(p)
		if err != nil {
			continue
		}
		for k := range r.Corrections {
			if kp, err := ParseDataPoint(k); err == nil && kp == dp {
				return badInput(ruleVerifyCorrection(), "%q is being corrected: verify with other data", string(dp))
			}
		}
	}
	return nil
}

// CheckAgentVerified is the verify.agent rule.
func CheckAgentVerified(r Request, v Verification) *Refusal {
	if r.Agent == nil {
		return nil
	}
	if strings.TrimSpace(r.Agent.PermissionEvidence) == "" {
		return badInput(ruleVerifyAgent(), "the authorized agent's written permission from the subject is not on record (§7063): record it before verifying")
	}
	if !v.AgentChecked {
		return badInput(ruleVerifyAgent(), "the authorized agent must be verified too (§7063)")
	}
	return nil
}

func recordVerify(f Facts, next *Request) string {
	v := next.Verification
	pts := make([]string, 0, len(v.DataPoints))
	for _, p := range v.DataPoints {
		if dp, err := ParseDataPoint(p); err == nil && !slices.Contains(pts, string(dp)) {
			pts = append(pts, string(dp))
		}
	}
	v.DataPoints = pts
	v.By, v.At = f.Actor.Handle(), f.Now
	detail := fmt.Sprintf("verified %s by %s: %s", orNone(v.Level), CleanLine(v.Method), strings.Join(pts, ", "))
	if v.SignedDecl {
		detail += "; signed declaration"
	}
	if v.AgentChecked {
		detail += "; agent verified"
	}
	return detail
}

func ruleDenialReason() Rule {
	return reasonRule("deny.basis", CiteDenial,
		"A denial — unverifiable, or refused as baseless, repetitive or excessive — states its reason.",
		"the basis the requester is told")
}

func recordDenial(f Facts, next *Request) string {
	next.DenialReason = f.reasonText
	return "reason: " + CleanLine(f.reasonText)
}

func ruleWithdrawHow() Rule {
	return reasonRule("withdraw.how", CiteRecords,
		"A withdrawal records how the requester withdrew.",
		"how the requester withdrew")
}

func recordWithdraw(_ Facts, next *Request) string {
	if next.Outcome == "" {
		next.Outcome = "withdrawn"
	}
	return ""
}

func ruleAssignee() Rule {
	return Rule{ID: "assign.can_work", Cite: CiteRoles,
		Says: "A request is assigned only to an enabled operator who may triage it and has its tenant in scope.",
		Input: func(f Facts, next *Request) *Refusal {
			if !f.Edited && next.AssignedTo == f.Request.AssignedTo {
				next.AssignedTo = f.Actor.Handle()
			}
			to := next.AssignedTo
			if to == "" || to == f.Request.AssignedTo || to == f.Actor.Handle() {
				return nil
			}
			op := f.Assignee
			switch {
			case op == nil || op.Handle != to:
				return badInput(ruleAssignee(), "there is no operator %q", to)
			case op.Disabled || !op.InScope(next.TenantID) || !op.Role.Can(PermTriage):
				return badInput(ruleAssignee(), "%s cannot work on this request (disabled, out of scope or read-only role)", op.Handle)
			}
			return nil
		}}
}

func recordAssign(_ Facts, next *Request) string {
	if next.AssignedTo == "" {
		return "unassigned"
	}
	return "assigned to " + next.AssignedTo
}

func ruleNoteText() Rule {
	return reasonRule("note.text", CiteRecords,
		"A note has text.",
		"the note's text")
}

func recordNote(f Facts, next *Request) string {
	if len(next.Notes) == len(f.Request.Notes) {
		next.Notes = append(next.Notes, Note{By: f.Actor.Handle(), At: f.Now, Text: f.reasonText})
	}
	return "note added"
}

func ruleRemindApprover() Rule {
	return Rule{ID: "remind.approver", Cite: CitePolicyApproval,
		Says: "A reminder adds exactly one entry, to one of the tenant's approver contacts.",
		Input: func(f Facts, next *Request) *Refusal {
			cur := f.Request.Reminders
			if len(next.Reminders) != len(cur)+1 || !sameReminders(next.Reminders[:len(cur)], cur) {
				return badInput(ruleRemindApprover(), "a reminder adds exactly one entry and keeps the earlier ones")
			}
			to := strings.TrimSpace(next.Reminders[len(cur)].To)
			if to == "" || !slices.ContainsFunc(f.Tenant.Approvers, func(c Contact) bool { return c.Name == to }) {
				return badInput(ruleRemindApprover(), "a reminder goes to one of %s's approver contacts", f.Tenant.ID)
			}
			return nil
		}}
}

// recordRemind stamps the reminder. The audit detail names the contact by
// title only: the chain holds no names.
func recordRemind(f Facts, next *Request) string {
	rem := &next.Reminders[len(next.Reminders)-1]
	rem.To = strings.TrimSpace(rem.To)
	rem.By, rem.At = f.Actor.Handle(), f.Now
	i := slices.IndexFunc(f.Tenant.Approvers, func(c Contact) bool { return c.Name == rem.To })
	title := strings.TrimSpace(f.Tenant.Approvers[i].Title)
	if title == "" {
		title = "contact"
	}
	return fmt.Sprintf("reminder %d sent to approver %d (%s)", len(next.Reminders), i+1, CleanLine(title))
}

// sameReminders compares reminder lists by value; nil and empty are the same.
func sameReminders(a, b []Reminder) bool {
	return slices.EqualFunc(a, b, func(x, y Reminder) bool {
		return x.By == y.By && x.To == y.To && x.At.Equal(y.At)
	})
}

func ruleLinkUnlinked() Rule {
	return Rule{ID: "link.unlinked", Cite: CiteRecords,
		Says: "Only a request not yet linked to a subject is linked; a link is not replaced.",
		Pre: func(f Facts) *Refusal {
			if f.Request.SubjectID != "" {
				return refuse(ruleLinkUnlinked(), "the request is already linked to subject %s", f.Request.SubjectID)
			}
			return nil
		}}
}

func ruleLinkSubject() Rule {
	return Rule{ID: "link.same_tenant", Cite: CitePolicyApproval,
		Says: "A request is linked to a subject of its own tenant.",
		Input: func(f Facts, next *Request) *Refusal {
			switch {
			case next.SubjectID == "":
				return badInput(ruleLinkSubject(), "name the subject to link the request to")
			case f.Subject == nil || f.Subject.ID != next.SubjectID || f.Subject.TenantID != f.Request.TenantID:
				return badInput(ruleLinkSubject(), "%s is not a subject of tenant %s", next.SubjectID, f.Request.TenantID)
			}
			return nil
		}}
}

// recordLink derives what the subject decides: its masked label, where the
// requester lives (unless stated), and the child flags. The two-per-12-
// months flag is re-derived by the controller over all the subject's
// requests.
func recordLink(f Facts, next *Request) string {
	next.SubjectLabel = SubjectLabelFor(f.Subject.Name)
	if next.ResidencyFrom != ResidencyStated {
		next.ResidencyState, next.ResidencyFrom = ResolveResidency("", f.Subject, f.Tenant)
	}
	next.Flags = IntakeFlags(*next, f.Subject, f.Tenant)
	return "linked to subject " + next.SubjectID
}

// checkImmutable refuses edits to what only the controller, or another
// action, may set.
func checkImmutable(f Facts, next *Request) *Refusal {
	before, after, a := f.Request, *next, f.action
	var field string
	switch {
	case after.ID != before.ID:
		field = "id"
	case after.TenantID != before.TenantID:
		field = "tenant"
	case after.SubjectID != before.SubjectID && a != ActLink:
		field = "subject (link it instead)"
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
	case a != ActPlan && a != ActSignOff && a != ActFulfilStep && !samePlan(after.Plan, before.Plan):
		field = "fulfilment plan"
	case a != ActFulfilStep && !sameJSON(after.Export, before.Export):
		field = "access package record"
	case a != ActDisclose && !sameJSON(after.Disclosures, before.Disclosures):
		field = "disclosure decisions"
	case !sameJSON(after.Withheld, before.Withheld):
		field = "withheld data (the plan decides it)"
	case a != ActChargeFee && !sameJSON(after.Fee, before.Fee):
		field = "fee quote"
	case a != ActCorrectDecision && !sameJSON(after.PriorDecisions, before.PriorDecisions):
		field = "earlier decisions"
	case a != ActFulfilStep && !sameJSON(after.ProcessorNotices, before.ProcessorNotices):
		// A notice is added by its plan step; its confirmation, exception
		// and reminders are the controller's own writes (db/processors.go).
		field = "processor notices"
	}
	if field != "" {
		return badInput(ruleImmutable(), "an edit cannot change the request's %s", field)
	}
	return nil
}
