package console

import (
	"strings"
	"testing"
)

// A blank residency is "not stated": the controller then takes the
// subject's state, else the tenant's (seed policy, California Residents).
// The field says which tenant state that would be, and follows a change of
// tenant.
func TestNewRequestResidencyPlaceholderFollowsTheTenant(t *testing.T) {
	h := start(t, New(testConfig(fixture(10))), 120, 40)
	h.loaded()
	h.press("n")
	h.waitFor("log form", formOpen("Log a new request"))
	for _, c := range []struct{ tenant, state string }{{"oakridge-ca", "CA"}, {"pecan-ridge-tx", "TX"}, {"oakridge-ca", "CA"}} {
		h.choose("tenant", c.tenant)
		want := "blank: the subject's state, else " + c.state
		h.waitFor("placeholder for "+c.tenant, func(a *App) bool {
			p, ok := formOf(a)
			if !ok {
				return false
			}
			a.View() // placeholders are recomputed as the form is drawn
			return p.form.field("state").input.Placeholder == want && p.form.field("state").input.Value() == ""
		})
	}
	if screen := h.screen(); !strings.Contains(screen, "else CA") {
		t.Errorf("the form does not show the placeholder:\n%s", screen)
	}
}
