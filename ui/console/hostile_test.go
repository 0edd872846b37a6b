package console

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

	"github.com/custodian-dev/custodian/model"
)

// hostilePayloads are strings an attacker can get into the database; each
// carries something a terminal would act on rather than print.
func hostilePayloads() []string {
	return []string{
		"Eve \x1b[31mred\x1b[0m Alert",
		"Clip\x1b]52;c;Y3VzdG9kaWFuIHB3bmVk\x07board",
		"Clip2\x1b]52;c;aGk=\x1b\\board",
		"Wipe\x1b[2J\x1b[HScreen",
		"denied\rAPPROVED",
		"secret\b\b\b\b\b\bpublic",
		"Bell\x07\x07Ringer",
		"C1 \u009b31mcsi\u009b0m Casey",
		"raw\x9bbyte",
		"Amir \u202eredro\u202c Malik",
		"Emb \u202a\u202b\u202d dir",
		"Isolate \u2066\u2067\u2068nested\u2069 Ide",
		"Marks\u200e\u200f\u061c\ufeffHidden",
		"Link \x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\",
		"Title\x1b]0;pwned\x07 Tom",
		"ok\x1b[1A\x1b[2Kforged",
		"Ask\x1b[6nterm",
		"Dee\x7fEl",
		"Line one\nLine two\tTabbed",
		"\x1bP+q544e\x1b\\dcs",
		"apc\x1b_hidden\x1b\\",
		strings.Repeat("Wolfeschlegelsteinhausenbergerdorff ", 140),
	}
}

// assertSafe fails if raw screen output holds anything a terminal would
// act on: every ESC must start a plain SGR sequence (our own styling), and
// no other control, C1, bidi or invalid UTF-8 byte may appear.
func assertSafe(t testing.TB, raw string) {
	t.Helper()
	if !utf8.ValidString(raw) {
		t.Errorf("screen is not valid UTF-8 (a lone 0x9b byte is an 8-bit CSI)")
	}
	for i := 0; i < len(raw); {
		r, size := utf8.DecodeRuneInString(raw[i:])
		switch {
		case r == 0x1b:
			j := i + 1
			if j >= len(raw) || raw[j] != '[' {
				t.Errorf("ESC not starting CSI at byte %d: %q", i, excerpt(raw, i))
				return
			}
			j++
			for j < len(raw) && (raw[j] >= '0' && raw[j] <= '9' || raw[j] == ';' || raw[j] == ':') {
				j++
			}
			if j >= len(raw) || raw[j] != 'm' {
				t.Errorf("escape sequence other than SGR at byte %d: %q", i, excerpt(raw, i))
				return
			}
			i = j + 1
			continue
		case r == '\n':
		case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
			t.Errorf("control U+%04X at byte %d: %q", r, i, excerpt(raw, i))
			return
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c, r == 0xfeff:
			t.Errorf("bidi/format control U+%04X at byte %d: %q", r, i, excerpt(raw, i))
			return
		}
		i += size
	}
	if strings.Contains(ansi.Strip(raw), "Y3VzdG9kaWFuIHB3bmVk") {
		t.Errorf("an OSC 52 payload survived as text")
	}
}

// assertPlain is assertSafe for a screen drawn with the plain theme, which
// emits no escapes at all: any ESC, even a harmless-looking SGR, leaked in.
func assertPlain(t testing.TB, raw string) {
	t.Helper()
	if i := strings.IndexByte(raw, 0x1b); i >= 0 {
		t.Errorf("ESC in a screen drawn without styles: %q", excerpt(raw, i))
	}
	assertSafe(t, raw)
}

// plainTheme draws nothing but text.
func plainTheme() Theme { return Theme{Name: "plain"} }

func excerpt(s string, i int) string {
	return s[max(0, i-20):min(len(s), i+30)]
}

func TestAssertSafeCatchesEachPayload(t *testing.T) {
	// The checker itself must see each attack, or a pass means nothing.
	for _, p := range hostilePayloads()[:len(hostilePayloads())-1] {
		if strings.HasPrefix(p, "Line one") {
			continue // newline and tab are allowed in output, only not in cells
		}
		ft := &recorder{}
		assertPlain(ft, p)
		if !ft.failed {
			t.Errorf("assertSafe accepts %q", p)
		}
	}
}

// hostileFixture puts payload k into every string field of request k, its
// subject and its tenant.
func hostileFixture() *fakeBackend {
	f := fixture(6)
	for k, p := range hostilePayloads() {
		tenant := model.Tenant{ID: fmt.Sprintf("t%d-%s", k, p), Name: "Tenant " + p, TimeZone: p, State: p}
		f.tenants = append(f.tenants, tenant)
		sid := "S-" + p
		f.subjects[sid] = model.Subject{ID: sid, TenantID: tenant.ID, Name: p + " " + p, Status: model.AccountStatus(p)}
		at := testNow().Add(-time.Duration(k) * 24 * time.Hour)
		r := model.Request{
			ID: fmt.Sprintf("R-H%02d-%s", k, p), ExternalRef: p, TenantID: tenant.ID, SubjectID: sid,
			Type: model.RequestType(p), Channel: model.Channel(p), Status: model.StatusReceived,
			ReceivedAt:     at,
			Requester:      model.Person{Name: p, Email: p + "@" + p, Phone: p},
			Agent:          &model.Agent{Person: model.Person{Name: p, Email: p, Phone: p}, Organization: p, PermissionEvidence: p},
			ResidencyState: p, Corrections: map[string]string{p: p},
			LoggedBy: p, AssignedTo: p, InfoRequested: p, DenialReason: p, Outcome: p, FailureReason: p,
			Verification: &model.Verification{Method: p, DataPoints: []string{p, p}, Level: model.VerificationLevel(p), By: p, At: at},
			Decision: &model.Decision{Outcome: model.DecisionOutcome(p), Approver: p, Method: p, Evidence: p, Reason: p,
				RecordedBy: p, DecidedAt: at, RecordedAt: at},
			Extension: &model.Extension{By: p, Reason: p, At: at, NoticeSent: at},
			Flags:     []model.Flag{{Kind: model.FlagKind(p), Reason: p}, {Kind: model.FlagAgent, Reason: p}},
			Notes:     []model.Note{{By: p, At: at, Text: p + "\n" + p}},
			History: []model.Event{{ID: p, At: at, Actor: p, Role: model.Role(p), Action: model.Action(p),
				From: model.Status(p), To: model.Status(p), Reason: p}},
		}
		switch k % 3 {
		case 0:
			// Not an open status, so only the detail (opened by id) shows it.
			r.Status = model.Status(p)
		case 1:
			r.Status = model.StatusVerifying
		}
		r.DueAt = model.ComputeDeadlines(r, tenant).Next
		f.reqs = append(f.reqs, r)
	}
	return f
}

