package model

import (
	"math"
	"time"
)

// Clock is injected wherever "now" matters so deadlines are testable.
type Clock interface{ Now() time.Time }

// SystemClock reads the real time.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// FixedClock always returns the same instant.
type FixedClock struct{ T time.Time }

// Now returns the fixed instant.
func (c FixedClock) Now() time.Time { return c.T }

// Deadline rules, in days.
const (
	AckBusinessDays       = 10 // §7021(a): confirm receipt
	ResponseDays          = 45 // §7021(b): respond
	ExtensionDays         = 45 // one extension, with notice, inside the first 45
	CustodianDays         = 45 // the custodian's promise to its Customer, from approval
	OptOutBusinessDays    = 10 // honour an unsubscribe
	ChildExpediteBusiness = 5  // internal target for "as soon as reasonably practicable"
)

// DeadlineKind names which rule produced a due date.
type DeadlineKind string

const (
	DueAck       DeadlineKind = "acknowledgement"
	DueLegal     DeadlineKind = "legal response"
	DueExtended  DeadlineKind = "extended response"
	DueCustodian DeadlineKind = "custodian"
	DueOptOut    DeadlineKind = "opt-out"
	DueExpedited DeadlineKind = "child expedited"
)

// Deadlines are a request's due dates. Each is the last millisecond of its due
// day in the tenant's time zone, so "due today" holds until local midnight.
type Deadlines struct {
	Ack          time.Time // kept after acknowledgement; AckDone says it was met
	AckDone      bool
	Legal        time.Time // 45 days, or 90 once extended
	Legal45      time.Time // the original 45-day date: extensions must be made by then
	Extended     bool
	Custodian    time.Time // zero until the Customer approved
	OptOut       time.Time // opt-out requests only
	Expedited    time.Time // child-data deletions only
	Response     time.Time // the earliest response deadline that applies
	ResponseKind DeadlineKind
	// Next is the earliest deadline still pending: the acknowledgement while
	// unacknowledged, otherwise Response. The queue sorts by this.
	Next     time.Time
	NextKind DeadlineKind
}

// ComputeDeadlines derives every due date of r in tenant t's time zone and calendar.
func ComputeDeadlines(r Request, t Tenant) Deadlines {
	return ComputeDeadlinesIn(r, t, t.Location())
}

// ComputeDeadlinesIn is ComputeDeadlines with the tenant's location already
// loaded: loading a zone reads the zoneinfo database, which callers working
// through many requests of one tenant should do once.
func ComputeDeadlinesIn(r Request, t Tenant, loc *time.Location) Deadlines {
	recv := localDate(r.ReceivedAt, loc)
	cal := t.Calendar()
	var d Deadlines
	d.Ack = endOfDay(AddBusinessDays(recv, AckBusinessDays, cal))
	d.AckDone = r.AcknowledgedAt != nil
	d.Legal45 = endOfDay(recv.AddDate(0, 0, ResponseDays))
	d.Legal = d.Legal45
	if r.Extension != nil {
		d.Extended = true
		d.Legal = endOfDay(recv.AddDate(0, 0, ResponseDays+ExtensionDays))
	}
	d.Response, d.ResponseKind = d.Legal, DueLegal
	if d.Extended {
		d.ResponseKind = DueExtended
	}
	consider := func(due time.Time, kind DeadlineKind) {
		if !due.IsZero() && due.Before(d.Response) {
			d.Response, d.ResponseKind = due, kind
		}
	}
	if at, ok := r.ApprovedAt(); ok {
		d.Custodian = endOfDay(localDate(at, loc).AddDate(0, 0, CustodianDays))
		consider(d.Custodian, DueCustodian)
	}
	switch r.Type {
	case TypeOptOut:
		d.OptOut = endOfDay(AddBusinessDays(recv, OptOutBusinessDays, cal))
		consider(d.OptOut, DueOptOut)
	}
	if r.ChildDeletion() {
		d.Expedited = endOfDay(AddBusinessDays(recv, ChildExpediteBusiness, cal))
		consider(d.Expedited, DueExpedited)
	}
	d.Next, d.NextKind = d.Response, d.ResponseKind
	if !d.AckDone && d.Ack.Before(d.Next) {
		d.Next, d.NextKind = d.Ack, DueAck
	}
	return d
}

// CanExtend reports whether an extension may still be made at now: once, and
// only inside the first 45 days.
func (d Deadlines) CanExtend(now time.Time) bool { return !d.Extended && !pastDue(now, d.Legal45) }

// SoonDays is how many days ahead a due date counts as "due this week":
// the console's header and colours and the SSH queue summary count alike.
const SoonDays = 7

// DaysLeft is the number of calendar days from now's local date to due's
// local date: 0 means due today, negative means overdue by that many days.
func DaysLeft(now, due time.Time, loc *time.Location) int {
	// Rounding absorbs the 23- and 25-hour days of DST changes.
	return int(math.Round(localDate(due, loc).Sub(localDate(now, loc)).Hours() / 24))
}

// Overdue reports whether due has passed at now.
func Overdue(now, due time.Time) bool { return !due.IsZero() && pastDue(now, due) }

// pastDue compares at millisecond precision, the precision of a stored BSON
// date: a due date is the day's last millisecond (see endOfDay), so it holds
// until local midnight, also after a round trip through the database.
func pastDue(now, due time.Time) bool { return now.Truncate(time.Millisecond).After(due) }

// localDate is midnight of t's calendar date in loc.
func localDate(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// endOfDay is the last millisecond of day's date in day's location (23:59:59.999).
// Millisecond, not second: with 23:59:59 the day's last second counted as overdue.
func endOfDay(day time.Time) time.Time {
	y, m, d := day.Date()
	return time.Date(y, m, d, 23, 59, 59, int(time.Second-time.Millisecond), day.Location())
}
