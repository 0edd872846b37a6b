package console

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/demo"
	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// auditPaneOf finds the audit pane among the tabs.
func (a *App) auditPane() *auditPane {
	for _, p := range a.panes {
		if ap, ok := p.(*auditPane); ok {
			return ap
		}
	}
	panic("no audit pane")
}

// openAudit switches to the audit pane and waits for its first page.
func (h *harness) openAudit() string {
	h.t.Helper()
	for range len(h.panesOf()) {
		if h.activeTitle() == "Audit" {
			break
		}
		h.press("tab")
	}
	return h.auditLoaded()
}

func (h *harness) panesOf() []Pane {
	var ps []Pane
	h.waitFor("panes", func(a *App) bool { ps = slices.Clone(a.panes); return true })
	return ps
}

func (h *harness) activeTitle() string {
	var title string
	h.waitFor("active pane", func(a *App) bool { title = a.panes[a.active].Title(); return true })
	return title
}

func (h *harness) auditLoaded() string {
	h.t.Helper()
	return h.waitFor("the audit history to load", func(a *App) bool {
		p := a.auditPane()
		return a.panes[a.active] == Pane(p) && a.ctx.tenants != nil && p.loaded && !p.loading
	})
}

// auditRows reads the loaded entries.
func (h *harness) auditRows() []model.AuditRecord {
	var out []model.AuditRecord
	h.waitFor("rows", func(a *App) bool {
		for _, r := range a.auditPane().rows {
			out = append(out, r.rec)
		}
		return true
	})
	return out
}

