package console

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/custodian-dev/custodian/model"
)

// On call, over the real store: :failed lists the seeded failures newest
// first with step and cause, enter opens one; :health shows the same count.
func TestOnCallPanesE2E(t *testing.T) {
	store, _ := seededStore(t)
	want, err := store.Failed(context.Background(), operatorActor(t, store, "eve"))
	if err != nil || len(want) == 0 {
		t.Fatalf("seeded failures: %v, %v", want, err)
	}
	h := start(t, appAs(t, store, "eve"), 200, 50)
	h.loaded()
	h.typ(":failed")
	h.press("enter")
	screen := ansi.Strip(h.waitFor("the failed list", func(a *App) bool {
		p, ok := a.view().(*failedPane)
		return ok && p.loaded
	}))
	last := -1
	for _, f := range want {
		i := strings.Index(screen, f.ID)
		if i < 0 || i < last {
			t.Fatalf("failed list lacks %s or has it out of order (newest first):\n%s", f.ID, screen)
		}
		last = i
		if f.Step != "" && !strings.Contains(screen, f.Step) {
			t.Errorf("failed list lacks the step %q of %s:\n%s", f.Step, f.ID, screen)
		}
	}
	h.press("enter")
	h.waitFor("the first failure's detail", func(a *App) bool {
		d, ok := a.view().(*detailPane)
		return ok && d.id == want[0].ID
	})
	h.press("esc", "esc")
	h.typ(":health")
	h.press("enter")
	screen = ansi.Strip(h.waitFor("the health report", func(a *App) bool {
		p, ok := a.view().(*healthPane)
		return ok && p.report != nil
	}))
	for _, w := range []string{"embedded FerretDB (SQLite)", "failed requests", "round trip", "last audit verify"} {
		if !strings.Contains(screen, w) {
			t.Errorf("health lacks %q:\n%s", w, screen)
		}
	}
	if !strings.Contains(screen, strconv.Itoa(len(want))+", newest "+want[0].ID) {
		t.Errorf("health does not count %d failures:\n%s", len(want), screen)
	}
}

// Support may not see health: the controller refuses, the pane says so.
func TestHealthRefusedForSupportE2E(t *testing.T) {
	store, _ := seededStore(t)
	h := start(t, appAs(t, store, "sam"), 120, 30)
	h.loaded()
	h.typ(":health")
	h.press("enter")
	screen := ansi.Strip(h.waitFor("the refusal", func(a *App) bool {
		p, ok := a.view().(*healthPane)
		return ok && p.err != ""
	}))
	if !strings.Contains(screen, "cannot see system health") {
		t.Errorf("refusal not shown:\n%s", screen)
	}
}

// :requests closed browses closed requests from the requests collection,
// :requests denied,withdrawn narrows, a bad status changes nothing, esc
// brings the open queue back.
func TestRequestsBrowseE2E(t *testing.T) {
	store, actor := seededStore(t)
	h := start(t, e2eApp(store, actor), 200, 50)
	h.loaded()
	statusesShown := func(a *App) []model.Status {
		var out []model.Status
		for _, r := range a.queue().rows {
			if !slices.Contains(out, r.status) {
				out = append(out, r.status)
			}
		}
		return out
	}
	onlyIn := func(want ...model.Status) func(a *App) bool {
		return func(a *App) bool {
			q := a.queue()
			if !q.loaded || q.loading || len(q.rows) == 0 {
				return false
			}
			for _, st := range statusesShown(a) {
				if !slices.Contains(want, st) {
					return false
				}
			}
			return true
		}
	}
	h.typ(":requests closed")
	h.press("enter")
	screen := ansi.Strip(h.waitFor("closed requests only", onlyIn(model.StatusCompleted, model.StatusDenied, model.StatusWithdrawn)))
	if !strings.Contains(screen, "showing completed, denied, withdrawn") {
		t.Errorf("footer does not say what is browsed:\n%s", screen)
	}
	h.typ(":requests denied,withdrawn")
	h.press("enter")
	h.waitFor("denied and withdrawn only", onlyIn(model.StatusDenied, model.StatusWithdrawn))

	h.typ(":requests snoozed")
	h.press("enter")
	h.waitFor("the bad status refused, the list kept", func(a *App) bool {
		return a.statusErr && strings.Contains(a.status, `unknown status "snoozed"`) && a.queue().statuses != nil
	})
	h.press("esc") // clears the error and goes back to the open queue
	h.waitFor("the open queue again", func(a *App) bool {
		return a.queue().statuses == nil && onlyIn(model.OpenStatuses()...)(a)
	})
}
