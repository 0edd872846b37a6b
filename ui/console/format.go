package console

import (
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/present"
)

// daysLabel is the queue's compact countdown: "3d", "today", "-5d".
func daysLabel(days int) string {
	if days == 0 {
		return "today"
	}
	return strconv.Itoa(days) + "d"
}

// urgencyLevel is how pressing a due date is: the one rule behind the
// header's counts and every countdown's colour, so the two never disagree.
type urgencyLevel uint8

const (
	notUrgent urgencyLevel = iota
	dueSoon                // due within seven days (today included)
	overdue                // past due
)

// soonDays is how many days ahead a due date counts as soon.
const soonDays = model.SoonDays

// urgency returns the days left until due, counted in loc's calendar, and
// how urgent that is at now.
func urgency(now, due time.Time, loc *time.Location) (int, urgencyLevel) {
	days := model.DaysLeft(now, due, loc)
	switch {
	case model.Overdue(now, due):
		return days, overdue
	case days <= soonDays:
		return days, dueSoon
	}
	return days, notUrgent
}

// urgencyUntil is the first instant after now at which due's urgency
// (level at now) can change; the zero time means never. Levels only ever
// rise: not urgent becomes soon at the local midnight seven days before
// due's date, soon becomes overdue the millisecond after due.
func urgencyUntil(due time.Time, loc *time.Location, level urgencyLevel) time.Time {
	switch {
	case due.IsZero() || level == overdue:
		return time.Time{}
	case level == dueSoon:
		return due.Truncate(time.Millisecond).Add(time.Millisecond)
	}
	y, m, d := due.In(loc).Date()
	return time.Date(y, m, d-soonDays, 0, 0, 0, 0, loc)
}

// urgencyStyle colours a countdown: red once overdue, yellow when due soon.
func urgencyStyle(th Theme, level urgencyLevel) (lipgloss.Style, bool) {
	switch level {
	case overdue:
		return th.Overdue, true
	case dueSoon:
		return th.Soon, true
	}
	return lipgloss.Style{}, false
}

// thousands writes n with thousands separators, because row counts in the
// hundreds of thousands are unreadable as a run of digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// stamp shows an instant in the tenant's zone with the zone named, as every
// front end does (present.Time).
func stamp(t time.Time, loc *time.Location) string { return present.Time(t, loc) }

// day is the tenant's calendar day of an instant (present.Date).
func day(t time.Time, loc *time.Location) string { return present.Date(t, loc) }

// tenantShort is the tenant's compact column label. Names are often long
// ("City of San Benito Unified School District"); the id is the short form
// operators type, so the column shows the id and the header the name.
func tenantShort(id string) string { return model.CleanLine(id) }

// orDash shows a dash for an empty cell so blank never reads as "loading".
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
