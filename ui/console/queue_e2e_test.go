package console

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/dbtest"
	"github.com/custodian-dev/custodian/db/demo"
	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// e2eNow() is the instant the demo data is generated at and the console
// runs at, so every date and countdown on screen is the same on every run.
func e2eNow() time.Time { return time.Date(2026, time.November, 2, 17, 0, 0, 0, time.UTC) }

// seededStore is a real embedded database with the demo dataset, and the
// privacy lead the console runs as.
func seededStore(t testing.TB) (*db.Store, model.Actor) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	conn := dbtest.New(t)
	clock := model.FixedClock{T: e2eNow()}
	store, err := db.NewStore(conn, db.StoreOptions{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Seed(ctx, store, db.SeedOptions{Subjects: 300, Requests: 160, Clock: clock}); err != nil {
		t.Fatalf("seed: %v", err)
	}
	op, err := store.Operator(ctx, "lee")
	if err != nil {
		t.Fatal(err)
	}
	return store, model.Actor{Operator: op, Origin: "test"}
}

func e2eApp(store *db.Store, actor model.Actor) *App {
	return New(Config{
		Backend: store,
		Actor:   actor,
		Keys:    keymap.Default(),
		Clock:   model.FixedClock{T: e2eNow()},
		NoColor: true,
		// Live refresh off: these tests write through the console they
		// watch and wait for exact states; live_e2e_test.go turns it on.
		LivePoll: -1,
	})
}

// golden compares the screen, without styling, to testdata/<test>.golden
// (go test ./ui/console -run E2E -update rewrites them).
func golden(t *testing.T, screen string) {
	t.Helper()
	teatest.RequireEqualOutput(t, []byte(ansi.Strip(screen)))
}

func detailLoaded(a *App) bool {
	return len(a.stack) == 1 && a.stack[0].(*detailPane).req != nil && !a.stack[0].(*detailPane).loading
}

// TestQueueE2E drives the console against a seeded embedded database. The
// subtests share one database; the one that writes (refresh) runs last.
func TestQueueE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds an embedded database")
	}
	store, actor := seededStore(t)

	t.Run("filter", func(t *testing.T) {
		h := start(t, e2eApp(store, actor), 120, 40)
		h.loaded()
		total := 0
		h.waitFor("count", func(a *App) bool { total = len(a.queue().rows); return true })
		h.press("/")
		h.typ("sonoma")
		screen := h.waitFor("filtered", func(a *App) bool { return a.queue().query == "sonoma" })
		shown := 0
		h.waitFor("count", func(a *App) bool { shown = len(a.queue().vis); return true })
		if shown == 0 || shown >= total {
			t.Fatalf("filter shows %d of %d", shown, total)
		}
		for _, l := range strings.Split(ansi.Strip(screen), "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "R-") && !strings.Contains(l, "sonoma") {
				t.Errorf("row outside the filter: %s", l)
			}
		}
		golden(t, h.settled())
	})

	t.Run("sort", func(t *testing.T) {
		h := start(t, e2eApp(store, actor), 120, 40)
		before := rowOrder(h.loaded())
		h.press("s", "s", "s") // due → received → status → tenant
		screen := h.waitFor("sorted by tenant", func(a *App) bool { return a.queue().sort == sortTenant })
		after := rowOrder(screen)
		if slices.Equal(before, after) {
			t.Fatalf("sorting by tenant did not change the order")
		}
		var tenants []string
		h.waitFor("tenants", func(a *App) bool {
			q := a.queue()
			for _, i := range q.vis {
				tenants = append(tenants, q.rows[i].cells[colTenant])
			}
			return true
		})
		if !slices.IsSorted(tenants) {
			t.Errorf("rows are not in tenant order")
		}
		h.press("S")
		rev := h.waitFor("reversed", func(a *App) bool { return a.queue().desc && a.status == "sorted by tenant, descending" })
		if got := rowOrder(rev); slices.Equal(got, after) {
			t.Errorf("S did not reverse the order")
		}
		golden(t, h.settled())
	})

	t.Run("detail", func(t *testing.T) {
		h := start(t, e2eApp(store, actor), 120, 40)
		h.loaded()
		h.press("j", "j", "j", "j")
		var id string
		h.waitFor("row 5", func(a *App) bool { id, _ = a.queue().selectedID(); return a.queue().cursor == 4 })
		h.press("enter")
		screen := h.waitFor("detail", detailLoaded)
		if !strings.Contains(screen, id+" ·") {
			t.Errorf("detail is not of %s", id)
		}
		golden(t, h.settled())
		h.press("esc")
		h.waitFor("back with the same selection", func(a *App) bool {
			got, _ := a.queue().selectedID()
			return len(a.stack) == 0 && got == id && a.queue().cursor == 4
		})
	})

	t.Run("help", func(t *testing.T) {
		h := start(t, e2eApp(store, actor), MinWidth, MinHeight)
		h.loaded()
		h.press("?")
		screen := h.waitFor("help", func(a *App) bool { return a.help })
		km := keymap.Default()
		plain := ansi.Strip(screen)
		for _, b := range km.All() {
			if !slices.Contains([]string{keymap.GroupGlobal, keymap.GroupNavigation, keymap.GroupQueue}, b.Group) {
				continue
			}
			hk := km.Binding(b.Action).Help()
			if !strings.Contains(plain, hk.Key) || !strings.Contains(plain, hk.Desc) {
				t.Errorf("help lacks %s: %s %s", b.Action, hk.Key, hk.Desc)
			}
		}
		checkFits(t, screen, MinWidth, MinHeight)
		golden(t, h.settled())
	})

	t.Run("palette", func(t *testing.T) {
		h := start(t, e2eApp(store, actor), 120, 40)
		h.loaded()
		h.press(":")
		h.typ("tenant bayshore")
		h.press("enter")
		screen := h.waitFor("scoped", func(a *App) bool {
			return a.ctx.Scope == "bayshore-ca" && a.queue().loaded && !a.queue().loading && allTenant(a, "bayshore-ca")
		})
		if !strings.Contains(strings.Split(ansi.Strip(screen), "\n")[0], "City of Bayshore") {
			t.Errorf("header does not name the tenant")
		}
		golden(t, h.settled())
		h.press(":")
		h.typ("frobnicate")
		h.press("enter")
		screen = h.waitFor("unknown", func(a *App) bool { return a.statusErr })
		if !strings.Contains(ansi.Strip(screen), `unknown command "frobnicate"`) {
			t.Errorf("unknown command not named on the status line")
		}
	})

	t.Run("resize", func(t *testing.T) {
		for _, size := range [][2]int{{MinWidth, MinHeight}, {200, 50}} {
			t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
				h := start(t, e2eApp(store, actor), 120, 40)
				h.loaded()
				h.resize(size[0], size[1])
				screen := h.settled()
				checkFits(t, screen, size[0], size[1])
				golden(t, screen)
				h.press("enter")
				screen = h.waitFor("detail", detailLoaded)
				checkFits(t, screen, size[0], size[1])
				h.press("esc", "?")
				checkFits(t, h.waitFor("help", func(a *App) bool { return a.help }), size[0], size[1])
			})
		}
	})

	t.Run("hostile", func(t *testing.T) {
		ctx := context.Background()
		// The seed already carries hostile names, notes and corrections; add
		// one more request with a payload in every field a caller may set.
		for i, p := range demo.HostileStrings()[:6] {
			r := model.Request{
				ID: fmt.Sprintf("R-HOSTILE-%d", i), TenantID: "oakridge-ca", Type: model.TypeRectification,
				Channel: model.ChannelWeb, ExternalRef: p, ResidencyState: p,
				Requester:   model.Person{Name: p, Email: p, Phone: p},
				Agent:       &model.Agent{Person: model.Person{Name: p, Email: p}, Organization: p, PermissionEvidence: p},
				Corrections: map[string]string{p: p},
				ReceivedAt:  e2eNow().Add(-time.Duration(i) * time.Hour),
			}
			if _, err := store.CreateRequest(ctx, actor, r); err != nil {
				t.Fatalf("create hostile request: %v", err)
			}
			if _, err := store.Transition(ctx, actor, r.ID, 1, model.ActNote, p); err != nil {
				t.Fatalf("note: %v", err)
			}
		}
		reqs, err := store.Queue(ctx, actor, model.QueueFilter{Limit: 5000})
		if err != nil {
			t.Fatal(err)
		}
		// Open the requests whose list rows carry hostile text (notes and
		// history are not in list rows, but the ones created above have
		// hostile notes too), and a few that do not: the embedded database
		// reads each detail with a full scan.
		var open []string
		for i, r := range reqs {
			if slices.ContainsFunc(allStrings(reflect.ValueOf(r)), func(s string) bool {
				return strings.ContainsAny(s, "\x1b\r\b\x07\u009b\u202e\u2066")
			}) || i < 5 {
				open = append(open, r.ID)
			}
		}
		if len(open) < 6+5 {
			t.Fatalf("only %d requests carry hostile text: the test would prove nothing", len(open)-5)
		}
		t.Logf("opening %d of %d requests", len(open), len(reqs))
		for _, size := range [][2]int{{MinWidth, MinHeight}, {200, 50}} {
			w, hh := size[0], size[1]
			a := e2eApp(store, actor)
			a.setTheme(plainTheme())
			h := start(t, a, w, hh)
			h.loaded()
			for range len(reqs)/(hh-5) + 1 {
				s := h.screen()
				assertPlain(t, s)
				checkFits(t, s, w, hh)
				h.press("pgdown")
			}
			for _, id := range open {
				h.tm.Send(openRequestMsg{id: id})
				var content string
				s := h.waitFor("detail "+id, func(a *App) bool {
					if !detailLoaded(a) {
						return false
					}
					content = a.stack[0].(*detailPane).content()
					return true
				})
				assertPlain(t, s)
				assertPlain(t, content)
				checkFits(t, s, w, hh)
				h.press("G")
				s = h.screen()
				assertPlain(t, s)
				checkFits(t, s, w, hh)
				h.press("esc")
				h.waitFor("closed", func(a *App) bool { return len(a.stack) == 0 })
				if t.Failed() {
					t.Fatalf("%s at %dx%d:\n%s", id, w, hh, ansi.Strip(s))
				}
			}
		}
	})

	t.Run("refresh", func(t *testing.T) {
		ctx := context.Background()
		h := start(t, e2eApp(store, actor), 120, 40)
		h.loaded()
		h.press("j", "j", "j", "j", "j", "j")
		var id string
		h.waitFor("row 7", func(a *App) bool { id, _ = a.queue().selectedID(); return a.queue().cursor == 6 })
		// New requests received long ago are now the most overdue: they go
		// to the top and push the selected row down.
		for i := range 3 {
			r := model.Request{
				ID: fmt.Sprintf("R-LATE-%d", i), TenantID: "hamlin-county-oh", Type: model.TypeAccess,
				Channel: model.ChannelMail, Requester: model.Person{Name: "Late Letter"},
				ReceivedAt: e2eNow().AddDate(0, 0, -120+i),
			}
			if _, err := store.CreateRequest(ctx, actor, r); err != nil {
				t.Fatal(err)
			}
		}
		h.press("ctrl+r")
		screen := h.waitFor("reloaded, same request selected", func(a *App) bool {
			q := a.queue()
			got, _ := q.selectedID()
			return !q.loading && slices.ContainsFunc(q.rows, func(r row) bool { return r.id == "R-LATE-0" }) && got == id
		})
		h.waitFor("moved down", func(a *App) bool {
			if a.queue().cursor != 9 {
				t.Errorf("selected row is at %d, want 9 (three new rows above it)", a.queue().cursor)
			}
			return true
		})
		// Failed requests come first (they need action now), then the
		// due order, where the new ones are the most overdue.
		got := rowOrder(screen)
		failed := 0
		for _, r := range a0rows(h) {
			if r.status == model.StatusFailed {
				failed++
			}
		}
		if len(got) < failed+3 || !strings.HasPrefix(got[failed], "R-LATE-") {
			t.Errorf("the new, most overdue requests do not follow the %d failed ones: %v", failed, got[:min(failed+3, len(got))])
		}
		golden(t, h.settled())
	})
}

// allStrings collects every string inside v: fields, slices, maps, pointers.
func allStrings(v reflect.Value) []string {
	switch v.Kind() {
	case reflect.String:
		return []string{v.String()}
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return allStrings(v.Elem())
	case reflect.Struct:
		var out []string
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				out = append(out, allStrings(v.Field(i))...)
			}
		}
		return out
	case reflect.Slice, reflect.Array:
		var out []string
		for i := range v.Len() {
			out = append(out, allStrings(v.Index(i))...)
		}
		return out
	case reflect.Map:
		var out []string
		for it := v.MapRange(); it.Next(); {
			out = append(out, allStrings(it.Key())...)
			out = append(out, allStrings(it.Value())...)
		}
		return out
	}
	return nil
}

// a0rows are the queue's rows in display order.
func a0rows(h *harness) []row {
	var out []row
	h.waitFor("the rows", func(a *App) bool {
		q := a.queue()
		out = out[:0]
		for _, i := range q.vis {
			out = append(out, q.rows[i])
		}
		return true
	})
	return out
}
