package model

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Rules of the Customer's decision, its correction, extensions and fees.

func ruleFourEyesLogged() Rule {
	return Rule{ID: "decide.four_eyes_logged", Cite: CiteFourEyes,
		Says: "The lead who logged a request does not record the Customer's decision on it.",
		Pre: func(f Facts) *Refusal {
			if h := f.Actor.Handle(); f.Request.LoggedBy == h {
				return refuse(ruleFourEyesLogged(), "four eyes: %s logged this request, so another privacy lead must record the Customer's decision", h)
			}
			return nil
		}}
}

func ruleFourEyesVerified() Rule {
	return Rule{ID: "decide.four_eyes_verified", Cite: CiteFourEyes,
		Says: "The lead who verified the requester's identity does not record the Customer's decision.",
		Pre: func(f Facts) *Refusal {
			if h := f.Actor.Handle(); f.Request.Verification != nil && f.Request.Verification.By == h {
				return refuse(ruleFourEyesVerified(), "four eyes: %s verified the requester's identity, so another privacy lead must record the Customer's decision", h)
			}
			return nil
		}}
}

func ruleDecisionGiven() Rule {
	return Rule{ID: "decide.evidence", Cite: CitePolicyApproval,
		Says: "A Customer decision names who at the Customer decided, how, and a reference that finds the evidence.",
		Input: func(f Facts, next *Request) *Refusal {
			d := next.Decision
			if d == nil || reflect.DeepEqual(d, f.Request.Decision) {
				return badInput(ruleDecisionGiven(), "needs the Customer's decision: who decided, how, and the evidence")
			}
			want := DecisionApproved
			if f.action == ActDeny {
				want = DecisionDenied
			}
			if d.Outcome == "" {
				d.Outcome = want
			}
			if d.Outcome != want {
				return badInput(ruleDecisionGiven(), "the decision says %q", d.Outcome)
			}
			return checkEvidence(d)
		}}
}

func ruleDecisionDate() Rule {
	return Rule{ID: "decide.date", Cite: CitePolicyApproval,
		Says: "A decision is dated (a tenant-local date) on or after the day the request was received, and not after today.",
		Input: func(f Facts, next *Request) *Refusal {
			if next.Decision == nil {
				return nil
			}
			return CheckDecisionDate(next.Decision.DecidedAt, f.Request, f.Tenant, f.Now)
		}}
}

func ruleDecisionReason() Rule {
	return reasonRule("decide.denial_reason", CiteDenial,
		"A Customer's denial records the Customer's reason.",
		"the Customer's reason for denying")
}

func checkEvidence(d *Decision) *Refusal {
	if strings.TrimSpace(d.Approver) == "" || strings.TrimSpace(d.Method) == "" || strings.TrimSpace(d.Evidence) == "" {
		return badInput(ruleDecisionGiven(), "record who at the Customer decided, how (email, ticket, letter) and where the evidence is")
	}
	e, err := ParseEvidence(d.Method, d.Evidence)
	if err != nil {
		return badInput(ruleDecisionGiven(), "the Customer's evidence: %v", err)
	}
	d.SetEvidence(e)
	return nil
}

// CheckDecisionDate is the decide.date rule: at (zero means today) must
// fall on a tenant-local date from the request's receipt to today.
func CheckDecisionDate(at time.Time, r Request, t Tenant, now time.Time) *Refusal {
	if at.IsZero() {
		return nil
	}
	loc := t.Location()
	day, recv, today := localDate(at, loc), localDate(r.ReceivedAt, loc), localDate(now, loc)
	switch {
	case day.After(today):
		return badInput(ruleDecisionDate(), "the decision date %s is in the future (today is %s in %s)", day.Format(time.DateOnly), today.Format(time.DateOnly), loc)
	case day.Before(recv):
		return badInput(ruleDecisionDate(), "the decision date %s is before the request was received (%s)", day.Format(time.DateOnly), recv.Format(time.DateOnly))
	}
	return nil
}

func recordDecision(f Facts, next *Request) string {
	d := next.Decision
	if d.DecidedAt.IsZero() {
		d.DecidedAt = f.Now
	}
	d.DecidedAt = d.DecidedAt.UTC().Truncate(time.Millisecond)
	if f.action == ActDeny {
		if d.Reason == "" {
			d.Reason = f.reasonText
		}
		next.DenialReason = f.reasonText
	}
	d.RecordedBy, d.RecordedAt = f.Actor.Handle(), f.Now
	return DecisionDetail(*d, f.Tenant)
}

