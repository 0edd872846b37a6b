package present

import (
	"testing"
	"time"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skip("no tz database:", err)
	}
	return loc
}

// Every front end shows an instant in the tenant's zone with the zone named,
// so a reader in another zone never misreads it; a date is the tenant's
// calendar day, not UTC's.
func TestTimeConvention(t *testing.T) {
	la := mustZone(t, "America/Los_Angeles")
	ny := mustZone(t, "America/New_York")
	late := time.Date(2026, 12, 5, 6, 30, 0, 0, time.UTC) // still Dec 4 on the west coast
	cases := []struct {
		name string
		got  string
		want string
	}{
		{"time in LA", Time(late, la), "2026-12-04 22:30 PST"},
		{"time in NY", Time(late, ny), "2026-12-05 01:30 EST"},
		{"summer time", Time(time.Date(2026, 7, 1, 16, 0, 0, 0, time.UTC), la), "2026-07-01 09:00 PDT"},
		{"zero time", Time(time.Time{}, la), None},
		{"date in LA", Date(late, la), "2026-12-04"},
		{"date in NY", Date(late, ny), "2026-12-05"},
		{"zero date", Date(time.Time{}, la), None},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: %q, want %q", c.name, c.got, c.want)
		}
	}
}

func TestDaysLeft(t *testing.T) {
	la := mustZone(t, "America/Los_Angeles")
	now := time.Date(2026, 12, 4, 18, 0, 0, 0, la)
	cases := []struct {
		due  time.Time
		want string
	}{
		{time.Date(2026, 12, 4, 23, 59, 0, 0, la), "due today"},
		{time.Date(2026, 12, 5, 9, 0, 0, 0, la), "1 day left"},
		{time.Date(2026, 12, 10, 9, 0, 0, 0, la), "6 days left"},
		{time.Date(2026, 12, 3, 9, 0, 0, 0, la), "overdue by 1 day"},
		{time.Date(2026, 11, 30, 9, 0, 0, 0, la), "overdue by 4 days"},
	}
	for _, c := range cases {
		if got := DaysLeft(now, c.due, la); got != c.want {
			t.Errorf("DaysLeft(due %s) = %q, want %q", c.due, got, c.want)
		}
	}
}
