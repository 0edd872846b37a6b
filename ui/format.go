package ui

import (
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/custodian-dev/custodian/model"
)

// daysLabel is the queue's compact countdown: "3d", "today", "-5d".
func daysLabel(days int) string {
	if days == 0 {
		return "today"
	}
	return strconv.Itoa(days) + "d"
}

// dueStyle colours a countdown: red once overdue, yellow inside a week.
func dueStyle(th Theme, now, due time.Time, days int) (lipgloss.Style, bool) {
	switch {
	case model.Overdue(now, due):
		return th.Overdue, true
	case days <= 7:
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

// stamp shows an instant in the tenant's zone, where deadlines are counted.
func stamp(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

func day(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(loc).Format(time.DateOnly)
}

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
