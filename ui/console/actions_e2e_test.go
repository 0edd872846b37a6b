package console

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// The issue 3 scenarios, each against a real embedded database with the
// demo data, driven by key presses. Four eyes means two operators: sam
// (support) logs and verifies, lee (privacy lead) records the Customer's
// decision — two programs on one database.

func operatorActor(t testing.TB, store *db.Store, handle string) model.Actor {
	t.Helper()
	op, err := store.Operator(context.Background(), handle)
	if err != nil {
		t.Fatal(err)
	}
	return model.Actor{Operator: op, Origin: "test"}
}

func appAs(t testing.TB, store *db.Store, handle string) *App {
	return e2eApp(store, operatorActor(t, store, handle))
}

// formOf is the form pane on top of the stack, if one is.
func formOf(a *App) (*formPane, bool) {
	if len(a.stack) == 0 {
		return nil, false
	}
	switch p := a.stack[len(a.stack)-1].(type) {
	case *formPane:
		return p, true
	case *formPaneReloading:
		return p.formPane, true
	case *bulkPane:
		return p.formPane, true
	case *newRequestPane:
		return p.formPane, true
	case *signOffPane: // issue 5: fulfilment
		return p.formPane, true
	case *operatorFormPane: // the operators pane's forms
		return p.formPane, true
	case *tenantFormPane: // the tenants pane's form
		return p.formPane, true
	}
	return nil, false
}

func formOpen(title string) func(*App) bool {
	return func(a *App) bool {
		p, ok := formOf(a)
		return ok && strings.HasPrefix(p.title, title)
	}
}

func noForm(a *App) bool { _, ok := formOf(a); return !ok }

// focus tabs through the form until the field named key has focus.
func (h *harness) focus(key string) {
	h.t.Helper()
	for range 40 {
		got := ""
		h.waitFor("form", func(a *App) bool {
			p, ok := formOf(a)
			if ok {
				if fd := p.form.focused(); fd != nil {
					got = fd.key
				}
			}
			return ok
		})
		if got == key {
			return
		}
		h.press("tab")
	}
	h.t.Fatalf("field %s never got focus", key)
}

func (h *harness) fill(key, text string) {
	h.t.Helper()
	h.focus(key)
	h.typ(text)
	h.waitFor(key+" typed", func(a *App) bool {
		p, _ := formOf(a)
		return p != nil && strings.HasSuffix(p.form.field(key).input.Value(), text)
	})
}

// choose moves the choice field key to value.
func (h *harness) choose(key, value string) {
	h.t.Helper()
	h.focus(key)
	for range 60 {
		got := ""
		h.waitFor("choice", func(a *App) bool {
			p, _ := formOf(a)
			got = p.form.field(key).value()
			return true
		})
		if got == value {
			return
		}
		h.press("right")
	}
	h.t.Fatalf("choice %s never reached %q", key, value)
}

// confirm answers a confirmation: the safe Cancel has focus, so it first
// moves to the action's button.
func (h *harness) confirm() {
	h.t.Helper()
	h.waitFor("confirmation with Cancel focused", func(a *App) bool {
		p, ok := formOf(a)
		return ok && p.form.confirming && !p.form.confirmOK
	})
	h.press("right", "enter")
}

func (h *harness) openDetail(id string) {
	h.t.Helper()
	h.tm.Send(openRequestMsg{id: id})
	h.waitFor("detail of "+id, func(a *App) bool {
		return len(a.stack) == 1 && a.stack[0].(*detailPane).req != nil && !a.stack[0].(*detailPane).loading && a.stack[0].(*detailPane).id == id
	})
}

func (h *harness) detailStatus(id string, st model.Status) string {
	h.t.Helper()
	return h.waitFor(fmt.Sprintf("%s %s", id, st), func(a *App) bool {
		if len(a.stack) != 1 {
			return false
		}
		d, ok := a.stack[0].(*detailPane)
		return ok && d.req != nil && d.req.ID == id && d.req.Status == st
	})
}