// DecisionDetail is the decision as the audit chain carries it: approver,
// method, evidence reference and decision date.
func DecisionDetail(d Decision, t Tenant) string {
	return fmt.Sprintf("Customer %s: approver %s; %s %s; decided %s", d.Outcome, CleanLine(d.Approver), CleanLine(d.Method),
		CleanLine(d.Evidence), d.DecidedAt.In(t.Location()).Format(time.DateOnly))
}

func ruleCorrectionHasDecision() Rule {
	return Rule{ID: "decision_fix.recorded", Cite: CiteRecords,
		Says: "Only a recorded Customer decision can be corrected, by a privacy lead, and the old values stay on the record.",
		Pre: func(f Facts) *Refusal {
			if f.Request.Decision == nil {
				return refuse(ruleCorrectionHasDecision(), "there is no recorded Customer decision to correct")
			}
			return nil
		}}
}

func ruleCorrectionChanges() Rule {
	return Rule{ID: "decision_fix.changes", Cite: CiteRecords,
		Says: "A correction keeps the outcome, changes at least one of approver, method, evidence, date or reason, and says why.",
		Input: func(f Facts, next *Request) *Refusal {
			d, old := next.Decision, f.Request.Decision
			if d == nil {
				return badInput(ruleCorrectionChanges(), "needs the corrected decision")
			}
			if d.Outcome != old.Outcome {
				return badInput(ruleCorrectionChanges(), "a correction cannot turn %s into %s: the outcome is what the lifecycle acted on", old.Outcome, d.Outcome)
			}
			if r := checkEvidence(d); r != nil {
				return r
			}
			// No date keeps the recorded one (see recordDecisionCorrection).
			at := d.DecidedAt
			if at.IsZero() {
				at = old.DecidedAt
			}
			if d.Approver == old.Approver && d.Method == old.Method && d.Evidence == old.Evidence && sameDay(at, old.DecidedAt, f.Tenant) && d.Reason == old.Reason {
				return badInput(ruleCorrectionChanges(), "nothing changed: correct the approver, method, evidence, date or reason")
			}
			return needReason(ruleCorrectionChanges(), f, "why the recorded decision was wrong")
		}}
}

func sameDay(a, b time.Time, t Tenant) bool {
	loc := t.Location()
	return localDate(a, loc).Equal(localDate(b, loc))
}

func recordDecisionCorrection(f Facts, next *Request) string {
	old := *f.Request.Decision
	next.PriorDecisions = append(next.PriorDecisions, old)
	d := next.Decision
	if d.DecidedAt.IsZero() {
		d.DecidedAt = old.DecidedAt
	}
	d.DecidedAt = d.DecidedAt.UTC().Truncate(time.Millisecond)
	d.RecordedBy, d.RecordedAt = f.Actor.Handle(), f.Now
	if f.Request.Status == StatusDenied && d.Reason != old.Reason {
		next.DenialReason = d.Reason
	}
	var changes []string
	diff := func(what, a, b string) {
		if a != b {
			changes = append(changes, fmt.Sprintf("%s %s → %s", what, CleanLine(a), CleanLine(b)))
		}
	}
	loc := f.location()
	diff("approver", old.Approver, d.Approver)
	diff("method", old.Method, d.Method)
	diff("evidence", old.Evidence, d.Evidence)
	diff("decided", old.DecidedAt.In(loc).Format(time.DateOnly), d.DecidedAt.In(loc).Format(time.DateOnly))
	diff("reason", old.Reason, d.Reason)
	return "decision corrected: " + strings.Join(changes, "; ")
}

func ruleExtendOnce() Rule {
	return Rule{ID: "extend.once", Cite: CiteExtension,
		Says: "The response deadline is extended at most once.",
		Pre: func(f Facts) *Refusal {
			if f.Request.Extension != nil {
				return refuse(ruleExtendOnce(), "the response deadline has already been extended once; only one extension is allowed")
			}
			return nil
		}}
}

