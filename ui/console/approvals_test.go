package console

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestApprovalsPaneOrderGroupsAndMarks(t *testing.T) {
	f := fixture(80)
	h := start(t, New(testConfig(f)), MinWidth, MinHeight)
	h.loaded()
	h.press("tab")
	var waiting int
	h.waitFor("approvals loaded", func(a *App) bool {
		p := a.approvals()
		waiting = len(p.rows)
		return a.active == 1 && p.loaded && !p.loading
	})
	if waiting < 5 {
		t.Fatalf("fixture has only %d requests awaiting approval", waiting)
	}
	h.waitFor("oldest wait first", func(a *App) bool {
		p := a.approvals()
		if !slices.IsSortedFunc(p.rows, func(x, y approvalRow) int { return x.since.Compare(y.since) }) {
			t.Errorf("rows are not oldest wait first")
		}
		return true
	})
	h.press("s")
	screen := ansi.Strip(h.waitFor("grouped", func(a *App) bool { return a.approvals().byTen }))
	for _, name := range []string{"City of Oakridge (oakridge-ca)", "Hamlin County (hamlin-county-oh)"} {
		if !strings.Contains(screen, name) {
			t.Errorf("grouped view lacks the heading %q:\n%s", name, screen)
		}
	}
	h.press("G")
	screen = ansi.Strip(h.waitFor("bottom", func(a *App) bool { return a.approvals().cursor == waiting-1 }))
	var last string
	h.waitFor("last id", func(a *App) bool { last = a.approvals().rows[waiting-1].req.ID; return true })
	if !strings.Contains(strings.Join(strings.Split(screen, "\n")[:MinHeight-7], "\n"), last) {
		t.Errorf("the selected last row %s is not in the list when grouped:\n%s", last, screen)
	}
	checkFits(t, screen, MinWidth, MinHeight)

	// Marks across tenants cannot be approved together.
	h.press("g", "space")
	h.waitFor("first marked", func(a *App) bool { return len(a.approvals().marks) == 1 })
	h.press("G", "space")
	h.waitFor("two marked", func(a *App) bool { return len(a.approvals().marks) == 2 })
	h.press("a")
	screen = ansi.Strip(h.waitFor("refused", func(a *App) bool { return a.statusErr }))
	if !strings.Contains(screen, "belong to 2 tenants") {
		t.Errorf("bulk across tenants not refused with a reason:\n%s", screen)
	}
	h.press("esc", "esc")
	h.waitFor("marks cleared", func(a *App) bool { return len(a.approvals().marks) == 0 })
}
