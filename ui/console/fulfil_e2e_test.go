package console

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/dbtest"
	"github.com/custodian-dev/custodian/db/demo"
	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// issue 5: the fulfilment scenarios, against a real embedded database with
// the demo data, driven by key presses. Four eyes means two privacy leads:
// lee builds plans, lou signs them off — two programs on one database.

// fulfilStore is seededStore with an exports directory, so access
// packages can be written.
func fulfilStore(t testing.TB) (*db.Store, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	conn := dbtest.New(t)
	clock := model.FixedClock{T: e2eNow()}
	exports := t.TempDir()
	store, err := db.NewStore(conn, db.StoreOptions{Clock: clock, ExportDir: exports})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Seed(ctx, store, db.SeedOptions{Subjects: 300, Requests: 160, Clock: clock}); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return store, exports
}

// requestPicker hands out demo requests, each once, so subtests sharing a
// database never act on the same one.
type requestPicker struct {
	store *db.Store
	used  map[string]bool
}

func newPicker(store *db.Store) *requestPicker {
	return &requestPicker{store: store, used: map[string]bool{}}
}

// pick returns an unused request in status st of one of types (any when
// none) with a subject. Planning writes, so whether it has steps is for
// planned to find out.
func (rp *requestPicker) pick(t testing.TB, st model.Status, types ...model.RequestType) model.Request {
	t.Helper()
	lee := operatorActor(t, rp.store, "lee")
	reqs, err := rp.store.Queue(context.Background(), lee, model.QueueFilter{Statuses: []model.Status{st}, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reqs {
		if rp.used[r.ID] || r.SubjectID == "" || (len(types) > 0 && !slices.Contains(types, r.Type)) {
			continue
		}
		rp.used[r.ID] = true
		return stored(t, rp.store, lee, r.ID)
	}
	t.Fatalf("the demo data has no unused %s request of type %v", st, types)
	return model.Request{}
}

// planned picks a request in st and has lee plan it through the store,
// keeping the first whose plan has steps (and withheld data when asked).
func (rp *requestPicker) planned(t testing.TB, st model.Status, withheld bool, types ...model.RequestType) model.Request {
	t.Helper()
	lee := operatorActor(t, rp.store, "lee")
	for range 40 {
		r := rp.pick(t, st, types...)
		got, err := rp.store.PlanFulfilment(context.Background(), lee, r.ID, r.Version)
		if err != nil || len(got.Plan.Steps) == 0 || (withheld && len(got.Plan.Withheld) == 0) {
			continue
		}
		return got
	}
	t.Fatalf("no %s request of type %v in the demo data plans to any step", st, types)
	return model.Request{}
}

// signed is planned, then signed off by lou.
func (rp *requestPicker) signed(t testing.TB, st model.Status, types ...model.RequestType) model.Request {
	t.Helper()
	r := rp.planned(t, st, false, types...)
	lou := operatorActor(t, rp.store, "lou")
	got, err := rp.store.SignOffPlan(context.Background(), lou, r.ID, r.Version, r.Plan.Digest)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// squash drops every space and line break, so text the view wrapped
// compares with the stored value.
func squash(s string) string {
	return strings.Join(strings.Fields(s), "")
}

// fulfilApp is the console as main builds it: the same exports directory
// as the store's, so it can say where a package is.
func fulfilApp(t testing.TB, store *db.Store, handle, exports string) *App {
	return New(Config{Backend: store, Actor: operatorActor(t, store, handle), Keys: keymap.Default(),
		Clock: model.FixedClock{T: e2eNow()}, NoColor: true, ExportDir: exports})
}

func runOf(a *App) (*runPane, bool) {
	if len(a.stack) == 0 {
		return nil, false
	}
	p, ok := a.stack[len(a.stack)-1].(*runPane)
	return p, ok
}

func runIn(states ...runState) func(*App) bool {
	return func(a *App) bool {
		p, ok := runOf(a)
		return ok && slices.Contains(states, p.state)
	}
}

// confirmRun answers the run's question: Cancel has focus, so it first
// moves to Run.
func (h *harness) confirmRun() {
	h.t.Helper()
	h.waitFor("the run's question with Cancel focused", func(a *App) bool {
		p, ok := runOf(a)
		return ok && p.state == runConfirming && !p.runOK
	})
	h.press("right", "enter")
}

// events are the actions the request's history records, oldest first.
func events(r model.Request) []model.Action {
	var out []model.Action
	for _, e := range r.History {
		out = append(out, e.Action)
	}
	return out
}

func countAction(evs []model.Action, a model.Action) int {
	n := 0
	for _, e := range evs {
		if e == a {
			n++
		}
	}
	return n
}

// gatedStore is the store, except that a run holds once, after its first
// finished step, until the test lets it go on or the run is cancelled: a
// test can then press esc between two steps, whatever the machine's speed.
type gatedStore struct {
	*db.Store
	mu      sync.Mutex
	held    bool
	holding chan struct{} // closed when the run is held
	release chan struct{} // closing it lets the run go on
}

func newGated(s *db.Store) *gatedStore {
	return &gatedStore{Store: s, holding: make(chan struct{}), release: make(chan struct{})}
}

func (g *gatedStore) RunFulfilment(ctx context.Context, actor model.Actor, id string, progress func(model.StepProgress)) (model.Request, error) {
	return g.Store.RunFulfilment(ctx, actor, id, func(sp model.StepProgress) {
		progress(sp)
		g.mu.Lock()
		hold := !g.held && sp.Done == 1 && sp.Total > 1
		if hold {
			g.held = true
		}
		g.mu.Unlock()
		if hold {
			close(g.holding)
			select {
			case <-g.release:
			case <-ctx.Done():
			}
		}
	})
}

func TestFulfilmentE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds an embedded database")
	}
	store, exports := fulfilStore(t)
	picker := newPicker(store)
	lee := operatorActor(t, store, "lee")

	t.Run("deletion: preview, four eyes, another lead signs, run, detail and audit", func(t *testing.T) {
		// An approved deletion with no plan yet: p makes it.
		id := picker.pick(t, model.StatusApproved, model.TypeDeletion).ID
		A := start(t, appAs(t, store, "lee"), 100, 30)
		A.loaded()
		A.openDetail(id)
		A.press("p")
		screen := A.waitFor("the plan made", planShown)
		seed := stored(t, store, lee, id)
		if seed.Plan == nil || seed.Plan.BuiltBy != "lee" || len(seed.Plan.Steps) == 0 {
			t.Fatalf("p stored the plan %+v", seed.Plan)
		}
		if len(seed.Plan.Withheld) == 0 {
			t.Fatalf("%s withholds nothing: the scenario needs a deletion that keeps data (has the demo changed?)", id)
		}
		// P makes a new one, replacing the unsigned plan.
		A.press("P")
		A.waitFor("a new plan", func(a *App) bool {
			p, ok := planOf(a)
			return ok && !p.making && p.req != nil && p.req.Plan != nil && p.req.Plan.ID != seed.Plan.ID
		})
		r := stored(t, store, lee, id)
		if r.Plan == nil || r.Plan.BuiltBy != "lee" || r.Plan.ID == seed.Plan.ID || r.Plan.SignedBy != "" {
			t.Fatalf("stored plan after P: %+v", r.Plan)
		}
		screen = A.waitFor("plan on screen", planShown)
		assertSafe(t, screen)
		checkFits(t, screen, 100, 30)
		var content string
		A.waitFor("content", func(a *App) bool {
			p, _ := planOf(a)
			content = ansi.Strip(planContent(a.ctx.Theme, planView(a.ctx, *p.req), 100))
			return true
		})
		if !strings.Contains(ansi.Strip(screen), "awaiting sign-off by a privacy lead other than lee") {
			t.Errorf("the plan does not say who may sign:\n%s", ansi.Strip(screen))
		}
		// The preview against the stored plan: every collection's count,
		// every document line, every step.
		for _, c := range r.Plan.Counts() {
			row := ""
			for _, l := range strings.Split(content, "\n") {
				if strings.HasPrefix(strings.TrimSpace(l), c.Collection+" ") {
					row = l
				}
			}
			for op, n := range c.Ops {
				if !strings.Contains(row, fmt.Sprint(n)) {
					t.Errorf("count row of %s lacks %d %s: %q", c.Collection, n, op, row)
				}
			}
		}
		for _, pd := range r.Plan.Docs {
			want := fmt.Sprintf("%s/%s  collected %s  %s", pd.Collection, pd.RecordID, pd.CollectedAt.In(time.UTC).Format(time.DateOnly), strings.ToUpper(pd.Op.Label()))
			if !strings.Contains(content, want) {
				t.Errorf("the preview lacks the document line %q:\n%s", want, content)
			}
		}
		for i, s := range r.Plan.Steps {
			if !strings.Contains(content, fmt.Sprintf("· %d. %s", i+1, s.Label)) {
				t.Errorf("the preview lacks step %d %q", i+1, s.Label)
			}
		}
		for _, wh := range r.Plan.Withheld {
			if !strings.Contains(squash(content), squash(string(wh.Category)+": "+wh.Reason)) {
				t.Errorf("the preview lacks withheld %s: %s", wh.Category, wh.Reason)
			}
		}
		// Its builder is not offered S, and pressing it anyway is refused
		// by the four-eyes rule — the controller's, audited — with no
		// question and no write.
		A.press("S")
		screen = ansi.Strip(A.waitFor("refused", func(a *App) bool { return a.statusErr && noForm(a) }))
		if !strings.Contains(screen, "four eyes") {
			t.Errorf("the self sign-off refusal does not say four eyes:\n%s", screen)
		}
		if got := stored(t, store, lee, id); got.Version != r.Version || got.Plan.SignedBy != "" {
			t.Fatalf("a refused sign-off changed the request: version %d → %d, signed by %q", r.Version, got.Version, got.Plan.SignedBy)
		}
		A.waitFor("still on the plan", planShown)

		// lou, in another program, reads the same plan and signs it.
		B := start(t, appAs(t, store, "lou"), 100, 30)
		B.loaded()
		B.openDetail(id)
		B.press("p")
		B.waitFor("the stored plan", planShown)
		B.press("S")
		screen = ansi.Strip(B.waitFor("confirmation", func(a *App) bool { p, ok := formOf(a); return ok && p.form.confirming }))
		for _, want := range []string{"builder  lee", "digest   " + r.Plan.Digest, "[ Cancel ]"} {
			if !strings.Contains(screen, want) {
				t.Errorf("the sign-off confirmation lacks %q:\n%s", want, screen)
			}
		}
		B.confirm()
		B.waitFor("signed", func(a *App) bool {
			p, ok := planOf(a)
			return ok && noForm(a) && p.req.Plan.SignedBy == "lou"
		})
		if got := stored(t, store, lee, id); got.Plan.SignedBy != "lou" || got.Plan.ID != r.Plan.ID {
			t.Fatalf("stored sign-off %+v", got.Plan)
		}

		// F runs it from the plan view, with progress, to N of N.
		n := len(r.Plan.Steps)
		B.press("F")
		B.confirmRun()
		screen = ansi.Strip(B.waitFor("run finished", runIn(runFinished, runFailed)))
		if !strings.Contains(screen, fmt.Sprintf("step %d of %d", n, n)) || !strings.Contains(screen, "✓ completed") {
			t.Fatalf("the run view does not end at %d of %d, completed:\n%s", n, n, screen)
		}
		done := stored(t, store, lee, id)
		if done.Status != model.StatusCompleted || done.Outcome == "" || !strings.Contains(squash(screen), squash(done.Outcome)) {
			t.Fatalf("stored %s, outcome %q; run view:\n%s", done.Status, done.Outcome, screen)
		}
		for _, wh := range done.Withheld {
			if !strings.Contains(squash(screen), squash(wh.Reason)) {
				t.Errorf("the run's result lacks withheld %s (%s):\n%s", wh.Category, wh.Reason, screen)
			}
		}
		checkFits(t, B.screen(), 100, 30)

		// The request's detail shows the response.
		B.press("esc")
		B.waitFor("plan", planShown)
		B.press("esc")
		B.waitFor("the detail, completed", func(a *App) bool {
			d, ok := a.stack[len(a.stack)-1].(*detailPane)
			return ok && len(a.stack) == 1 && d.req != nil && d.req.Status == model.StatusCompleted
		})
		B.waitFor("fulfilment section", func(a *App) bool {
			c := ansi.Strip(a.stack[0].(*detailPane).content())
			for _, want := range []string{"Fulfilment", "built by lee", "signed by lou", fmt.Sprintf("%d of %d done", n, n), "responded", done.Outcome} {
				if !strings.Contains(squash(c), squash(want)) {
					t.Errorf("the detail's fulfilment lacks %q:\n%s", want, c)
				}
			}
			for _, wh := range done.Withheld {
				if !strings.Contains(squash(c), squash(string(wh.Category)+": "+wh.Reason)) {
					t.Errorf("the detail lacks withheld %s", wh.Category)
				}
			}
			return true
		})

		// And the audit history holds the whole story.
		B.press("esc")
		B.openAudit()
		B.press("/")
		B.typ("req:" + id)
		B.press("enter")
		B.waitFor("audit filtered", func(a *App) bool {
			p := a.auditPane()
			return p.filter.Target == "request:"+id && p.loaded && !p.loading
		})
		var acts []string
		for _, rec := range B.auditRows() {
			acts = append(acts, rec.Action+"/"+rec.Actor)
		}
		for _, want := range []string{"plan/lee", "sign_off/lou", "start_fulfilment/lou", "complete/lou"} {
			if !slices.Contains(acts, want) {
				t.Errorf("audit for %s lacks %s: %v", id, want, acts)
			}
		}
		if got := slices.IndexFunc(acts, func(s string) bool { return strings.HasPrefix(s, "sign_off/lee") }); got < 0 {
			t.Errorf("the refused self sign-off is not audited: %v", acts)
		}
		steps := 0
		for _, a := range acts {
			if a == "fulfil_step/lou" {
				steps++
			}
		}
		if steps != n {
			t.Errorf("audit has %d fulfil_step events, want one per step (%d): %v", steps, n, acts)
		}
	})

	t.Run("sign-off after the plan was replaced: refused, ctrl+r shows the new plan, then signs it", func(t *testing.T) {
		r := picker.planned(t, model.StatusApproved, false)
		h := start(t, appAs(t, store, "lou"), 100, 30)
		h.loaded()
		h.openDetail(r.ID)
		h.press("p")
		h.waitFor("plan", planShown)
		h.press("S")
		h.waitFor("confirmation", func(a *App) bool { p, ok := formOf(a); return ok && p.form.confirming })
		// Meanwhile lee makes a new plan.
		newer, err := store.PlanFulfilment(context.Background(), lee, r.ID, r.Version)
		if err != nil {
			t.Fatal(err)
		}
		if newer.Plan.ID == r.Plan.ID {
			t.Fatalf("the new plan kept the id %s", r.Plan.ID)
		}
		h.confirm()
		screen := ansi.Strip(h.waitFor("conflict", func(a *App) bool {
			p, ok := formOf(a)
			return ok && !p.form.saving && p.form.err != ""
		}))
		if !strings.Contains(screen, "changed by lee") || !strings.Contains(screen, "ctrl+r re-reads it") {
			t.Errorf("the lost race does not name lee and offer the re-read:\n%s", screen)
		}
		if got := stored(t, store, lee, r.ID); got.Plan.SignedBy != "" {
			t.Fatalf("a stale sign-off signed %s", got.Plan.ID)
		}
		h.press("ctrl+r")
		screen = ansi.Strip(h.waitFor("re-read", func(a *App) bool {
			p, ok := formOf(a)
			return ok && p.form.confirming && strings.Contains(strings.Join(p.form.intro, " "), "re-read")
		}))
		if !strings.Contains(squash(screen), squash("digest "+newer.Plan.Digest)) {
			t.Errorf("after ctrl+r the question does not show the new plan's digest %s:\n%s", newer.Plan.Digest, screen)
		}
		h.confirm()
		h.waitFor("closed", noForm)
		if got := stored(t, store, lee, r.ID); got.Plan.SignedBy != "lou" || got.Plan.ID != newer.Plan.ID {
			t.Fatalf("after the re-read: plan %s signed by %q", got.Plan.ID, got.Plan.SignedBy)
		}
	})

	t.Run("F on a plan that changes data asks once, Cancel focused: Cancel changes nothing, Run runs", func(t *testing.T) {
		// A correction or opt-out: the deletions are the other scenarios'.
		r := picker.signed(t, model.StatusApproved, model.TypeRectification, model.TypeOptOut)
		want := model.PlanConfirmLine(*r.Plan)
		if want == "" {
			t.Fatalf("%s's plan changes nothing: %s", r.ID, model.PlanCountsLine(*r.Plan))
		}
		h := start(t, appAs(t, store, "lou"), 100, 30)
		h.loaded()
		h.openDetail(r.ID)
		h.press("F")
		screen := ansi.Strip(h.waitFor("the question", runIn(runConfirming)))
		if !strings.Contains(squash(screen), squash(want)) || !strings.Contains(screen, "[ Cancel ]") || strings.Contains(screen, "[ Run ]") {
			t.Errorf("the question lacks %q with Cancel focused:\n%s", want, screen)
		}
		checkFits(t, h.screen(), 100, 30)
		// enter on the focused Cancel: the view closes, nothing was written.
		h.press("enter")
		h.waitFor("back on the detail", func(a *App) bool { _, ok := runOf(a); return !ok && detailLoaded(a) })
		got := stored(t, store, lee, r.ID)
		if got.Version != r.Version || got.Status != model.StatusApproved || doneSteps(got.Plan) != 0 {
			t.Fatalf("Cancel changed %s: version %d → %d, %s, %d steps done", r.ID, r.Version, got.Version, got.Status, doneSteps(got.Plan))
		}
		page, err := store.AuditHistory(context.Background(), lee, model.AuditFilter{Target: "request:" + r.ID}, 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range page.Records {
			if rec.Action == string(model.ActStartFulfilment) || rec.Action == string(model.ActFulfilStep) {
				t.Fatalf("Cancel audited %s by %s", rec.Action, rec.Actor)
			}
		}
		// esc cancels too; F again, then Run, runs it to the end.
		h.press("F")
		h.waitFor("the question again", runIn(runConfirming))
		h.press("esc")
		h.waitFor("back on the detail", func(a *App) bool { _, ok := runOf(a); return !ok })
		h.press("F")
		h.confirmRun()
		h.waitFor("run finished", runIn(runFinished, runFailed))
		if got := stored(t, store, lee, r.ID); got.Status != model.StatusCompleted || doneSteps(got.Plan) != len(got.Plan.Steps) {
			t.Fatalf("Run left %s %s with %d of %d steps (%s)", r.ID, got.Status, doneSteps(got.Plan), len(got.Plan.Steps), got.FailureReason)
		}
	})

	t.Run("a correction's plan reveals old and new values to a lead, after a reason, audited", func(t *testing.T) {
		r := picker.planned(t, model.StatusApproved, false, model.TypeRectification)
		h := start(t, appAs(t, store, "lou"), 120, 40)
		h.loaded()
		h.openDetail(r.ID)
		h.press("p")
		h.waitFor("plan", planShown)
		h.press("R")
		h.waitFor("the reason prompt", func(a *App) bool { p, ok := planOf(a); return ok && p.reveal.asking })
		h.press("enter") // no reason: refused, still asking
		h.waitFor("still asking", func(a *App) bool { p, ok := planOf(a); return ok && p.reveal.asking && a.statusErr })
		h.typ("checking the correction before sign-off")
		h.press("enter")
		var lines []string
		h.waitFor("revealed", func(a *App) bool {
			p, ok := planOf(a)
			if ok {
				lines = p.reveal.lines
			}
			return ok && len(lines) > 0
		})
		want := 0
		docs := append([]model.PlanDoc(nil), r.Plan.Docs...)
		if r.Plan.Subject != nil {
			docs = append(docs, *r.Plan.Subject)
		}
		for _, d := range docs {
			for _, f := range d.Fields {
				if f.Op != model.FieldSet && f.Op != model.FieldAlready {
					continue
				}
				want++
				next, ok := model.CorrectionFor(r, f)
				if !ok {
					t.Errorf("%s/%s %s: no correction on the request matches %q", d.Collection, d.RecordID, f.Field, f.New)
				}
				prefix := fmt.Sprintf("%s/%s %s: ", d.Collection, d.RecordID, f.Field)
				if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, prefix) && strings.HasSuffix(l, " → "+next) }) {
					t.Errorf("the reveal lacks %s… → %s: %q", prefix, next, lines)
				}
			}
		}
		page, err := store.AuditHistory(context.Background(), lee, model.AuditFilter{Target: "subject:" + r.SubjectID, Action: db.ActionReveal}, 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		audited := 0
		for _, rec := range page.Records {
			if rec.Actor == "lou" && rec.Reason == "checking the correction before sign-off" {
				audited++
			}
		}
		if audited != want {
			t.Errorf("%d reveals audited for %d fields", audited, want)
		}
		// An engineer may not reveal: the controller refuses, and audits it.
		e := start(t, appAs(t, store, "eve"), 120, 40)
		e.loaded()
		e.openDetail(r.ID)
		e.press("p")
		e.waitFor("plan", planShown)
		e.press("R")
		screen := ansi.Strip(e.waitFor("refused", func(a *App) bool { p, ok := planOf(a); return ok && !p.reveal.revealing && a.statusErr }))
		if !strings.Contains(screen, "not revealed") {
			t.Errorf("the engineer's reveal is not refused:\n%s", screen)
		}
	})

	t.Run("access: the run shows the export path and SHA-256", func(t *testing.T) {
		r := picker.signed(t, model.StatusApproved, model.TypeAccess)
		h := start(t, fulfilApp(t, store, "lou", exports), 120, 40)
		h.loaded()
		h.openDetail(r.ID)
		h.press("F")
		screen := ansi.Strip(h.waitFor("run finished", runIn(runFinished, runFailed)))
		got := stored(t, store, lee, r.ID)
		dir := filepath.Join(exports, got.Export.Dir)
		if got.Status != model.StatusCompleted || got.Export == nil || len(got.Export.Files) == 0 {
			t.Fatalf("stored %s, export %+v; screen:\n%s", got.Status, got.Export, screen)
		}
		if !strings.Contains(squash(screen), squash(dir)) {
			t.Errorf("the run does not show the package directory %s:\n%s", dir, screen)
		}
		for _, f := range got.Export.Files {
			b, err := os.ReadFile(filepath.Join(dir, f.Name))
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(b)
			if hex.EncodeToString(sum[:]) != f.SHA256 {
				t.Errorf("%s: recorded sha256 %s is not the file's", f.Name, f.SHA256)
			}
			if !strings.Contains(screen, f.Name) || !strings.Contains(squash(screen), "sha256"+f.SHA256) {
				t.Errorf("the run does not show %s with its sha256:\n%s", f.Name, screen)
			}
		}
		checkFits(t, h.screen(), 120, 40)
		h.press("esc")
		h.waitFor("the detail shows the export", func(a *App) bool {
			if !detailLoaded(a) {
				return false
			}
			c := ansi.Strip(a.stack[0].(*detailPane).content())
			for _, f := range got.Export.Files {
				if !strings.Contains(squash(c), "sha256"+f.SHA256) {
					return false
				}
			}
			return true
		})
	})

	t.Run("esc stops between steps and F resumes to completion", func(t *testing.T) {
		r := picker.signed(t, model.StatusApproved, model.TypeDeletion, model.TypeChildDeletion, model.TypeRectification)
		n := len(r.Plan.Steps)
		if n < 2 {
			t.Skipf("%s has %d step; stopping between steps needs two", r.ID, n)
		}
		lou := operatorActor(t, store, "lou")
		g := newGated(store)
		h := start(t, New(Config{Backend: g, Actor: lou, Keys: keymap.Default(), Clock: model.FixedClock{T: e2eNow()}, NoColor: true}), MinWidth, MinHeight)
		h.loaded()
		h.openDetail(r.ID)
		h.press("F")
		h.confirmRun()
		<-g.holding // step 1 is done and recorded; step 2 has not started
		screen := ansi.Strip(h.waitFor("progress at step 1", func(a *App) bool {
			p, ok := runOf(a)
			return ok && p.state == runRunning && p.done == 1
		}))
		if !strings.Contains(screen, fmt.Sprintf("step 1 of %d", n)) || !strings.Contains(screen, r.Plan.Steps[0].Label) {
			t.Errorf("the progress view lacks step 1 of %d and its label:\n%s", n, screen)
		}
		checkFits(t, h.screen(), MinWidth, MinHeight)
		h.press("esc")
		screen = ansi.Strip(h.waitFor("stopped", runIn(runStopped, runFailed, runFinished)))
		if !strings.Contains(screen, fmt.Sprintf("stopped after step 1 of %d", n)) || !strings.Contains(screen, "F resumes") {
			t.Fatalf("the run view does not say where it stopped:\n%s", screen)
		}
		mid := stored(t, store, lee, r.ID)
		if mid.Status != model.StatusFulfilling || doneSteps(mid.Plan) != 1 {
			t.Fatalf("after the stop: %s with %d of %d steps done", mid.Status, doneSteps(mid.Plan), n)
		}
		h.press("F")
		// A resumed run asks again, naming what remains.
		screen = ansi.Strip(h.waitFor("the resumed run's question", runIn(runConfirming)))
		if !strings.Contains(screen, fmt.Sprintf("Resume the plan (1 of %d steps done)", n)) {
			t.Errorf("the resumed run's question does not say what is done:\n%s", screen)
		}
		h.confirmRun()
		h.waitFor("resumed to the end", runIn(runFinished, runFailed))
		end := stored(t, store, lee, r.ID)
		if end.Status != model.StatusCompleted || doneSteps(end.Plan) != n {
			t.Fatalf("after resuming: %s with %d of %d steps done (%s)", end.Status, doneSteps(end.Plan), n, end.FailureReason)
		}
		if got := countAction(events(end), model.ActFulfilStep); got != n {
			t.Errorf("%d fulfil_step events for %d steps: a step ran twice or not at all", got, n)
		}
	})

	t.Run("an engineer retries a failed request: audited, and it runs", func(t *testing.T) {
		r := picker.signed(t, model.StatusFailed)
		eve := operatorActor(t, store, "eve")
		h := start(t, appAs(t, store, "eve"), 100, 30)
		h.loaded()
		h.openDetail(r.ID)
		h.press("r")
		h.waitFor("retry form", formOpen("Retry fulfilment"))
		h.press("enter")
		h.confirm()
		screen := ansi.Strip(h.waitFor("the run after the retry", runIn(runFinished, runFailed)))
		got := stored(t, store, lee, r.ID)
		n := len(got.Plan.Steps)
		if got.Status != model.StatusFulfilling || doneSteps(got.Plan) != n {
			t.Fatalf("after eve's retry and run: %s, %d of %d steps (%s)\n%s", got.Status, doneSteps(got.Plan), n, got.FailureReason, screen)
		}
		if !strings.Contains(screen, "a privacy lead completes it") {
			t.Errorf("the engineer's run does not say a lead completes it:\n%s", screen)
		}
		i := slices.IndexFunc(got.History, func(e model.Event) bool { return e.Action == model.ActRetry })
		if i < 0 || got.History[i].Actor != eve.Handle() {
			t.Fatalf("no retry by eve in the history: %v", events(got))
		}
		page, err := store.AuditHistory(context.Background(), lee, model.AuditFilter{Target: "request:" + r.ID, Action: string(model.ActRetry)}, 0, 10)
		if err != nil || len(page.Records) == 0 || page.Records[0].Actor != "eve" {
			t.Fatalf("the retry is not audited as eve's: %+v, %v", page.Records, err)
		}
		// A lead's F completes it.
		l := start(t, appAs(t, store, "lee"), 100, 30)
		l.loaded()
		l.openDetail(r.ID)
		l.press("F")
		l.waitFor("completed", runIn(runFinished, runFailed))
		if got := stored(t, store, lee, r.ID); got.Status != model.StatusCompleted {
			t.Fatalf("the lead's run left it %s", got.Status)
		}
	})

	t.Run("a stale plan fails the run and says to make a new plan", func(t *testing.T) {
		r := picker.signed(t, model.StatusApproved, model.TypeDeletion, model.TypeChildDeletion)
		touchPlannedDoc(t, store, r)
		h := start(t, appAs(t, store, "lou"), 100, 30)
		h.loaded()
		h.openDetail(r.ID)
		h.press("F")
		h.confirmRun()
		screen := ansi.Strip(h.waitFor("failed", runIn(runFailed, runFinished)))
		if got := stored(t, store, lee, r.ID); got.Status != model.StatusFailed || !strings.Contains(got.FailureReason, "stale") {
			t.Fatalf("stored %s (%s)", got.Status, got.FailureReason)
		}
		if !strings.Contains(screen, "plan is stale") || !strings.Contains(screen, "make a new plan (p)") {
			t.Errorf("the run view does not say the plan is stale and what to do:\n%s", screen)
		}
		// Every view of the plan marks it stale, from what the request
		// carries: the run view, the plan view and the detail.
		const mark = "stale: the request changed since this plan (replan with P)"
		if !strings.Contains(squash(screen), squash(mark)) {
			t.Errorf("the run view does not mark the plan stale:\n%s", screen)
		}
		h.press("p")
		h.waitFor("the plan marked stale", func(a *App) bool {
			p, ok := planOf(a)
			return ok && p.req != nil && strings.Contains(squash(ansi.Strip(p.vp.View())), squash(mark))
		})
		h.press("esc")
		h.waitFor("back on the run", runIn(runFailed))
		// A new plan, signed off; r in the failed run's view retries and
		// runs there, not in a second view stacked over it.
		failed := stored(t, store, lee, r.ID)
		replanned, err := store.PlanFulfilment(context.Background(), lee, r.ID, failed.Version)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.SignOffPlan(context.Background(), operatorActor(t, store, "lou"), r.ID, replanned.Version, replanned.Plan.Digest); err != nil {
			t.Fatal(err)
		}
		depth := 0
		h.waitFor("depth", func(a *App) bool { depth = len(a.stack); return true })
		h.press("r")
		h.waitFor("retry form", formOpen("Retry fulfilment"))
		h.press("enter")
		h.confirm()
		h.waitFor("the same view ran again", func(a *App) bool {
			p, ok := runOf(a)
			return ok && len(a.stack) == depth && p.state == runFinished && p.req.Status == model.StatusCompleted
		})
		if got := stored(t, store, lee, r.ID); got.Status != model.StatusCompleted {
			t.Fatalf("after the retry: %s (%s)", got.Status, got.FailureReason)
		}
	})
}

