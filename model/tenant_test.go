package model

import (
	"strings"
	"testing"
	"time"
)

func TestTenantValidate(t *testing.T) {
	good := Tenant{ID: "t-1", Name: "City of Example", State: "CA", TimeZone: "America/Los_Angeles", Holidays: []string{"2026-07-03", "2026-12-25"}}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid tenant: %v", err)
	}
	cases := []struct {
		name   string
		change func(*Tenant)
		want   []string
	}{
		{"no id", func(t *Tenant) { t.ID = "" }, []string{"id"}},
		{"no name", func(t *Tenant) { t.Name = "" }, []string{"name"}},
		{"no time zone", func(t *Tenant) { t.TimeZone = "" }, []string{"t-1", "time_zone", "IANA"}},
		{"unknown time zone", func(t *Tenant) { t.TimeZone = "America/Springfield" }, []string{"t-1", `"America/Springfield"`}},
		{"server-local time zone", func(t *Tenant) { t.TimeZone = "Local" }, []string{"t-1", `"Local"`}},
		{"holiday without leading zeros", func(t *Tenant) { t.Holidays = []string{"2026-7-4"} }, []string{"t-1", `"2026-7-4"`, "YYYY-MM-DD"}},
		{"US-style holiday", func(t *Tenant) { t.Holidays = []string{"2026-07-03", "07/04/2026"} }, []string{`"07/04/2026"`}},
		{"impossible holiday", func(t *Tenant) { t.Holidays = []string{"2026-02-30"} }, []string{`"2026-02-30"`}},
		{"holiday with a time", func(t *Tenant) { t.Holidays = []string{"2026-07-03T00:00:00Z"} }, []string{"holiday"}},
		{"bad addition", func(t *Tenant) { t.HolidayAdd = []string{"2026-13-01"} }, []string{"holiday_add", `"2026-13-01"`}},
		{"bad removal", func(t *Tenant) { t.HolidayRemove = []string{"tomorrow"} }, []string{"holiday_remove", `"tomorrow"`}},
		{"added and removed", func(t *Tenant) { t.HolidayAdd, t.HolidayRemove = []string{"2026-08-03"}, []string{"2026-08-03"} }, []string{"holiday_remove", "2026-08-03", "holiday_add"}},
		{"bad id", func(t *Tenant) { t.ID = "City Of X" }, []string{"id", "lower-case"}},
		{"unknown state", func(t *Tenant) { t.State = "California" }, []string{"state", `"California"`, "CA"}},
		{"lower-case state", func(t *Tenant) { t.State = "ca" }, []string{"state", `"ca"`}},
		// A retention rule is what makes a deletion partly refusable: without
		// its basis the response could not say why data was kept (§7022(e)).
		{"rule without a basis", func(t *Tenant) {
			t.Retention = []RetentionRule{{Category: CatEmployee, Period: "6 years"}}
		}, []string{"retention[0]", "legal_basis"}},
		{"rule without a period", func(t *Tenant) {
			t.Retention = []RetentionRule{{Category: CatEmployee, LegalBasis: "GS-PER-03"}}
		}, []string{"retention[0]", "period"}},
		{"rule of an unknown category", func(t *Tenant) {
			t.Retention = []RetentionRule{{Category: "payroll", Period: "6 years", LegalBasis: "GS-PER-03"}}
		}, []string{"retention[0]", `"payroll"`, "employee"}},
		{"approver without a way to reach them", func(t *Tenant) { t.Approvers = []Contact{{Name: "J. Ortiz"}} }, []string{"approvers[0]", "email or a phone"}},
		{"approver with a bad email", func(t *Tenant) { t.Approvers = []Contact{{Name: "J. Ortiz", Email: "ortiz"}} }, []string{"approvers[0]", `"ortiz"`}},
		{"hold without a reason", func(t *Tenant) {
			t.Holds = []LegalHold{{ID: "H-1", Categories: []Category{CatEmployee}}}
		}, []string{"legal_holds[0]", "H-1", "reason"}},
		{"hold that ends before it starts", func(t *Tenant) {
			since := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			until := since.AddDate(0, 0, -1)
			t.Holds = []LegalHold{{ID: "H-1", Reason: "order", Categories: []Category{CatEmployee}, Since: since, Until: &until}}
		}, []string{"legal_holds[0]", "until is not after since"}},
		{"hold on nothing", func(t *Tenant) { t.Holds = []LegalHold{{ID: "H-1", Reason: "subpoena"}} }, []string{"legal_holds[0]", "subject_id or categories"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ten := good
			ten.Holidays = append([]string(nil), good.Holidays...)
			c.change(&ten)
			err := ten.Validate()
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not mention %q", err, w)
				}
			}
		})
	}
	for _, tz := range []string{"UTC", "America/New_York", "Pacific/Honolulu", "America/Phoenix"} {
		ten := good
		ten.TimeZone = tz
		if err := ten.Validate(); err != nil {
			t.Errorf("%s: %v", tz, err)
		}
	}
}

