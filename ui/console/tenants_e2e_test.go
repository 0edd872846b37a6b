package console

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

func (a *App) tenantsPane() *tenantsPane {
	for _, p := range a.panes {
		if t, ok := p.(*tenantsPane); ok {
			return t
		}
	}
	return nil
}

func (h *harness) tenantsLoaded(cond func(ts []model.Tenant) bool) string {
	h.t.Helper()
	return h.waitFor("the tenants list", func(a *App) bool {
		p := a.tenantsPane()
		return p != nil && a.panes[a.active] == Pane(p) && len(a.stack) == 0 && p.loaded && !p.loading && cond(p.items)
	})
}

// selectTenant moves the tenants pane's cursor to id.
func (h *harness) selectTenant(id string) {
	h.t.Helper()
	i := -1
	h.waitFor("tenant "+id, func(a *App) bool {
		i = slices.IndexFunc(a.tenantsPane().items, func(t model.Tenant) bool { return t.ID == id })
		return i >= 0
	})
	h.press("g")
	for range i {
		h.press("j")
	}
	h.waitFor(id+" selected", func(a *App) bool { t, ok := a.tenantsPane().selected(); return ok && t.ID == id })
}

// replace clears the form field key and types text into it.
func (h *harness) replace(key, text string) {
	h.t.Helper()
	h.focus(key)
	h.press("end", "ctrl+u")
	h.waitFor(key+" cleared", func(a *App) bool { p, _ := formOf(a); return p != nil && p.form.field(key).input.Value() == "" })
	h.fill(key, text)
}

func tenantAudit(t *testing.T, store *db.Store, actor model.Actor, id string) []model.AuditRecord {
	t.Helper()
	page, err := store.AuditHistory(context.Background(), actor, model.AuditFilter{Target: "tenant:" + id}, 0, 20)
	if err != nil {
		t.Fatal(err)
	}
	return page.Records
}

// TestTenantsE2E: an admin's edit of a tenant's zone to one that does not
// exist is refused under the field, naming it, and saves nothing; a valid
// zone shows the diff, is confirmed with Cancel focused, saved, and is on
// the audit chain by that admin. Non-admins have no such tab.
func TestTenantsE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds an embedded database")
	}
	store, _ := seededStore(t)
	admin := operatorActor(t, store, "ada")
	ctx := context.Background()
	const id = "oakridge-ca"
	before, err := store.Tenant(ctx, admin, id)
	if err != nil {
		t.Fatal(err)
	}
	auditBefore := len(tenantAudit(t, store, admin, id))

	h := start(t, e2eApp(store, admin), 200, 50)
	h.loaded()
	h.openTab("Tenants")
	h.tenantsLoaded(func(ts []model.Tenant) bool { return len(ts) > 0 })
	h.selectTenant(id)
	h.press("e")
	h.waitFor("the edit form", formOpen("Edit tenant "+id))

	// A zone that does not exist: the model's message under the field.
	h.replace("time_zone", "Mars/Olympus_Mons")
	h.press("ctrl+s")
	screen := ansi.Strip(h.waitFor("the refusal", func(a *App) bool {
		p, ok := formOf(a)
		return ok && !p.form.confirming && p.form.focused().key == "time_zone"
	}))
	want := `tenant oakridge-ca: time_zone: unknown time zone "Mars/Olympus_Mons"`
	if !strings.Contains(screen, want) {
		t.Fatalf("no refusal naming time_zone; want %q on screen:\n%s", want, screen)
	}
	if now, _ := store.Tenant(ctx, admin, id); now.TimeZone != before.TimeZone || now.Version != before.Version ||
		len(tenantAudit(t, store, admin, id)) != auditBefore {
		t.Fatalf("a refused edit changed the tenant: %+v", now)
	}

	// A real zone: the diff, then the save.
	h.replace("time_zone", "America/Denver")
	h.press("ctrl+s")
	screen = ansi.Strip(h.waitFor("the diff", func(a *App) bool { p, ok := formOf(a); return ok && p.form.confirming }))
	for _, line := range []string{"- time_zone = " + before.TimeZone, "+ time_zone = America/Denver"} {
		if !strings.Contains(screen, line) {
			t.Fatalf("the confirmation lacks %q:\n%s", line, screen)
		}
	}
	h.confirm()
	h.tenantsLoaded(func(ts []model.Tenant) bool {
		i := slices.IndexFunc(ts, func(t model.Tenant) bool { return t.ID == id })
		return i >= 0 && ts[i].TimeZone == "America/Denver"
	})
	now, err := store.Tenant(ctx, admin, id)
	if err != nil || now.TimeZone != "America/Denver" || now.Version != before.Version+1 {
		t.Fatalf("stored %s = zone %q version %d, %v; want America/Denver at %d", id, now.TimeZone, now.Version, err, before.Version+1)
	}
	recs := tenantAudit(t, store, admin, id)
	if len(recs) != auditBefore+1 || recs[0].Action != "edit_tenant" || recs[0].Actor != "ada" || !strings.Contains(recs[0].Detail, "time_zone") {
		t.Fatalf("audit of tenant:%s, newest first = %+v; want ada's edit_tenant naming time_zone", id, recs)
	}
	if res, err := store.VerifyAudit(ctx, nil); err != nil || !res.OK {
		t.Fatalf("audit chain: %+v, %v", res, err)
	}

	t.Run("add", func(t *testing.T) {
		h.press("n")
		h.waitFor("the add form", formOpen("Add tenant"))
		h.fill("id", "cedar-tx")
		h.fill("name", "City of Cedar Flats")
		h.fill("state", "TX")
		h.fill("time_zone", "America/Chicago")
		h.fill("approvers", "Rita Clerk | City Secretary | rita@cedarflats-tx.example")
		h.fill("retention", "employee | 6 years after separation | TX schedule GR-1000; applicant | 2 years | TX schedule GR-1000")
		h.fill("holiday_add", "2027-03-02")
		h.press("ctrl+s")
		screen := ansi.Strip(h.waitFor("the diff", func(a *App) bool { p, ok := formOf(a); return ok && p.form.confirming }))
		if !strings.Contains(screen, "+ retention[1] = applicant | 2 years | TX schedule GR-1000") {
			t.Fatalf("the confirmation lacks the new rule:\n%s", screen)
		}
		h.confirm()
		h.tenantsLoaded(func(ts []model.Tenant) bool {
			return slices.ContainsFunc(ts, func(t model.Tenant) bool { return t.ID == "cedar-tx" })
		})
		got, err := store.Tenant(ctx, admin, "cedar-tx")
		if err != nil || got.TimeZone != "America/Chicago" || len(got.Approvers) != 1 || len(got.Retention) != 2 ||
			got.Retention[1].LegalBasis != "TX schedule GR-1000" || !slices.Equal(got.HolidayAdd, []string{"2027-03-02"}) {
			t.Fatalf("stored cedar-tx = %+v, %v", got, err)
		}
		if recs := tenantAudit(t, store, admin, "cedar-tx"); len(recs) != 1 || recs[0].Action != "add_tenant" || recs[0].Actor != "ada" {
			t.Fatalf("audit of tenant:cedar-tx = %+v; want ada's add_tenant", recs)
		}
	})

	t.Run("non-admins have no tenants tab", func(t *testing.T) {
		for _, who := range []string{"lee", "sam", "eve"} {
			if appAs(t, store, who).tenantsPane() != nil {
				t.Errorf("%s sees the tenants tab", who)
			}
		}
	})
}