// touchPlannedDoc changes a document r's plan changes or exports, so the
// signed plan no longer matches the data.
func touchPlannedDoc(t testing.TB, store *db.Store, r model.Request) {
	t.Helper()
	for _, pd := range r.Plan.Docs {
		if !pd.Op.Changes() && pd.Op != model.DocExport {
			continue
		}
		res, err := store.Conn().DB.Collection(pd.Collection).UpdateOne(context.Background(),
			map[string]any{"_id": pd.RecordID}, map[string]any{"$set": map[string]any{"e2e_touched": "changed after the plan"}})
		if err != nil || res.MatchedCount != 1 {
			t.Fatalf("touch %s/%s: %v (matched %v)", pd.Collection, pd.RecordID, err, res)
		}
		return
	}
	t.Fatalf("%s's plan changes or exports no document to make stale", r.ID)
}

// fulfilmentRows reaches the fulfilment rows of the lifecycle table from
// their keys, for TestEveryTransitionHasAKey.
type fulfilmentRows struct {
	store  *db.Store
	picker *requestPicker
}

func newFulfilmentRows(t *testing.T) *fulfilmentRows {
	store, _ := fulfilStore(t)
	return &fulfilmentRows{store: store, picker: newPicker(store)}
}

// reach presses fk as the role the row needs and checks that the request's
// history then records tr.Action by that operator.
func (f *fulfilmentRows) reach(t *testing.T, tr model.Transition, fk keymap.Action) {
	km := keymap.Default()
	pane := keymap.PaneDetail
	if fk == keymap.SignOff {
		pane = keymap.PanePlan // S is the queue's reverse sort: only the plan view signs
	}
	if !slices.Contains(keymap.PaneActions(pane), fk) {
		t.Fatalf("%s's key is not active in the %s view", fk, pane)
	}
	key := km.Binding(fk).Keys()[0]
	var r model.Request
	handle := "lou"
	switch tr.Action {
	case model.ActPlan:
		r = f.picker.pick(t, model.StatusApproved, model.TypeDeletion)
		handle = "lee"
	case model.ActSignOff:
		r = f.picker.planned(t, model.StatusApproved, false)
	default:
		r = f.picker.signed(t, model.StatusApproved)
		if tr.Action == model.ActFail {
			touchPlannedDoc(t, f.store, r)
		}
		if slices.Contains(tr.From, model.StatusFulfilling) {
			// A run started earlier and stopped: F resumes it.
			lou := operatorActor(t, f.store, "lou")
			var err error
			if r, err = f.store.Apply(context.Background(), lou, r.ID, r.Version, model.ActStartFulfilment, "", nil); err != nil {
				t.Fatal(err)
			}
		}
		if tr.Action == model.ActFulfilStep {
			handle = "eve" // steps are an engineer's too
		}
	}
	if !slices.Contains(tr.From, r.Status) {
		t.Fatalf("%s is %s; %s needs %v", r.ID, r.Status, tr.Action, tr.From)
	}
	h := start(t, appAs(t, f.store, handle), 100, 30)
	h.loaded()
	h.openDetail(r.ID)
	if fk == keymap.SignOff {
		h.press(km.Binding(keymap.Plan).Keys()[0])
		h.waitFor("the plan view", planShown)
	}
	h.press(key)
	switch fk {
	case keymap.Plan:
		h.waitFor("the plan made", planShown)
	case keymap.SignOff:
		h.confirm()
		h.waitFor("signed", func(a *App) bool { p, ok := planOf(a); return ok && noForm(a) && p.req.Plan.SignedBy != "" })
	case keymap.Fulfil:
		if model.PlanConfirmLine(*r.Plan) != "" {
			h.confirmRun()
		}
		h.waitFor("the run's end", runIn(runFinished, runFailed))
	}
	got := stored(t, f.store, operatorActor(t, f.store, "lee"), r.ID)
	if !slices.ContainsFunc(got.History, func(e model.Event) bool { return e.Action == tr.Action && e.Actor == handle }) {
		t.Fatalf("%s by %s on %s did not reach %s: history %v", key, handle, r.ID, tr.Action, events(got))
	}
}

