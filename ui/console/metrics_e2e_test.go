package console

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func (a *App) metricsPane() *metricsPane {
	for _, p := range a.panes {
		if m, ok := p.(*metricsPane); ok {
			return m
		}
	}
	return nil
}

// openTab switches to the tab titled title.
func (h *harness) openTab(title string) {
	h.t.Helper()
	for range len(h.panesOf()) {
		if h.activeTitle() == title {
			return
		}
		h.press("tab")
	}
	if h.activeTitle() != title {
		h.t.Fatalf("no %s tab", title)
	}
}

func metricsLoaded(year int) func(a *App) bool {
	return func(a *App) bool {
		p := a.metricsPane()
		return p != nil && a.panes[a.active] == Pane(p) && p.loaded && !p.loading && p.m.Year == year
	}
}

// TestMetricsE2E draws the metrics of the demo data (11 CCR §7102): the
// bars per month by type with their legend, the days-to-respond histogram
// with its 45-day line, and the figure table, at 80×24 (scrolled) and
// 200×50 (the charts side by side), readable without colour.
func TestMetricsE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds an embedded database")
	}
	store, actor := seededStore(t)
	for _, size := range []struct {
		name string
		w, h int
	}{{"80x24", 80, 24}, {"200x50", 200, 50}} {
		t.Run(size.name, func(t *testing.T) {
			h := start(t, e2eApp(store, actor), size.w, size.h)
			h.loaded()
			h.openTab("Metrics")
			screen := h.waitFor("the 2026 metrics", metricsLoaded(2026))
			checkFits(t, screen, size.w, size.h)
			plain := ansi.Strip(screen)
			for _, want := range []string{"Request metrics 2026", "Requests received per month", "█ access", "▓ deletion", "Jan", "Dec"} {
				if !strings.Contains(plain, want) {
					t.Errorf("screen lacks %q:\n%s", want, plain)
				}
			}
			if size.w >= 200 {
				for _, want := range []string{"Days to respond", "│ is the 45-day deadline", "denied: exempt", "on time: responded"} {
					if !strings.Contains(plain, want) {
						t.Errorf("screen lacks %q:\n%s", want, plain)
					}
				}
			}
			golden(t, h.settled())
		})
	}

	t.Run("year and scroll", func(t *testing.T) {
		h := start(t, e2eApp(store, actor), 80, 24)
		h.loaded()
		h.openTab("Metrics")
		h.waitFor("the 2026 metrics", metricsLoaded(2026))
		h.press("[")
		screen := ansi.Strip(h.waitFor("the 2025 metrics", metricsLoaded(2025)))
		if !strings.Contains(screen, "Request metrics 2025") {
			t.Fatalf("2025 not shown:\n%s", screen)
		}
		h.press("]", "G")
		screen = ansi.Strip(h.waitFor("the table at the bottom", func(a *App) bool {
			return metricsLoaded(2026)(a) && a.metricsPane().offset > 0
		}))
		if !strings.Contains(screen, "extensions used") {
			t.Fatalf("the bottom of the pane lacks the figure table:\n%s", screen)
		}
	})

	t.Run("the tenant scope", func(t *testing.T) {
		h := start(t, e2eApp(store, actor), 120, 40)
		h.loaded()
		h.openTab("Metrics")
		h.waitFor("the 2026 metrics", metricsLoaded(2026))
		all := 0
		h.waitFor("the total", func(a *App) bool { all = a.metricsPane().m.Total.Received; return true })
		h.press(":")
		h.typ("tenant oakridge-ca")
		h.press("enter")
		var one int
		h.waitFor("oakridge-ca's metrics", func(a *App) bool {
			p := a.metricsPane()
			one = p.m.Total.Received
			return metricsLoaded(2026)(a) && p.m.TenantID == "oakridge-ca"
		})
		if one == 0 || one >= all {
			t.Fatalf("oakridge-ca received %d of the %d of every tenant", one, all)
		}
	})

	t.Run("support has no metrics tab", func(t *testing.T) {
		a := appAs(t, store, "sam")
		if a.metricsPane() != nil {
			t.Fatal("support sees the metrics tab")
		}
	})
}