// TestTenantsGoldenE2E: the list and a tenant's detail at 80×24 and
// 200×50.
func TestTenantsGoldenE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds an embedded database")
	}
	store, _ := seededStore(t)
	admin := operatorActor(t, store, "ada")
	for _, size := range []struct {
		name string
		w, h int
	}{{"80x24", 80, 24}, {"200x50", 200, 50}} {
		t.Run(size.name, func(t *testing.T) {
			h := start(t, e2eApp(store, admin), size.w, size.h)
			h.loaded()
			h.openTab("Tenants")
			h.tenantsLoaded(func(ts []model.Tenant) bool { return len(ts) > 0 })
			t.Run("list", func(t *testing.T) { golden(t, h.settled()) })
			h.selectTenant("oakridge-ca")
			h.press("enter")
			h.waitFor("the detail", func(a *App) bool { return a.tenantsPane().detail })
			t.Run("detail", func(t *testing.T) { golden(t, h.settled()) })
			h.press("esc")
			h.waitFor("the list again", func(a *App) bool { return !a.tenantsPane().detail })
		})
	}
}

// TestTenantsStaleEditRefused: a tenant changed by someone else while the
// form is open is not overwritten; the form says who changed it and what
// to do, and the other change stands.
func TestTenantsStaleEditRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds an embedded database")
	}
	store, _ := seededStore(t)
	admin := operatorActor(t, store, "ada")
	ctx := context.Background()
	const id = "bayshore-ca"

	h := start(t, e2eApp(store, admin), 200, 50)
	h.loaded()
	h.openTab("Tenants")
	h.tenantsLoaded(func(ts []model.Tenant) bool { return len(ts) > 0 })
	h.selectTenant(id)
	h.press("e")
	h.waitFor("the edit form", formOpen("Edit tenant "+id))

	// Someone else renames it meanwhile (the CLI's call).
	other, err := store.Tenant(ctx, admin, id)
	if err != nil {
		t.Fatal(err)
	}
	other.Name = "City of Bayshore (renamed)"
	if _, err := store.EditTenant(ctx, admin, other); err != nil {
		t.Fatal(err)
	}

	h.replace("time_zone", "America/Denver")
	h.press("ctrl+s")
	h.confirm()
	var formErr string
	h.waitFor("the refusal", func(a *App) bool {
		p, ok := formOf(a)
		if ok {
			formErr = p.form.err
		}
		return ok && !p.form.saving && p.form.err != ""
	})
	if !strings.Contains(formErr, "tenant "+id+" was changed by") || !strings.Contains(formErr, "open it again") {
		t.Fatalf("form error %q; want the conflict named and what to do", formErr)
	}
	now, err := store.Tenant(ctx, admin, id)
	if err != nil || now.Name != other.Name || now.TimeZone == "America/Denver" {
		t.Fatalf("stored %s = %+v, %v; want the other change kept and this one refused", id, now, err)
	}
}
