package present

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// TestAuditEntryTime checks the time convention of an audit entry: in the
// zone given (its tenant's) with the zone named, UTC named "UTC" when there
// is none, and the exact UTC instant kept for the filter and for logs.
func TestAuditEntryTime(t *testing.T) {
	la := mustZone(t, "America/Los_Angeles")
	at := time.Date(2026, 12, 5, 4, 30, 12, 345000000, time.UTC) // still Dec 4 in California
	for _, tc := range []struct {
		name    string
		loc     *time.Location
		at      time.Time
		time    string
		instant string
	}{
		{"the tenant's zone", la, at, "2026-12-04 20:30 PST", "2026-12-05T04:30:12.345Z"},
		{"no tenant: UTC", time.UTC, at, "2026-12-05 04:30 UTC", "2026-12-05T04:30:12.345Z"},
		{"no zone given: UTC", nil, at, "2026-12-05 04:30 UTC", "2026-12-05T04:30:12.345Z"},
		{"no time", la, time.Time{}, None, None},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := model.AuditRecord{Seq: 7, AuditEvent: model.AuditEvent{At: tc.at, Actor: "lee", TenantID: "oakridge-ca"}}
			e := AuditEntryOf(rec, tc.loc)
			if e.Time != tc.time || e.Instant != tc.instant {
				t.Errorf("time %q, instant %q; want %q, %q", e.Time, e.Instant, tc.time, tc.instant)
			}
		})
	}
}

// TestAuditEntryCleansEveryText puts terminal control sequences in every
// stored text of an entry: none reaches what is shown.
func TestAuditEntryCleansEveryText(t *testing.T) {
	for _, bad := range []string{
		"\x1b]52;c;aGVsbG8=\x07",      // OSC 52: writes the clipboard
		"\x1b[2J\x1b[H",               // clears the screen
		"line\nbreak\rreturn\ttab",    // breaks a row
		"\u202eevil\u202c",            // reorders what follows
		"\x9b31m8-bit CSI\x00nul\x7f", // C1 and other controls
	} {
		rec := model.AuditRecord{Seq: 3, Prev: bad, Hash: bad, AuditEvent: model.AuditEvent{
			ID: bad, At: time.Date(2026, 12, 4, 17, 30, 0, 0, time.UTC), Actor: bad, Role: model.Role(bad), Origin: bad,
			Action: bad, Target: "request:" + bad, TenantID: bad, Outcome: bad, Reason: bad, Detail: bad,
		}}
		e := AuditEntryOf(rec, time.UTC)
		v := reflect.ValueOf(e)
		for i := range v.NumField() {
			f := v.Field(i)
			if f.Kind() != reflect.String {
				continue
			}
			if s := f.String(); strings.ContainsFunc(s, isControl) || s != model.CleanLine(s) {
				t.Errorf("%s of an entry with %q shows %q", v.Type().Field(i).Name, bad, s)
			}
		}
		if !strings.HasPrefix(e.ShortTarget, "req ") {
			t.Errorf("an entry about a request is not shown as one: %q", e.ShortTarget)
		}
	}
}

func isControl(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u202e' || r == '\u202c'
}

// TestAuditEntryShows checks what a person reads of an ordinary entry.
func TestAuditEntryShows(t *testing.T) {
	rec := model.AuditRecord{Seq: 42, Prev: "ab12", Hash: "cd34", AuditEvent: model.AuditEvent{
		ID: "e1", At: time.Date(2026, 12, 4, 17, 30, 0, 0, time.UTC), Actor: "lee", Role: model.RoleLead, Origin: "ssh 203.0.113.9:51234",
		Action: "approve", Target: "request:R-2026-00042", TenantID: "oakridge-ca", Outcome: model.OutcomeRefused,
		Reason: "  not yet ", Detail: "verifying→awaiting_approval",
	}}
	got := AuditEntryOf(rec, time.UTC)
	want := AuditEntry{
		Seq: 42, Time: "2026-12-04 17:30 UTC", Instant: "2026-12-04T17:30:00Z", Actor: "lee", Role: "privacy lead",
		Origin: "ssh 203.0.113.9:51234", Action: "approve", Target: "request:R-2026-00042", ShortTarget: "req R-2026-00042",
		RequestID: "R-2026-00042", Tenant: "oakridge-ca", Outcome: model.OutcomeRefused, Alarm: true,
		Reason: model.CleanLine("  not yet "), Detail: "verifying→awaiting_approval",
		Note: model.CleanLine("not yet  verifying→awaiting_approval"), EventID: "e1", Prev: "ab12", Hash: "cd34",
	}
	if got != want {
		t.Errorf("entry\n%+v\nwant\n%+v", got, want)
	}
	for target, short := range map[string]string{"subject:S-000123": "subj S-000123", "operator:ana": "op ana", "seed": "seed", "": ""} {
		if s := AuditShortTarget(target); s != short {
			t.Errorf("AuditShortTarget(%q) = %q, want %q", target, s, short)
		}
	}
}
