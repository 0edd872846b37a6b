package console

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// liveApp is the console as handle with live refresh on. The poll is
// short so the test does not wait on it; nothing depends on its length.
func liveApp(t testing.TB, store *db.Store, handle string) *App {
	return New(Config{
		Backend:  store,
		Actor:    operatorActor(t, store, handle),
		Keys:     keymap.Default(),
		Clock:    model.FixedClock{T: e2eNow()},
		NoColor:  true,
		LivePoll: 20 * time.Millisecond,
	})
}

// elsewhere is a second Store on the same database: another console.
func elsewhere(t testing.TB, store *db.Store) *db.Store {
	t.Helper()
	s, err := db.NewStore(store.Conn(), db.StoreOptions{Clock: model.FixedClock{T: e2eNow()}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (h *harness) livePolled() {
	h.t.Helper()
	h.waitFor("the first live poll", func(a *App) bool { return a.ctx.live.based })
}

// setOperator changes handle's record as the admin ada, through store.
func setOperator(t testing.TB, store *db.Store, handle string, change func(*model.Operator)) {
	t.Helper()
	ctx := context.Background()
	op, err := store.Operator(ctx, handle)
	if err != nil {
		t.Fatal(err)
	}
	change(&op)
	if err := store.PutOperator(ctx, operatorActor(t, store, "ada"), op); err != nil {
		t.Fatal(err)
	}
}

// TestLiveE2E: changes made through a second Store reach an open console
// with no key pressed, by its poll.
func TestLiveE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds an embedded database")
	}
	store, _ := seededStore(t)
	other := elsewhere(t, store)
	ctx := context.Background()

	t.Run("a request logged elsewhere appears in the queue, the cursor stays, the row is marked", func(t *testing.T) {
		h := start(t, liveApp(t, store, "lee"), 120, 40)
		h.loaded()
		h.livePolled()
		// Below the failed requests, which sort first whatever their due.
		h.press("down", "down", "down", "down", "down", "down")
		var before string
		var rowsBefore int
		h.waitFor("the cursor on the seventh row", func(a *App) bool {
			before, _ = a.queue().selectedID()
			rowsBefore = len(a.queue().rows)
			return a.queue().cursor == 6
		})
		// Received long ago: overdue, so it sorts above the cursor and
		// every row under it moves down one.
		sam := operatorActor(t, other, "sam")
		if _, err := other.CreateRequest(ctx, sam, model.Request{ID: "R-LIVE-1", TenantID: "oakridge-ca", Type: model.TypeDeletion,
			Channel: model.ChannelEmail, Requester: model.Person{Name: "Live Case", Email: "live@example.org"}, ResidencyState: "CA",
			ReceivedAt: e2eNow().AddDate(0, 0, -200)}); err != nil {
			t.Fatal(err)
		}
		var line string
		screen := h.waitFor("R-LIVE-1 in the queue", func(a *App) bool {
			q := a.queue()
			i := slices.IndexFunc(q.rows, func(r row) bool { return r.key == "R-LIVE-1" })
			if i < 0 || q.loading {
				return false
			}
			line = ansi.Strip(q.rowLine(&q.rows[i], false, q.now()))
			return true
		})
		var after string
		var rowsAfter, cursor int
		h.waitFor("the selection", func(a *App) bool {
			after, _ = a.queue().selectedID()
			rowsAfter, cursor = len(a.queue().rows), a.queue().cursor
			return true
		})
		if after != before {
			t.Errorf("the cursor moved from %s to %s when the queue refreshed", before, after)
		}
		if rowsAfter != rowsBefore+1 || cursor != 7 {
			t.Errorf("rows %d → %d, cursor at %d; want one more row, above the cursor (row 8)", rowsBefore, rowsAfter, cursor+1)
		}
		if !strings.HasPrefix(line, liveGlyph) {
			t.Errorf("the new row is not marked as changed by someone else: %q", line)
		}
		plain := ansi.Strip(screen)
		if !strings.Contains(plain, "updated 0 s ago") {
			t.Errorf("the footer does not say how old the screen is:\n%s", plain)
		}
		if strings.Contains(plain, "R-LIVE-1") && !strings.Contains(plain, liveGlyph+"R-LIVE-1") && !strings.Contains(plain, liveGlyph) {
			t.Errorf("R-LIVE-1 is on screen without its mark:\n%s", plain)
		}
	})

	t.Run("an open form warns when its request changes underneath; detail and approvals follow", func(t *testing.T) {
		r := awaiting(t, store, "R-LIVE-2", "oakridge-ca", 3)
		h := start(t, liveApp(t, store, "lee"), 120, 40)
		h.loaded()
		h.livePolled()
		h.openDetail(r.ID)
		h.press("N")
		h.waitFor("the note form", func(a *App) bool { _, ok := formOf(a); return ok })
		lou := operatorActor(t, other, "lou")
		if _, err := other.Apply(ctx, lou, r.ID, r.Version, model.ActNote, "called the clerk", nil); err != nil {
			t.Fatal(err)
		}
		screen := ansi.Strip(h.waitFor("the warning", func(a *App) bool {
			p, ok := formOf(a)
			return ok && p.warn != ""
		}))
		if !strings.Contains(screen, "R-LIVE-2 changed since you opened this form") || !strings.Contains(screen, "by lou") {
			t.Errorf("the form does not warn that lou changed R-LIVE-2:\n%s", screen)
		}
		h.press("esc")
		h.waitFor("the detail at lou's version", func(a *App) bool {
			d, ok := a.stack[len(a.stack)-1].(*detailPane)
			return ok && d.req != nil && d.req.Version > r.Version
		})
		screen = ansi.Strip(h.screen())
		if !strings.Contains(screen, "just changed by lou") {
			t.Errorf("the detail does not say who changed it:\n%s", screen)
		}
	})

	t.Run("an approval elsewhere takes the row off the approvals pane, the cursor stays on its row", func(t *testing.T) {
		r := awaiting(t, store, "R-LIVE-3", "oakridge-ca", 4)
		h := start(t, liveApp(t, store, "lee"), 120, 40)
		h.loaded()
		h.livePolled()
		h.press("tab")
		h.selectApproval(r.ID)
		var keep string
		h.waitFor("another row selected", func(a *App) bool {
			p := a.approvals()
			for i, row := range p.rows {
				if row.req.ID != r.ID {
					p.cursor, keep = i, row.req.ID
					p.ensureVisible()
					return true
				}
			}
			return false
		})
		lou := operatorActor(t, other, "lou")
		if _, err := other.Apply(ctx, lou, r.ID, r.Version, model.ActApprove, "", func(x *model.Request) error {
			x.Decision = &model.Decision{Approver: "Dana Whitfield", Method: "email", Evidence: "<live@oakridge-ca.example>"}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		h.waitFor("R-LIVE-3 gone from approvals, the cursor still on "+keep, func(a *App) bool {
			p := a.approvals()
			gone := !slices.ContainsFunc(p.rows, func(row approvalRow) bool { return row.req.ID == r.ID })
			sel, ok := p.selected()
			return gone && !p.loading && ok && sel.req.ID == keep
		})
	})

	t.Run("a role change applies to the open session", func(t *testing.T) {
		h := start(t, liveApp(t, store, "sid"), 120, 40)
		h.loaded()
		h.livePolled()
		setOperator(t, other, "sid", func(op *model.Operator) { op.Role = model.RoleEngineer })
		t.Cleanup(func() { setOperator(t, other, "sid", func(op *model.Operator) { op.Role = model.RoleSupport }) })
		screen := ansi.Strip(h.waitFor("sid an engineer", func(a *App) bool {
			return a.ctx.Actor.Operator.Role == model.RoleEngineer && a.ctx.ReadOnly
		}))
		if !strings.Contains(screen, "your account was changed") || !strings.Contains(screen, "role engineer") {
			t.Errorf("the status line does not say the account changed:\n%s", screen)
		}
	})

	t.Run("the health view follows an audit verify run elsewhere", func(t *testing.T) {
		h := start(t, liveApp(t, store, "lee"), 120, 40)
		h.loaded()
		h.livePolled()
		h.typ(":health")
		h.press("enter")
		screen := ansi.Strip(h.waitFor("the health report", func(a *App) bool {
			p, ok := a.view().(*healthPane)
			return ok && p.report != nil
		}))
		if !strings.Contains(screen, "never run") {
			t.Fatalf("before any verify, health does not say it never ran:\n%s", screen)
		}
		if _, err := other.VerifyAudit(ctx, nil); err != nil {
			t.Fatal(err)
		}
		screen = ansi.Strip(h.waitFor("health to show the verify", func(a *App) bool {
			p, ok := a.view().(*healthPane)
			return ok && p.report != nil && p.report.Verify != nil
		}))
		if strings.Contains(screen, "never run") {
			t.Errorf("health still says verify never ran, with no key pressed:\n%s", screen)
		}
	})

	t.Run("disabling the operator ends the session with a message", func(t *testing.T) {
		a := liveApp(t, store, "sam")
		h := start(t, a, 120, 40)
		h.loaded()
		h.livePolled()
		setOperator(t, other, "sam", func(op *model.Operator) { op.Disabled = true })
		t.Cleanup(func() { setOperator(t, other, "sam", func(op *model.Operator) { op.Disabled = false }) })
		h.tm.WaitFinished(t, teatest.WithFinalTimeout(60*time.Second))
		why := h.tm.FinalModel(t).(*App).Ended()
		if !strings.Contains(why, "your operator account was disabled by ada") {
			t.Errorf("the session ended with %q; want it to say ada disabled the account", why)
		}
	})
}
