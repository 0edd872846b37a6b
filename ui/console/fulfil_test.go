package console

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/present"
)

// issue 5: fulfilment views against the fake, which stores a given plan
// and checks sign-off; plans made from real documents and runs are in
// fulfil_e2e_test.go.

// samplePlan is a deletion plan over three collections with every kind of
// line the preview draws; text, when given, is put in every string field.
func samplePlan(id string, text string) model.Plan {
	s := func(def string) string {
		if text != "" {
			return text
		}
		return def
	}
	collected := time.Date(2025, time.March, 4, 10, 0, 0, 0, time.UTC)
	var docs []model.PlanDoc
	var steps []model.PlanStep
	for i := range 9 {
		coll := []string{"payments", "permits", "newsletter"}[i%3]
		op := []model.DocOp{model.DocDelete, model.DocMask, model.DocKeep}[i%3]
		pd := model.PlanDoc{Collection: s(coll), Product: s("Pay"), RecordID: s(fmt.Sprintf("%s-%04d", strings.ToUpper(coll[:3]), i)),
			CollectedAt: collected.AddDate(0, i, 0), Op: op, Before: fmt.Sprintf("%064x", i), After: fmt.Sprintf("%064x", i+100),
			Fields: []model.PlanField{
				{Field: s("email"), Category: model.Category(s("identifying")), Kind: model.KindEmail, Op: model.FieldHash, Current: s("w•••@example.org"), New: s("hmac:3f2a…")},
				{Field: s("amount"), Category: model.Category(s("financial")), Kind: model.KindNumber, Op: model.FieldKeep, Current: s("1••"), Reason: s("7 years, state tax law §19530")},
			}}
		if op == model.DocKeep {
			pd.Reason = s("legal hold LH-17: subpoena")
		}
		docs = append(docs, pd)
		if op.Changes() {
			steps = append(steps, model.PlanStep{Kind: model.StepDocument, Docs: []int{i}, Label: s(fmt.Sprintf("%s/%s: %s", coll, pd.RecordID, op))})
		}
	}
	subject := &model.PlanDoc{Collection: model.SubjectsCollection, RecordID: s("S-0000"), Op: model.DocMask,
		Fields: []model.PlanField{{Field: "name", Category: "identifying", Op: model.FieldFixed, Current: s("W••• T•••"), New: "[deleted]"}}}
	steps = append(steps, model.PlanStep{Kind: model.StepSubject, Label: s("subjects/S-0000: mask")})
	return model.Plan{ID: id + "/plan-1", Type: model.TypeDeletion, SubjectID: s("S-0000"), Docs: docs, Subject: subject, Steps: steps,
		Withheld: []model.Withheld{{Category: model.Category(s("financial")), Where: []string{s("payments.amount")}, Reason: s("7 years, state tax law §19530")}},
		Digest:   s("9b1f3c5d7e9fa0b2c4d6e8f0a1b3c5d7e9f1a2b4c6d8e0f2a4b6c8d0e2f4a6b8")}
}

// approvedFixture is the fake with request 0 approved and given a plan.
func approvedFixture(text string) (*fakeBackend, string) {
	f := fixture(12)
	r := &f.reqs[0]
	r.Status, r.Type = model.StatusApproved, model.TypeDeletion
	r.Verification = &model.Verification{By: "ben", Level: model.LevelReasonable}
	r.Decision = &model.Decision{Outcome: model.DecisionApproved, RecordedBy: "lee"}
	r.SubjectLabel = "W••• T•••"
	f.plans = map[string]model.Plan{r.ID: samplePlan(r.ID, text)}
	return f, r.ID
}

func planOf(a *App) (*planPane, bool) {
	if len(a.stack) == 0 {
		return nil, false
	}
	p, ok := a.stack[len(a.stack)-1].(*planPane)
	return p, ok
}

func planShown(a *App) bool {
	p, ok := planOf(a)
	return ok && !p.making && !p.loading && p.req != nil && p.req.Plan != nil
}

func leadAs(handle string) model.Actor {
	return model.Actor{Operator: model.Operator{Handle: handle, Name: handle, Role: model.RoleLead}, Origin: "local"}
}

