package model

import (
	"fmt"
	"slices"
	"strings"
)

// Status is where a request is in its lifecycle.
type Status string

const (
	StatusReceived         Status = "received"
	StatusVerifying        Status = "verifying"
	StatusNeedsInfo        Status = "needs_info"
	StatusAwaitingApproval Status = "awaiting_approval"
	StatusApproved         Status = "approved"
	StatusFulfilling       Status = "fulfilling"
	StatusCompleted        Status = "completed"
	StatusDenied           Status = "denied"
	StatusWithdrawn        Status = "withdrawn"
	StatusFailed           Status = "failed"
)

// Statuses lists every status in lifecycle order.
func Statuses() []Status {
	return []Status{StatusReceived, StatusVerifying, StatusNeedsInfo, StatusAwaitingApproval, StatusApproved,
		StatusFulfilling, StatusFailed, StatusCompleted, StatusDenied, StatusWithdrawn}
}

// OpenStatuses are the statuses still on someone's desk: the queue shows these.
func OpenStatuses() []Status {
	return []Status{StatusReceived, StatusVerifying, StatusNeedsInfo, StatusAwaitingApproval, StatusApproved,
		StatusFulfilling, StatusFailed}
}

// Open reports whether the request still needs work.
func (s Status) Open() bool { return slices.Contains(OpenStatuses(), s) }

// Label is the human name of a status.
func (s Status) Label() string {
	switch s {
	case StatusNeedsInfo:
		return "needs info"
	case StatusAwaitingApproval:
		return "awaiting approval"
	}
	return string(s)
}

// ParseStatus accepts the stored form or the label.
func ParseStatus(s string) (Status, error) {
	for _, st := range Statuses() {
		if string(st) == s || st.Label() == s {
			return st, nil
		}
	}
	return "", fmt.Errorf("unknown status %q", s)
}

// Action is something an operator does to a request.
type Action string

const (
	ActAcknowledge       Action = "acknowledge"
	ActStartVerification Action = "start_verification"
	ActRequestInfo       Action = "request_info"
	ActInfoReceived      Action = "info_received"
	ActVerify            Action = "verify"
	ActDenyUnverifiable  Action = "deny_unverifiable"
	ActRefuseExcessive   Action = "refuse_excessive"
	ActApprove           Action = "approve"
	ActDeny              Action = "deny"
	ActStartFulfilment   Action = "start_fulfilment"
	ActComplete          Action = "complete"
	ActFail              Action = "fail"
	ActRetry             Action = "retry"
	ActWithdraw          Action = "withdraw"
	ActExtend            Action = "extend"
	ActAssign            Action = "assign"
	ActNote              Action = "note"
	// ActLog is the creation of a request; it has no source state.
	ActLog Action = "log"

	// ActRemind records that the data-owning Customer's approver was chased
	// for a decision; the request stays where it is.
	ActRemind Action = "remind"

	// Fulfilment.
	// ActPlan computes and stores a fulfilment plan (replacing an unsigned
	// or stale one).
	ActPlan Action = "plan"
	// ActSignOff is a second privacy lead's sign-off of the stored plan.
	ActSignOff Action = "sign_off"
	// ActFulfilStep records one executed step of the signed plan.
	ActFulfilStep Action = "fulfil_step"

	// ActChargeFee quotes a reasonable fee for a baseless, repetitive or
	// excessive request instead of refusing it; the clock keeps running.
	ActChargeFee Action = "charge_fee"
	// ActCorrectDecision corrects a recorded Customer decision's approver,
	// method, evidence, date or reason; the old values stay on record.
	ActCorrectDecision Action = "correct_decision"
	// ActLink links an unmatched request to its subject.
	ActLink Action = "link"
	// ActDisclose records a privacy lead's decision that an access response
	// discloses a field holding another person's data.
	ActDisclose Action = "disclose"
)

// Label is the verb shown to people.
func (a Action) Label() string { return strings.ReplaceAll(string(a), "_", " ") }

// Transition is one row of the lifecycle table.
type Transition struct {
	Action Action
	From   []Status
	// To is the resulting status; empty means the status does not change (an event).
	To   Status
	Perm Permission
}

