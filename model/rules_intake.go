package model

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Rules of intake: what a new request must carry and what is derived from
// it and its subject — flags, residency, the access scope. Every way in
// (console form, import, CLI, SSH) reaches them through the controller's
// CreateRequest; a link to a subject derives them again.

// AccessScope is what a request to know asks for; it decides the
// verification level (§7062(a)–(b)).
type AccessScope string

const (
	AccessCategories AccessScope = "categories" // categories of PI: reasonable degree
	AccessSpecific   AccessScope = "specific"   // specific pieces of PI: reasonably high degree
)

// AccessScopes lists the scopes in the order a form offers them.
func AccessScopes() []AccessScope { return []AccessScope{AccessCategories, AccessSpecific} }

// Label names the scope for people.
func (s AccessScope) Label() string {
	switch s {
	case AccessCategories:
		return "categories of PI"
	case AccessSpecific:
		return "specific pieces of PI"
	}
	return string(s)
}

// ParseAccessScope reads a scope by name or label.
func ParseAccessScope(s string) (AccessScope, error) {
	in := strings.ToLower(strings.TrimSpace(s))
	for _, sc := range AccessScopes() {
		if in == string(sc) || in == strings.ToLower(sc.Label()) {
			return sc, nil
		}
	}
	return "", fmt.Errorf("access scope %s is unknown: use categories (categories of PI) or specific (specific pieces of PI)", quoteInput(s))
}

// Where a request's residency state came from.
const (
	ResidencyStated  = "stated"  // the requester said so
	ResidencySubject = "subject" // the subject on file
	ResidencyTenant  = "tenant"  // the Customer's state, when nothing else is known
)

// ResolveResidency decides the state whose law applies: the requester's
// stated state, else the subject's on file, else the tenant's.
func ResolveResidency(stated string, sub *Subject, t Tenant) (state, from string) {
	switch {
	case strings.TrimSpace(stated) != "":
		return strings.ToUpper(strings.TrimSpace(stated)), ResidencyStated
	case sub != nil && strings.TrimSpace(sub.ResidencyState) != "":
		return strings.ToUpper(strings.TrimSpace(sub.ResidencyState)), ResidencySubject
	}
	return strings.ToUpper(strings.TrimSpace(t.State)), ResidencyTenant
}

// ChildDeletion reports whether r is handled as the deletion of a child's
// data: expedited, and nothing the child submitted is kept under a
// retention rule. A deletion flagged as a child's is one; a child deletion
// whose subject is known to be 14 or older is not until a lead decides.
func (r Request) ChildDeletion() bool {
	switch r.Type {
	case TypeChildDeletion:
		return !r.HasFlag(FlagAgeCheck)
	case TypeDeletion:
		return r.HasFlag(FlagChild)
	}
	return false
}

// AgeOnReceipt is the subject's age on the tenant-local day r was received.
func AgeOnReceipt(r Request, sub *Subject, t Tenant) (int, bool) {
	if sub == nil {
		return 0, false
	}
	return sub.AgeOn(localDate(r.ReceivedAt, t.Location()))
}

func ruleIntakeAgent() Rule {
	return Rule{ID: "intake.agent_permission", Cite: CitePolicyAgent,
		Says: "A request made by an authorized agent records where the subject's written permission is.",
		Input: func(_ Facts, r *Request) *Refusal {
			if r.Agent != nil && strings.TrimSpace(r.Agent.PermissionEvidence) == "" {
				return badInput(ruleIntakeAgent(), "an authorized agent needs the subject's written permission (§7063): record where it is")
			}
			return nil
		}}
}

func ruleIntakeCorrection() Rule {
	return Rule{ID: "intake.corrections", Cite: CiteCorrectionData,
		Says: "A correction says which fields to change; no other type carries corrections.",
		Input: func(_ Facts, r *Request) *Refusal {
			switch {
			case r.Type == TypeRectification && len(r.Corrections) == 0:
				return badInput(ruleIntakeCorrection(), "a correction must say which fields to change")
			case r.Type != TypeRectification && len(r.Corrections) > 0:
				return badInput(ruleIntakeCorrection(), "corrections are only for a correction request, not %s", r.Type.Label())
			}
			return nil
		}}
}

