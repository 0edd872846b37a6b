package model

import "fmt"

// Refusal is a rule's explained "no": which rule, why, and where the rule
// comes from. Its text names no key and no command: the console phrases
// the remedy with the operator's bound key, the CLI with its command.
type Refusal struct {
	// Rule is the rule's stable id from the rule book, e.g. "verify.level".
	Rule string
	// Reason is the sentence shown to the operator.
	Reason string
	// Cite is where the rule comes from: a CCR section or the seed policy.
	Cite string
	// Input marks a refusal of what the caller typed (incomplete or wrong
	// input, fixed by typing again): nothing is audited. Any other refusal
	// is a rule saying no to this request, this operator or this moment,
	// and lands on the audit chain.
	Input bool
	// Remedy, when set, is the action that would clear the refusal (make a
	// plan, retry): each door names its own way to take it.
	Remedy Action
	// Err is what the refusal wraps, e.g. the lifecycle's *TransitionError.
	Err error
}

func (r *Refusal) Error() string { return r.Reason }

func (r *Refusal) Unwrap() error { return r.Err }

// refuse builds a rule refusal.
func refuse(rule Rule, format string, args ...any) *Refusal {
	return &Refusal{Rule: rule.ID, Cite: rule.Cite, Reason: fmt.Sprintf(format, args...)}
}

// badInput builds a refusal of the caller's input.
func badInput(rule Rule, format string, args ...any) *Refusal {
	r := refuse(rule, format, args...)
	r.Input = true
	return r
}

// withRemedy names the action that clears r.
func (r *Refusal) withRemedy(a Action) *Refusal {
	r.Remedy = a
	return r
}
