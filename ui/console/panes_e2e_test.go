package console

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/custodian-dev/custodian/model"
)

// TestPanesE2E keeps a golden screen of every pane at the smallest
// terminal the console supports and at a large one, against the seeded
// embedded database, so a layout change shows up as a diff a reviewer can
// read (go test ./ui/console -run PanesE2E -update rewrites them).
func TestPanesE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds an embedded database")
	}
	store, actor := seededStore(t)
	// roundTrip finds the health report's measured round trip.
	roundTrip := regexp.MustCompile(`(round trip\s+)\S.*`)
	reqs, err := store.Queue(context.Background(), actor, model.QueueFilter{Limit: 5000})
	if err != nil {
		t.Fatal(err)
	}
	planned := ""
	for _, r := range reqs {
		// The seed plans every fulfilling and failed request (demo.NeedsPlan);
		// queue rows do not carry the plan itself.
		if (r.Status == model.StatusFulfilling || r.Status == model.StatusFailed) && (planned == "" || r.ID < planned) {
			planned = r.ID
		}
	}
	if planned == "" {
		t.Fatal("the seed has no planned request")
	}
	for _, size := range [][2]int{{MinWidth, MinHeight}, {200, 50}} {
		w, hh := size[0], size[1]
		t.Run(fmt.Sprintf("%dx%d", w, hh), func(t *testing.T) {
			shot := func(t *testing.T, h *harness) {
				t.Helper()
				screen := h.settled()
				checkFits(t, screen, w, hh)
				golden(t, screen)
			}
			t.Run("queue", func(t *testing.T) {
				h := start(t, e2eApp(store, actor), w, hh)
				h.loaded()
				shot(t, h)
			})
			t.Run("help", func(t *testing.T) {
				h := start(t, e2eApp(store, actor), w, hh)
				h.loaded()
				h.press("?")
				h.waitFor("help", func(a *App) bool { return a.help })
				shot(t, h)
			})
			t.Run("approvals", func(t *testing.T) {
				h := start(t, e2eApp(store, actor), w, hh)
				h.loaded()
				h.press("tab")
				h.waitFor("approvals", func(a *App) bool { p := a.approvals(); return a.active == 1 && p.loaded && !p.loading })
				shot(t, h)
			})
			t.Run("lookup", func(t *testing.T) {
				h := start(t, lookupApp(t, store, "lee"), w, hh)
				openLookup(h)
				searchFor(h, "garcia")
				shot(t, h)
			})
			t.Run("subject", func(t *testing.T) {
				h := start(t, lookupApp(t, store, "lee"), w, hh)
				openLookup(h)
				searchFor(h, "S-000033")
				h.press("enter")
				h.waitFor("the subject", func(a *App) bool { s := a.subject(); return s != nil && s.sub != nil && !s.loading })
				shot(t, h)
			})
			t.Run("audit", func(t *testing.T) {
				h := start(t, auditApp(store, actor, ""), w, hh)
				h.loaded()
				h.openAudit()
				shot(t, h)
			})
			t.Run("detail", func(t *testing.T) {
				h := start(t, e2eApp(store, actor), w, hh)
				h.loaded()
				h.openDetail(planned)
				shot(t, h)
			})
			t.Run("plan", func(t *testing.T) {
				h := start(t, e2eApp(store, actor), w, hh)
				h.loaded()
				h.openDetail(planned)
				h.press("p")
				h.waitFor("plan", planShown)
				shot(t, h)
			})
			t.Run("failed", func(t *testing.T) {
				h := start(t, e2eApp(store, actor), w, hh)
				h.loaded()
				h.typ(":failed")
				h.press("enter")
				h.waitFor("the failed list", func(a *App) bool { p, ok := a.view().(*failedPane); return ok && p.loaded })
				shot(t, h)
			})
			t.Run("health", func(t *testing.T) {
				h := start(t, e2eApp(store, actor), w, hh)
				h.loaded()
				h.typ(":health")
				h.press("enter")
				h.waitFor("the health report", func(a *App) bool { p, ok := a.view().(*healthPane); return ok && p.report != nil })
				screen := h.settled()
				checkFits(t, screen, w, hh)
				// The round trip is measured: the one figure that differs run to run.
				golden(t, roundTrip.ReplaceAllString(ansi.Strip(screen), "${1}(measured)"))
			})
			t.Run("operators", func(t *testing.T) {
				h := start(t, e2eApp(store, operatorActor(t, store, "ada")), w, hh)
				h.loaded()
				h.openTab("Operators")
				h.operatorsLoaded(func(ops []model.Operator) bool { return len(ops) > 0 })
				shot(t, h)
			})
		})
	}
}