func TestTenantLocation(t *testing.T) {
	if got := (Tenant{TimeZone: "America/Los_Angeles"}).Location().String(); got != "America/Los_Angeles" {
		t.Errorf("Location() = %s", got)
	}
	for _, tz := range []string{"", "Nowhere/Else", "Local"} {
		if got := (Tenant{TimeZone: tz}).Location(); got != time.UTC {
			t.Errorf("Location() for %q = %s, want the UTC fallback", tz, got)
		}
	}
}

// A resolved tenant answers with the zone it loaded, and a tenant whose zone
// was changed after Resolve answers with the new zone, never the cached one.
func TestTenantResolveKeepsLocation(t *testing.T) {
	tn := Tenant{TimeZone: "America/New_York"}
	tn.Resolve()
	first := tn.Location()
	if first.String() != "America/New_York" || tn.Location() != first {
		t.Fatalf("resolved Location() = %s, want the same America/New_York each time", first)
	}
	edited := tn
	edited.TimeZone = "America/Chicago"
	if got := edited.Location().String(); got != "America/Chicago" {
		t.Errorf("after the zone changed, Location() = %s, want America/Chicago", got)
	}
	bad := Tenant{TimeZone: "Nowhere/Else"}
	bad.Resolve()
	if bad.Location() != time.UTC {
		t.Errorf("resolved unknown zone = %s, want the UTC fallback", bad.Location())
	}
}

// BenchmarkTenantLocation shows why the store resolves tenants: an
// unresolved Location reads the zoneinfo database on every call.
func BenchmarkTenantLocation(b *testing.B) {
	for _, resolved := range []bool{false, true} {
		tn := Tenant{TimeZone: "America/Los_Angeles"}
		if resolved {
			tn.Resolve()
		}
		b.Run(map[bool]string{false: "unresolved", true: "resolved"}[resolved], func(b *testing.B) {
			for b.Loop() {
				_ = tn.Location()
			}
		})
	}
}

func TestTenantHoldsFor(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	lapsed, later := now.Add(-time.Hour), now.Add(time.Hour)
	ten := Tenant{Holds: []LegalHold{
		{ID: "h-1", Reference: "Case 26-CV-101", SubjectID: "s-1", Categories: []Category{CatIdentifying}},
		{ID: "h-2", Reference: "Audit 2026", Categories: []Category{CatEmployee}, Until: &later},
		{ID: "h-3", Reference: "Case 26-CV-202", SubjectID: "s-2"},
		// A preservation order that ran out an hour ago blocks nothing.
		{ID: "h-4", Reference: "Order 25-PO-9", SubjectID: "s-1", Categories: []Category{CatEmployee}, Until: &lapsed},
	}}
	ids := func(hs []LegalHold) string {
		var out []string
		for _, h := range hs {
			out = append(out, h.ID)
		}
		return strings.Join(out, ",")
	}
	for subject, want := range map[string]string{"s-1": "h-1,h-2", "s-2": "h-2,h-3", "s-9": "h-2"} {
		if got := ids(ten.HoldsFor(subject, now)); got != want {
			t.Errorf("HoldsFor(%s) = %s, want %s", subject, got, want)
		}
	}
	if got := (Tenant{}).HoldsFor("s-1", now); len(got) != 0 {
		t.Errorf("no holds: %v", got)
	}
}