func stored(t testing.TB, store *db.Store, actor model.Actor, id string) model.Request {
	t.Helper()
	r, err := store.Request(context.Background(), actor, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// awaiting logs a request as sam and verifies it, so it waits on its
// Customer; a lead other than sam may decide it.
func awaiting(t testing.TB, store *db.Store, id, tenant string, daysAgo int) model.Request {
	t.Helper()
	ctx := context.Background()
	sam := operatorActor(t, store, "sam")
	r, err := store.CreateRequest(ctx, sam, model.Request{ID: id, TenantID: tenant, Type: model.TypeDeletion, Channel: model.ChannelEmail,
		Requester: model.Person{Name: "Wren Testcase", Email: strings.ToLower(id) + "@example.org"}, ResidencyState: "CA",
		ReceivedAt: e2eNow().AddDate(0, 0, -daysAgo)})
	if err != nil {
		t.Fatal(err)
	}
	if r, err = store.Transition(ctx, sam, id, r.Version, model.ActStartVerification, ""); err != nil {
		t.Fatal(err)
	}
	// Points are matched against the subject on file: link one that holds them.
	sub := subjectWith(t, store, sam, tenant, model.PointEmail, model.PointPhone)
	if r, err = store.Apply(ctx, sam, id, r.Version, model.ActLink, "", func(x *model.Request) error { x.SubjectID = sub.ID; return nil }); err != nil {
		t.Fatal(err)
	}
	r, err = store.Apply(ctx, sam, id, r.Version, model.ActVerify, "", func(x *model.Request) error {
		x.Verification = &model.Verification{Method: "data points", DataPoints: []string{"email", "phone"}, Level: model.LevelReasonable}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// linkTo links the request on the detail to subject id with the link key:
// a request is verified against the subject on file, so it is linked first.
func (h *harness) linkTo(id string) {
	h.t.Helper()
	h.press("L")
	h.waitFor("link form", formOpen("Link to a subject"))
	h.fill("find", id)
	h.waitFor("subject "+id+" found", func(a *App) bool { p, _ := formOf(a); return p.form.value("subject") == id })
	h.press("ctrl+s")
	h.confirm()
	h.waitFor("linked to "+id, func(a *App) bool {
		d, ok := a.stack[0].(*detailPane)
		return noForm(a) && ok && d.req.SubjectID == id
	})
}

// subjectWith finds a subject of tenant holding every one of points.
func subjectWith(t testing.TB, store *db.Store, actor model.Actor, tenant string, points ...model.DataPoint) model.Subject {
	t.Helper()
	var found *model.Subject
	err := store.SubjectDirectory(context.Background(), actor, tenant, time.Time{}, func(subs []model.Subject) error {
		for _, s := range subs {
			if found == nil && !slices.ContainsFunc(points, func(p model.DataPoint) bool { return !s.OnFile(p) }) {
				s := s
				found = &s
			}
		}
		return nil
	}, nil)
	if err != nil || found == nil {
		t.Fatalf("no subject of %s holds %v (err %v)", tenant, points, err)
	}
	return *found
}

// selectApproval moves the approvals cursor onto id.
func (h *harness) selectApproval(id string) {
	h.t.Helper()
	h.waitFor("approvals pane with "+id, func(a *App) bool {
		p, ok := a.panes[a.active].(*approvalsPane)
		if !ok || p.loading {
			return false
		}
		i := slices.IndexFunc(p.rows, func(r approvalRow) bool { return r.req.ID == id })
		if i < 0 {
			return false
		}
		p.cursor = i
		p.ensureVisible()
		return true
	})
}

func (a *App) approvals() *approvalsPane { return a.panes[1].(*approvalsPane) }

func TestActionsE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds an embedded database")
	}
	store, _ := seededStore(t)
	lee := operatorActor(t, store, "lee")

	t.Run("walk: log, acknowledge, verify, Customer approval", func(t *testing.T) {
		sam := start(t, appAs(t, store, "sam"), 100, 30)
		sam.loaded()
		sam.press("n")
		sam.waitFor("log form", formOpen("Log a new request"))
		sam.choose("tenant", "oakridge-ca")
		sam.choose("type", string(model.TypeAccess))
		sam.fill("email", "not-an-email")
		screen := ansi.Strip(sam.waitFor("email refused as typed", func(a *App) bool {
			p, _ := formOf(a)
			return p.form.problem(p.form.field("email")) != ""
		}))
		if !strings.Contains(screen, "✗") {
			t.Errorf("no message next to the email field:\n%s", screen)
		}
		sam.press("ctrl+u") // readline kill-line clears the input
		sam.focus("email")
		for range len("not-an-email") {
			sam.press("backspace")
		}
		sam.fill("email", "walk.person@example.org")
		sam.fill("name", "Walk Person")
		sam.press("ctrl+s")
		var id string
		screen = sam.waitFor("logged", func(a *App) bool {
			if len(a.stack) == 0 {
				return false
			}
			p, ok := a.stack[len(a.stack)-1].(*newRequestPane)
			if ok && p.result != nil {
				id = p.result.req.ID
			}
			return ok && p.result != nil
		})
		if !strings.Contains(ansi.Strip(screen), "Logged "+id) {
			t.Errorf("result does not name %s:\n%s", id, ansi.Strip(screen))
		}
		// "due" is the 45-day response (§7021(b)), the acknowledgement
		// (§7021(a), 10 business days) is named as such.
		logged := stored(t, store, lee, id)
		oak, err := store.Tenant(context.Background(), lee, "oakridge-ca")
		if err != nil {
			t.Fatal(err)
		}
		dl := model.ComputeDeadlines(logged, oak)
		flat := strings.Join(strings.Fields(ansi.Strip(screen)), " ")
		if want := "response due " + day(dl.Response, oak.Location()); !strings.Contains(flat, want) {
			t.Errorf("result does not say %q:\n%s", want, ansi.Strip(screen))
		}
		if want := "acknowledge by " + day(dl.Ack, oak.Location()); !strings.Contains(flat, want) {
			t.Errorf("result does not say %q:\n%s", want, ansi.Strip(screen))
		}
		sam.press("esc")
		sam.waitFor("row in the queue", func(a *App) bool {
			return noForm(a) && slices.ContainsFunc(a.queue().rows, func(r row) bool { return r.key == id })
		})

		sam.openDetail(id)
		sam.press("A")
		sam.waitFor("acknowledge form", formOpen("Acknowledge"))
		sam.press("enter")
		sam.waitFor("acknowledged", func(a *App) bool {
			d, ok := a.stack[0].(*detailPane)
			return noForm(a) && ok && d.req.AcknowledgedAt != nil
		})
		sam.press("V")
		sam.waitFor("start verification form", formOpen("Start verification"))
		sam.press("enter")
		sam.detailStatus(id, model.StatusVerifying)
		sam.linkTo(subjectWith(t, store, lee, "oakridge-ca", model.PointEmail, model.PointPhone).ID)
		sam.press("v")
		sam.waitFor("verify form", formOpen("Verify"))
		sam.fill("points", "email")
		sam.press("ctrl+s")
		screen = ansi.Strip(sam.waitFor("one data point refused", func(a *App) bool {
			p, ok := formOf(a)
			return ok && strings.Contains(p.form.problem(p.form.field("points")), "needs 2 matched data points")
		}))
		if !strings.Contains(screen, "needs 2 matched data points") {
			t.Errorf("the problem is not shown by the field:\n%s", screen)
		}
		sam.fill("points", ", phone")
		sam.press("ctrl+s")
		sam.detailStatus(id, model.StatusAwaitingApproval)
		if v := stored(t, store, lee, id).Verification; v == nil || v.By != "sam" || !slices.Equal(v.DataPoints, []string{"email", "phone"}) {
			t.Fatalf("verification stored as %+v", v)
		}

		// The lead, in another program on the same database.
		leeApp := start(t, appAs(t, store, "lee"), 100, 30)
		leeApp.loaded()
		leeApp.press("tab")
		leeApp.selectApproval(id)
		leeApp.press("a")
		leeApp.waitFor("approve form", formOpen("Approve"))
		leeApp.fill("evidence", "<cx-991@oakridge-ca.example>")
		leeApp.press("ctrl+s")
		screen = ansi.Strip(leeApp.waitFor("confirmation", func(a *App) bool { p, ok := formOf(a); return ok && p.form.confirming }))
		for _, want := range []string{"Dana Whitfield", "<cx-991@oakridge-ca.example>", "recorded by", "lee", "[ Cancel ]"} {
			if !strings.Contains(screen, want) {
				t.Errorf("confirmation lacks %q:\n%s", want, screen)
			}
		}
		checkFits(t, screen, 100, 30)
		leeApp.confirm()
		leeApp.waitFor("row gone from approvals", func(a *App) bool {
			return noForm(a) && !slices.ContainsFunc(a.approvals().rows, func(r approvalRow) bool { return r.req.ID == id })
		})
		r := stored(t, store, lee, id)
		if r.Status != model.StatusApproved || r.Decision == nil || r.Decision.RecordedBy != "lee" || r.Decision.Approver != "Dana Whitfield" || r.Decision.Evidence != "<cx-991@oakridge-ca.example>" {
			t.Fatalf("stored decision %+v, status %s", r.Decision, r.Status)
		}
	})

	t.Run("several matching subjects: the operator picks, a child is flagged", func(t *testing.T) {
		ctx := context.Background()
		shared := "family.inbox@example.org"
		subjects := []any{
			model.Subject{ID: "S-E2E-PARENT", TenantID: "oakridge-ca", Name: "Robin Parent", Emails: []string{shared},
				BirthDate: "1980-04-02", ResidencyState: "CA", Status: model.AccountActive},
			model.Subject{ID: "S-E2E-CHILD", TenantID: "oakridge-ca", Name: "Kit Parent", Emails: []string{shared},
				BirthDate: "2015-06-01", ResidencyState: "CA", Status: model.AccountActive},
		}
		if _, err := store.Conn().DB.Collection("subjects").InsertMany(ctx, subjects); err != nil {
			t.Fatal(err)
		}
		h := start(t, appAs(t, store, "sam"), 100, 30)
		h.loaded()
		h.press("n")
		h.waitFor("log form", formOpen("Log a new request"))
		h.choose("tenant", "oakridge-ca")
		h.choose("type", string(model.TypeChildDeletion))
		h.fill("name", "Robin Parent")
		h.fill("email", shared)
		h.press("ctrl+s")
		screen := ansi.Strip(h.waitFor("candidates", func(a *App) bool {
			p, ok := a.stack[len(a.stack)-1].(*newRequestPane)
			return ok && p.stage == stagePick
		}))
		if !strings.Contains(screen, "S-E2E-PARENT") || !strings.Contains(screen, "S-E2E-CHILD") {
			t.Errorf("the candidates are not listed:\n%s", screen)
		}
		if strings.Contains(screen, "Kit Parent") {
			t.Errorf("a candidate's name is shown unmasked:\n%s", screen)
		}
		h.choose("pick", "S-E2E-CHILD")
		h.press("enter")
		var res *newRequestResult
		screen = ansi.Strip(h.waitFor("logged", func(a *App) bool {
			p, ok := a.stack[len(a.stack)-1].(*newRequestPane)
			res = p.result
			return ok && p.result != nil
		}))
		if res.req.SubjectID != "S-E2E-CHILD" {
			t.Fatalf("linked to %q, want the picked S-E2E-CHILD", res.req.SubjectID)
		}
		for _, want := range []string{"CHILD", "S-E2E-CHILD", "age 11"} {
			if !strings.Contains(screen, want) {
				t.Errorf("the result lacks %q:\n%s", want, screen)
			}
		}
	})

	t.Run("assign to another operator, then to me", func(t *testing.T) {
		r := awaiting(t, store, "R-E2E-ASSIGN", "oakridge-ca", 4)
		h := start(t, appAs(t, store, "sam"), 100, 30)
		h.loaded()
		h.openDetail(r.ID)
		h.press("m")
		h.waitFor("assign form", formOpen("Assign"))
		h.choose("to", "sid")
		h.press("enter")
		h.waitFor("assigned to sid", func(a *App) bool {
			d, ok := a.stack[0].(*detailPane)
			return noForm(a) && ok && d.req.AssignedTo == "sid"
		})
		h.press("m")
		h.waitFor("assign form", formOpen("Assign"))
		h.choose("to", "sam")
		h.press("enter")
		h.waitFor("assigned to me", func(a *App) bool {
			d, ok := a.stack[0].(*detailPane)
			return noForm(a) && ok && d.req.AssignedTo == "sam"
		})
		if got := stored(t, store, lee, r.ID).AssignedTo; got != "sam" {
			t.Fatalf("stored assignee %q", got)
		}
	})

	t.Run("a correction is verified with other data", func(t *testing.T) {
		h := start(t, appAs(t, store, "sam"), 100, 30)
		h.loaded()
		h.press("n")
		h.waitFor("log form", formOpen("Log a new request"))
		h.choose("tenant", "bayshore-ca")
		h.choose("type", string(model.TypeRectification))
		h.choose("cfield", string(model.PointEmail))
		h.fill("cvalue", "new.address@example")
		screen := ansi.Strip(h.waitFor("bad value refused as typed", func(a *App) bool {
			p, _ := formOf(a)
			return p.form.problem(p.form.field("cvalue")) != ""
		}))
		if !strings.Contains(screen, "✗") {
			t.Errorf("no message by the corrected value:\n%s", screen)
		}
		h.fill("cvalue", ".org")
		h.fill("name", "Corry Rect")
		h.fill("email", "corry.rect@example.org")
		h.press("ctrl+s")
		var id string
		h.waitFor("logged", func(a *App) bool {
			p, ok := a.stack[len(a.stack)-1].(*newRequestPane)
			if ok && p.result != nil {
				id = p.result.req.ID
			}
			return ok && p.result != nil
		})
		if got := stored(t, store, lee, id).Corrections; got["email"] != "new.address@example.org" {
			t.Fatalf("stored corrections %v", got)
		}
		h.press("esc")
		h.waitFor("closed", noForm)
		h.openDetail(id)
		h.press("V")
		h.waitFor("start verification", formOpen("Start verification"))
		h.press("enter")
		h.detailStatus(id, model.StatusVerifying)
		h.linkTo(subjectWith(t, store, lee, stored(t, store, lee, id).TenantID, model.PointEmail, model.PointPhone).ID)
		h.press("v")
		h.waitFor("verify form", formOpen("Verify"))
		h.fill("points", "email, phone")
		screen = ansi.Strip(h.waitFor("corrected field refused", func(a *App) bool {
			p, _ := formOf(a)
			return strings.Contains(p.form.problem(p.form.field("points")), "is being corrected")
		}))
		if !strings.Contains(screen, "verify with other data") {
			t.Errorf("the form does not say to verify with other data:\n%s", screen)
		}
	})

	t.Run("esc cancels and changes nothing", func(t *testing.T) {
		r := awaiting(t, store, "R-E2E-ESC", "oakridge-ca", 3)
		h := start(t, appAs(t, store, "lee"), 100, 30)
		h.loaded()
		h.openDetail(r.ID)
		h.press("N")
		h.waitFor("note form", formOpen("Add note"))
		h.typ("never saved")
		h.press("esc")
		h.waitFor("closed", noForm)
		if got := stored(t, store, lee, r.ID); got.Version != r.Version || len(got.Notes) != 0 {
			t.Fatalf("esc changed the request: version %d → %d, %d notes", r.Version, got.Version, len(got.Notes))
		}
	})

	t.Run("agent request needs the agent verified", func(t *testing.T) {
		h := start(t, appAs(t, store, "sam"), 100, 30)
		h.loaded()
		h.press("n")
		h.waitFor("log form", formOpen("Log a new request"))
		h.choose("tenant", "bayshore-ca")
		h.fill("name", "Agent Client")
		h.fill("email", "agent.client@example.org")
		h.choose("by", "agent")
		h.fill("aname", "Pat Advocate")
		h.press("ctrl+s")
		screen := ansi.Strip(h.waitFor("permission required", func(a *App) bool {
			p, _ := formOf(a)
			return p.form.field("aperm").touched && p.form.problem(p.form.field("aperm")) != ""
		}))
		if !strings.Contains(screen, "written permission") {
			t.Errorf("the permission field does not say what is missing:\n%s", screen)
		}
		h.fill("aperm", "signed letter, file ref 2207")
		h.press("ctrl+s")
		var res *newRequestResult
		screen = ansi.Strip(h.waitFor("logged", func(a *App) bool {
			p, ok := a.stack[len(a.stack)-1].(*newRequestPane)
			res = p.result
			return ok && p.result != nil
		}))
		if !strings.Contains(screen, "AGENT") {
			t.Errorf("the result does not flag the agent:\n%s", screen)
		}
		id := res.req.ID
		h.press("esc")
		h.waitFor("closed", noForm)
		h.openDetail(id)
		h.press("V")
		h.waitFor("start verification", formOpen("Start verification"))
		h.press("enter")
		h.detailStatus(id, model.StatusVerifying)
		h.linkTo(subjectWith(t, store, lee, stored(t, store, lee, id).TenantID, model.PointEmail, model.PointPhone).ID)
		h.press("v")
		h.waitFor("verify form", formOpen("Verify"))
		h.fill("points", "email, phone")
		h.press("ctrl+s")
		screen = ansi.Strip(h.waitFor("agent check refused", func(a *App) bool {
			p, _ := formOf(a)
			return p.form.problem(p.form.field("agent")) != ""
		}))
		if !strings.Contains(screen, "agent must be verified too") {
			t.Errorf("no message by the agent field:\n%s", screen)
		}
		h.choose("agent", "yes")
		h.press("ctrl+s")
		h.detailStatus(id, model.StatusAwaitingApproval)
		if v := stored(t, store, lee, id).Verification; v == nil || !v.AgentChecked {
			t.Fatalf("verification %+v", v)
		}
	})

	t.Run("over-limit request refused by a lead", func(t *testing.T) {
		ctx := context.Background()
		sam := operatorActor(t, store, "sam")
		// A California subject with two earlier requests to know this year.
		var subject model.Subject
		reqs, _ := store.Queue(ctx, sam, model.QueueFilter{TenantID: "oakridge-ca", Limit: 5000})
		for _, r := range reqs {
			if r.SubjectID != "" {
				if s, err := store.Subject(ctx, sam, r.SubjectID); err == nil && s.ResidencyState == "CA" {
					subject = s
					break
				}
			}
		}
		if subject.ID == "" {
			t.Fatal("no California subject in the demo data")
		}
		var ids []string
		for i, daysAgo := range []int{200, 90, 2} {
			r, err := store.CreateRequest(ctx, sam, model.Request{ID: fmt.Sprintf("R-E2E-LIM-%d", i), TenantID: "oakridge-ca", SubjectID: subject.ID,
				Type: model.TypeAccess, Channel: model.ChannelWeb, Requester: model.Person{Name: subject.Name}, ResidencyState: "CA",
				ReceivedAt: e2eNow().AddDate(0, 0, -daysAgo)})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, r.ID)
		}
		third := stored(t, store, lee, ids[2])
		if !third.HasFlag(model.FlagOverLimit) {
			t.Fatalf("the third request is not flagged over the limit: %+v", third.Flags)
		}
		h := start(t, appAs(t, store, "lee"), 100, 30)
		h.loaded()
		h.openDetail(third.ID)
		h.waitFor("the detail lists the earlier requests", func(a *App) bool {
			content := ansi.Strip(a.stack[0].(*detailPane).content())
			for _, id := range ids[:2] {
				if !strings.Contains(content, id) {
					t.Errorf("the detail's limit does not list %s:\n%s", id, content)
				}
			}
			return true
		})
		h.press("X")
		screen := ansi.Strip(h.waitFor("refuse form with evidence", func(a *App) bool {
			return formOpen("Refuse as excessive")(a) && strings.Contains(ansi.Strip(a.View().Content), ids[1])
		}))
		for _, want := range []string{"LIMIT", ids[0], ids[1]} {
			if !strings.Contains(screen, want) {
				t.Errorf("the refusal's evidence lacks %s:\n%s", want, screen)
			}
		}
		h.press("ctrl+s")
		h.waitFor("reason required", func(a *App) bool {
			p, _ := formOf(a)
			return p.form.problem(p.form.field("reason")) != "" && !p.form.confirming
		})
		h.fill("reason", "third request to know in 12 months (Cal. Civ. Code 1798.130(b))")
		h.press("ctrl+s")
		h.confirm()
		h.detailStatus(third.ID, model.StatusDenied)
		if r := stored(t, store, lee, third.ID); r.DenialReason == "" || r.Outcome != "denied" {
			t.Fatalf("stored refusal: reason %q outcome %q", r.DenialReason, r.Outcome)
		}
		// A support operator does not get the form: the lifecycle says why.
		s := start(t, appAs(t, store, "sam"), 100, 30)
		s.loaded()
		s.openDetail(ids[1])
		s.press("X")
		screen = ansi.Strip(s.waitFor("refused", func(a *App) bool { return a.statusErr }))
		if !strings.Contains(screen, "needs a privacy lead") {
			t.Errorf("support's refusal does not say who may:\n%s", screen)
		}
	})

	t.Run("extension shows the new due date first", func(t *testing.T) {
		r := awaiting(t, store, "R-E2E-EXT", "oakridge-ca", 10)
		h := start(t, appAs(t, store, "lee"), 100, 30)
		h.loaded()
		h.openDetail(r.ID)
		h.press("E")
		t0, _ := store.Tenant(context.Background(), lee, "oakridge-ca")
		before := model.ComputeDeadlines(r, t0)
		want := before.Legal45.AddDate(0, 0, model.ExtensionDays).In(t0.Location()).Format(time.DateOnly)
		screen := ansi.Strip(h.waitFor("extend form", formOpen("Extend the deadline")))
		if !strings.Contains(screen, "new due date "+want) {
			t.Errorf("the form does not show the new due date %s:\n%s", want, screen)
		}
		h.fill("reason", "records held at an off-site archive")
		h.press("ctrl+s")
		screen = ansi.Strip(h.waitFor("confirmation", func(a *App) bool { p, ok := formOf(a); return ok && p.form.confirming }))
		if !strings.Contains(screen, want) {
			t.Errorf("the confirmation does not show the new due date:\n%s", screen)
		}
		h.confirm()
		h.waitFor("extended", func(a *App) bool {
			d, ok := a.stack[0].(*detailPane)
			return noForm(a) && ok && d.req.Extension != nil
		})
		h.press("E")
		screen = ansi.Strip(h.waitFor("second extension refused", func(a *App) bool { return a.statusErr }))
		if !strings.Contains(screen, "only one extension") {
			t.Errorf("second extension not refused with a reason:\n%s", screen)
		}
	})

	t.Run("bulk approval with one stale row", func(t *testing.T) {
		var ids []string
		for i := range 4 {
			ids = append(ids, awaiting(t, store, fmt.Sprintf("R-E2E-BULK-%d", i), "pecan-ridge-tx", 20+i).ID)
		}
		h := start(t, appAs(t, store, "lee"), 100, 30)
		h.loaded()
		h.press("tab")
		h.press("T")
		h.typ("pecan")
		h.press("enter")
		h.waitFor("scoped approvals", func(a *App) bool {
			p := a.approvals()
			return a.ctx.Scope == "pecan-ridge-tx" && !p.loading && len(p.rows) > 0
		})
		for _, id := range ids {
			h.selectApproval(id)
			h.press("space")
			h.waitFor("marked "+id, func(a *App) bool { return a.approvals().marks[id] })
		}
		// Someone else moves one marked request on meanwhile.
		lou := operatorActor(t, store, "lou")
		stale := stored(t, store, lou, ids[2])
		if _, err := store.Transition(context.Background(), lou, stale.ID, stale.Version, model.ActNote, "called the clerk"); err != nil {
			t.Fatal(err)
		}
		h.press("a")
		h.waitFor("bulk form", formOpen("Approve 4 requests"))
		h.fill("evidence", "CUST-4471")
		h.choose("method", string(model.EvidenceTicket))
		h.press("ctrl+s")
		screen := ansi.Strip(h.waitFor("confirmation", func(a *App) bool { p, ok := formOf(a); return ok && p.form.confirming }))
		for _, id := range ids {
			if !strings.Contains(screen, id) {
				t.Errorf("the confirmation does not list %s:\n%s", id, screen)
			}
		}
		if !strings.Contains(screen, "these 4 requests") {
			t.Errorf("the confirmation does not give the count:\n%s", screen)
		}
		h.confirm()
		screen = ansi.Strip(h.waitFor("results", func(a *App) bool {
			b, ok := a.stack[len(a.stack)-1].(*bulkPane)
			return ok && b.body != nil
		}))
		for i, id := range ids {
			ok := strings.Contains(screen, "✓ "+id)
			if i == 2 {
				if ok || !strings.Contains(screen, "✗ "+id) || !strings.Contains(screen, "changed by lou") {
					t.Errorf("the stale %s is not refused by name, naming lou:\n%s", id, screen)
				}
				// Nothing here can be reloaded: the advice is what to do instead.
				if flat := strings.Join(strings.Fields(screen), " "); strings.Contains(flat, "reload and try again") || !strings.Contains(flat, "stays marked in Approvals") {
					t.Errorf("the refusal's advice does not fit a bulk approval:\n%s", screen)
				}
				continue
			}
			if !ok {
				t.Errorf("%s not reported approved:\n%s", id, screen)
			}
		}
		h.press("esc")
		h.waitFor("approved rows gone, stale one kept and still marked", func(a *App) bool {
			p := a.approvals()
			has := func(id string) bool {
				return slices.ContainsFunc(p.rows, func(r approvalRow) bool { return r.req.ID == id })
			}
			return noForm(a) && !has(ids[0]) && !has(ids[1]) && has(ids[2]) && !has(ids[3]) && p.marks[ids[2]]
		})
		for i, id := range ids {
			r := stored(t, store, lee, id)
			want := model.StatusApproved
			if i == 2 {
				want = model.StatusAwaitingApproval
			}
			if r.Status != want {
				t.Errorf("%s is %s, want %s", id, r.Status, want)
			}
		}
	})

	t.Run("four eyes: a lead cannot decide what it verified", func(t *testing.T) {
		ctx := context.Background()
		r, err := store.CreateRequest(ctx, lee, model.Request{ID: "R-E2E-4EYES", TenantID: "oakridge-ca", Type: model.TypeDeletion,
			Channel: model.ChannelWeb, Requester: model.Person{Name: "Ivy Foureyes", Email: "ivy.4eyes@example.org"}, ResidencyState: "CA"})
		if err != nil {
			t.Fatal(err)
		}
		r, _ = store.Transition(ctx, lee, r.ID, r.Version, model.ActStartVerification, "")
		sub := subjectWith(t, store, lee, "oakridge-ca", model.PointEmail, model.PointPhone)
		r, _ = store.Apply(ctx, lee, r.ID, r.Version, model.ActLink, "", func(x *model.Request) error { x.SubjectID = sub.ID; return nil })
		if _, err := store.Apply(ctx, lee, r.ID, r.Version, model.ActVerify, "", func(x *model.Request) error {
			x.Verification = &model.Verification{Method: "data points", DataPoints: []string{"email", "phone"}, Level: model.LevelReasonable}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		h := start(t, appAs(t, store, "lee"), 100, 30)
		h.loaded()
		h.press("tab")
		h.selectApproval(r.ID)
		// The rule book neither hints a nor lets it open a form: the four-
		// eyes refusal is the status line's, at once.
		if hints := hintKeys(h); slices.Contains(hints, "a") {
			t.Errorf("the lead who logged and verified it is offered a: %v", hints)
		}
		h.press("a")
		screen := ansi.Strip(h.waitFor("refused", func(a *App) bool { return a.statusErr && noForm(a) }))
		if !strings.Contains(screen, "four eyes: lee logged this request") {
			t.Errorf("the refusal does not explain four eyes:\n%s", screen)
		}
		if got := stored(t, store, lee, r.ID); got.Status != model.StatusAwaitingApproval {
			t.Fatalf("four eyes refusal changed the status to %s", got.Status)
		}
	})

	t.Run("two programs, one request: the second is told who won and keeps its input", func(t *testing.T) {
		ctx := context.Background()
		sam := operatorActor(t, store, "sam")
		r, err := store.CreateRequest(ctx, sam, model.Request{ID: "R-E2E-RACE", TenantID: "oakridge-ca", Type: model.TypeAccess,
			Channel: model.ChannelPhone, Requester: model.Person{Name: "Race Case", Phone: "916-555-0199"}, ResidencyState: "CA"})
		if err != nil {
			t.Fatal(err)
		}
		first := start(t, appAs(t, store, "sam"), 100, 30)
		second := start(t, appAs(t, store, "sid"), 100, 30)
		first.loaded()
		second.loaded()
		first.openDetail(r.ID)
		second.openDetail(r.ID)
		first.press("i")
		second.press("i")
		first.waitFor("form", formOpen("Ask for information"))
		second.waitFor("form", formOpen("Ask for information"))
		first.typ("a copy of a utility bill")
		second.typ("the account number")
		first.press("enter")
		first.detailStatus(r.ID, model.StatusNeedsInfo)
		second.press("enter")
		screen := ansi.Strip(second.waitFor("conflict", func(a *App) bool {
			p, ok := formOf(a)
			return ok && !p.form.saving && p.form.err != ""
		}))
		if !strings.Contains(screen, "changed by sam") || !strings.Contains(screen, "needs info") {
			t.Errorf("the conflict does not say who changed it and to what:\n%s", screen)
		}
		second.waitFor("the re-read offered", func(a *App) bool {
			p, _ := formOf(a)
			if !strings.Contains(p.form.err, "re-reads it and keeps what you typed") {
				t.Errorf("a lost race does not offer the re-read: %q", p.form.err)
			}
			return true
		})
		second.waitFor("input kept", func(a *App) bool {
			p, _ := formOf(a)
			if got := p.form.field("reason").input.Value(); got != "the account number" {
				t.Errorf("input after the conflict = %q", got)
			}
			return true
		})
		// ctrl+r re-reads the request and keeps the input; the form now
		// says the action no longer applies.
		second.press("ctrl+r")
		screen = ansi.Strip(second.waitFor("re-read", func(a *App) bool {
			p, ok := formOf(a)
			return ok && strings.Contains(strings.Join(p.form.intro, " "), "re-read")
		}))
		if !strings.Contains(screen, "now needs info") {
			t.Errorf("the re-read does not say what the request is now:\n%s", screen)
		}
		if got := stored(t, store, sam, r.ID); got.InfoRequested != "a copy of a utility bill" {
			t.Fatalf("stored info request %q", got.InfoRequested)
		}
	})

	t.Run("remind records the contact and shows in the pane", func(t *testing.T) {
		r := awaiting(t, store, "R-E2E-REMIND", "oakridge-ca", 30)
		h := start(t, appAs(t, store, "sam"), 100, 30)
		h.loaded()
		h.press("tab")
		h.selectApproval(r.ID)
		h.press("M")
		h.waitFor("remind form", formOpen("Remind the Customer"))
		h.choose("to", "Marcus Ibarra")
		h.press("enter")
		screen := ansi.Strip(h.waitFor("reminder shown", func(a *App) bool {
			p := a.approvals()
			i := slices.IndexFunc(p.rows, func(x approvalRow) bool { return x.req.ID == r.ID })
			return noForm(a) && i >= 0 && len(p.rows[i].req.Reminders) == 1
		}))
		if !strings.Contains(screen, "1× 11-02") || !strings.Contains(screen, "sam to Marcus Ibarra") {
			t.Errorf("the pane does not show the reminder:\n%s", screen)
		}
		got := stored(t, store, lee, r.ID)
		if len(got.Reminders) != 1 || got.Reminders[0].By != "sam" || got.Reminders[0].To != "Marcus Ibarra" {
			t.Fatalf("stored reminders %+v", got.Reminders)
		}
		h.press("enter")
		h.waitFor("the detail shows the reminder", func(a *App) bool {
			if !detailLoaded(a) {
				return false
			}
			content := ansi.Strip(a.stack[0].(*detailPane).content())
			if !strings.Contains(content, "Reminders to the Customer (1)") || !strings.Contains(content, "sam → Marcus Ibarra") {
				t.Errorf("the detail does not show the reminder:\n%s", content)
			}
			return true
		})
	})
}

// TestEveryTransitionHasAKey finds, for every row of the lifecycle table, a
// key that reaches it on a request in a state the row allows: a request
// action's key opens its form; a fulfilment key (fulfilKeys) is pressed on
// the embedded database and the row must then be in the request's history.
func TestEveryTransitionHasAKey(t *testing.T) {
	keys := actionKeys()
	km := keymap.Default()
	var fulfil *fulfilmentRows // the embedded database the fulfilment rows use
	if !testing.Short() {
		fulfil = newFulfilmentRows(t)
	}
	for _, tr := range model.Transitions() {
		t.Run(string(tr.Action), func(t *testing.T) {
			if fk, ok := fulfilKeys()[tr.Action]; ok {
				if fulfil == nil {
					t.Skip("fulfilment rows are reached on an embedded database (not in -short)")
				}
				fulfil.reach(t, tr, fk)
				return
			}
			var ka keymap.Action
			for k, a := range keys {
				if a == tr.Action {
					ka = k
				}
			}
			if ka == "" {
				t.Fatalf("no key triggers %s", tr.Action)
			}
			if !slices.Contains(keymap.PaneActions(keymap.PaneDetail), ka) {
				t.Fatalf("%s's key is not active in the request detail", ka)
			}
			f := fixture(12)
			meetPreconditions(&f.reqs[0], tr)
			role := model.RoleLead
			if tr.Perm == model.PermRetry {
				role = model.RoleEngineer
			}
			cfg := testConfig(f)
			cfg.Actor = testActor(role)
			facts := model.Facts{Request: f.reqs[0], Tenant: f.tenants[0], Actor: cfg.Actor, Now: testNow()}
			if ref := model.Check(tr.Action, facts); ref != nil {
				t.Fatalf("the fixture does not meet %s's preconditions: %s (%s)", tr.Action, ref.Reason, ref.Rule)
			}
			h := start(t, New(cfg), 100, 30)
			h.loaded()
			h.openDetail(f.reqs[0].ID)
			key := km.Binding(ka).Keys()[0]
			h.press(key)
			h.waitFor(fmt.Sprintf("%s opens the %s form", key, tr.Action), func(a *App) bool {
				if len(a.stack) == 0 {
					return false
				}
				p, ok := a.stack[len(a.stack)-1].(*formPaneReloading)
				return ok && p.spec.act == tr.Action
			})
		})
	}
}

// meetPreconditions makes r a request on which the rule book lets a lead
// (an engineer for a retry) take tr's action: in tr's first source status,
// logged and verified by someone else, linked unless it is a link, with a
// decision to correct, a signed plan to retry, and an access plan
// withholding a guardian's phone to disclose.
func meetPreconditions(r *model.Request, tr model.Transition) {
	r.Status = tr.From[0]
	r.LoggedBy = "bo"
	r.AcknowledgedAt, r.Extension, r.Fee = nil, nil, nil
	r.ReceivedAt = testNow().Add(-48 * time.Hour)
	if tr.Action == model.ActLink {
		r.SubjectID, r.SubjectLabel = "", ""
	}
	switch r.Status {
	case model.StatusAwaitingApproval, model.StatusApproved, model.StatusFulfilling, model.StatusFailed, model.StatusCompleted, model.StatusDenied:
		r.Verification = &model.Verification{By: "ben", Level: model.LevelReasonable}
	}
	if tr.Action == model.ActCorrectDecision {
		r.Decision = &model.Decision{Outcome: model.DecisionApproved, Approver: "Dana", Method: "email", Evidence: "msg-1", DecidedAt: testNow().Add(-24 * time.Hour)}
	}
	if tr.Action == model.ActDisclose {
		r.Type = model.TypeAccess
		pl := model.Plan{ID: r.ID + "/plan-1", Type: model.TypeAccess, SubjectID: r.SubjectID, BuiltBy: "bo", BuiltAt: testNow(),
			Docs: []model.PlanDoc{{Collection: "rec_registrations", Product: "Rec", RecordID: "REC-1", Op: model.DocExport,
				Fields: []model.PlanField{{Field: "guardian_phone", Category: model.CatIdentifying, Kind: model.KindPhone, Op: model.FieldWithhold, ThirdParty: "guardian"}}}}}
		pl.Digest = pl.ComputeDigest()
		r.Plan = &pl
	}
	if tr.Action == model.ActRetry {
		pl := samplePlan(r.ID, "")
		pl.BuiltBy, pl.SignedBy, pl.SignedAt = "bo", "cy", testNow()
		pl.Digest = pl.ComputeDigest()
		r.Plan = &pl
	}
}

// TestNewPanesHelpShowsEveryKey: every key the approvals pane and the forms
// act on is in their ? help, and nothing else of the request groups is.
func TestNewPanesHelpShowsEveryKey(t *testing.T) {
	km := keymap.Default()
	for _, tc := range []struct {
		name string
		pane keymap.Pane
		open func(h *harness)
	}{
		{"approvals", keymap.PaneApprovals, func(h *harness) { h.press("tab") }},
		{"form", keymap.PaneForm, func(h *harness) {
			h.press("n")
			h.waitFor("form", formOpen("Log a new request"))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := start(t, New(testConfig(fixture(10))), MinWidth, MinHeight)
			h.loaded()
			tc.open(h)
			if tc.pane == keymap.PaneForm {
				// In a form ? is typed into the field, so the help is opened
				// the way the shell does, to check what it lists.
				h.waitFor("help on", func(a *App) bool { a.help = true; return true })
			} else {
				h.press("?")
			}
			var offered func(keymap.Action) bool
			screen := ansi.Strip(h.waitFor("help", func(a *App) bool { offered = offeredKeys(a); return a.help }))
			checkFits(t, screen, MinWidth, MinHeight)
			for _, a := range keymap.PaneActions(tc.pane) {
				if !offered(a) {
					continue
				}
				hk := km.Binding(a).Help()
				if !strings.Contains(screen, hk.Key+"  ") || !strings.Contains(screen, hk.Desc) {
					t.Errorf("help lacks %s (%s %s)", a, hk.Key, hk.Desc)
				}
			}
		})
	}
}
