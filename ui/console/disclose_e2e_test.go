package console

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// A field holding another person's data is withheld from an access plan
// unless the lead decides otherwise per field in the plan preview, the
// decision and reason recorded on the request and the audit chain.
func TestDisclosureFromPlanPreviewE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds an embedded database")
	}
	store, _ := fulfilStore(t)
	lee := operatorActor(t, store, "lee")
	ctx := context.Background()

	// An approved access request whose plan withholds a guardian's phone.
	const want = "rec_registrations.guardian_phone"
	var r model.Request
	r = accessWithheld(t, store, want)
	if r.ID == "" {
		t.Fatalf("no approved access request in the demo data withholds %s (has the demo changed?)", want)
	}

	h := start(t, appAs(t, store, "lee"), 100, 30)
	h.loaded()
	h.openDetail(r.ID)
	h.press("p")
	h.waitFor("plan", planShown)

	// On a line that is not such a field, D opens the form to choose one.
	h.waitFor("the top line is no field", func(a *App) bool {
		p, _ := planOf(a)
		return p.discloseField() == ""
	})
	// From there D opens the same form as from the detail, to choose.
	h.press("D")
	h.waitFor("the disclosure form", func(a *App) bool {
		p, ok := a.stack[len(a.stack)-1].(*formPaneReloading)
		return ok && p.spec.act == model.ActDisclose
	})
	h.press("esc")
	h.waitFor("back in the plan", planShown)
	h.press("?")
	help := ansi.Strip(h.waitFor("help", func(a *App) bool { return a.help }))
	if !strings.Contains(help, "disclose another person's data") {
		t.Errorf("? in the plan view does not list D though the rule book offers it:\n%s", help)
	}
	h.press("?")
	h.waitFor("help closed", func(a *App) bool { return !a.help })

	// Move down to the guardian's phone: the top line is the cursor.
	for i := 0; ; i++ {
		if i > 200 {
			t.Fatal("never reached the guardian_phone line")
		}
		at := ""
		h.waitFor("cursor", func(a *App) bool { p, _ := planOf(a); at = p.discloseField(); return true })
		if at == want {
			break
		}
		h.press("down")
	}
	// The cursor is the preview's top line, under the view's heading.
	lines := strings.Split(ansi.Strip(h.screen()), "\n")
	top := ""
	for i, l := range lines {
		if strings.Contains(l, "Plan · "+r.ID) && i+1 < len(lines) {
			top = lines[i+1]
		}
	}
	if !strings.Contains(top, "guardian_phone") {
		t.Errorf("the cursor line is not the guardian_phone line: %q", top)
	}
	h.press("D")
	h.waitFor("the disclosure form with the field chosen", func(a *App) bool {
		p, ok := a.stack[len(a.stack)-1].(*formPaneReloading)
		return ok && p.spec.act == model.ActDisclose && p.form.field("field").value() == want
	})
	const why = "the requester is the guardian named on the registration"
	h.fill("reason", why)
	h.press("ctrl+s")
	confirming := false
	h.waitFor("saved or asked to confirm", func(a *App) bool {
		if p, ok := formOf(a); ok {
			confirming = p.form.confirming
			return confirming
		}
		_, ok := planOf(a)
		return ok
	})
	if confirming {
		h.confirm()
		h.waitFor("saved", func(a *App) bool { _, ok := planOf(a); return ok })
	}

	got := stored(t, store, lee, r.ID)
	if len(got.Disclosures) != 1 || got.Disclosures[0].Collection+"."+got.Disclosures[0].Field != want ||
		got.Disclosures[0].By != "lee" || got.Disclosures[0].Reason != why {
		t.Fatalf("stored disclosures %+v", got.Disclosures)
	}
	page, err := store.AuditHistory(ctx, lee, model.AuditFilter{Action: string(model.ActDisclose), Target: "request:" + r.ID}, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Records) != 1 || page.Records[0].Reason != why || page.Records[0].Actor != "lee" || !strings.Contains(page.Records[0].Detail, want) {
		t.Errorf("audit of the disclosure %+v", page.Records)
	}

	// The plan view lists the decision, for the signer.
	var content string
	h.waitFor("the decision in the plan view", func(a *App) bool {
		p, ok := planOf(a)
		if !ok || p.req == nil || len(p.req.Disclosures) == 0 {
			return false
		}
		content = ansi.Strip(planContent(a.ctx.Theme, planView(a.ctx, *p.req), 100))
		return true
	})
	for _, s := range []string{"Disclosed (1)", want + "  by lee at", why, "not in this plan yet"} {
		if !strings.Contains(squash(content), squash(s)) {
			t.Errorf("plan view lacks %q:\n%s", s, content)
		}
	}
}

// thirdPartyWithheld are the collection.field of r's plan withheld as
// another person's data.
func thirdPartyWithheld(r model.Request) []string {
	var out []string
	if r.Plan == nil {
		return nil
	}
	for _, d := range r.Plan.Docs {
		for _, f := range d.Fields {
			if f.ThirdParty != "" && f.Op == model.FieldWithhold {
				out = append(out, d.Collection+"."+f.Field)
			}
		}
	}
	return out
}

// accessWithheld logs, verifies and approves access requests for demo
// subjects until lee's plan of one withholds field as another person's
// data, and returns that request with its plan.
func accessWithheld(t testing.TB, store *db.Store, field string) model.Request {
	t.Helper()
	ctx := context.Background()
	sam, lee, lou := operatorActor(t, store, "sam"), operatorActor(t, store, "lee"), operatorActor(t, store, "lou")
	reqs, err := store.Queue(ctx, lee, model.QueueFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, q := range reqs {
		if q.SubjectID != "" && !slices.Contains(ids, q.SubjectID) {
			ids = append(ids, q.SubjectID)
		}
	}
	subs, err := store.Subjects(ctx, lee, ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, sid := range ids {
		sub, ok := subs[sid]
		if !ok {
			continue
		}
		id := fmt.Sprintf("T-DISCLOSE-%03d", i)
		r, err := store.CreateRequest(ctx, sam, model.Request{ID: id, TenantID: sub.TenantID, SubjectID: sub.ID, Type: model.TypeAccess,
			Channel: model.ChannelWeb, Requester: model.Person{Name: "The requester", Email: "requester@example.net"}, ResidencyState: sub.ResidencyState})
		if err != nil {
			t.Fatalf("log %s: %v", id, err)
		}
		steps := []struct {
			a    model.Action
			who  model.Actor
			edit func(*model.Request) error
		}{
			{model.ActStartVerification, sam, nil},
			{model.ActVerify, sam, func(x *model.Request) error {
				x.Verification = &model.Verification{Method: "data points", DataPoints: []string{"account_id", "last_transaction"}, Level: model.LevelReasonable}
				return nil
			}},
			{model.ActApprove, lou, func(x *model.Request) error {
				x.Decision = &model.Decision{Outcome: model.DecisionApproved, Approver: "City Clerk", Method: "email", Evidence: "ticket 4711"}
				return nil
			}},
		}
		for _, st := range steps {
			if r, err = store.Apply(ctx, st.who, id, r.Version, st.a, "test "+string(st.a), st.edit); err != nil {
				t.Fatalf("%s %s: %v", st.a, id, err)
			}
		}
		got, err := store.PlanFulfilment(ctx, lee, id, r.Version)
		if err != nil {
			t.Fatalf("plan %s: %v", id, err)
		}
		if slices.Contains(thirdPartyWithheld(got), field) {
			return got
		}
	}
	t.Fatalf("no demo subject's access plan withholds %s (has the demo changed?)", field)
	return model.Request{}
}
