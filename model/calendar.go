package model

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/us"
)

// Holiday is one non-business day of a tenant's calendar, with where it
// comes from so an operator can tell a rule from a Customer's own entry.
type Holiday struct {
	Date   string // YYYY-MM-DD, local to the tenant
	Name   string
	Source string // "federal", "state CA", "Customer"
}

// Calendar is a tenant's business calendar: observed US federal holidays
// (5 U.S.C. §6103, from github.com/rickar/cal/v2/us), the holidays its
// state's own offices close for (stateHolidays), the Customer's additions,
// less its removals. It computes any year on demand, so a deadline is
// right in every year, not only those someone typed in.
//
// A Calendar memoises the years it has computed (under mu), so a resolved
// tenant's calendar is computed once per year and shared by every deadline
// of its requests.
type Calendar struct {
	state       string
	add, remove map[string]bool
	mu          sync.Mutex
	years       map[int]map[string]Holiday // computed year -> observed date -> holiday
}

// Calendar returns the tenant's business calendar: the one Resolve made
// while the rules it was made from are unchanged, otherwise a new one. The
// legacy Holidays field, written by databases made before calendars were
// computed, counts as additions: its dates were holidays then and stay
// holidays now.
func (t Tenant) Calendar() *Calendar {
	if t.cal != nil && t.calOf == t.calendarKey() {
		return t.cal
	}
	return t.newCalendar()
}

// calendarKey is everything a calendar is made from.
func (t Tenant) calendarKey() string {
	return t.State + "|" + strings.Join(t.HolidayAdd, ",") + "|" + strings.Join(t.HolidayRemove, ",") + "|" + strings.Join(t.Holidays, ",")
}

func (t Tenant) newCalendar() *Calendar {
	c := &Calendar{state: t.State, add: map[string]bool{}, remove: map[string]bool{}, years: map[int]map[string]Holiday{}}
	for _, d := range t.Holidays {
		c.add[d] = true
	}
	for _, d := range t.HolidayAdd {
		c.add[d] = true
	}
	for _, d := range t.HolidayRemove {
		c.remove[d] = true
	}
	return c
}

// stateHolidays are the days a state's own offices close beyond the federal
// list, for the states whose statutes have been checked; a Customer in
// another state, or with a local holiday, lists its days as additions.
// rickar/cal's us package has the federal days only, so these are
// declared here with its types. A fresh slice each call: nothing shared is
// mutable.
func stateHolidays(state string) []*cal.Holiday {
	dayAfterThanksgiving := func(name string) *cal.Holiday {
		return us.DayAfterThanksgivingDay.Clone(&cal.Holiday{Name: name})
	}
	switch state {
	case "CA":
		// Cal. Gov. Code §6700: César Chávez Day (March 31) and the day
		// after Thanksgiving; §6701: a holiday on a Sunday is kept on Monday.
		return []*cal.Holiday{
			{Name: "César Chávez Day", Type: cal.ObservancePublic, Month: time.March, Day: 31,
				Observed: []cal.AltDay{{Day: time.Sunday, Offset: 1}}, Func: cal.CalcDayOfMonth},
			dayAfterThanksgiving("Day after Thanksgiving"),
		}
	case "TX":
		// Tex. Gov't Code §662.003(b): state offices close the day after
		// Thanksgiving, December 24 and December 26; a day falling on a
		// weekend is not moved.
		return []*cal.Holiday{
			dayAfterThanksgiving("Day after Thanksgiving"),
			{Name: "Christmas Eve", Type: cal.ObservancePublic, Month: time.December, Day: 24, Func: cal.CalcDayOfMonth},
			{Name: "Day after Christmas", Type: cal.ObservancePublic, Month: time.December, Day: 26, Func: cal.CalcDayOfMonth},
		}
	case "WA":
		// RCW 1.16.050: Native American Heritage Day, the day after Thanksgiving.
		return []*cal.Holiday{dayAfterThanksgiving("Native American Heritage Day")}
	case "VA":
		// Code of Virginia §2.2-3300: Thanksgiving "and the Friday next following".
		return []*cal.Holiday{dayAfterThanksgiving("Day after Thanksgiving")}
	case "FL":
		// Fla. Stat. §110.117(1)(h): the Friday after Thanksgiving.
		return []*cal.Holiday{dayAfterThanksgiving("Day after Thanksgiving")}
	case "NY":
		// N.Y. Gen. Constr. Law §24: Lincoln's Birthday (February 12) and the
		// general election day (the Tuesday after the first Monday in
		// November); a public holiday on a Sunday is kept on Monday.
		return []*cal.Holiday{
			{Name: "Lincoln's Birthday", Type: cal.ObservancePublic, Month: time.February, Day: 12,
				Observed: []cal.AltDay{{Day: time.Sunday, Offset: 1}}, Func: cal.CalcDayOfMonth},
			{Name: "Election Day", Type: cal.ObservancePublic, Month: time.November, Day: 2, Weekday: time.Tuesday, Offset: 1,
				Func: cal.CalcWeekdayFrom},
		}
	}
	// OH, OR and CO close state offices on the federal days only (Ohio Rev.
	// Code §124.19, ORS 187.010, C.R.S. §24-11-101, whose Cabrini Day is the
	// federal Columbus Day).
	return nil
}