// auditEvents puts events on the chain of a seeded store: three operators
// acting on a few requests, a day apart, some with hostile reasons (an
// operator's typed text is as untrusted as a requester's).
func auditEvents(t *testing.T, store *db.Store) {
	t.Helper()
	ctx := context.Background()
	hostile := demo.HostileStrings()
	actors := []struct {
		handle string
		role   model.Role
		tenant string
	}{{"lee", model.RoleLead, "oakridge-ca"}, {"sam", model.RoleSupport, "hamlin-county-oh"}, {"eve", model.RoleEngineer, "oakridge-ca"}}
	for i := range 45 {
		a := actors[i%len(actors)]
		ev := model.AuditEvent{
			At: e2eNow().Add(-time.Duration(45-i) * 24 * time.Hour), Actor: a.handle, Role: a.role, Origin: "local",
			Action: []string{"acknowledge", "approve", "note", "read", "reveal"}[i%5], Target: fmt.Sprintf("request:R-2026-%05d", 1+i%4),
			TenantID: a.tenant, Outcome: model.OutcomeOK, Detail: "received→verifying",
		}
		if i%7 == 3 {
			ev.Outcome = model.OutcomeRefused
		}
		if i < len(hostile) {
			ev.Reason = hostile[i]
		}
		if _, err := store.AppendAudit(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	// Hostile text in every other field too.
	for i, s := range hostile {
		ev := model.AuditEvent{At: e2eNow().Add(-time.Hour + time.Duration(i)*time.Minute), Actor: "mallory" + s, Role: model.Role(s), Origin: s,
			Action: "x" + s, Target: "request:" + s, TenantID: "oakridge-ca", Outcome: model.OutcomeFailed, Reason: s, Detail: s}
		if _, err := store.AppendAudit(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
}

func auditApp(store *db.Store, actor model.Actor, exportDir string) *App {
	return New(Config{
		Backend: store, Actor: actor, Keys: keymap.Default(), Clock: model.FixedClock{T: e2eNow()},
		NoColor: true, ExportDir: exportDir,
	})
}

// TestAuditE2E drives the audit pane against a seeded embedded database.
// The subtest that tampers with the chain runs last.
func TestAuditE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds an embedded database")
	}
	store, lee := seededStore(t)
	auditEvents(t, store)
	ctx := context.Background()
	all, err := store.AuditHistory(ctx, lee, model.AuditFilter{}, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("newest first", func(t *testing.T) {
		h := start(t, auditApp(store, lee, ""), 120, 40)
		screen := h.openAudit()
		rows := h.auditRows()
		if len(rows) != len(all.Records) || !slices.IsSortedFunc(rows, func(a, b model.AuditRecord) int { return int(b.Seq - a.Seq) }) {
			t.Fatalf("pane shows %d entries, want all %d newest first", len(rows), len(all.Records))
		}
		if !strings.Contains(ansi.Strip(screen), fmt.Sprintf(" %d ", rows[0].Seq)) {
			t.Errorf("the newest seq %d is not on screen", rows[0].Seq)
		}
		checkFits(t, screen, 120, 40)
		assertSafe(t, screen)
	})

	t.Run("filter by actor", func(t *testing.T) {
		h := start(t, auditApp(store, lee, ""), 120, 40)
		h.openAudit()
		h.press("/")
		h.typ("actor:lee")
		h.press("enter")
		screen := h.waitFor("the filter applied", func(a *App) bool {
			p := a.auditPane()
			return p.filter.Actor == "lee" && p.loaded && !p.loading
		})
		rows := h.auditRows()
		want := 0
		for _, r := range all.Records {
			if r.Actor == "lee" {
				want++
			}
		}
		if len(rows) != want || want == 0 {
			t.Fatalf("filter shows %d entries, want lee's %d", len(rows), want)
		}
		for _, r := range rows {
			if r.Actor != "lee" {
				t.Fatalf("entry %d by %q under actor:lee", r.Seq, r.Actor)
			}
		}
		for _, l := range strings.Split(ansi.Strip(screen), "\n")[1:] {
			if f := strings.Fields(l); len(f) > 4 && f[0] != "" && isDigits(f[0]) && f[4] != "lee" { // seq, day, time, zone, actor
				t.Errorf("row outside the filter: %s", l)
			}
		}
		if !strings.Contains(ansi.Strip(screen), "/actor:lee") {
			t.Errorf("the footer does not show the filter in effect")
		}
		// ctrl+u brings every entry back.
		h.press("ctrl+u")
		h.waitFor("filter cleared", func(a *App) bool {
			p := a.auditPane()
			return p.filter.IsZero() && p.loaded && !p.loading && len(p.rows) == len(all.Records)
		})
	})

	t.Run("filter by request and open an entry", func(t *testing.T) {
		h := start(t, auditApp(store, lee, ""), MinWidth, MinHeight)
		h.openAudit()
		h.press("/")
		h.typ("req:R-2026-00002 action:approve")
		h.press("enter")
		h.waitFor("the filter applied", func(a *App) bool {
			p := a.auditPane()
			return p.filter.Target == "request:R-2026-00002" && p.loaded && !p.loading
		})
		rows := h.auditRows()
		if len(rows) == 0 {
			t.Fatal("no entries for request R-2026-00002")
		}
		for _, r := range rows {
			if r.Target != "request:R-2026-00002" || r.Action != "approve" {
				t.Fatalf("entry %d (%s %s) under req:R-2026-00002 action:approve", r.Seq, r.Action, r.Target)
			}
		}
		h.press("enter")
		screen := ansi.Strip(h.waitFor("the entry in full", func(a *App) bool { return a.auditPane().detail }))
		checkFits(t, h.screen(), MinWidth, MinHeight)
		first := rows[0]
		for _, want := range []string{fmt.Sprintf("seq       %d", first.Seq), "prev      " + first.Prev, "hash      " + first.Hash, "request:R-2026-00002"} {
			if !strings.Contains(screen, want) {
				t.Errorf("entry view lacks %q:\n%s", want, screen)
			}
		}
		// enter on an entry about a request opens the request; esc comes back.
		h.press("enter")
		h.waitFor("the request", detailLoaded)
		h.press("esc")
		h.waitFor("back on the entry", func(a *App) bool { return len(a.stack) == 0 && a.auditPane().detail })
		h.press("esc")
		h.waitFor("back on the list", func(a *App) bool { return !a.auditPane().detail })
	})

	t.Run("bad filter changes nothing", func(t *testing.T) {
		h := start(t, auditApp(store, lee, ""), 120, 40)
		h.openAudit()
		h.press("/")
		h.typ("actor:sam colour:red")
		h.press("enter")
		screen := h.waitFor("the error", func(a *App) bool { return a.statusErr })
		if !strings.Contains(ansi.Strip(screen), `unknown term "colour:red"`) {
			t.Errorf("the message does not name the bad term:\n%s", ansi.Strip(screen))
		}
		h.waitFor("filter unchanged, input still open to fix it", func(a *App) bool {
			p := a.auditPane()
			return p.filter.IsZero() && len(p.rows) == len(all.Records) && p.input.Focused()
		})
		h.press("esc")
		h.press("/")
		h.typ("tenant:atlantis")
		h.press("enter")
		screen = h.waitFor("the scope error", func(a *App) bool { return a.statusErr && strings.Contains(a.status, "atlantis") })
		if !strings.Contains(ansi.Strip(screen), "not in your scope") {
			t.Errorf("unknown tenant not reported:\n%s", ansi.Strip(screen))
		}
	})

	t.Run("scoped operator sees only their tenants", func(t *testing.T) {
		op, err := store.Operator(ctx, "sofia") // California tenants only
		if err != nil {
			t.Fatal(err)
		}
		sofia := model.Actor{Operator: op, Origin: "test"}
		h := start(t, auditApp(store, sofia, ""), 120, 40)
		h.openAudit()
		rows := h.auditRows()
		if len(rows) == 0 {
			t.Fatal("sofia sees no entries")
		}
		for _, r := range rows {
			if !op.InScope(r.TenantID) || r.TenantID == "" {
				t.Fatalf("sofia sees entry %d of tenant %q", r.Seq, r.TenantID)
			}
		}
	})

	t.Run("hostile text renders harmless", func(t *testing.T) {
		for _, size := range [][2]int{{MinWidth, MinHeight}, {200, 50}} {
			a := auditApp(store, lee, "")
			a.setTheme(plainTheme()) // without styles, any ESC at all is a leak
			h := start(t, a, size[0], size[1])
			screen := h.openAudit()
			assertPlain(t, screen)
			checkFits(t, screen, size[0], size[1])
			// Open every entry that carries hostile text, in full.
			n := len(h.auditRows())
			for i := range min(n, len(demo.HostileStrings())+12) {
				h.press("enter")
				s := h.waitFor("entry", func(a *App) bool { return a.auditPane().detail })
				assertPlain(t, s)
				checkFits(t, s, size[0], size[1])
				h.press("G") // the bottom of a long reason
				assertPlain(t, h.screen())
				h.press("esc", "j")
				_ = i
			}
		}
	})

	t.Run("export the filter's records", func(t *testing.T) {
		// A denial reason typed with control sequences reaches the export.
		reqs := store.Conn().DB.Collection("requests")
		hostile := demo.HostileStrings()[1] // OSC 52: writes the clipboard
		if _, err := reqs.UpdateOne(ctx, bson.D{{Key: "_id", Value: "R-2026-00003"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "denial_reason", Value: hostile}}}}); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), "exports")
		h := start(t, auditApp(store, lee, dir), 120, 40)
		h.openAudit()
		h.press("/")
		h.typ("req:R-2026-00003")
		h.press("enter")
		h.waitFor("filtered", func(a *App) bool { p := a.auditPane(); return p.filter.Target != "" && p.loaded && !p.loading })
		h.press("x")
		screen := h.waitFor("exported", func(a *App) bool { return strings.HasPrefix(a.status, "exported ") })
		if !strings.Contains(screen, "exported 1 request records to "+dir) {
			t.Fatalf("status does not name the file: %s", ansi.Strip(screen))
		}
		files, _ := filepath.Glob(filepath.Join(dir, "requests-*-R-2026-00003-*.jsonl"))
		if len(files) != 1 {
			t.Fatalf("export files %v, want one", files)
		}
		b, err := os.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		if strings.ContainsRune(string(b), 0x1b) || strings.ContainsRune(string(b), 0x07) || !strings.Contains(string(b), `\u001b]52;c;`) {
			t.Fatalf("export is not terminal-safe or lost the stored text: %q", b)
		}
		if !strings.Contains(string(b), `"request_id":"R-2026-00003"`) {
			t.Fatalf("export is not of R-2026-00003: %s", b)
		}
		// The export itself is now on the chain, and the pane shows it.
		h.waitFor("the export entry", func(a *App) bool {
			p := a.auditPane()
			return !p.loading && len(p.rows) > 0 && p.rows[0].rec.Action == "export" && p.rows[0].rec.Actor == "lee"
		})
	})

	t.Run("verify a good chain", func(t *testing.T) {
		want, err := store.VerifyAudit(ctx, nil)
		if err != nil || !want.OK {
			t.Fatalf("chain not ok before the test: %+v %v", want, err)
		}
		h := start(t, auditApp(store, lee, ""), 120, 40)
		h.openAudit()
		h.press("V")
		screen := h.waitFor("the verdict", func(a *App) bool { return a.auditPane().verdict != nil })
		line := "chain: " + want.Line()
		if !strings.Contains(ansi.Strip(screen), line) {
			t.Fatalf("pane does not report %q:\n%s", line, ansi.Strip(screen))
		}
		var got model.VerifyResult
		h.waitFor("verdict", func(a *App) bool { got = *a.auditPane().verdict; return true })
		if got.Line() != want.Line() {
			t.Fatalf("pane's verdict %q, CLI's %q", got.Line(), want.Line())
		}
	})

	t.Run("verify a tampered chain", func(t *testing.T) {
		// Rewrite one entry's reason in the raw collection, as someone with
		// database access would.
		seq := all.Records[len(all.Records)/2].Seq
		if _, err := store.Conn().DB.Collection("audit").UpdateOne(ctx, bson.D{{Key: "_id", Value: seq}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "reason", Value: "nothing to see here"}}}}); err != nil {
			t.Fatal(err)
		}
		want, err := store.VerifyAudit(ctx, nil)
		if err != nil || want.OK || want.BadSeq != seq {
			t.Fatalf("store does not see the tampering at %d: %+v %v", seq, want, err)
		}
		h := start(t, auditApp(store, lee, ""), MinWidth, MinHeight)
		h.openAudit()
		h.press("V")
		screen := h.waitFor("the verdict", func(a *App) bool { return a.auditPane().verdict != nil && a.statusErr })
		checkFits(t, screen, MinWidth, MinHeight)
		text := ansi.Strip(screen)
		wantLine := fmt.Sprintf("chain: FAILED at seq %d: hash mismatch", seq)
		if want.Line() != fmt.Sprintf("FAILED at seq %d: hash mismatch", seq) || !strings.Contains(text, wantLine) {
			t.Fatalf("pane does not report %q:\n%s", wantLine, text)
		}
		if !strings.Contains(text, "✗ audit chain FAILED at seq") {
			t.Errorf("the status line does not raise the failure:\n%s", text)
		}
	})
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