func ruleExtendWindow() Rule {
	return Rule{ID: "extend.window", Cite: CiteExtension,
		Says: "An extension is made inside the first 45 days after receipt.",
		Pre: func(f Facts) *Refusal {
			d := ComputeDeadlinesIn(f.Request, f.Tenant, f.location())
			if !d.CanExtend(f.Now) {
				return refuse(ruleExtendWindow(), "an extension must be made within the first 45 days, which ended %s", d.Legal45.In(f.location()).Format(time.DateOnly))
			}
			return nil
		}}
}

func ruleExtendReason() Rule {
	return reasonRule("extend.reason", CiteExtension,
		"An extension gives the reason the requester (and the Customer) are told.",
		"the requester is told why")
}

func recordExtend(f Facts, next *Request) string {
	notice := f.Now
	if next.Extension != nil && !next.Extension.NoticeSent.IsZero() {
		notice = next.Extension.NoticeSent.UTC().Truncate(time.Millisecond)
	}
	next.Extension = &Extension{By: f.Actor.Handle(), At: f.Now, Reason: f.reasonText, NoticeSent: notice}
	d := ComputeDeadlinesIn(*next, f.Tenant, f.location())
	return "response deadline extended to " + d.Legal.In(f.location()).Format(time.DateOnly)
}

// Fee is a reasonable fee quoted for a baseless, repetitive or excessive
// request instead of refusing it; the response clock keeps running.
type Fee struct {
	// AmountCents is the fee in US cents.
	AmountCents int64     `bson:"amount_cents" json:"amount_cents"`
	Reason      string    `bson:"reason" json:"reason"`
	By          string    `bson:"by" json:"by"`
	At          time.Time `bson:"at" json:"at"`
}

// Amount renders the fee as dollars, e.g. "$25.00".
func (f Fee) Amount() string { return FormatCents(f.AmountCents) }

// FormatCents renders cents as dollars.
func FormatCents(c int64) string { return fmt.Sprintf("$%d.%02d", c/100, c%100) }

// MaxFeeCents bounds a fee quote: a typo of extra digits is caught, not charged.
const MaxFeeCents = 100_000_00

// ParseFee reads a dollar amount such as "25", "25.50" or "$25.50".
func ParseFee(s string) (int64, error) {
	in := strings.TrimPrefix(strings.TrimSpace(s), "$")
	if in == "" {
		return 0, fmt.Errorf("give the fee in dollars, e.g. 25 or 25.50")
	}
	whole, frac, hasFrac := strings.Cut(in, ".")
	if hasFrac && (len(frac) == 0 || len(frac) > 2) {
		return 0, fmt.Errorf("fee %s: give at most two decimals, e.g. 25.50", quoteInput(s))
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || w < 0 || w > MaxFeeCents/100 {
		return 0, fmt.Errorf("fee %s is not an amount in dollars from 0.01 to %s", quoteInput(s), FormatCents(MaxFeeCents))
	}
	c := w*100 + f
	if c <= 0 || c > MaxFeeCents {
		return 0, fmt.Errorf("fee %s is not an amount in dollars from 0.01 to %s", quoteInput(s), FormatCents(MaxFeeCents))
	}
	return c, nil
}

func ruleFeeOnce() Rule {
	return Rule{ID: "fee.once", Cite: CitePolicyFee,
		Says: "A request is quoted a fee at most once.",
		Pre: func(f Facts) *Refusal {
			if fee := f.Request.Fee; fee != nil {
				return refuse(ruleFeeOnce(), "a fee of %s was already quoted by %s", fee.Amount(), fee.By)
			}
			return nil
		}}
}

func ruleFeeQuote() Rule {
	return Rule{ID: "fee.quote", Cite: CitePolicyFee,
		Says: "Instead of refusing a baseless, repetitive or excessive request, a privacy lead may quote a reasonable fee: an amount and the reason; the response clock keeps running.",
		Input: func(f Facts, next *Request) *Refusal {
			if next.Fee == nil || next.Fee.AmountCents <= 0 || next.Fee.AmountCents > MaxFeeCents {
				return badInput(ruleFeeQuote(), "needs the fee: an amount from $0.01 to %s", FormatCents(MaxFeeCents))
			}
			return needReason(ruleFeeQuote(), f, "why the request is baseless, repetitive or excessive")
		}}
}

func recordFee(f Facts, next *Request) string {
	next.Fee.Reason, next.Fee.By, next.Fee.At = f.reasonText, f.Actor.Handle(), f.Now
	return fmt.Sprintf("fee quoted: %s; reason: %s", next.Fee.Amount(), CleanLine(f.reasonText))
}
