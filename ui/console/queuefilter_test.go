package console

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/custodian-dev/custodian/model"
)

// TestQueueFilterTerms: / combines words and terms with AND, and every row
// it keeps answers each term; an unknown key shows a message naming the
// accepted keys and no rows, and esc brings every row back.
func TestQueueFilterTerms(t *testing.T) {
	for _, tc := range []struct {
		query string
		keep  func(r *row, days int) bool
	}{
		{"assignee:me", func(r *row, _ int) bool { return r.cells[colAssignee] == "ana" }},
		{"assignee:none deletion", func(r *row, _ int) bool {
			return r.cells[colAssignee] == "-" && strings.Contains(r.hay, "deletion")
		}},
		{"type:deletion", func(r *row, _ int) bool { return r.rules.Type == model.TypeDeletion }},
		{"overdue", func(r *row, days int) bool { return days < 0 }},
		{"due<20d type:access", func(r *row, days int) bool { return days < 20 && r.rules.Type == model.TypeAccess }},
		{"due>30d", func(r *row, days int) bool { return days > 30 }},
		{"status:verifying assignee:ben", func(r *row, _ int) bool {
			return r.rules.Status == model.StatusVerifying && r.cells[colAssignee] == "ben"
		}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			h := start(t, New(testConfig(fixture(60))), 120, 80)
			h.loaded()
			h.press("/")
			h.typ(tc.query)
			var shown, total int
			h.waitFor("the filter", func(a *App) bool {
				q := a.queue()
				if q.query != tc.query {
					return false
				}
				shown, total = len(q.vis), len(q.rows)
				for _, i := range q.vis {
					r := &q.rows[i]
					days, _ := urgency(q.now(), r.due, r.tenant.Location())
					if !tc.keep(r, days) {
						t.Errorf("%s kept %s (%d days, %s)", tc.query, r.id, days, strings.ReplaceAll(r.hay, "\x00", " | "))
					}
				}
				return true
			})
			if shown == 0 || shown >= total {
				t.Errorf("%q keeps %d of %d rows: the test proves nothing", tc.query, shown, total)
			}
		})
	}

	t.Run("unknown key", func(t *testing.T) {
		h := start(t, New(testConfig(fixture(20))), 80, 24)
		h.loaded()
		h.press("/")
		h.typ("owner:ben")
		screen := h.waitFor("the message", func(a *App) bool { return a.queue().filterErr != "" })
		plain := strings.Join(strings.Fields(ansi.Strip(screen)), " ")
		for _, w := range []string{`unknown filter "owner:"`, "assignee:", "type:", "status:", "tenant:", "overdue"} {
			if !strings.Contains(plain, w) {
				t.Errorf("screen does not say %q:\n%s", w, ansi.Strip(screen))
			}
		}
		if ids := rowOrder(screen); len(ids) != 0 {
			t.Errorf("rows shown under a filter that means nothing: %v", ids)
		}
		checkFits(t, screen, 80, 24)
		h.press("esc")
		h.waitFor("every row back", func(a *App) bool { q := a.queue(); return q.filterErr == "" && len(q.vis) == len(q.rows) })
	})
}