// recorder is a testing.TB that only notes failure, to test the checkers.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true }
func (r *recorder) Logf(string, ...any)   {}
func (r *recorder) Error(...any)          { r.failed = true }
func (r *recorder) Fatal(...any)          { r.failed = true }
func (r *recorder) Log(...any)            {}
func (r *recorder) Failed() bool          { return r.failed }
func (r *recorder) Name() string          { return "recorder" }
func (r *recorder) Cleanup(func())        {}
func (r *recorder) Setenv(string, string) {}
func (r *recorder) TempDir() string       { return "" }
func (r *recorder) Skip(...any)           {}
func (r *recorder) Skipf(string, ...any)  {}
func (r *recorder) SkipNow()              {}
func (r *recorder) Skipped() bool         { return false }
func (r *recorder) FailNow()              { r.failed = true }
func (r *recorder) Fail()                 { r.failed = true }
func (r *recorder) Chdir(string)          {}

func TestHostileStringsNeverReachTheScreen(t *testing.T) {
	for _, tc := range []struct {
		w, h  int
		theme string
	}{{MinWidth, MinHeight, "plain"}, {200, 50, "plain"}, {MinWidth, MinHeight, "dark"}, {200, 50, "no-color"}} {
		t.Run(fmt.Sprintf("%dx%d-%s", tc.w, tc.h, tc.theme), func(t *testing.T) {
			w, hh := tc.w, tc.h
			f := hostileFixture()
			cfg := testConfig(f)
			a := New(cfg)
			assert := assertSafe
			switch tc.theme {
			case "plain":
				// Without styles, any ESC at all is a leak.
				a.setTheme(plainTheme())
				assert = assertPlain
			case "dark":
				a.setTheme(NewTheme(true, false))
			}
			h := start(t, a, w, hh)
			h.loaded()
			check := func(what, raw string) {
				t.Helper()
				assert(t, raw)
				checkFits(t, raw, w, hh)
				if t.Failed() {
					t.Fatalf("%s:\n%s", what, ansi.Strip(raw))
				}
			}
			// Every row, page by page: the queue draws only what is visible.
			for range (len(f.reqs) / (hh - 5)) + 2 {
				check("queue", h.screen())
				h.press("pgdown")
			}
			// Sorting by each column puts hostile values in every position.
			for range numSorts {
				h.press("s")
				check("sorted queue", h.screen())
			}
			// The filter matches on cleaned text, and shows what was typed.
			h.press("/")
			h.typ("clip")
			check("filtered", h.waitFor("filter", func(a *App) bool { return a.queue().query == "clip" && len(a.queue().vis) > 0 }))
			h.press("esc")
			// The palette lists the hostile tenants.
			h.press(":")
			h.typ("tenant t1")
			check("palette", h.screen())
			h.press("esc")
			for k, p := range hostilePayloads() {
				id := fmt.Sprintf("R-H%02d-%s", k, p)
				h.tm.Send(openRequestMsg{id: id})
				var content string
				screen := h.waitFor("detail "+fmt.Sprint(k), func(a *App) bool {
					if len(a.stack) != 1 {
						return false
					}
					d := a.stack[0].(*detailPane)
					if d.req == nil {
						return false
					}
					content = d.content()
					return true
				})
				check("detail", screen)
				assert(t, content)
				for _, l := range strings.Split(content, "\n") {
					if ansi.StringWidth(l) > w {
						t.Errorf("detail content line wider than %d: %q", w, ansi.Strip(l))
					}
				}
				// The whole content was checked above; on screen, check the
				// first pages and the last (the long payload runs to hundreds).
				for _, k := range []string{"pgdown", "pgdown", "pgdown", "pgdown", "G"} {
					h.press(k)
					check("detail scrolled", h.screen())
				}
				h.press("esc")
				h.waitFor("back", func(a *App) bool { return len(a.stack) == 0 })
			}
		})
	}
}

func TestHostileTenantScope(t *testing.T) {
	f := hostileFixture()
	cfg := testConfig(f)
	cfg.Scope = f.tenants[len(f.tenants)-5].ID
	h := start(t, New(cfg), MinWidth, MinHeight)
	raw := h.loaded()
	assertSafe(t, raw)
	checkFits(t, raw, MinWidth, MinHeight)
	if !strings.Contains(ansi.Strip(raw), "Tenant ") {
		t.Errorf("header lacks the scoped tenant:\n%s", ansi.Strip(raw))
	}
}