func TestPlanViewAndFourEyesOnTheFake(t *testing.T) {
	f, id := approvedFixture("")
	h := start(t, New(testConfig(f)), MinWidth, MinHeight)
	h.loaded()
	h.openDetail(id)
	h.press("p")
	screen := h.waitFor("plan made", planShown)
	checkFits(t, screen, MinWidth, MinHeight)
	plain := ansi.Strip(screen)
	var digest string
	h.waitFor("digest", func(a *App) bool { p, _ := planOf(a); digest = p.req.Plan.Digest; return true })
	for _, want := range []string{"Plan " + id, "awaiting sign-off by a privacy lead other than ana", "built", "digest", digest[:12] + "…"} {
		if !strings.Contains(plain, want) {
			t.Errorf("the plan view lacks %q:\n%s", want, plain)
		}
	}
	content := ""
	h.waitFor("content", func(a *App) bool {
		p, _ := planOf(a)
		content = ansi.Strip(planContent(a.ctx.Theme, utcPlan(*p.req), MinWidth))
		return true
	})
	for _, want := range []string{"collection", "delete", "mask", "keep", "payments/PAY-0000  collected 2025-03-04  DELETE",
		"amount (financial) keep  1•• — 7 years, state tax law §19530", "legal hold LH-17", "financial: 7 years", "· 1. payments/PAY-0000: delete", "subjects (record)"} {
		if !strings.Contains(content, want) {
			t.Errorf("the preview lacks %q:\n%s", want, content)
		}
	}
	if got := f.reqs[0].Plan; got == nil || got.BuiltBy != "ana" {
		t.Fatalf("stored plan %+v", got)
	}
	// Scrolling moves the preview.
	h.press("pgdown")
	after := h.waitFor("scrolled", func(a *App) bool { p, _ := planOf(a); return p.vp.YOffset() > 0 })
	if ansi.Strip(after) == plain {
		t.Error("pgdown did not scroll the plan")
	}

	// The builder is not offered S (four eyes), and pressing it anyway is
	// refused at once by the same rule the controller applies: no
	// confirmation opens, nothing is signed.
	h.waitFor("hints", func(a *App) bool {
		for _, b := range a.view().KeyHelp() {
			if b.Help().Key == "S" {
				t.Error("the plan's builder is offered S")
			}
		}
		return true
	})
	h.press("S")
	h.waitFor("refused", func(a *App) bool { return a.statusErr && strings.Contains(a.status, "four eyes") })
	h.waitFor("no form", func(a *App) bool {
		if _, ok := formOf(a); ok {
			t.Error("a sign-off form opened for the plan's builder")
		}
		return true
	})
	if got := f.reqs[0].Plan; got.SignedBy != "" {
		t.Fatalf("a refused sign-off signed: %+v", got)
	}

	// Another lead signs it.
	cfg := testConfig(f)
	cfg.Actor = leadAs("bo")
	b := start(t, New(cfg), 120, 40)
	b.loaded()
	b.openDetail(id)
	b.press("p")
	b.waitFor("the stored plan", planShown)
	b.press("S")
	screen = ansi.Strip(b.waitFor("sign-off confirmation", func(a *App) bool {
		p, ok := formOf(a)
		return ok && p.form.confirming && !p.form.confirmOK
	}))
	for _, want := range []string{"[ Cancel ]", "builder  ana", "digest   " + digest[:16]} {
		if !strings.Contains(screen, want) {
			t.Errorf("the confirmation lacks %q:\n%s", want, screen)
		}
	}
	b.confirm()
	screen = ansi.Strip(b.waitFor("signed", func(a *App) bool {
		p, ok := planOf(a)
		return ok && p.req.Plan.SignedBy == "bo"
	}))
	checkFits(t, b.screen(), 120, 40)
	if !strings.Contains(screen, "signed by bo") {
		t.Errorf("the plan view does not show the sign-off:\n%s", screen)
	}
	if got := f.reqs[0].Plan; got.SignedBy != "bo" || got.BuiltBy != "ana" {
		t.Fatalf("stored plan after sign-off %+v", got)
	}
	last := f.reqs[0].History[len(f.reqs[0].History)-1]
	if last.Action != model.ActSignOff || last.Actor != "bo" {
		t.Errorf("last event %+v", last)
	}
}