// computed returns the holidays whose rule belongs to year, keyed by the
// date they are observed on (which may fall in the year before: New Year's
// Day on a Saturday is observed on December 31).
func (c *Calendar) computed(year int) map[string]Holiday {
	c.mu.Lock()
	defer c.mu.Unlock()
	if m, ok := c.years[year]; ok {
		return m
	}
	m := map[string]Holiday{}
	put := func(hs []*cal.Holiday, source string) {
		for _, h := range hs {
			if _, obs := h.Calc(year); !obs.IsZero() {
				d := obs.Format(time.DateOnly)
				if _, dup := m[d]; !dup {
					m[d] = Holiday{Date: d, Name: h.Name, Source: source}
				}
			}
		}
	}
	put(us.Holidays, "federal")
	put(stateHolidays(c.state), "state "+c.state)
	c.years[year] = m
	return m
}

// IsHoliday reports whether day's date (in day's location) is a holiday.
// It consults the rules of day's year and of the next one, whose New
// Year's Day may be observed on the last day of this one.
func (c *Calendar) IsHoliday(day time.Time) (Holiday, bool) {
	d := day.Format(time.DateOnly)
	if c.remove[d] {
		return Holiday{}, false
	}
	for _, y := range []int{day.Year(), day.Year() + 1} {
		if h, ok := c.computed(y)[d]; ok {
			return h, true
		}
	}
	if c.add[d] {
		return Holiday{Date: d, Name: "added by the Customer", Source: "Customer"}, true
	}
	return Holiday{}, false
}

// IsBusinessDay reports whether day is a weekday and not a holiday.
func (c *Calendar) IsBusinessDay(day time.Time) bool {
	if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	_, hol := c.IsHoliday(day)
	return !hol
}

// Holidays lists the calendar's holidays observed in year, by date.
func (c *Calendar) Holidays(year int) []Holiday {
	var out []Holiday
	for day := time.Date(year, time.January, 1, 12, 0, 0, 0, time.UTC); day.Year() == year; day = day.AddDate(0, 0, 1) {
		if h, ok := c.IsHoliday(day); ok {
			out = append(out, h)
		}
	}
	return out
}

// AddBusinessDays returns the date n business days after day in calendar c,
// skipping Saturdays, Sundays and holidays. Day itself never counts.
func AddBusinessDays(day time.Time, n int, c *Calendar) time.Time {
	d := day
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if c.IsBusinessDay(d) {
			n--
		}
	}
	return d
}

// validateDates checks a list of holiday dates, naming the field and the
// bad entry.
func validateDates(tenant, field string, dates []string) error {
	for _, h := range dates {
		if _, err := time.Parse(time.DateOnly, h); err != nil {
			return fmt.Errorf("tenant %s: %s: holiday %q is not a YYYY-MM-DD date", tenant, field, h)
		}
	}
	return nil
}

// validateCalendar refuses a date both added and removed: which one was
// meant cannot be guessed.
func (t Tenant) validateCalendar() error {
	for _, f := range []struct {
		name  string
		dates []string
	}{{"holidays", t.Holidays}, {"holiday_add", t.HolidayAdd}, {"holiday_remove", t.HolidayRemove}} {
		if err := validateDates(t.ID, f.name, f.dates); err != nil {
			return err
		}
	}
	for _, d := range t.HolidayRemove {
		if slices.Contains(t.HolidayAdd, d) {
			return fmt.Errorf("tenant %s: holiday_remove: %s is also in holiday_add; keep it in one list", t.ID, d)
		}
	}
	return nil
}
