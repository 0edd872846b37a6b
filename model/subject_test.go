package model

import (
	"testing"
	"time"
)

func TestAgeOnAndIsChild(t *testing.T) {
	la := mustLoad(t, "America/Los_Angeles")
	day := func(s string) time.Time { return at(time.UTC, s, 12, 0) }
	cases := []struct {
		name, birth string
		on          time.Time
		age         int
		known       bool
		child       bool
	}{
		{"day before the 14th birthday", "2012-06-15", day("2026-06-14"), 13, true, true},
		{"the 14th birthday", "2012-06-15", day("2026-06-15"), 14, true, false},
		{"day after the 14th birthday", "2012-06-15", day("2026-06-16"), 14, true, false},
		{"a month before, later day of month", "2012-06-15", day("2026-05-20"), 13, true, true},
		{"same month, earlier day", "2012-06-15", day("2026-06-01"), 13, true, true},
		{"new year's eve birthday, the day before", "2012-12-31", day("2026-12-30"), 13, true, true},
		{"new year's eve birthday", "2012-12-31", day("2026-12-31"), 14, true, false},
		{"leap-day birth, Feb 28 of a common year", "2012-02-29", day("2026-02-28"), 13, true, true},
		{"leap-day birth, Mar 1 of a common year", "2012-02-29", day("2026-03-01"), 14, true, false},
		{"leap-day birth, Feb 29 of a leap year", "2014-02-29", day("2028-02-29"), 0, false, false},
		{"adult", "1980-01-01", day("2026-06-15"), 46, true, false},
		{"newborn", "2026-06-15", day("2026-06-15"), 0, true, true},
		{"unknown birth date", "", day("2026-06-15"), 0, false, false},
		{"malformed birth date", "15/06/2012", day("2026-06-15"), 0, false, false},
		// The caller passes the tenant-local time: 23:30 in Los Angeles on the
		// 14th is the 15th in UTC, but the subject is still 13 there.
		{"local evening before the birthday", "2012-06-15", at(la, "2026-06-14", 23, 30), 13, true, true},
		{"same instant seen in UTC", "2012-06-15", at(la, "2026-06-14", 23, 30).UTC(), 14, true, false},
	}
	for _, c := range cases {
		s := Subject{BirthDate: c.birth}
		age, ok := s.AgeOn(c.on)
		if ok != c.known || (ok && age != c.age) {
			t.Errorf("%s: AgeOn = (%d, %v), want (%d, %v)", c.name, age, ok, c.age, c.known)
		}
		if got := s.IsChild(c.on); got != c.child {
			t.Errorf("%s: IsChild = %v, want %v", c.name, got, c.child)
		}
	}
	if ChildAge != 14 {
		t.Errorf("ChildAge = %d; the policy says under 14", ChildAge)
	}
}