func ruleIntakeScope() Rule {
	return Rule{ID: "intake.access_scope", Cite: CiteVerifyLevels,
		Says: "A request to know is for the categories of PI or for specific pieces of PI, chosen at intake (categories when not said); other types have no access scope.",
		Input: func(_ Facts, r *Request) *Refusal {
			switch {
			case r.Type != TypeAccess && r.AccessScope != "":
				return badInput(ruleIntakeScope(), "only a request to know has an access scope, not %s", r.Type.Label())
			case r.Type == TypeAccess && r.AccessScope == "":
				r.AccessScope = AccessCategories
			case r.Type == TypeAccess && !slices.Contains(AccessScopes(), r.AccessScope):
				_, err := ParseAccessScope(string(r.AccessScope))
				return badInput(ruleIntakeScope(), "%v", err)
			}
			return nil
		}}
}

func ruleIntakeResidency() Rule {
	return Rule{ID: "intake.residency", Cite: CitePolicyLimit,
		Says: "The state whose law applies is the requester's stated state, else the subject's on file, else the tenant's.",
		Input: func(f Facts, r *Request) *Refusal {
			r.ResidencyState, r.ResidencyFrom = ResolveResidency(r.ResidencyState, f.Subject, f.Tenant)
			return nil
		}}
}

func ruleIntakeChild() Rule {
	return Rule{ID: "intake.child", Cite: CitePolicyChildren,
		Says: "A request whose subject was under 14 on the (tenant-local) day it was received is flagged CHILD, whatever its type, and a flagged deletion is handled as a child's deletion; a child deletion for a subject known to be 14 or older is flagged AGE? for a lead instead of being expedited; an unknown birth date says \"age unknown\".",
		Input: func(f Facts, r *Request) *Refusal {
			r.Flags = IntakeFlags(*r, f.Subject, f.Tenant)
			return nil
		}}
}

func ruleIntakeLimit() Rule {
	return Rule{ID: "intake.know_limit", Cite: CitePolicyLimit,
		Says: "A California resident's third request to know in 12 months is flagged LIMIT; requests denied as unverifiable or refused, and withdrawn ones, do not count; the flag is evaluated again whenever the subject's requests change.",
		Input: func(f Facts, r *Request) *Refusal {
			r.Flags = WithLimitFlag(*r, f.Others)
			return nil
		}}
}

// IntakeRules are the rules a new request is held to, in order; the
// controller runs them through Intake.
func IntakeRules() []Rule {
	return []Rule{ruleIntakeAgent(), ruleIntakeCorrection(), ruleIntakeScope(), ruleIntakeResidency(), ruleIntakeChild(), ruleIntakeLimit()}
}

// Intake checks a new request and derives what its subject decides: f
// carries the tenant, the linked subject (nil when unlinked) and the
// subject's other requests; r is changed in place.
func Intake(f Facts, r *Request) *Refusal {
	for _, rule := range IntakeRules() {
		if rf := rule.Input(f, r); rf != nil {
			return rf
		}
	}
	return nil
}

// IntakeFlags derives the agent and child flags of r from its subject
// (nil: not linked), keeping any other flags r carries.
func IntakeFlags(r Request, sub *Subject, t Tenant) []Flag {
	out := []Flag{}
	for _, f := range r.Flags {
		if f.Kind != FlagAgent && f.Kind != FlagChild && f.Kind != FlagAgeCheck {
			out = append(out, f)
		}
	}
	if r.Agent != nil {
		out = append(out, Flag{Kind: FlagAgent, Reason: "submitted by an authorized agent: verify the agent and the subject (§7063)"})
	}
	recv := localDate(r.ReceivedAt, t.Location()).Format(time.DateOnly)
	age, known := AgeOnReceipt(r, sub, t)
	switch {
	case known && age < ChildAge:
		reason := fmt.Sprintf("the subject was %d on %s, when the request was received (under %d)", age, recv, ChildAge)
		if r.Type == TypeDeletion || r.Type == TypeChildDeletion {
			reason += ": delete as soon as reasonably practicable"
		}
		out = append(out, Flag{Kind: FlagChild, Reason: reason})
	case r.Type == TypeChildDeletion && known:
		out = append(out, Flag{Kind: FlagAgeCheck, Reason: fmt.Sprintf("asked as a child's deletion, but the subject was %d on %s: a privacy lead decides whether it is a child's data; not expedited", age, recv)})
	case r.Type == TypeChildDeletion && sub == nil:
		out = append(out, Flag{Kind: FlagChild, Reason: "age unknown (not linked to a subject yet): data a child under 14 provided, delete as soon as reasonably practicable"})
	case r.Type == TypeChildDeletion:
		out = append(out, Flag{Kind: FlagChild, Reason: "age unknown (no birth date on file): data a child under 14 provided, delete as soon as reasonably practicable"})
	}
	return out
}
