package model

import (
	"testing"
	"time"
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("time zone %s: %v", name, err)
	}
	return loc
}

func laTenant(t testing.TB, holidays ...string) Tenant {
	t.Helper()
	mustLoad(t, "America/Los_Angeles")
	return Tenant{ID: "t-la", Name: "City of Example", State: "CA", TimeZone: "America/Los_Angeles", Holidays: holidays}
}

// at is a wall-clock time in loc.
func at(loc *time.Location, date string, hh, mm int) time.Time {
	d, err := time.ParseInLocation(time.DateOnly, date, loc)
	if err != nil {
		panic(err)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), hh, mm, 0, 0, loc)
}

// checkDue asserts got is due on date in loc: it is in the tenant's zone,
// falls on that local date, and is not overdue until local midnight.
func checkDue(t *testing.T, what string, got time.Time, loc *time.Location, date string) {
	t.Helper()
	if got.IsZero() {
		t.Errorf("%s is not set, want %s", what, date)
		return
	}
	if got.Location().String() != loc.String() {
		t.Errorf("%s is in %s, want the tenant's zone %s", what, got.Location(), loc)
	}
	if d := got.In(loc).Format(time.DateOnly); d != date {
		t.Errorf("%s falls on %s (%s), want %s", what, d, got.In(loc).Format(time.RFC3339Nano), date)
		return
	}
	midnight := at(loc, date, 0, 0).AddDate(0, 0, 1)
	if Overdue(midnight.Add(-time.Nanosecond), got) || Overdue(midnight.Add(-time.Minute), got.UTC().Truncate(time.Millisecond)) {
		t.Errorf("%s = %s is overdue before local midnight", what, got.In(loc).Format(time.RFC3339Nano))
	}
	if !Overdue(midnight, got) {
		t.Errorf("%s = %s is not overdue at local midnight", what, got.In(loc).Format(time.RFC3339Nano))
	}
}

func TestAckBusinessDays(t *testing.T) {
	cases := []struct {
		name     string
		received string
		holidays []string
		want     string
	}{
		{"monday", "2026-03-02", nil, "2026-03-16"},
		{"friday: the weekend does not count", "2026-03-06", nil, "2026-03-20"},
		{"saturday: counts from monday", "2026-03-07", nil, "2026-03-20"},
		{"sunday: counts from monday", "2026-03-08", nil, "2026-03-20"},
		{"day before a holiday", "2026-07-02", []string{"2026-07-03"}, "2026-07-17"},
		// July 4 2026 is a Saturday: the federal calendar observes Friday
		// July 3 (5 U.S.C. §6103(b)) with no addition needed.
		{"day before an observed federal holiday", "2026-07-02", nil, "2026-07-17"},
		{"on the holiday itself", "2026-07-03", []string{"2026-07-03"}, "2026-07-17"},
		{"two holidays mid-window", "2026-11-16", []string{"2026-11-26", "2026-11-27"}, "2026-12-02"},
		{"holiday on a weekend changes nothing", "2026-03-02", []string{"2026-03-07"}, "2026-03-16"},
		{"holiday on the would-be due day", "2026-03-02", []string{"2026-03-16"}, "2026-03-17"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ten := laTenant(t, c.holidays...)
			loc := ten.Location()
			r := Request{Type: TypeAccess, ReceivedAt: at(loc, c.received, 10, 0)}
			d := ComputeDeadlines(r, ten)
			checkDue(t, "Ack", d.Ack, loc, c.want)
			if d.AckDone {
				t.Error("AckDone without an acknowledgement")
			}
		})
	}
}

func TestAddBusinessDaysAndIsBusinessDay(t *testing.T) {
	loc := time.UTC
	fri := at(loc, "2026-03-06", 0, 0)
	none := Tenant{}.Calendar() // no state: weekends and federal holidays only
	if got := AddBusinessDays(fri, 0, none); !got.Equal(fri) {
		t.Errorf("0 business days after %s = %s", fri, got)
	}
	if got := AddBusinessDays(fri, 1, none); !got.Equal(at(loc, "2026-03-09", 0, 0)) {
		t.Errorf("1 business day after Friday = %s, want Monday", got)
	}
	for date, want := range map[string]bool{"2026-03-06": true, "2026-03-07": false, "2026-03-08": false, "2026-03-09": true, "2026-07-03": false} {
		if got := none.IsBusinessDay(at(loc, date, 12, 0)); got != want {
			t.Errorf("IsBusinessDay(%s) = %v, want %v", date, got, want)
		}
	}
}