func TestPlanViewRendersHostileStringsHarmlessly(t *testing.T) {
	for _, payload := range hostilePayloads() {
		f, id := approvedFixture(payload)
		f.reqs[0].SubjectLabel = payload
		pl := samplePlan(id, payload)
		f.reqs[0].Plan = &pl
		r := f.reqs[0]
		for _, w := range []int{MinWidth, 200} {
			content := planContent(plainTheme(), utcPlan(r), w)
			assertPlain(t, content)
			for _, l := range strings.Split(content, "\n") {
				if ansi.StringWidth(l) > w {
					t.Errorf("line wider than %d: %q", w, l)
				}
			}
		}
		d := &doc{th: plainTheme(), width: MinWidth, labelW: 20}
		(&detailPane{ctx: &Context{Theme: plainTheme(), Keys: keymap.Default()}}).fulfilment(d, present.RequestOf(r, model.Tenant{}))
		assertPlain(t, strings.Join(d.lines, "\n"))
		if t.Failed() {
			t.Fatalf("payload %q", payload)
		}
	}
	// And on a real screen, through the program, with the dark theme.
	f, id := approvedFixture(hostilePayloads()[1])
	a := New(testConfig(f))
	a.setTheme(NewTheme(true, false))
	h := start(t, a, MinWidth, MinHeight)
	h.loaded()
	h.openDetail(id)
	h.press("p")
	for _, k := range []string{"", "pgdown", "pgdown", "G"} {
		if k != "" {
			h.press(k)
		}
		raw := h.waitFor("plan", planShown)
		assertSafe(t, raw)
		checkFits(t, raw, MinWidth, MinHeight)
	}
}

// TestFulfilmentViewsHelpShowsEveryKey: ? in the plan and run views lists
// every key they act on that the rule book offers on the request, and none
// it does not (a signed plan's view has no S).
func TestFulfilmentViewsHelpShowsEveryKey(t *testing.T) {
	km := keymap.Default()
	for _, tc := range []struct {
		pane keymap.Pane
		open func(h *harness)
	}{
		{keymap.PanePlan, func(h *harness) {
			h.press("p")
			h.waitFor("plan", planShown)
		}},
		{keymap.PaneRun, func(h *harness) {
			h.press("F")
			h.confirmRun()
			h.waitFor("run view, not running", func(a *App) bool {
				p, ok := a.stack[len(a.stack)-1].(*runPane)
				return ok && p.state == runFailed
			})
		}},
	} {
		t.Run(string(tc.pane), func(t *testing.T) {
			f, id := approvedFixture("")
			pl := samplePlan(id, "")
			pl.BuiltBy, pl.SignedBy = "bo", "cy"
			pl.Digest = pl.ComputeDigest()
			f.reqs[0].Plan = &pl
			h := start(t, New(testConfig(f)), MinWidth, MinHeight)
			h.loaded()
			h.openDetail(id)
			tc.open(h)
			var hidden func(keymap.Action) bool
			h.waitFor("view", func(a *App) bool { hidden = hiddenKeys(a.ctx, a.view()); return hidden != nil })
			h.press("?")
			screen := ansi.Strip(h.waitFor("help", func(a *App) bool { return a.help }))
			checkFits(t, screen, MinWidth, MinHeight)
			shown := 0
			for _, a := range keymap.PaneActions(tc.pane) {
				hk := km.Binding(a).Help()
				listed := strings.Contains(screen, hk.Key+"  ") && strings.Contains(screen, hk.Desc)
				switch {
				case hidden(a) && strings.Contains(screen, hk.Desc):
					t.Errorf("help lists %s (%s %s), which the rule book does not offer here:\n%s", a, hk.Key, hk.Desc, screen)
				case !hidden(a) && !listed:
					t.Errorf("help lacks %s (%s %s):\n%s", a, hk.Key, hk.Desc, screen)
				case listed:
					shown++
				}
			}
			if shown < 2 {
				t.Errorf("help lists %d of the view's keys", shown)
			}
		})
	}
}

