package console

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

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

// action: takes the label people read as well as the stored name.
func TestAuditFilterActionLabels(t *testing.T) {
	for in, want := range map[string]string{
		"action:approve":              "approve",
		`action:"sign off"`:           "sign_off",
		"action:sign-off":             "sign_off",
		"action:Sign_Off":             "sign_off",
		`action:"start verification"`: "start_verification",
		"action:put-operator":         "put_operator",
		"action:something_new":        "something_new", // a name this console does not know is kept
	} {
		f, err := parseAuditFilter(in)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if f.Action != want {
			t.Errorf("%s: action %q, want %q", in, f.Action, want)
		}
	}
	f, err := parseAuditFilter(`actor:lee action:"request info" tenant:oak`)
	if err != nil || f.Action != "request_info" || f.Actor != "lee" || f.TenantID != "oak" {
		t.Errorf("a quoted label among other terms: %+v, %v", f, err)
	}
}

func TestCompleteAuditAction(t *testing.T) {
	names := auditActionNames("custom_thing")
	for _, c := range []struct {
		in, want string
		cands    int // -1: more than one
	}{
		{"actor:lee action:appr", "actor:lee action:approve ", 1},
		{"action:sign", "action:sign_off ", 1},
		{"action:start", "action:start_", -1},      // start_fulfilment, start_verification
		{"action:cust", "action:custom_thing ", 1}, // a name only the loaded entries hold
		{"action:zzz", "action:zzz", 0},
		{"actor:le", "actor:le", 0}, // not an action: term
	} {
		got, cands := completeAuditAction(c.in, names)
		if got != c.want {
			t.Errorf("%q completes to %q, want %q", c.in, got, c.want)
		}
		if (c.cands == -1 && len(cands) < 2) || (c.cands >= 0 && len(cands) != c.cands) {
			t.Errorf("%q: candidates %v", c.in, cands)
		}
	}
}

// In the pane, tab after action: completes the name instead of moving to
// the next pane, and lists the names when several fit.
func TestAuditFilterTabCompletes(t *testing.T) {
	h := start(t, New(testConfig(auditFixture(3))), MinWidth, MinHeight)
	h.openAudit()
	h.press("/")
	h.typ("action:star")
	h.press("tab")
	screen := h.waitFor("completed", func(a *App) bool {
		return a.panes[a.active].Title() == "Audit" && a.auditPane().input.Value() == "action:start_" && strings.HasPrefix(a.status, "actions:")
	})
	if s := ansi.Strip(screen); !strings.Contains(s, "start_fulfilment") || !strings.Contains(s, "start_verification") {
		t.Errorf("the candidates are not listed:\n%s", s)
	}
	h.typ("v")
	h.press("tab", "enter")
	h.waitFor("filter applied", func(a *App) bool {
		p := a.auditPane()
		return !p.input.Focused() && p.filter.Action == "start_verification"
	})
	h.press("tab")
	h.waitFor("tab moves on outside the filter", func(a *App) bool { return a.panes[a.active].Title() != "Audit" })
}