func TestLegalAndExtendedDeadlines(t *testing.T) {
	ten := laTenant(t)
	loc := ten.Location()
	r := Request{Type: TypeDeletion, ReceivedAt: at(loc, "2026-03-02", 9, 15)}
	d := ComputeDeadlines(r, ten)
	checkDue(t, "Legal", d.Legal, loc, "2026-04-16")
	checkDue(t, "Legal45", d.Legal45, loc, "2026-04-16")
	checkDue(t, "Response", d.Response, loc, "2026-04-16")
	if d.ResponseKind != DueLegal || d.Extended {
		t.Errorf("ResponseKind %q, Extended %v; want legal, false", d.ResponseKind, d.Extended)
	}
	if !d.Custodian.IsZero() || !d.OptOut.IsZero() || !d.Expedited.IsZero() {
		t.Errorf("deadlines that do not apply are set: %+v", d)
	}

	r.Extension = &Extension{By: "lead", At: at(loc, "2026-04-01", 10, 0), Reason: "volume of records"}
	d = ComputeDeadlines(r, ten)
	checkDue(t, "extended Legal", d.Legal, loc, "2026-05-31")
	checkDue(t, "Legal45 after extension", d.Legal45, loc, "2026-04-16")
	checkDue(t, "extended Response", d.Response, loc, "2026-05-31")
	if !d.Extended || d.ResponseKind != DueExtended {
		t.Errorf("Extended %v, ResponseKind %q; want true, extended response", d.Extended, d.ResponseKind)
	}
}

func TestCanExtend(t *testing.T) {
	ten := laTenant(t)
	loc := ten.Location()
	r := Request{Type: TypeAccess, ReceivedAt: at(loc, "2026-03-02", 9, 0)}
	d := ComputeDeadlines(r, ten)
	day45 := at(loc, "2026-04-16", 0, 0)
	cases := []struct {
		name string
		now  time.Time
		want bool
	}{
		{"day of receipt", at(loc, "2026-03-02", 9, 1), true},
		{"day 44", at(loc, "2026-04-15", 17, 0), true},
		{"day 45 morning", day45.Add(8 * time.Hour), true},
		{"day 45 at 23:59:59.9999", day45.AddDate(0, 0, 1).Add(-100 * time.Microsecond), true},
		{"day 46 at midnight", day45.AddDate(0, 0, 1), false},
		{"day 46", at(loc, "2026-04-17", 12, 0), false},
		{"day 60", at(loc, "2026-05-01", 12, 0), false},
	}
	for _, c := range cases {
		if got := d.CanExtend(c.now); got != c.want {
			t.Errorf("%s: CanExtend(%s) = %v, want %v", c.name, c.now.Format(time.RFC3339Nano), got, c.want)
		}
	}
	r.Extension = &Extension{By: "lead", At: at(loc, "2026-03-10", 10, 0), Reason: "complex"}
	d = ComputeDeadlines(r, ten)
	if d.CanExtend(at(loc, "2026-03-11", 10, 0)) {
		t.Error("a second extension was allowed")
	}
}

