package model

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// KnowLimit is how many requests to know a California resident may make in 12 months (Cal. Civ. Code §1798.130(b)).
const KnowLimit = 2

// LimitResult is the outcome of the two-per-12-months check.
type LimitResult struct {
	Applies bool      // only California residents' requests to know
	Earlier []Request // the subject's earlier requests to know inside the window, oldest first
	Over    bool      // this request would be the third or later
	From    time.Time // start of the 12-month window
}

// Reason explains the result for the flag and the detail view.
func (l LimitResult) Reason() string {
	if !l.Applies {
		return "not a California resident's request to know"
	}
	ids := make([]string, len(l.Earlier))
	for i, r := range l.Earlier {
		ids[i] = fmt.Sprintf("%s (%s)", r.ID, r.ReceivedAt.Format(time.DateOnly))
	}
	if !l.Over {
		return fmt.Sprintf("%d earlier request(s) to know since %s", len(l.Earlier), l.From.Format(time.DateOnly))
	}
	return fmt.Sprintf("%d earlier requests to know since %s: %s", len(l.Earlier), l.From.Format(time.DateOnly), strings.Join(ids, ", "))
}

// CountsTowardLimit reports whether o counts toward its subject's two
// requests to know: a request answered or being answered does; one
// withdrawn, denied as unverifiable or refused as excessive does not (only
// a denial by the Customer was an answer).
func CountsTowardLimit(o Request) bool {
	switch o.Status {
	case StatusWithdrawn:
		return false
	case StatusDenied:
		return o.Decision != nil && o.Decision.Outcome == DecisionDenied
	}
	return true
}

// CheckKnowLimit evaluates r against the same subject's other requests.
func CheckKnowLimit(r Request, others []Request) LimitResult {
	res := LimitResult{From: r.ReceivedAt.AddDate(-1, 0, 0)}
	if r.Type != TypeAccess || !strings.EqualFold(r.ResidencyState, "CA") {
		return res
	}
	res.Applies = true
	for _, o := range others {
		if o.ID == r.ID || o.Type != TypeAccess || !CountsTowardLimit(o) {
			continue
		}
		if o.SubjectID != r.SubjectID || r.SubjectID == "" {
			continue
		}
		if o.ReceivedAt.After(res.From) && o.ReceivedAt.Before(r.ReceivedAt) {
			res.Earlier = append(res.Earlier, o)
		}
	}
	sort.Slice(res.Earlier, func(i, j int) bool { return res.Earlier[i].ReceivedAt.Before(res.Earlier[j].ReceivedAt) })
	res.Over = len(res.Earlier) >= KnowLimit
	return res
}

// OverLimitFlag is the flag r earns when it would be the subject's third or
// later request to know in 12 months; ok is false when it earns none.
func OverLimitFlag(r Request, others []Request) (Flag, bool) {
	res := CheckKnowLimit(r, others)
	if !res.Over {
		return Flag{}, false
	}
	return Flag{Kind: FlagOverLimit, Reason: res.Reason()}, true
}

// WithLimitFlag returns r's flags with the LIMIT flag as the subject's
// other requests decide it now: added, updated or removed.
func WithLimitFlag(r Request, others []Request) []Flag {
	out := []Flag{}
	for _, f := range r.Flags {
		if f.Kind != FlagOverLimit {
			out = append(out, f)
		}
	}
	if f, ok := OverLimitFlag(r, others); ok {
		out = append(out, f)
	}
	return out
}

// LimitFlagChanges evaluates the LIMIT flag of each of a subject's requests
// against the others and returns the requests whose stored flags differ,
// with the flags they should carry: importing an earlier request later
// flags the later one.
func LimitFlagChanges(requests []Request) map[string][]Flag {
	out := map[string][]Flag{}
	for _, r := range requests {
		want := WithLimitFlag(r, requests)
		if !sameJSON(want, r.Flags) {
			out[r.ID] = want
		}
	}
	return out
}