// TestPlanViewOfHostileDemoSubjects plans every approved or failed demo
// request — the demo puts hostile strings in some subjects' names, records
// and statements — and renders each plan at 80 and 200 columns: nothing a
// terminal would act on may come through, and no line overflows. The plans
// of hostile subjects are also opened with p in a running console.
func TestPlanViewOfHostileDemoSubjects(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds an embedded database")
	}
	store, _ := fulfilStore(t)
	ctx := context.Background()
	lee := operatorActor(t, store, "lee")
	reqs, err := store.Queue(ctx, lee, model.QueueFilter{Statuses: []model.Status{model.StatusApproved, model.StatusFailed}, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	isHostile := func(r model.Request) bool {
		s, err := store.Subject(ctx, lee, r.SubjectID)
		if err != nil {
			return false
		}
		return slices.ContainsFunc(demo.HostileStrings(), func(h string) bool { return strings.Contains(s.Name, h) || strings.Contains(s.Address, h) }) ||
			slices.ContainsFunc(demo.HostileStrings(), func(h string) bool { return strings.Contains(r.Requester.Name, h) })
	}
	planned, hostile := 0, 0
	for _, r := range reqs {
		if r.SubjectID == "" {
			continue
		}
		got, err := store.PlanFulfilment(ctx, lee, r.ID, r.Version)
		if err != nil {
			continue // e.g. a correction verified with the data it corrects
		}
		planned++
		for _, w := range []int{MinWidth, 200} {
			content := planContent(plainTheme(), utcPlan(got), w)
			assertPlain(t, content)
			for _, l := range strings.Split(content, "\n") {
				if ansi.StringWidth(l) > w {
					t.Errorf("%s: plan line wider than %d: %q", r.ID, w, l)
				}
			}
		}
		if !isHostile(r) {
			continue
		}
		hostile++
		h := start(t, appAs(t, store, "lou"), MinWidth, MinHeight)
		h.loaded()
		h.openDetail(r.ID)
		h.press("p")
		for _, k := range []string{"", "pgdown", "pgdown", "G"} {
			if k != "" {
				h.press(k)
			}
			raw := h.waitFor("plan of "+r.ID, planShown)
			assertSafe(t, raw)
			checkFits(t, raw, MinWidth, MinHeight)
		}
		if t.Failed() {
			t.Fatalf("plan of %s", r.ID)
		}
	}
	if planned == 0 {
		t.Fatal("no demo request could be planned")
	}
	t.Logf("%d plans rendered, %d of hostile subjects opened in the console", planned, hostile)
}

// TestDemoFailedRequestsRetryAsTheREADMESays: every failed demo request
// carries a signed plan and names its failed step; an engineer presses r
// (audited, the question names what the run changes) and the run starts
// at once with progress, doing every step and leaving the request to a
// privacy lead, as the README's key table says.
func TestDemoFailedRequestsRetryAsTheREADMESays(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds an embedded database")
	}
	store, exports := fulfilStore(t)
	lee := operatorActor(t, store, "lee")
	reqs, err := store.Queue(context.Background(), lee, model.QueueFilter{Statuses: []model.Status{model.StatusFailed}, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) == 0 {
		t.Fatal("the demo has no failed request")
	}
	h := start(t, fulfilApp(t, store, "eve", exports), 100, 30)
	h.loaded()
	for _, row := range reqs {
		r := stored(t, store, lee, row.ID)
		if r.Plan == nil || !r.Plan.Signed() || r.FailureReason == "" {
			t.Fatalf("%s: failed without a signed plan or a reason: %+v %q", r.ID, r.Plan, r.FailureReason)
		}
		if len(r.Plan.Steps) > 0 && !strings.HasPrefix(r.FailureReason, "step 1/") {
			t.Errorf("%s: the reason %q names no step of its plan", r.ID, r.FailureReason)
		}
		h.openDetail(r.ID)
		h.press("r")
		h.waitFor("retry form", formOpen("Retry fulfilment"))
		h.press("enter")
		if q := model.PlanConfirmLine(*r.Plan); q != "" {
			screen := ansi.Strip(h.waitFor("the retry's question", func(a *App) bool { p, ok := formOf(a); return ok && p.form.confirming }))
			if !strings.Contains(squash(screen), squash(q)) {
				t.Errorf("%s: the retry's question does not name what the run changes (%q):\n%s", r.ID, q, screen)
			}
		}
		h.confirm()
		screen := ansi.Strip(h.waitFor("the run after the retry", runIn(runFinished, runFailed)))
		got := stored(t, store, lee, r.ID)
		if got.Status != model.StatusFulfilling || len(got.Plan.Pending()) != 0 {
			t.Fatalf("%s after eve's retry: %s with %d of %d steps pending (%s)\n%s", r.ID, got.Status, len(got.Plan.Pending()), len(got.Plan.Steps), got.FailureReason, screen)
		}
		if !strings.Contains(screen, "a privacy lead completes it") {
			t.Errorf("%s: the engineer's run does not say a lead completes it:\n%s", r.ID, screen)
		}
		if i := slices.IndexFunc(got.History, func(e model.Event) bool { return e.Action == model.ActRetry && e.Actor == "eve" }); i < 0 {
			t.Errorf("%s: no retry by eve in the history", r.ID)
		}
		h.press("esc")
		h.waitFor("back on the detail", func(a *App) bool { _, ok := runOf(a); return !ok })
		h.press("esc")
		h.waitFor("back on the queue", func(a *App) bool { return len(a.stack) == 0 })
	}
}