func TestCustodianDeadline(t *testing.T) {
	ten := laTenant(t)
	loc := ten.Location()
	base := Request{Type: TypeAccess, ReceivedAt: at(loc, "2026-03-02", 9, 0)}

	t.Run("45 days from the approval decision", func(t *testing.T) {
		r := base
		r.Decision = &Decision{Outcome: DecisionApproved, DecidedAt: at(loc, "2026-03-20", 10, 0), RecordedAt: at(loc, "2026-03-25", 10, 0)}
		d := ComputeDeadlines(r, ten)
		checkDue(t, "Custodian", d.Custodian, loc, "2026-05-04")
		// The legal 45 days (April 16) is earlier, so it is the response deadline.
		checkDue(t, "Response", d.Response, loc, "2026-04-16")
		if d.ResponseKind != DueLegal {
			t.Errorf("ResponseKind %q, want legal", d.ResponseKind)
		}
	})
	t.Run("earlier than the extended legal date", func(t *testing.T) {
		r := base
		r.Decision = &Decision{Outcome: DecisionApproved, DecidedAt: at(loc, "2026-03-20", 10, 0)}
		r.Extension = &Extension{At: at(loc, "2026-03-10", 10, 0)}
		d := ComputeDeadlines(r, ten)
		checkDue(t, "Legal", d.Legal, loc, "2026-05-31")
		checkDue(t, "Response", d.Response, loc, "2026-05-04")
		if d.ResponseKind != DueCustodian {
			t.Errorf("ResponseKind %q, want custodian", d.ResponseKind)
		}
	})
	t.Run("decision late in the Los Angeles evening counts from that local date", func(t *testing.T) {
		r := base
		r.Decision = &Decision{Outcome: DecisionApproved, DecidedAt: at(loc, "2026-03-20", 23, 30).UTC()}
		d := ComputeDeadlines(r, ten)
		checkDue(t, "Custodian", d.Custodian, loc, "2026-05-04")
	})
	t.Run("no custodian deadline without approval", func(t *testing.T) {
		r := base
		r.Decision = &Decision{Outcome: DecisionDenied, DecidedAt: at(loc, "2026-03-20", 10, 0)}
		if d := ComputeDeadlines(r, ten); !d.Custodian.IsZero() {
			t.Errorf("a denied request has a custodian deadline %s", d.Custodian)
		}
		if d := ComputeDeadlines(base, ten); !d.Custodian.IsZero() {
			t.Errorf("an undecided request has a custodian deadline %s", d.Custodian)
		}
	})
}

func TestOptOutAndChildDeadlines(t *testing.T) {
	ten := laTenant(t, "2026-03-11")
	loc := ten.Location()
	recv := at(loc, "2026-03-06", 16, 0) // Friday

	opt := ComputeDeadlines(Request{Type: TypeOptOut, ReceivedAt: recv}, ten)
	// 10 business days from Friday the 6th, skipping the holiday on the 11th.
	checkDue(t, "OptOut", opt.OptOut, loc, "2026-03-23")
	checkDue(t, "opt-out Response", opt.Response, loc, "2026-03-23")
	if opt.ResponseKind != DueOptOut {
		t.Errorf("opt-out ResponseKind %q", opt.ResponseKind)
	}
	checkDue(t, "opt-out Legal", opt.Legal, loc, "2026-04-20")
	// The ack falls on the same day; the opt-out is what the queue shows.
	checkDue(t, "opt-out Next", opt.Next, loc, "2026-03-23")

	child := ComputeDeadlines(Request{Type: TypeChildDeletion, ReceivedAt: recv}, ten)
	checkDue(t, "Expedited", child.Expedited, loc, "2026-03-16")
	checkDue(t, "child Response", child.Response, loc, "2026-03-16")
	checkDue(t, "child Next", child.Next, loc, "2026-03-16")
	if child.ResponseKind != DueExpedited || child.NextKind != DueExpedited {
		t.Errorf("child kinds: response %q, next %q; want child expedited", child.ResponseKind, child.NextKind)
	}
	if !child.Expedited.Before(child.Ack) {
		t.Error("the expedited deletion should be due before the acknowledgement")
	}

	for _, typ := range []RequestType{TypeAccess, TypeDeletion, TypeRectification} {
		d := ComputeDeadlines(Request{Type: typ, ReceivedAt: recv}, ten)
		if !d.OptOut.IsZero() || !d.Expedited.IsZero() {
			t.Errorf("%s has opt-out/expedited deadlines", typ)
		}
	}
}

func TestNextDeadline(t *testing.T) {
	ten := laTenant(t)
	loc := ten.Location()
	r := Request{Type: TypeAccess, ReceivedAt: at(loc, "2026-03-02", 9, 0)}
	d := ComputeDeadlines(r, ten)
	checkDue(t, "Next while unacknowledged", d.Next, loc, "2026-03-16")
	if d.NextKind != DueAck {
		t.Errorf("NextKind %q, want acknowledgement", d.NextKind)
	}

	acked := at(loc, "2026-03-04", 11, 0)
	r.AcknowledgedAt = &acked
	d = ComputeDeadlines(r, ten)
	if !d.AckDone {
		t.Error("AckDone false after acknowledgement")
	}
	checkDue(t, "Ack after acknowledgement", d.Ack, loc, "2026-03-16")
	checkDue(t, "Next after acknowledgement", d.Next, loc, "2026-04-16")
	if d.NextKind != DueLegal {
		t.Errorf("NextKind %q, want legal response", d.NextKind)
	}

	// An overdue acknowledgement stays first in line until it is recorded.
	r.AcknowledgedAt = nil
	d = ComputeDeadlines(r, ten)
	now := at(loc, "2026-03-20", 9, 0)
	if d.NextKind != DueAck || !Overdue(now, d.Next) {
		t.Errorf("overdue ack: NextKind %q, overdue %v", d.NextKind, Overdue(now, d.Next))
	}
}