// Transitions is the whole lifecycle. Nothing outside this table is allowed.
func Transitions() []Transition {
	open := OpenStatuses()
	beforeApproval := []Status{StatusReceived, StatusVerifying, StatusNeedsInfo, StatusAwaitingApproval}
	return []Transition{
		// Receipt can be confirmed while the request is open: a request approved
		// before anyone recorded the acknowledgement must not keep an ack
		// deadline that nobody can clear.
		{ActAcknowledge, open, "", PermTriage},
		{ActStartVerification, []Status{StatusReceived}, StatusVerifying, PermTriage},
		{ActRequestInfo, []Status{StatusReceived, StatusVerifying}, StatusNeedsInfo, PermTriage},
		{ActInfoReceived, []Status{StatusNeedsInfo}, StatusVerifying, PermTriage},
		{ActVerify, []Status{StatusVerifying}, StatusAwaitingApproval, PermTriage},
		{ActDenyUnverifiable, []Status{StatusVerifying, StatusNeedsInfo}, StatusDenied, PermTriage},
		{ActRefuseExcessive, beforeApproval, StatusDenied, PermSignOff},
		{ActChargeFee, beforeApproval, "", PermSignOff},
		{ActApprove, []Status{StatusAwaitingApproval}, StatusApproved, PermDecide},
		{ActDeny, []Status{StatusAwaitingApproval}, StatusDenied, PermDecide},
		// A recorded decision can be corrected while its record matters.
		{ActCorrectDecision, []Status{StatusApproved, StatusFulfilling, StatusFailed, StatusCompleted, StatusDenied}, "", PermDecide},
		// A plan is made and signed off while approved, or anew
		// after a failure (a stale plan fails its step). A request that is
		// fulfilling without a signed plan (one imported or logged before
		// plans existed) gets one too; the controller refuses to replace a
		// signed plan that is running.
		{ActPlan, []Status{StatusApproved, StatusFulfilling, StatusFailed}, "", PermSignOff},
		{ActSignOff, []Status{StatusApproved, StatusFulfilling, StatusFailed}, "", PermSignOff},
		// A disclosure is decided in the plan preview, before the sign-off:
		// wherever a plan may be made.
		{ActDisclose, []Status{StatusApproved, StatusFulfilling, StatusFailed}, "", PermSignOff},
		{ActStartFulfilment, []Status{StatusApproved}, StatusFulfilling, PermSignOff},
		// Steps are run by whoever runs or resumes the plan: a lead, or an
		// engineer after a retry. Completing it (the response) is a lead's.
		{ActFulfilStep, []Status{StatusFulfilling}, "", PermRetry},
		// A deletion or correction whose steps are done also waits, still
		// fulfilling, for its sub-processors (rule complete.processors,
		// processors.go); their confirmations, exceptions and reminders
		// are recorded on the request's notices and change no status.
		{ActComplete, []Status{StatusFulfilling}, StatusCompleted, PermSignOff},
		{ActFail, []Status{StatusFulfilling}, StatusFailed, PermRetry},
		{ActRetry, []Status{StatusFailed}, StatusFulfilling, PermRetry},
		{ActWithdraw, []Status{StatusReceived, StatusVerifying, StatusNeedsInfo, StatusAwaitingApproval, StatusApproved}, StatusWithdrawn, PermTriage},
		// Extension is allowed while open (a failed fulfilment is the usual reason
		// to need more time); Deadlines.CanExtend limits it to once, inside 45 days.
		{ActExtend, open, "", PermSignOff},
		{ActAssign, open, "", PermTriage},
		{ActNote, Statuses(), "", PermTriage},
		// Chasing the Customer is triage work; only a request that
		// waits on its decision has anyone to chase.
		{ActRemind, []Status{StatusAwaitingApproval}, "", PermTriage},
		// An unmatched request is linked to its subject while it is open.
		{ActLink, open, "", PermTriage},
	}
}

// TransitionFor returns the table row for a.
func TransitionFor(a Action) (Transition, bool) {
	for _, t := range Transitions() {
		if t.Action == a {
			return t, true
		}
	}
	return Transition{}, false
}

// TransitionError explains why an action was refused.
type TransitionError struct {
	Action Action
	Status Status
	Role   Role
	Reason string
}

func (e *TransitionError) Error() string { return e.Reason }

// Next returns the status after a is applied to a request in from by an
// operator with role. The error names the current state or the missing role.
func Next(from Status, a Action, role Role) (Status, error) {
	t, ok := TransitionFor(a)
	if !ok {
		return "", &TransitionError{a, from, role, fmt.Sprintf("unknown action %q", a)}
	}
	if !role.Can(t.Perm) {
		return "", &TransitionError{a, from, role, RoleRefusal(role, a.Label(), t.Perm)}
	}
	if !slices.Contains(t.From, from) {
		allowed := make([]string, len(t.From))
		for i, s := range t.From {
			allowed[i] = s.Label()
		}
		return "", &TransitionError{a, from, role, fmt.Sprintf("cannot %s a request that is %s (only when %s)", a.Label(), from.Label(), strings.Join(allowed, ", "))}
	}
	if t.To == "" {
		return from, nil
	}
	return t.To, nil
}

// Allowed lists the actions role may take on a request in status s.
func Allowed(s Status, role Role) []Action {
	var out []Action
	for _, t := range Transitions() {
		if role.Can(t.Perm) && slices.Contains(t.From, s) {
			out = append(out, t.Action)
		}
	}
	return out
}

// RoleRefusal explains that role may not do what (a verb phrase) and who may,
// e.g. "a support operator cannot approve: it needs a privacy lead".
func RoleRefusal(role Role, what string, perm Permission) string {
	return fmt.Sprintf("%s operator cannot %s: it needs %s", withArticle(roleLabel(role)), what, permHolder(perm))
}

func withArticle(word string) string {
	if word == "" {
		return "an unknown"
	}
	if strings.ContainsRune("aeiou", rune(word[0])) {
		return "an " + word
	}
	return "a " + word
}

func roleLabel(r Role) string {
	if r == RoleLead {
		return "privacy lead"
	}
	return string(r)
}

func permHolder(p Permission) string {
	var who []string
	for _, r := range Roles() {
		if r.Can(p) {
			who = append(who, roleLabel(r))
		}
	}
	if len(who) == 0 {
		return "a role nobody has"
	}
	return withArticle(strings.Join(who, " or "))
}
