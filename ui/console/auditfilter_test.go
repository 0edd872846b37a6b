package console

import (
	"strings"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/model"
)

func TestParseAuditFilter(t *testing.T) {
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }
	cases := []struct {
		in      string
		want    model.AuditFilter
		wantErr string
	}{
		{"", model.AuditFilter{}, ""},
		{"   ", model.AuditFilter{}, ""},
		{"actor:lee", model.AuditFilter{Actor: "lee"}, ""},
		{"ACTOR:lee action:approve", model.AuditFilter{Actor: "lee", Action: "approve"}, ""},
		{"tenant:oak req:R-2026-00042", model.AuditFilter{TenantID: "oak", Target: "request:R-2026-00042"}, ""},
		{"request:R-1", model.AuditFilter{Target: "request:R-1"}, ""},
		{"subject:S-9", model.AuditFilter{Target: "subject:S-9"}, ""},
		{"since:2026-11-01 until:2026-11-30", model.AuditFilter{Since: day(11, 1), Until: day(12, 1)}, ""},
		{"since:2026-11-01T09:30:00-08:00", model.AuditFilter{Since: time.Date(2026, 11, 1, 17, 30, 0, 0, time.UTC)}, ""},
		{"until:2026-11-01 since:2026-11-01", model.AuditFilter{Since: day(11, 1), Until: day(11, 2)}, ""},
		{"lee", model.AuditFilter{}, `"lee" is not a term`},
		{"actor:", model.AuditFilter{}, `"actor:" has no value`},
		{"colour:red", model.AuditFilter{}, `unknown term "colour:red"`},
		{"actor:lee actor:sam", model.AuditFilter{}, "actor: is given twice"},
		{"req:R-1 request:R-2", model.AuditFilter{}, "req: is given twice"},
		{"req:R-1 subject:S-1", model.AuditFilter{}, "req: and subject: both"},
		{"since:yesterday", model.AuditFilter{}, `since: "yesterday" is not a date`},
		{"since:2026-12-01 until:2026-11-01", model.AuditFilter{}, "since: is after until:"},
		{"x\x1b[31m:y", model.AuditFilter{}, `unknown term "x:y"`},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := parseAuditFilter(c.in)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("got %+v, %v; want an error saying %q", got, err, c.wantErr)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, c.want)
			}
		})
	}
}

// FuzzParseAuditFilter: any input either fails with a one-line message
// safe for the status line, or gives a filter that survives a round trip
// through its printed form.
func FuzzParseAuditFilter(f *testing.F) {
	for _, s := range []string{"actor:lee action:approve", "tenant:oak req:R-1 since:2026-01-01 until:2026-02-01",
		"subject:S-1", "x", "since:2026-01-01T00:00:00.5+05:30", "actor:\x1b]52;c;aGk=\x07", "req:a:b", ":", "until:2026-02-30"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		flt, err := parseAuditFilter(s)
		if err != nil {
			if msg := err.Error(); model.CleanLine(msg) != msg {
				t.Fatalf("error message carries control text: %q", msg)
			}
			return
		}
		back, err := parseAuditFilter(formatAuditFilter(flt))
		if err != nil {
			t.Fatalf("printed form %q of %+v does not parse: %v", formatAuditFilter(flt), flt, err)
		}
		if !back.Since.Equal(flt.Since) || !back.Until.Equal(flt.Until) {
			t.Fatalf("round trip changed the range: %+v → %+v", flt, back)
		}
		back.Since, back.Until, flt.Since, flt.Until = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if back != flt {
			t.Fatalf("round trip changed the filter: %+v → %+v", flt, back)
		}
	})
}