func TestReceivedLateEveningInLosAngeles(t *testing.T) {
	ten := laTenant(t)
	loc := ten.Location()
	// Thursday 23:30 in Los Angeles is already Friday 07:30 in UTC.
	recv := at(loc, "2026-03-05", 23, 30).UTC()
	if recv.Day() != 6 {
		t.Fatalf("test setup: %s should be the next day in UTC", recv)
	}
	d := ComputeDeadlines(Request{Type: TypeAccess, ReceivedAt: recv}, ten)
	checkDue(t, "Ack", d.Ack, loc, "2026-03-19")
	checkDue(t, "Legal", d.Legal, loc, "2026-04-19")

	// The same instant for a UTC tenant counts from Friday.
	utc := Tenant{ID: "t-utc", Name: "UTC", TimeZone: "UTC"}
	d = ComputeDeadlines(Request{Type: TypeAccess, ReceivedAt: recv}, utc)
	checkDue(t, "UTC Ack", d.Ack, time.UTC, "2026-03-20")
	checkDue(t, "UTC Legal", d.Legal, time.UTC, "2026-04-20")

	// An unknown zone falls back to UTC rather than failing.
	bad := Tenant{ID: "t-bad", Name: "Bad", TimeZone: "Mars/Olympus_Mons"}
	d = ComputeDeadlines(Request{Type: TypeAccess, ReceivedAt: recv}, bad)
	checkDue(t, "fallback Legal", d.Legal, time.UTC, "2026-04-20")
}

func TestEndOfDaySemantics(t *testing.T) {
	ten := laTenant(t)
	loc := ten.Location()
	d := ComputeDeadlines(Request{Type: TypeAccess, ReceivedAt: at(loc, "2026-03-05", 23, 30)}, ten)
	due := d.Legal // end of 2026-04-19 in Los Angeles
	midnight := at(loc, "2026-04-20", 0, 0)
	cases := []struct {
		name    string
		now     time.Time
		overdue bool
		left    int
	}{
		{"morning of the due day", at(loc, "2026-04-19", 8, 0), false, 0},
		{"23:59 on the due day", at(loc, "2026-04-19", 23, 59), false, 0},
		{"23:59:59.5 on the due day", midnight.Add(-500 * time.Millisecond), false, 0},
		{"last nanosecond of the due day", midnight.Add(-time.Nanosecond), false, 0},
		{"local midnight", midnight, true, -1},
		{"the day before, late evening (already due day in UTC)", at(loc, "2026-04-18", 23, 30), false, 1},
		{"due day evening (already next day in UTC)", at(loc, "2026-04-19", 20, 0), false, 0},
		{"two days late", at(loc, "2026-04-21", 9, 0), true, -2},
		{"a week before", at(loc, "2026-04-12", 9, 0), false, 7},
	}
	for _, c := range cases {
		if got := Overdue(c.now, due); got != c.overdue {
			t.Errorf("%s: Overdue = %v, want %v", c.name, got, c.overdue)
		}
		if got := Overdue(c.now.UTC(), due.UTC()); got != c.overdue {
			t.Errorf("%s: Overdue in UTC = %v, want %v", c.name, got, c.overdue)
		}
		if got := DaysLeft(c.now, due, loc); got != c.left {
			t.Errorf("%s: DaysLeft = %d, want %d", c.name, got, c.left)
		}
		if got := DaysLeft(c.now.UTC(), due.UTC(), loc); got != c.left {
			t.Errorf("%s: DaysLeft from UTC instants = %d, want %d", c.name, got, c.left)
		}
	}
	// A due date read back from the database is UTC at millisecond precision.
	stored := due.UTC().Truncate(time.Millisecond)
	if Overdue(midnight.Add(-time.Millisecond/2), stored) {
		t.Error("a stored due date is overdue in the last millisecond of its day")
	}
	if Overdue(midnight.Add(-time.Microsecond), stored) || !Overdue(midnight, stored) {
		t.Error("a stored due date should hold until local midnight and no longer")
	}
	if Overdue(at(loc, "2030-01-01", 0, 0), time.Time{}) {
		t.Error("a zero due date is never overdue")
	}
}

