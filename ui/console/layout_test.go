package console

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// longIDFixture is the fixture with the id shapes the console meets: the
// demo's R-2026-00001, a logged request's R-20261102-K3QF7M (requests
// logged the same day differ only at the end) and an import's IMP-+16 hex.
func longIDFixture(n int) (*fakeBackend, map[string]bool) {
	f := fixture(n)
	ids := map[string]bool{}
	for i := range f.reqs {
		switch i % 3 {
		case 1:
			f.reqs[i].ID = fmt.Sprintf("R-20261102-K3QF%02d", i)
		case 2:
			f.reqs[i].ID = fmt.Sprintf("IMP-0123456789ABCD%02d", i)
		}
		ids[f.reqs[i].ID] = true
	}
	return f, ids
}

// checkIDsWhole fails unless every request row on screen starts with a
// whole id, and the column header names id, type, status and due.
func checkIDsWhole(t *testing.T, screen string, ids map[string]bool, what string) {
	t.Helper()
	plain := ansi.Strip(screen)
	rows := 0
	for _, l := range strings.Split(plain, "\n") {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(l), "✓"))
		if len(f) == 0 || !(strings.HasPrefix(f[0], "R-") || strings.HasPrefix(f[0], "IMP-")) {
			continue
		}
		rows++
		if !ids[f[0]] {
			t.Errorf("%s: %q is not a whole id:\n%s", what, f[0], plain)
		}
	}
	if rows == 0 {
		t.Errorf("%s: no rows on screen:\n%s", what, plain)
	}
	for _, col := range []string{"ID", "TYPE", "DUE"} {
		if !strings.Contains(plain, " "+col) {
			t.Errorf("%s: column %s is missing:\n%s", what, col, plain)
		}
	}
}

// TestIDsNeverCut: at 80×24 and 200×50 the queue and the approvals show
// every id whole, other columns giving way, and keep type, status and due.
func TestIDsNeverCut(t *testing.T) {
	for _, size := range [][2]int{{MinWidth, MinHeight}, {200, 50}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			f, ids := longIDFixture(60)
			h := start(t, New(testConfig(f)), size[0], size[1])
			screen := h.loaded()
			checkIDsWhole(t, screen, ids, "queue")
			if !strings.Contains(ansi.Strip(screen), "STATUS") {
				t.Errorf("queue: no status column")
			}
			if !strings.Contains(ansi.Strip(screen), "awaiting approval") {
				t.Errorf("queue: status is cut:\n%s", ansi.Strip(screen))
			}
			checkFits(t, screen, size[0], size[1])
			h.press("tab")
			screen = h.waitFor("approvals", func(a *App) bool {
				p := a.approvals()
				return a.active == 1 && p.loaded && !p.loading
			})
			checkIDsWhole(t, screen, ids, "approvals")
			checkFits(t, screen, size[0], size[1])
		})
	}
}

func TestApprovalWidths(t *testing.T) {
	for _, idW := range []int{12, 17, 20} {
		for w := MinWidth; w <= 240; w++ {
			ws := approvalWidths(w, idW)
			used := len(ws) - 1
			for i, x := range ws {
				used += x
				if i < len(ws)-1 && x < approvalCols[i].min {
					t.Fatalf("width %d: column %q is %d, below its minimum", w, approvalCols[i].title, x)
				}
			}
			if used > w {
				t.Fatalf("ids %d, width %d: columns take %d", idW, w, used)
			}
			if ws[1] < idW {
				t.Fatalf("ids %d, width %d: id column is %d", idW, w, ws[1])
			}
		}
	}
}

// The header names an operator's scope: "all tenants" only to one who sees
// every tenant.
func TestHeaderNamesOperatorScope(t *testing.T) {
	for _, tc := range []struct {
		tenants []string
		want    string
	}{
		{nil, "all tenants"},
		{[]string{"oakridge-ca"}, "1 tenant: oakridge-ca"},
		{[]string{"oakridge-ca", "hamlin-county-oh", "pecan-ridge-tx"}, "3 tenants: oakridge-ca, hamlin-county-oh, pecan-ridge-tx"},
		{[]string{"a", "b", "c", "d", "e"}, "5 tenants: a, b, +3 more"},
	} {
		if got := scopeLabelOf(tc.tenants); got != tc.want {
			t.Errorf("scopeLabelOf(%v) = %q, want %q", tc.tenants, got, tc.want)
		}
	}
	cfg := testConfig(fixture(10))
	cfg.Actor.Operator.Tenants = []string{"oakridge-ca", "hamlin-county-oh", "pecan-ridge-tx"}
	h := start(t, New(cfg), 120, 30)
	header := strings.Split(ansi.Strip(h.loaded()), "\n")[0]
	if !strings.Contains(header, "3 tenants: oakridge-ca, hamlin-county-oh, pecan-ridge-tx") || strings.Contains(header, "all tenants") {
		t.Errorf("header does not name the operator's three tenants: %q", header)
	}
	// Where the names and the counts do not both fit, the counts stay and
	// the scope says how many tenants.
	h.resize(MinWidth, MinHeight)
	header = strings.Split(ansi.Strip(h.screen()), "\n")[0]
	if !strings.Contains(header, "│ 3 tenants │") || !strings.Contains(header, "due this week") {
		t.Errorf("narrow header: %q", header)
	}
}
