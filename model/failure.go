package model

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Failure is what on-call needs to know about one failed request: when it
// failed, at which step of its plan, and why. The console's :failed pane,
// `custodian failed` and `ssh … failed` all show this one shape.
type Failure struct {
	ID       string      `json:"id"`
	TenantID string      `json:"tenant_id"`
	Type     RequestType `json:"type"`
	// At is when the run failed (UTC in machine output).
	At time.Time `json:"failed_at"`
	// Step is the plan step the run stopped at ("step 2/5 crm/C-1"); empty
	// when the request had no plan to run.
	Step   string    `json:"step,omitempty"`
	Reason string    `json:"reason"`
	DueAt  time.Time `json:"due_at"`
}

// FailedStep names the step a run stops at: the first step of p not done,
// as "step i/n target". A run executes steps in order and records each as
// done, so the first pending one is the one that failed (or, for a plan
// found stale before it ran, the one it would have run next). Empty when
// there is no plan or every step is done.
func FailedStep(p *Plan) string {
	if p == nil {
		return ""
	}
	for i, st := range p.Steps {
		if !st.Done {
			return fmt.Sprintf("step %d/%d %s", i+1, len(p.Steps), StepTarget(*p, i))
		}
	}
	return ""
}

// FailureOf is r's failure, if it is failed. Requests failed before the
// failure time was stored fall back on their last fail history event.
func FailureOf(r Request) (Failure, bool) {
	if r.Status != StatusFailed {
		return Failure{}, false
	}
	f := Failure{ID: r.ID, TenantID: r.TenantID, Type: r.Type, Step: CleanLine(r.FailedStep),
		Reason: CleanLine(r.FailureReason), DueAt: r.DueAt}
	switch {
	case r.FailedAt != nil:
		f.At = *r.FailedAt
	default:
		for i := len(r.History) - 1; i >= 0; i-- {
			if r.History[i].Action == ActFail {
				f.At = r.History[i].At
				break
			}
		}
	}
	return f, true
}

// SortFailures orders failures newest first (then by id, so ties are
// stable): the latest failure is the one on-call has not seen yet.
func SortFailures(fs []Failure) {
	slices.SortStableFunc(fs, func(a, b Failure) int {
		if c := b.At.Compare(a.At); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

// CompareFailedFirst orders failed requests ahead of the rest (-1 when a
// is failed and b is not): a failed fulfilment needs action now, whatever
// its due date says. Lists that sort by due date apply it first, so within
// each group the due-date order stands.
func CompareFailedFirst(a, b Status) int {
	af, bf := a == StatusFailed, b == StatusFailed
	switch {
	case af && !bf:
		return -1
	case bf && !af:
		return 1
	}
	return 0
}

// Cause is the reason without the step it names: a run's reason starts
// with its step ("step 2/5 crm/C-1: timeout"), which a list showing the
// step in its own column would otherwise say twice.
func (f Failure) Cause() string {
	if f.Step != "" {
		if rest, ok := strings.CutPrefix(f.Reason, f.Step+": "); ok {
			return rest
		}
	}
	return f.Reason
}