func TestDaysLeftAcrossDST(t *testing.T) {
	loc := mustLoad(t, "America/Los_Angeles")
	cases := []struct {
		name string
		now  time.Time
		due  string
		want int
	}{
		// 2026-03-08: clocks go forward, a 23-hour day.
		{"over spring forward", at(loc, "2026-03-07", 12, 0), "2026-03-09", 2},
		{"from just after midnight on the short day", at(loc, "2026-03-08", 0, 30), "2026-03-09", 1},
		{"from late on the short day", at(loc, "2026-03-08", 23, 30), "2026-03-09", 1},
		{"spring forward, due the same day", at(loc, "2026-03-08", 23, 59), "2026-03-08", 0},
		{"overdue across spring forward", at(loc, "2026-03-09", 0, 0), "2026-03-07", -2},
		{"45 days over spring forward", at(loc, "2026-02-15", 12, 0), "2026-04-01", 45},
		// 2026-11-01: clocks go back, a 25-hour day.
		{"over fall back", at(loc, "2026-10-31", 23, 0), "2026-11-02", 2},
		{"from late on the long day", at(loc, "2026-11-01", 23, 30), "2026-11-02", 1},
		{"fall back, due the same day", at(loc, "2026-11-01", 0, 30), "2026-11-01", 0},
		{"overdue across fall back", at(loc, "2026-11-03", 0, 30), "2026-10-31", -3},
		{"90 days over both changes", at(loc, "2026-10-01", 9, 0), "2026-12-30", 90},
	}
	for _, c := range cases {
		// DaysLeft counts local dates: any instant of the due day gives the same answer.
		for _, due := range []time.Time{at(loc, c.due, 0, 0), at(loc, c.due, 23, 59), at(loc, c.due, 23, 59).UTC()} {
			if got := DaysLeft(c.now, due, loc); got != c.want {
				t.Errorf("%s: DaysLeft(%s, %s) = %d, want %d", c.name, c.now, due, got, c.want)
			}
		}
	}

	// A legal deadline computed over a DST change is still the end of its local day.
	ten := laTenant(t)
	d := ComputeDeadlines(Request{Type: TypeAccess, ReceivedAt: at(loc, "2026-02-01", 10, 0)}, ten)
	checkDue(t, "Legal over spring forward", d.Legal, loc, "2026-03-18")
	if h, m, _ := d.Legal.In(loc).Clock(); h != 23 || m != 59 {
		t.Errorf("Legal at %02d:%02d local, want 23:59", h, m)
	}
	d = ComputeDeadlines(Request{Type: TypeAccess, ReceivedAt: at(loc, "2026-10-01", 10, 0)}, ten)
	checkDue(t, "Legal over fall back", d.Legal, loc, "2026-11-15")
	if got := DaysLeft(at(loc, "2026-10-01", 10, 0), d.Legal, loc); got != 45 {
		t.Errorf("DaysLeft on the day of receipt = %d, want 45", got)
	}
}

func TestClocks(t *testing.T) {
	fixed := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	if got := (FixedClock{T: fixed}).Now(); !got.Equal(fixed) {
		t.Errorf("FixedClock.Now() = %s", got)
	}
	before := time.Now()
	if got := (SystemClock{}).Now(); got.Before(before) {
		t.Errorf("SystemClock.Now() = %s is before %s", got, before)
	}
}

func BenchmarkComputeDeadlines(b *testing.B) {
	ten := laTenant(b, "2026-07-03", "2026-11-26", "2026-11-27", "2026-12-25")
	ten.Resolve() // as the store does: zone and calendar made once
	loc := ten.Location()
	r := Request{Type: TypeAccess, ReceivedAt: at(loc, "2026-11-20", 10, 0),
		Decision: &Decision{Outcome: DecisionApproved, DecidedAt: at(loc, "2026-12-01", 10, 0)}}
	for b.Loop() {
		ComputeDeadlines(r, ten)
	}
}
