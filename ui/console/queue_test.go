package console

import (
	"cmp"
	"errors"
	"fmt"
	"image/color"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// Columns fit every width; the id is never cut (R-2026-00001, a logged
// R-20261102-K3QF7M, an imported IMP-+16 hex digits); id, type, status and
// due always show; and at the minimum width status keeps its whole label.
func TestLayoutColumnsFitEveryWidth(t *testing.T) {
	for _, idW := range []int{12, 17, 20} {
		cols := fitIDColumn(queueColumns(), idW)
		for w := MinWidth; w <= 400; w++ {
			widths := layoutColumns(cols, w)
			used, shown := gutter-1, 0
			for i, c := range cols {
				if widths[i] == 0 {
					if !c.optional && c.giveWay == 0 {
						t.Fatalf("width %d: column %s hidden", w, c.title)
					}
					continue
				}
				if widths[i] < c.min || widths[i] > c.max {
					t.Fatalf("width %d: column %s is %d, want %d..%d", w, c.title, widths[i], c.min, c.max)
				}
				used += widths[i] + 1
				shown++
			}
			if used > w {
				t.Fatalf("width %d: columns need %d cells", w, used)
			}
			if widths[colID] < idW {
				t.Fatalf("width %d: ids of %d cells get a column of %d", w, idW, widths[colID])
			}
			if got := widths[colStatus]; got < len("awaiting approval") {
				t.Errorf("ids %d wide, width %d: status column is %d wide; \"awaiting approval\" is cut", idW, w, got)
			}
		}
		// At 200 columns nothing gives way.
		for i, wd := range layoutColumns(cols, 200) {
			if wd == 0 {
				t.Errorf("ids %d wide: column %s hidden at 200 columns", idW, cols[i].title)
			}
		}
	}
	// An id wider than the terminal is cut rather than losing status.
	cols := fitIDColumn(queueColumns(), 200)
	widths := layoutColumns(cols, MinWidth)
	if widths[colStatus] == 0 || widths[colType] == 0 || widths[colDue] == 0 || widths[colID] == 0 {
		t.Errorf("a huge id pushed out a column that must show: %v", widths)
	}
}

func TestDaysLabel(t *testing.T) {
	for _, tc := range []struct {
		days int
		want string
	}{{0, "today"}, {3, "3d"}, {-5, "-5d"}, {45, "45d"}} {
		if got := daysLabel(tc.days); got != tc.want {
			t.Errorf("daysLabel(%d) = %q, want %q", tc.days, got, tc.want)
		}
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1000000: "1,000,000", -12345: "-12,345"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

// The harness's keys must be the keys the keymap matches, or every other
// test here would be testing nothing.
func TestKeyMsgMatchesKeymap(t *testing.T) {
	km := keymap.Default()
	for _, b := range km.All() {
		for _, k := range b.Keys {
			if got := keyMsg(k).String(); got != k {
				t.Errorf("keyMsg(%q).String() = %q", k, got)
			}
			if !km.Matches(keyMsg(k), b.Action) {
				t.Errorf("key %q does not trigger %s", k, b.Action)
			}
		}
	}
}

func TestQueueFilterNarrowsRows(t *testing.T) {
	for _, tc := range []struct {
		query string
		// every shown row must contain want (case-insensitively)
		want string
	}{
		{"hamlin", "hamlin"},
		{"CHILD", "child"},
		{"awaiting", "awaiting approval"},
		{"chidi", "chidi"},
		{"R-2026-0001", "r-2026-0001"},
		{"agent", "agent"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			h := start(t, New(testConfig(fixture(40))), 120, 60)
			all := rowOrder(h.loaded())
			h.press("/")
			h.typ(tc.query)
			screen := h.waitFor("the filter", func(a *App) bool { return a.queue().query == strings.ToLower(tc.query) })
			rows := rowOrder(screen)
			if len(rows) == 0 || len(rows) >= len(all) {
				t.Fatalf("filter %q shows %d of %d rows", tc.query, len(rows), len(all))
			}
			for _, l := range strings.Split(ansi.Strip(screen), "\n") {
				if strings.HasPrefix(strings.TrimSpace(l), "R-") && !strings.Contains(strings.ToLower(l), tc.want) {
					t.Errorf("row does not match %q: %s", tc.query, l)
				}
			}
			if !strings.Contains(ansi.Strip(screen), "/"+tc.query) {
				t.Errorf("filter text not shown")
			}
			// enter keeps the filter and gives the keys back; esc clears it.
			h.press("enter")
			screen = h.waitFor("filter kept", func(a *App) bool { return !a.queue().Capturing() })
			if got := rowOrder(screen); !slices.Equal(got, rows) {
				t.Errorf("enter changed the rows")
			}
			if !strings.Contains(ansi.Strip(screen), "filter /"+tc.query) {
				t.Errorf("kept filter not shown in the footer:\n%s", ansi.Strip(screen))
			}
			h.press("esc")
			screen = h.waitFor("filter cleared", func(a *App) bool { return a.queue().query == "" })
			if got := rowOrder(screen); !slices.Equal(got, all) {
				t.Errorf("esc did not restore every row")
			}
		})
	}
}

// q typed into the filter is text, not quit.
func TestFilterCapturesGlobalKeys(t *testing.T) {
	h := start(t, New(testConfig(fixture(40))), 120, 40)
	h.loaded()
	h.press("/")
	h.typ("q?:T")
	h.waitFor("q typed", func(a *App) bool {
		return a.queue().input.Value() == "q?:T" && !a.help && !a.palette.open
	})
	h.press("esc")
	h.press("?")
	h.waitFor("help after leaving the filter", func(a *App) bool { return a.help })
}

func TestFilterPaste(t *testing.T) {
	h := start(t, New(testConfig(fixture(40))), 120, 40)
	h.loaded()
	h.press("/")
	h.tm.Send(tea.PasteMsg{Content: "oak\x1b[31m\u202eridge\u2066"})
	got := h.waitFor("pasted filter", func(a *App) bool { return a.queue().query != "" })
	if strings.Contains(got, "\x1b[31m") || strings.ContainsAny(got, "\u202e\u2066") {
		t.Errorf("pasted controls reached the screen")
	}
	h.press("esc", ":")
	h.tm.Send(tea.PasteMsg{Content: "open R-2026-00001\u202e"})
	got = h.waitFor("pasted command", func(a *App) bool { return strings.HasPrefix(a.palette.input.Value(), "open") })
	if strings.ContainsAny(got, "\u202e") {
		t.Errorf("pasted bidi override reached the palette")
	}
	h.press("enter")
	h.waitFor("pasted id opens", func(a *App) bool { return detailLoaded(a) })
}

func TestQueueSortCyclesAndReverses(t *testing.T) {
	h := start(t, New(testConfig(fixture(40))), 140, 60)
	h.loaded()
	order := func(a *App) []row {
		q := a.queue()
		out := make([]row, len(q.vis))
		for i, ri := range q.vis {
			out[i] = q.rows[ri]
		}
		return out
	}
	checks := []struct {
		name   string
		key    string
		header string
		less   func(a, b row) bool // a must not sort after b
	}{
		{"received", "s", "RECEIVED▲", func(a, b row) bool { return !a.received.After(b.received) }},
		{"status", "s", "STATUS▲", func(a, b row) bool { return a.statusIdx <= b.statusIdx }},
		{"tenant", "s", "TENANT▲", func(a, b row) bool { return a.cells[colTenant] <= b.cells[colTenant] }},
		{"type", "s", "TYPE▲", func(a, b row) bool { return a.cells[colType] <= b.cells[colType] }},
		{"id", "s", "ID▲", func(a, b row) bool { return a.id <= b.id }},
		{"id reversed", "S", "ID▼", func(a, b row) bool { return a.id >= b.id }},
		// Failed rows first, then by due date (model.CompareFailedFirst).
		{"due reversed", "s", "DUE▼", func(a, b row) bool {
			return cmp.Or(model.CompareFailedFirst(a.status, b.status), a.due.Compare(b.due)) >= 0
		}},
		{"due", "S", "DUE▲", func(a, b row) bool {
			return cmp.Or(model.CompareFailedFirst(a.status, b.status), a.due.Compare(b.due)) <= 0
		}},
	}
	prev := rowOrder(h.screen())
	for _, c := range checks {
		h.press(c.key)
		var rows []row
		screen := h.waitFor(c.name, func(a *App) bool {
			rows = order(a)
			return strings.Contains(ansi.Strip(a.View().Content), c.header)
		})
		for i := 1; i < len(rows); i++ {
			if !c.less(rows[i-1], rows[i]) {
				t.Errorf("%s: %s before %s", c.name, rows[i-1].id, rows[i].id)
			}
		}
		got := rowOrder(screen)
		if slices.Equal(got, prev) {
			t.Errorf("%s: order did not change", c.name)
		}
		prev = got
	}
}

func TestEnterOpensDetailEscReturns(t *testing.T) {
	h := start(t, New(testConfig(fixture(40))), 120, 40)
	h.loaded()
	h.press("j", "j", "j")
	var id string
	h.waitFor("cursor on row 4", func(a *App) bool {
		id, _ = a.queue().selectedID()
		return a.queue().cursor == 3
	})
	h.press("enter")
	var plain string
	screen := h.waitFor("detail", func(a *App) bool {
		if len(a.stack) != 1 || a.stack[0].(*detailPane).req == nil {
			return false
		}
		plain = ansi.Strip(a.stack[0].(*detailPane).content())
		return true
	})
	plain += ansi.Strip(screen)
	for _, want := range []string{id, "Deadlines", "acknowledgement", "legal response", "custodian", "◀ next",
		"Requester", "Verification", "Customer decision", "Flags", "Notes", "Timeline"} {
		if !strings.Contains(plain, want) {
			t.Errorf("detail lacks %q", want)
		}
	}
	h.press("G", "k", "esc")
	h.waitFor("back on the queue with the same row", func(a *App) bool {
		got, _ := a.queue().selectedID()
		return len(a.stack) == 0 && got == id && a.queue().cursor == 3
	})
}

func TestDetailScrolls(t *testing.T) {
	f := fixture(40)
	f.mutate(func(f *fakeBackend) {
		for i := range 30 {
			f.reqs[0].History = append(f.reqs[0].History, model.Event{At: testNow(), Actor: "ben", Role: model.RoleSupport,
				Action: model.ActNote, Reason: fmt.Sprintf("event %d", i)})
		}
	})
	a := New(testConfig(f))
	h := start(t, a, 100, 30)
	h.loaded()
	h.tm.Send(openRequestMsg{id: f.reqs[0].ID})
	h.waitFor("detail", func(a *App) bool { return len(a.stack) == 1 && a.stack[0].(*detailPane).req != nil })
	h.press("G")
	screen := h.waitFor("bottom", func(a *App) bool { return a.stack[0].(*detailPane).vp.AtBottom() })
	if !strings.Contains(screen, "event 29") {
		t.Errorf("bottom of the detail does not show the last event:\n%s", ansi.Strip(screen))
	}
	h.press("g")
	h.waitFor("top", func(a *App) bool { return a.stack[0].(*detailPane).vp.AtTop() })
	h.press("pgdown")
	h.waitFor("paged", func(a *App) bool { return a.stack[0].(*detailPane).vp.YOffset() > 0 })
}

func TestHelpShowsEveryBindingOfThePane(t *testing.T) {
	km := keymap.Default()
	for _, tc := range []struct {
		name string
		open bool
		pane keymap.Pane
	}{
		{"queue", false, keymap.PaneQueue},
		{"detail", true, keymap.PaneDetail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := start(t, New(testConfig(fixture(10))), MinWidth, MinHeight)
			h.loaded()
			if tc.open {
				h.press("enter")
				h.waitFor("detail", func(a *App) bool { return len(a.stack) == 1 })
			}
			h.press("?")
			var offered func(keymap.Action) bool
			screen := ansi.Strip(h.waitFor("help", func(a *App) bool { offered = offeredKeys(a); return a.help }))
			checkFits(t, screen, MinWidth, MinHeight)
			for _, b := range km.All() {
				hk := km.Binding(b.Action).Help()
				line := hk.Key + "  " // keys are padded to the group's widest
				shown := strings.Contains(screen, hk.Key) && strings.Contains(screen, hk.Desc) && strings.Contains(screen, line)
				acts := slices.Contains(keymap.PaneActions(tc.pane), b.Action) && offered(b.Action)
				if acts && !shown {
					t.Errorf("help lacks %s (%s %s):\n%s", b.Action, hk.Key, hk.Desc, screen)
				}
				entry := regexp.MustCompile(`(?m)(^| )` + regexp.QuoteMeta(hk.Key) + ` +` + regexp.QuoteMeta(hk.Desc) + `( {2,}|\s*$)`)
				if !acts && entry.MatchString(screen) {
					t.Errorf("help shows %s from group %s, which this pane does not act on", b.Action, b.Group)
				}
			}
			h.press("esc")
			h.waitFor("help closed", func(a *App) bool { return !a.help })
		})
	}
}

func TestResizeFits(t *testing.T) {
	for _, tc := range []struct {
		w, h  int
		small bool
	}{{80, 24, false}, {200, 50, false}, {81, 25, false}, {120, 40, false}, {79, 24, true}, {80, 23, true}, {20, 5, true}} {
		t.Run(fmt.Sprintf("%dx%d", tc.w, tc.h), func(t *testing.T) {
			h := start(t, New(testConfig(fixture(60))), 120, 40)
			h.loaded()
			h.resize(tc.w, tc.h)
			for _, view := range []string{"queue", "filter", "palette", "help", "detail"} {
				switch view {
				case "filter":
					h.press("/")
					h.typ("a")
				case "palette":
					h.press("esc", ":")
				case "help":
					h.press("esc", "?")
				case "detail":
					h.press("esc")
					h.tm.Send(openRequestMsg{id: "R-2026-00001"})
				}
				screen := h.waitFor(view, func(a *App) bool {
					return view != "detail" || (len(a.stack) == 1 && a.stack[0].(*detailPane).req != nil)
				})
				checkFits(t, screen, tc.w, tc.h)
				if tc.small != strings.Contains(screen, "terminal too small") {
					t.Errorf("%s: too-small message shown = %v, want %v", view, !tc.small, tc.small)
				}
			}
		})
	}
}

func TestRefreshKeepsSelection(t *testing.T) {
	f := fixture(40)
	h := start(t, New(testConfig(f)), 120, 30)
	h.loaded()
	h.press("j", "j", "j", "j", "j")
	var id string
	h.waitFor("cursor on row 6", func(a *App) bool {
		id, _ = a.queue().selectedID()
		return a.queue().cursor == 5
	})
	// Rows move: three new requests become the most urgent, and the
	// selected one moves further down.
	f.mutate(func(f *fakeBackend) {
		for i := range 3 {
			r := f.reqs[i+10]
			r.ID = fmt.Sprintf("R-2026-9%04d", i)
			r.DueAt = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
			r.ReceivedAt = testNow().AddDate(0, 0, -100+i)
			f.reqs = append(f.reqs, r)
		}
	})
	h.press("ctrl+r")
	// 43 rows: only a load after ctrl+r can bring the three new requests in.
	h.waitFor("reloaded with the same selection", func(a *App) bool {
		q := a.queue()
		got, _ := q.selectedID()
		return !q.loading && len(q.rows) == 43 && got == id && q.cursor == 8
	})
}

func TestRefreshWhenSelectedRequestLeaves(t *testing.T) {
	f := fixture(20)
	h := start(t, New(testConfig(f)), 120, 30)
	h.loaded()
	var id string
	h.press("j", "j")
	h.waitFor("row 3", func(a *App) bool { id, _ = a.queue().selectedID(); return a.queue().cursor == 2 })
	f.mutate(func(f *fakeBackend) {
		f.reqs = slices.DeleteFunc(f.reqs, func(r model.Request) bool { return r.ID == id })
	})
	h.press("ctrl+r")
	h.waitFor("cursor stays in place", func(a *App) bool {
		q := a.queue()
		got, _ := q.selectedID()
		return len(q.rows) == 19 && got != id && q.cursor == 2
	})
}

func TestQueuePagesUpToCap(t *testing.T) {
	for _, tc := range []struct {
		name      string
		n, page   int
		cap       int
		wantRows  int
		wantMore  bool
		wantCalls int
	}{
		{"under cap", 60, 25, 100, 60, false, 3},
		{"over cap", 120, 25, 60, 60, true, 3},
		{"exactly cap", 50, 25, 50, 50, false, 3},
		{"one page", 10, 25, 100, 10, false, 1},
		{"page equals cap", 25, 25, 25, 25, false, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := fixture(tc.n)
			cfg := testConfig(f)
			cfg.PageSize, cfg.QueueCap = tc.page, tc.cap
			h := start(t, New(cfg), 140, 30)
			screen := ansi.Strip(h.loaded())
			h.waitFor("rows", func(a *App) bool {
				q := a.queue()
				if len(q.rows) != tc.wantRows || q.more != tc.wantMore {
					t.Errorf("rows %d more %v, want %d %v", len(q.rows), q.more, tc.wantRows, tc.wantMore)
				}
				seen := map[string]bool{}
				for _, r := range q.rows {
					if seen[r.id] {
						t.Errorf("row %s loaded twice", r.id)
					}
					seen[r.id] = true
				}
				return true
			})
			f.mu.Lock()
			calls := f.calls
			f.mu.Unlock()
			if calls != tc.wantCalls {
				t.Errorf("backend called %d times, want %d", calls, tc.wantCalls)
			}
			if got := strings.Contains(screen, "more exist"); got != tc.wantMore {
				t.Errorf("footer says more exist = %v, want %v:\n%s", got, tc.wantMore, screen)
			}
		})
	}
}