// TestFulfilmentHintsFollowTheLifecycle: p/F are offered only where the
// lifecycle lets the role use them.
func TestFulfilmentHintsFollowTheRuleBook(t *testing.T) {
	signed := samplePlan("r1", "")
	signed.BuiltBy, signed.SignedBy, signed.SignedAt = "bo", "cy", testNow()
	signed.Digest = signed.ComputeDigest()
	unsigned := samplePlan("r1", "")
	unsigned.BuiltBy = "bo"
	unsigned.Digest = unsigned.ComputeDigest()
	for _, tc := range []struct {
		name    string
		role    model.Role
		status  model.Status
		plan    *model.Plan
		subject string
		want    []string
	}{
		{"signed plan: run it, or replan", model.RoleLead, model.StatusApproved, &signed, "s1", []string{"F", "p"}},
		{"no plan: make one", model.RoleLead, model.StatusApproved, nil, "s1", []string{"p"}},
		{"unsigned plan: no run yet", model.RoleLead, model.StatusApproved, &unsigned, "s1", []string{"p"}},
		{"unlinked: neither plan nor run", model.RoleLead, model.StatusApproved, nil, "", nil},
		{"running a signed plan: no replan", model.RoleLead, model.StatusFulfilling, &signed, "s1", []string{"F"}},
		{"failed: replan (retry is r)", model.RoleLead, model.StatusFailed, &signed, "s1", []string{"p"}},
		{"engineer runs steps", model.RoleEngineer, model.StatusFulfilling, &signed, "s1", []string{"F"}},
		{"engineer does not start a run", model.RoleEngineer, model.StatusApproved, &signed, "s1", nil},
		{"support", model.RoleSupport, model.StatusApproved, &signed, "s1", nil},
		{"awaiting approval", model.RoleLead, model.StatusAwaitingApproval, nil, "s1", nil},
	} {
		c := &Context{Keys: keymap.Default(), Actor: testActor(tc.role), Clock: model.FixedClock{T: testNow()}}
		r := model.Request{ID: "r1", Status: tc.status, Plan: tc.plan, SubjectID: tc.subject, Type: model.TypeDeletion, ReceivedAt: testNow()}
		var got []string
		for _, b := range fulfilHints(c, r) {
			got = append(got, b.Help().Key)
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: hints %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestReplanOfASignedPlanTakesASecondPress: P on a signed plan warns and
// changes nothing; a second P makes the new plan.
func TestReplanOfASignedPlanTakesASecondPress(t *testing.T) {
	f, id := approvedFixture("")
	pl := samplePlan(id, "")
	pl.BuiltBy, pl.SignedBy = "bo", "cy"
	f.reqs[0].Plan = &pl
	h := start(t, New(testConfig(f)), MinWidth, MinHeight)
	h.loaded()
	h.openDetail(id)
	h.press("p")
	h.waitFor("stored plan", planShown)
	h.press("P")
	screen := ansi.Strip(h.waitFor("warning", func(a *App) bool { return a.statusErr }))
	if !strings.Contains(screen, "signed off by cy") {
		t.Errorf("no warning that the sign-off is dropped:\n%s", screen)
	}
	if f.reqs[0].Plan.SignedBy != "cy" {
		t.Fatal("the first P replaced the signed plan")
	}
	h.press("P")
	h.waitFor("new plan", func(a *App) bool { p, ok := planOf(a); return ok && !p.making && p.req.Plan.SignedBy == "" })
	if got := f.reqs[0].Plan; got.BuiltBy != "ana" || got.SignedBy != "" {
		t.Fatalf("after the second P: %+v", got)
	}
}

// utcPlan is r's plan as the console shows it to a tenant in UTC.
func utcPlan(r model.Request) present.Plan {
	v, _ := present.PlanOf(r, model.Tenant{})
	return v
}

// The preview names every step of the plan's view, in order, marked done
// or pending, as the CLI's `requests plan` does from the same view.
func TestPlanContentNamesEveryStep(t *testing.T) {
	f, id := approvedFixture("")
	pl := samplePlan(id, "")
	pl.Steps[0].Done, pl.Steps[0].DoneBy, pl.Steps[0].Result = true, "bo", "deleted"
	r := f.reqs[0]
	r.Plan = &pl
	v := utcPlan(r)
	content := planContent(plainTheme(), v, 200)
	at := 0
	for i, s := range v.Steps {
		mark := "·"
		if s.Done {
			mark = "✓"
		}
		want := fmt.Sprintf("%s %d. %s", mark, i+1, s.Label)
		n := strings.Index(content[at:], want)
		if n < 0 {
			t.Fatalf("the preview lacks step %q after what came before:\n%s", want, content)
		}
		at += n
	}
}
