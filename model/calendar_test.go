package model

import (
	"strings"
	"testing"
	"time"
)

// A request received in late December has its business-day deadlines
// counted through the next year's holidays, and two tenants in different
// states count differently. The rules:
//   - §7021(a) (11 CCR): confirm receipt within 10 business days;
//   - the seed policy's unsubscribe promise: honour an opt-out within 10
//     business days (the CAN-SPAM period, 15 U.S.C. §7704(a)(4));
//   - 5 U.S.C. §6103(b): a federal holiday on a Saturday is observed on the
//     Friday before, so New Year's Day 2028 (a Saturday) is observed on
//     Friday 2027-12-31 — a date only next year's rules produce;
//   - Tex. Gov't Code §662.003(b): Texas offices also close December 24 and
//     26; Cal. Gov. Code §6700 has no such days.
func TestDeadlinesAcrossYearBoundaryByState(t *testing.T) {
	cases := []struct {
		name, state, tz, received string
		want                      string // 10th business day: ack and opt-out due
	}{
		// 2026-12-22 is a Tuesday. CA skips Fri 12-25 and Fri 2027-01-01.
		{"CA 2026", "CA", "America/Los_Angeles", "2026-12-22", "2027-01-07"},
		// TX also skips Thu 12-24 (Christmas Eve): one day later.
		{"TX 2026", "TX", "America/Chicago", "2026-12-22", "2027-01-08"},
		// 2027-12-20 is a Monday. Christmas (Sat) is observed Fri 12-24 and
		// New Year's Day 2028 (Sat) on Fri 12-31: both skipped.
		{"CA 2027", "CA", "America/Los_Angeles", "2027-12-20", "2028-01-05"},
		// TX: 12-24 is both; 12-26 is a Sunday and not moved: same date.
		{"TX 2027", "TX", "America/Chicago", "2027-12-20", "2028-01-05"},
		// WA has no December state holiday: as the federal calendar.
		{"WA 2026", "WA", "America/Los_Angeles", "2026-12-22", "2027-01-07"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ten := Tenant{ID: "t", Name: "T", State: c.state, TimeZone: c.tz}
			loc := mustLoad(t, c.tz)
			r := Request{Type: TypeOptOut, ReceivedAt: at(loc, c.received, 16, 30)}
			d := ComputeDeadlines(r, ten)
			checkDue(t, "Ack", d.Ack, loc, c.want)
			checkDue(t, "OptOut", d.OptOut, loc, c.want)
		})
	}
}

func TestCalendarHolidays(t *testing.T) {
	names := func(c *Calendar, year int) string {
		var out []string
		for _, h := range c.Holidays(year) {
			out = append(out, h.Date+" "+h.Name)
		}
		return strings.Join(out, "\n")
	}
	ca := Tenant{State: "CA"}.Calendar()
	got := names(ca, 2027)
	for _, want := range []string{
		"2027-01-01 New Year's Day", "2027-01-18 Martin Luther King Jr. Day", "2027-03-31 César Chávez Day",
		"2027-06-18 Juneteenth",             // the 19th is a Saturday
		"2027-11-26 Day after Thanksgiving", // Cal. Gov. Code §6700
		"2027-12-24 Christmas Day",          // Saturday the 25th observed Friday
		"2027-12-31 New Year's Day",         // 2028's, observed the Friday before
	} {
		if !strings.Contains(got, want) {
			t.Errorf("CA 2027 lacks %q:\n%s", want, got)
		}
	}
	// 2028 has no New Year's Day of its own on a weekday: it was observed in 2027.
	if strings.Contains(names(ca, 2028), "2028-01-0") {
		t.Errorf("CA 2028 lists a New Year's Day in January:\n%s", names(ca, 2028))
	}
	// A year no one typed in works: César Chávez Day 2030 is a Sunday, kept
	// on Monday (Cal. Gov. Code §6701).
	if got := names(ca, 2030); !strings.Contains(got, "2030-04-01 César Chávez Day") {
		t.Errorf("CA 2030 lacks César Chávez Day on Monday 04-01:\n%s", got)
	}

	// Fla. Stat. §110.117(1)(h); N.Y. Gen. Constr. Law §24 (Lincoln's
	// Birthday, kept on Monday when a Sunday; the general election day).
	for _, tc := range []struct {
		state string
		year  int
		want  []string
		not   []string
	}{
		{"FL", 2026, []string{"2026-11-27 Day after Thanksgiving"}, []string{"Election Day"}},
		{"NY", 2026, []string{"2026-02-12 Lincoln's Birthday", "2026-11-03 Election Day"}, []string{"Day after Thanksgiving"}},
		{"NY", 2027, []string{"2027-02-12 Lincoln's Birthday", "2027-11-02 Election Day"}, nil},
		{"NY", 2034, []string{"2034-02-13 Lincoln's Birthday", "2034-11-07 Election Day"}, nil},
		{"OH", 2026, nil, []string{"Day after Thanksgiving", "Election Day", "Lincoln"}},
	} {
		got := names(Tenant{State: tc.state}.Calendar(), tc.year)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s %d lacks %q:\n%s", tc.state, tc.year, w, got)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(got, n) {
				t.Errorf("%s %d has %q:\n%s", tc.state, tc.year, n, got)
			}
		}
	}

	// The Customer's additions and removals, and the legacy list read as additions.
	ten := Tenant{State: "CA", HolidayAdd: []string{"2027-08-02"}, HolidayRemove: []string{"2027-11-26"}, Holidays: []string{"2027-09-10"}}
	c := ten.Calendar()
	for date, want := range map[string]bool{"2027-08-02": false, "2027-11-26": true, "2027-09-10": false, "2027-11-25": false, "2027-11-29": true} {
		if got := c.IsBusinessDay(at(time.UTC, date, 12, 0)); got != want {
			t.Errorf("IsBusinessDay(%s) = %v, want %v", date, got, want)
		}
	}
	if h, ok := c.IsHoliday(at(time.UTC, "2027-08-02", 0, 0)); !ok || h.Source != "Customer" {
		t.Errorf("addition = %+v, %v", h, ok)
	}
}

// A resolved tenant reuses its calendar; one whose holiday rules changed
// after Resolve never answers with the old calendar.
func TestResolvedCalendarFollowsEdits(t *testing.T) {
	tn := Tenant{State: "CA"}
	tn.Resolve()
	if tn.Calendar() != tn.Calendar() {
		t.Fatal("a resolved tenant made a new calendar for each call")
	}
	day := at(time.UTC, "2027-08-02", 12, 0)
	if !tn.Calendar().IsBusinessDay(day) {
		t.Fatal("2027-08-02 is a holiday before any addition")
	}
	edited := tn
	edited.HolidayAdd = []string{"2027-08-02"}
	if edited.Calendar().IsBusinessDay(day) {
		t.Error("after an addition, the cached calendar still counts 2027-08-02 as a business day")
	}
	moved := tn
	moved.State = "TX"
	if moved.Calendar().IsBusinessDay(at(time.UTC, "2026-12-24", 12, 0)) != false || tn.Calendar().IsBusinessDay(at(time.UTC, "2026-12-24", 12, 0)) != true {
		t.Error("a change of state did not change the calendar")
	}
}
