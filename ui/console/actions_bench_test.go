package console

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// The approval benchmarks drive a real program (teatest, 100×30) on the
// embedded database with the demo data, as privacy lead lee. Setup — the
// requests waiting on their Customer, the form filled in, the confirmation
// shown — runs with the timer stopped; what is timed is the last keystroke
// (enter on the confirmation's Approve button) until the screen no longer
// shows the request in the approvals list: the save (one claimed write per
// request), the in-place row refresh, and a render. Each run reports the
// median of its iterations.

// until polls the program, every 100µs at first (the harness's 5ms poll
// would blur a short wait), until cond holds; it is given the rendered screen.
func (h *harness) until(cond func(a *App, screen string) bool) {
	h.t.Helper()
	start := time.Now()
	for time.Since(start) < 120*time.Second {
		reply := make(chan probeResult, 1)
		h.tm.Send(probeMsg{cond: func(a *App) bool { return cond(a, a.View().Content) }, reply: reply})
		if r := <-reply; r.ok {
			return
		}
		// Each probe renders the screen on the program's goroutine; polling
		// a long wait as fast as a short one would steal the CPU the save
		// needs. The error this adds stays under 1% of the wait.
		time.Sleep(min(20*time.Millisecond, max(100*time.Microsecond, time.Since(start)/100)))
	}
	h.t.Fatalf("benchmark condition never held")
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func reportMedian(b *testing.B, ds []time.Duration) {
	if len(ds) > 0 {
		b.ReportMetric(float64(median(ds).Microseconds())/1000, "median-ms")
	}
}

// BenchmarkApproveKeystrokeToRow: one approval, keystroke to updated screen.
func BenchmarkApproveKeystrokeToRow(b *testing.B) {
	store, _ := seededStore(b)
	h := start(b, appAs(b, store, "lee"), 100, 30)
	h.loaded()
	h.press("tab")
	var took []time.Duration
	i := 0
	for b.Loop() {
		b.StopTimer()
		id := fmt.Sprintf("R-BENCH-%04d", i)
		i++
		awaiting(b, store, id, "oakridge-ca", 5)
		h.press("ctrl+r")
		h.selectApproval(id)
		h.press("a")
		h.waitFor("approve form", formOpen("Approve"))
		h.fill("evidence", "<bench@oakridge-ca.example>")
		h.press("ctrl+s")
		h.waitFor("confirmation", func(a *App) bool { p, ok := formOf(a); return ok && p.form.confirming })
		h.press("right")
		h.waitFor("approve focused", func(a *App) bool { p, ok := formOf(a); return ok && p.form.confirmOK })
		b.StartTimer()
		t0 := time.Now()
		h.press("enter")
		// The pane's own lines: the status line names the request for a
		// few seconds after the save.
		h.until(func(a *App, _ string) bool {
			return noForm(a) && a.active == 1 && !strings.Contains(a.approvals().View(), id)
		})
		took = append(took, time.Since(t0))
	}
	reportMedian(b, took)
}

// BenchmarkBulkApprove100: 100 marked requests of one tenant approved with
// one confirmation; timed until the results are on screen and every row
// has left the approvals list.
func BenchmarkBulkApprove100(b *testing.B) {
	store, _ := seededStore(b)
	h := start(b, appAs(b, store, "lee"), 100, 30)
	h.loaded()
	h.press("tab")
	var took []time.Duration
	round := 0
	for b.Loop() {
		b.StopTimer()
		var ids []string
		for j := range 100 {
			ids = append(ids, awaiting(b, store, fmt.Sprintf("R-BULK-%d-%03d", round, j), "hamlin-county-oh", 3).ID)
		}
		round++
		h.press("ctrl+r")
		// Marks are set directly: 100 space presses are not what is measured.
		h.waitFor("marked", func(a *App) bool {
			p := a.approvals()
			if p.loading {
				return false
			}
			for _, id := range ids {
				if !slices.ContainsFunc(p.rows, func(r approvalRow) bool { return r.req.ID == id }) {
					return false
				}
			}
			p.marks = map[string]bool{}
			for _, id := range ids {
				p.marks[id] = true
			}
			return true
		})
		h.press("a")
		h.waitFor("bulk form", formOpen("Approve 100 requests"))
		h.fill("evidence", "<bulk@hamlin-oh.example>")
		h.press("ctrl+s")
		h.waitFor("confirmation", func(a *App) bool { p, ok := formOf(a); return ok && p.form.confirming })
		h.press("right")
		h.waitFor("approve focused", func(a *App) bool { p, ok := formOf(a); return ok && p.form.confirmOK })
		b.StartTimer()
		t0 := time.Now()
		h.press("enter")
		h.until(func(a *App, screen string) bool {
			bp, ok := a.stack[len(a.stack)-1].(*bulkPane)
			if !ok || bp.body == nil || !strings.Contains(screen, "Results") {
				return false
			}
			p := a.approvals()
			return !slices.ContainsFunc(p.rows, func(r approvalRow) bool { return strings.HasPrefix(r.req.ID, "R-BULK-") })
		})
		took = append(took, time.Since(t0))
		b.StopTimer()
		for _, r := range h.bulkResults() {
			if !r.ok {
				b.Fatalf("%s refused: %s", r.id, r.msg)
			}
		}
		h.press("esc")
		h.waitFor("closed", noForm)
		b.StartTimer()
	}
	reportMedian(b, took)
}

func (h *harness) bulkResults() []bulkResult {
	var out []bulkResult
	h.waitFor("results", func(a *App) bool {
		if bp, ok := a.stack[len(a.stack)-1].(*bulkPane); ok {
			out = slices.Clone(bp.results)
		}
		return true
	})
	return out
}

// BenchmarkApproveApplyOnly is the controller's share of an approval: the
// same request, the same database, the same Apply call the form makes,
// without the program. The difference to BenchmarkApproveKeystrokeToRow is
// what the console adds (message passing, the row refresh, the render).
func BenchmarkApproveApplyOnly(b *testing.B) {
	store, _ := seededStore(b)
	lee := operatorActor(b, store, "lee")
	var took []time.Duration
	i := 0
	for b.Loop() {
		b.StopTimer()
		r := awaiting(b, store, fmt.Sprintf("R-APPLY-%04d", i), "oakridge-ca", 5)
		i++
		b.StartTimer()
		t0 := time.Now()
		_, err := store.Apply(context.Background(), lee, r.ID, r.Version, model.ActApprove, "", func(x *model.Request) error {
			x.Decision = &model.Decision{Approver: "Dana Whitfield", Method: "email", Evidence: "<bench@oakridge-ca.example>"}
			return nil
		})
		took = append(took, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
	}
	reportMedian(b, took)
}
