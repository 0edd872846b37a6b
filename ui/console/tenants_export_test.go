package console

import (
	"testing"

	"github.com/custodian-dev/custodian/model"
)

// TenantZoneRefusal is for the doors test (package console_test, which
// may import ui/command where this package may not): it seeds a database,
// has the admin ada set tenant id's time zone to zone in the Tenants
// pane's edit form and try to save, and returns the problem the form
// shows under the field, after checking nothing was saved.
func TenantZoneRefusal(t *testing.T, id, zone string) string {
	t.Helper()
	store, _ := seededStore(t)
	admin := operatorActor(t, store, "ada")
	before, err := store.Tenant(t.Context(), admin, id)
	if err != nil {
		t.Fatal(err)
	}
	h := start(t, e2eApp(store, admin), 200, 50)
	h.loaded()
	h.openTab("Tenants")
	h.tenantsLoaded(func(ts []model.Tenant) bool { return len(ts) > 0 })
	h.selectTenant(id)
	h.press("e")
	h.waitFor("the edit form", formOpen("Edit tenant "+id))
	h.replace("time_zone", zone)
	h.press("ctrl+s")
	var problem string
	h.waitFor("the refusal", func(a *App) bool {
		p, ok := formOf(a)
		if !ok || p.form.confirming || p.form.focused().key != "time_zone" {
			return false
		}
		problem = p.form.problem(p.form.focused())
		return problem != ""
	})
	if now, _ := store.Tenant(t.Context(), admin, id); now.TimeZone != before.TimeZone || now.Version != before.Version {
		t.Fatalf("a refused edit changed tenant %s: %+v", id, now)
	}
	return problem
}
