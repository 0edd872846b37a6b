package model

import (
	"fmt"
	"time"
)

// DeadlineResult is how a closed request stood against one of its due
// dates: a closed request shows met or missed with the date, never a
// countdown.
type DeadlineResult struct {
	Kind DeadlineKind
	Due  time.Time
	// At is when the deadline was met, or when the request closed.
	At  time.Time
	Met bool
}

// ClosedAt is when a closed request was closed: its response, else the
// history event that closed it, else its last change. ok is false while
// the request is open.
func (r Request) ClosedAt() (time.Time, bool) {
	if r.Status.Open() {
		return time.Time{}, false
	}
	if r.ClosedOn != nil {
		return *r.ClosedOn, true
	}
	if r.RespondedAt != nil {
		return *r.RespondedAt, true
	}
	for i := len(r.History) - 1; i >= 0; i-- {
		if e := r.History[i]; e.To == r.Status && e.From != r.Status {
			return e.At, true
		}
	}
	return r.UpdatedAt, true
}

// ClosedDeadlines lists each deadline that applied to a closed request with
// whether it was met, in the tenant's calendar; nil while it is open.
func ClosedDeadlines(r Request, t Tenant) []DeadlineResult {
	closed, ok := r.ClosedAt()
	if !ok {
		return nil
	}
	d := ComputeDeadlines(r, t)
	met := func(kind DeadlineKind, due, at time.Time) DeadlineResult {
		return DeadlineResult{Kind: kind, Due: due, At: at, Met: !pastDue(at, due)}
	}
	ack := closed
	if r.AcknowledgedAt != nil && r.AcknowledgedAt.Before(closed) {
		ack = *r.AcknowledgedAt
	}
	legalKind := DueLegal
	if d.Extended {
		legalKind = DueExtended
	}
	out := []DeadlineResult{met(DueAck, d.Ack, ack), met(legalKind, d.Legal, closed)}
	for _, x := range []struct {
		kind DeadlineKind
		due  time.Time
	}{{DueCustodian, d.Custodian}, {DueOptOut, d.OptOut}, {DueExpedited, d.Expedited}} {
		if !x.due.IsZero() {
			out = append(out, met(x.kind, x.due, closed))
		}
	}
	return out
}

// Line renders a result as "legal response due 2026-11-20: met 2026-11-18"
// or "…: missed, 2026-11-25 (5 days late)" in loc.
func (d DeadlineResult) Line(loc *time.Location) string {
	due := d.Due.In(loc).Format(time.DateOnly)
	at := d.At.In(loc).Format(time.DateOnly)
	if d.Met {
		return fmt.Sprintf("%s due %s: met %s", d.Kind, due, at)
	}
	late := -DaysLeft(d.At, d.Due, loc)
	return fmt.Sprintf("%s due %s: missed, %s (%d day%s late)", d.Kind, due, at, late, plural(late))
}

// Missed reports whether any of the results was missed.
func Missed(rs []DeadlineResult) bool {
	for _, r := range rs {
		if !r.Met {
			return true
		}
	}
	return false
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
