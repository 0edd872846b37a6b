// Package present holds what the front ends show, once: one view model per
// thing shown (a request, a fulfilment plan, an audit entry), built from the
// model with personal information masked and every stored text cleaned, and
// the one time convention every front end prints with — the tenant's local
// time with its zone named ("2026-12-04 09:30 PST"), dates in the tenant's
// calendar, UTC only in machine output (JSON and the §7101 export).
//
// The console and the CLI both render these, so present may import model and
// the standard library only: never db, a front end, Charm or a database
// driver.
package present

import (
	"fmt"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// None is what an empty value shows as, so a blank never reads as "loading".
const None = "—"

// Time shows an instant in the tenant's zone with the zone named:
// "2026-12-04 09:30 PST".
func Time(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return None
	}
	return model.LocalStamp(t, loc)
}

// Date shows the tenant's calendar day of an instant: "2026-12-04". Due
// dates are days, counted in the tenant's calendar; the heading above a
// list of them names the zone once.
func Date(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return None
	}
	return t.In(loc).Format(time.DateOnly)
}

// DaysLeft says how far a due date is, in the tenant's calendar: "due
// today", "3 days left", "overdue by 1 day".
func DaysLeft(now, due time.Time, loc *time.Location) string {
	switch n := model.DaysLeft(now, due, loc); {
	case n == 0:
		return "due today"
	case n == 1:
		return "1 day left"
	case n > 1:
		return fmt.Sprintf("%d days left", n)
	case n == -1:
		return "overdue by 1 day"
	default:
		return fmt.Sprintf("overdue by %d days", -n)
	}
}

// OrNone shows None for an empty string.
func OrNone(s string) string {
	if s == "" {
		return None
	}
	return s
}