func TestQueueLoadErrorSaysWhatToDo(t *testing.T) {
	f := fixture(5)
	f.failWith = errors.New("connection refused\x1b]52;c;aGk=\x07 by \x1b[31mhost\x1b[0m")
	h := start(t, New(testConfig(f)), 100, 30)
	screen := h.waitFor("error", func(a *App) bool { return a.statusErr })
	if !strings.Contains(screen, "ctrl+r") || !strings.Contains(screen, "connection refused") {
		t.Errorf("error does not say what happened and what to do:\n%s", ansi.Strip(screen))
	}
	assertSafe(t, screen)
	f.mutate(func(f *fakeBackend) { f.failWith = nil })
	h.press("ctrl+r")
	h.loaded()
}

func TestPalette(t *testing.T) {
	for _, tc := range []struct {
		name  string
		typed string
		check func(a *App) bool
		// screen must contain want
		want string
	}{
		{"scope by id", "tenant oakridge-ca", func(a *App) bool {
			return a.ctx.Scope == "oakridge-ca" && a.queue().loaded && !a.queue().loading && allTenant(a, "oakridge-ca")
		}, "City of Oakridge"},
		{"scope by name", "tenant pecan ridge county", func(a *App) bool { return a.ctx.Scope == "pecan-ridge-tx" }, "Pecan Ridge County"},
		{"scope by part", "tenant hamlin", func(a *App) bool { return a.ctx.Scope == "hamlin-county-oh" }, "Hamlin County"},
		{"scope fuzzy pick", "ten oak", func(a *App) bool { return a.ctx.Scope == "oakridge-ca" }, "City of Oakridge"},
		{"unknown tenant", "tenant atlantis", func(a *App) bool { return a.statusErr && a.ctx.Scope == "" }, `no tenant in your scope matches "atlantis"`},
		{"open", "open R-2026-00007", func(a *App) bool {
			return len(a.stack) == 1 && a.stack[0].(*detailPane).req != nil
		}, "R-2026-00007 ·"},
		{"open without id", "open", func(a *App) bool { return a.statusErr }, "open needs a request id"},
		{"open missing", "open R-0", func(a *App) bool { return len(a.stack) == 1 && a.stack[0].(*detailPane).err != "" }, "request R-0 not found"},
		{"pane by name", "queue", func(a *App) bool { return !a.palette.open && a.active == 0 }, "Queue"},
		{"pane by fuzzy", "qu", func(a *App) bool { return !a.palette.open && a.active == 0 }, "Queue"},
		{"help", "help", func(a *App) bool { return a.help }, "Navigation"},
		{"unknown", "frobnicate", func(a *App) bool { return a.statusErr }, `unknown command "frobnicate"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := start(t, New(testConfig(fixture(30))), 120, 30)
			h.loaded()
			h.press(":")
			h.typ(tc.typed)
			h.press("enter")
			screen := ansi.Strip(h.waitFor(tc.name, tc.check))
			if !strings.Contains(screen, tc.want) {
				t.Errorf("screen lacks %q:\n%s", tc.want, screen)
			}
		})
	}
}

func TestScopeTenantKeyArrowsEnter(t *testing.T) {
	h := start(t, New(testConfig(fixture(30))), 120, 30)
	h.loaded()
	h.press("T", "down", "enter") // "tenant all" is first, the first tenant second
	h.waitFor("scoped to the highlighted tenant", func(a *App) bool { return a.ctx.Scope == "oakridge-ca" })
}

func TestPaletteQuit(t *testing.T) {
	h := start(t, New(testConfig(fixture(3))), 100, 30)
	h.loaded()
	h.press(":")
	h.typ("quit")
	h.press("enter")
	h.tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
}

func TestScopeTenantKeyThenAll(t *testing.T) {
	h := start(t, New(testConfig(fixture(30))), 120, 30)
	h.loaded()
	h.press("T")
	h.waitFor("palette prefilled", func(a *App) bool { return a.palette.open && a.palette.input.Value() == "tenant " })
	h.typ("pecan-ridge-tx")
	h.press("enter")
	h.waitFor("scoped", func(a *App) bool {
		return a.ctx.Scope == "pecan-ridge-tx" && !a.queue().loading && allTenant(a, "pecan-ridge-tx")
	})
	h.press(":")
	h.typ("tenant all")
	h.press("enter")
	screen := h.waitFor("all tenants", func(a *App) bool { return a.ctx.Scope == "" && !a.queue().loading && len(a.queue().rows) == 30 })
	if !strings.Contains(screen, "all tenants") {
		t.Errorf("header does not say all tenants")
	}
}

func allTenant(a *App, id string) bool {
	q := a.queue()
	for _, r := range q.rows {
		if r.cells[colTenant] != id {
			return false
		}
	}
	return len(q.rows) > 0
}

func TestHeaderBadgeAndCounts(t *testing.T) {
	for _, tc := range []struct {
		name     string
		actor    model.Actor
		readOnly bool
		badge    bool
	}{
		{"lead", testActor(model.RoleLead), false, false},
		{"support", testActor(model.RoleSupport), false, false},
		{"engineer", testActor(model.RoleEngineer), false, true},
		{"admin", testActor(model.RoleAdmin), false, true},
		{"read-only session", testActor(model.RoleLead), true, true},
		{"read-only actor", model.Actor{Operator: model.Operator{Handle: "ana", Role: model.RoleLead}, ReadOnly: true}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(fixture(20))
			cfg.Actor, cfg.ReadOnly = tc.actor, tc.readOnly
			h := start(t, New(cfg), 100, 30)
			h.loaded()
			screen := ansi.Strip(h.waitFor("counts", func(a *App) bool { _, ok := a.dueCounts(); return ok }))
			header := strings.Split(screen, "\n")[0]
			if got := strings.Contains(header, "[read-only]"); got != tc.badge {
				t.Errorf("badge shown = %v, want %v: %s", got, tc.badge, header)
			}
			if !strings.Contains(header, "overdue") || !strings.Contains(header, "due this week") {
				t.Errorf("header lacks due counts: %s", header)
			}
		})
	}
}

func TestCountsMatchRows(t *testing.T) {
	h := start(t, New(testConfig(fixture(40))), 120, 30)
	h.loaded()
	h.waitFor("counts", func(a *App) bool {
		counts, ok := a.dueCounts()
		if !ok {
			return false
		}
		now := testNow()
		over, week := 0, 0
		for _, r := range a.queue().rows {
			days := model.DaysLeft(now, r.due, r.tenant.Location())
			switch {
			case model.Overdue(now, r.due):
				over++
			case days <= 7:
				week++
			}
		}
		if over != counts.overdue || week != counts.week || over == 0 || week == 0 {
			t.Errorf("counts %d/%d, rows say %d/%d", counts.overdue, counts.week, over, week)
		}
		return true
	})
}

func TestThemes(t *testing.T) {
	colour := func(s string) bool {
		return strings.Contains(s, "[38;") || strings.Contains(s, "[48;") || strings.Contains(s, ";38;") || strings.Contains(s, ";48;")
	}
	for _, tc := range []struct {
		name    string
		noColor bool
		bg      color.Color
		theme   string
	}{
		{"no color", true, nil, "no-color"},
		{"no color ignores background", true, color.White, "no-color"},
		{"dark", false, color.Black, "dark"},
		{"light", false, color.White, "light"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(fixture(20))
			cfg.NoColor = tc.noColor
			h := start(t, New(cfg), 100, 30)
			h.loaded()
			if tc.bg != nil {
				h.tm.Send(tea.BackgroundColorMsg{Color: tc.bg})
			}
			screen := h.waitFor("theme", func(a *App) bool { return a.ctx.Theme.Name == tc.theme })
			if got := colour(screen); got == tc.noColor {
				t.Errorf("colour in output = %v with NoColor %v", got, tc.noColor)
			}
			h.press("enter")
			screen = h.waitFor("detail", func(a *App) bool { return len(a.stack) == 1 && a.stack[0].(*detailPane).req != nil })
			if got := colour(screen); got == tc.noColor {
				t.Errorf("detail: colour in output = %v with NoColor %v", got, tc.noColor)
			}
			checkFits(t, screen, 100, 30)
		})
	}
}

func TestInfoMessageClears(t *testing.T) {
	a := New(testConfig(fixture(1)))
	a.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	_, cmd := a.Update(statusMsg{text: "sorted"})
	if a.status != "sorted" || cmd == nil {
		t.Fatalf("info not shown with a clear timer")
	}
	a.Update(clearStatusMsg{seq: a.shownSeq})
	if a.status != "" {
		t.Errorf("info not cleared")
	}
	a.Update(statusMsg{text: "broken", err: true})
	a.Update(clearStatusMsg{seq: a.shownSeq})
	if a.status == "" {
		t.Errorf("an error must stay until the operator sees it")
	}
}

func TestPaintOf(t *testing.T) {
	for _, tc := range []struct {
		name   string
		theme  Theme
		styled bool
	}{{"dark", NewTheme(true, false), true}, {"light", NewTheme(false, false), true}, {"no-color", NewTheme(true, true), true}, {"plain", plainTheme(), false}} {
		t.Run(tc.name, func(t *testing.T) {
			p := paintOf(tc.theme.Overdue)
			if got := p.pre+"x"+p.post == tc.theme.Overdue.Render("x"); !got {
				t.Errorf("paint %q…%q differs from Render %q", p.pre, p.post, tc.theme.Overdue.Render("x"))
			}
			if (p.pre != "") != tc.styled {
				t.Errorf("styled = %v, want %v", p.pre != "", tc.styled)
			}
		})
	}
}

// offeredKeys says which keys the rule book offers on the request the top
// view shows: a key that takes no rule-book action always is; a request or
// fulfilment key only when model.Offered lists one of its actions.
func offeredKeys(a *App) func(keymap.Action) bool {
	var offered []model.Action
	if rh, ok := a.view().(ruleHinted); ok {
		if r, ok := rh.hintedRequest(); ok {
			t, _ := a.ctx.Tenant(r.TenantID)
			offered = model.Offered(model.Facts{Request: r, Tenant: t, Actor: a.ctx.Actor, Now: a.ctx.Clock.Now()})
		}
	}
	return func(ka keymap.Action) bool {
		acts := keyActions(ka)
		if len(acts) == 0 {
			return true
		}
		for _, x := range acts {
			if slices.Contains(offered, x) {
				return true
			}
		}
		return false
	}
}

// An error on the status line stays while the operator reads it and goes
// with the next key, here a move down the queue; a key that fails again
// shows its own error.
func TestStatusErrorClearsOnNextKey(t *testing.T) {
	h := start(t, New(testConfig(fixture(30))), 120, 30)
	h.loaded()
	h.press(":")
	h.typ("frobnicate")
	h.press("enter")
	h.waitFor("the error", func(a *App) bool { return a.statusErr && strings.Contains(a.status, "frobnicate") })
	h.press("j")
	screen := h.waitFor("cleared", func(a *App) bool { return a.queue().cursor == 1 && !a.statusErr && a.status == "" })
	if strings.Contains(ansi.Strip(screen), "frobnicate") {
		t.Errorf("the error is still on screen after the next key:\n%s", ansi.Strip(screen))
	}
	h.press(":")
	h.typ("open")
	h.press("enter")
	h.waitFor("a new error", func(a *App) bool { return a.statusErr && strings.Contains(a.status, "open needs a request id") })
}

// ":open R-…" is a command with its argument, not an unknown command: the
// palette says what enter will do, and enter does it.
func TestPaletteOpenIsNotUnknown(t *testing.T) {
	h := start(t, New(testConfig(fixture(30))), 120, 30)
	h.loaded()
	h.press(":")
	h.typ("open R-2026-00007")
	screen := ansi.Strip(h.waitFor("typed", func(a *App) bool { return a.palette.input.Value() == "open R-2026-00007" }))
	if strings.Contains(screen, "no matching command") {
		t.Errorf("the palette calls a known command unknown:\n%s", screen)
	}
	if !strings.Contains(screen, "enter: open a request by id — open R-2026-00007") {
		t.Errorf("the palette does not say what enter does:\n%s", screen)
	}
	h.press("enter")
	h.waitFor("opened", func(a *App) bool { return len(a.stack) == 1 && a.stack[0].(*detailPane).req != nil })
}
