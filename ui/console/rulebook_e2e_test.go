package console

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// The console's door of the rule book, on the embedded database: hints and
// `?` offer only what model.Offered allows, forms check as typed with the
// model's own functions, and the fee, decision-correction and link keys
// record what they say.

// hintKeys are the keys the top view's status line hints.
func hintKeys(h *harness) []string {
	var out []string
	h.waitFor("hints", func(a *App) bool {
		out = nil
		for _, b := range a.view().KeyHelp() {
			out = append(out, b.Help().Key)
		}
		return true
	})
	return out
}

// logAs logs r as handle, returning it as stored.
func logAs(t *testing.T, store *db.Store, handle string, r model.Request) model.Request {
	t.Helper()
	got, err := store.CreateRequest(context.Background(), operatorActor(t, store, handle), r)
	if err != nil {
		t.Fatalf("log %s: %v", r.ID, err)
	}
	return got
}

// subjectLacking finds a subject of tenant lacking one of the data points
// a verification can match, and names that point.
func subjectLacking(t *testing.T, store *db.Store, actor model.Actor, tenant string) (model.Subject, model.DataPoint) {
	t.Helper()
	var found *model.Subject
	var lacks model.DataPoint
	err := store.SubjectDirectory(context.Background(), actor, tenant, time.Time{}, func(subs []model.Subject) error {
		for _, s := range subs {
			if found != nil || len(s.Emails) == 0 {
				continue
			}
			for _, p := range []model.DataPoint{model.PointPhone, model.PointAddress, model.PointBirthDate, model.PointAccountID} {
				if !s.OnFile(p) {
					s := s
					found, lacks = &s, p
					break
				}
			}
		}
		return nil
	}, nil)
	if err != nil || found == nil {
		t.Fatalf("no subject of %s lacks a data point (err %v)", tenant, err)
	}
	return *found, lacks
}

func TestRuleBookConsoleE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds an embedded database")
	}
	store, lee := seededStore(t)
	ctx := context.Background()

	t.Run("support is not offered refuse or fee; a lead is", func(t *testing.T) {
		r := logAs(t, store, "sam", model.Request{ID: "R-RB-SUPPORT", TenantID: "oakridge-ca", Type: model.TypeDeletion, Channel: model.ChannelEmail,
			Requester: model.Person{Name: "Rule Book", Email: "rb.support@example.org"}, ReceivedAt: e2eNow().AddDate(0, 0, -2)})
		sam := start(t, appAs(t, store, "sam"), 120, 40)
		sam.loaded()
		sam.openDetail(r.ID)
		if got := hintKeys(sam); slices.Contains(got, "X") || slices.Contains(got, "$") || slices.Contains(got, "C") {
			t.Errorf("support's hints %v offer a lead's key", got)
		}
		sam.press("?")
		help := ansi.Strip(sam.waitFor("help", func(a *App) bool { return a.help }))
		for _, lacks := range []string{"refuse as excessive", "quote a fee", "correct the recorded decision", "extend deadline"} {
			if strings.Contains(help, lacks) {
				t.Errorf("support's ? lists %q:\n%s", lacks, help)
			}
		}
		if !strings.Contains(help, "add note") {
			t.Errorf("support's ? lacks what support may do:\n%s", help)
		}
		sam.press("esc")
		// Pressed anyway, the key is refused at once by the rule book.
		sam.press("$")
		sam.waitFor("refused", func(a *App) bool { return a.statusErr && strings.Contains(a.status, "privacy lead") })

		lou := start(t, appAs(t, store, "lou"), 120, 40)
		lou.loaded()
		lou.openDetail(r.ID)
		if got := hintKeys(lou); !slices.Contains(got, "X") || !slices.Contains(got, "$") {
			t.Errorf("a lead's hints %v lack refuse or fee", got)
		}
	})

	t.Run("a fee quote is recorded", func(t *testing.T) {
		r := logAs(t, store, "sam", model.Request{ID: "R-RB-FEE", TenantID: "oakridge-ca", Type: model.TypeAccess, Channel: model.ChannelEmail,
			Requester: model.Person{Name: "Rule Book", Email: "rb.fee@example.org"}, ReceivedAt: e2eNow().AddDate(0, 0, -2)})
		lou := start(t, appAs(t, store, "lou"), 120, 40)
		lou.loaded()
		lou.openDetail(r.ID)
		lou.press("$")
		lou.waitFor("fee form", formOpen("Quote a fee"))
		lou.fill("amount", "25.5.0")
		lou.waitFor("amount refused as typed", func(a *App) bool {
			p, _ := formOf(a)
			return strings.Contains(p.form.problem(p.form.field("amount")), "fee")
		})
		lou.focus("amount")
		for range len("25.5.0") {
			lou.press("backspace")
		}
		lou.fill("amount", "25.50")
		lou.fill("reason", "the fourth identical request this month")
		lou.press("ctrl+s")
		screen := ansi.Strip(lou.waitFor("confirmation", func(a *App) bool { p, ok := formOf(a); return ok && p.form.confirming }))
		for _, want := range []string{"$25.50", "[ Cancel ]", "Evidence:"} {
			if !strings.Contains(screen, want) {
				t.Errorf("the fee confirmation lacks %q:\n%s", want, screen)
			}
		}
		lou.confirm()
		lou.waitFor("saved", noForm)
		got := stored(t, store, lee, r.ID)
		if got.Fee == nil || got.Fee.AmountCents != 2550 {
			t.Fatalf("fee stored as %+v", got.Fee)
		}
		if got.Status != r.Status {
			t.Errorf("a fee changed the status to %s", got.Status)
		}
	})

	t.Run("link an unlinked request, then verify is offered and checks points on file", func(t *testing.T) {
		sub, lacks := subjectLacking(t, store, lee, "oakridge-ca")
		r := logAs(t, store, "sam", model.Request{ID: "R-RB-LINK", TenantID: "oakridge-ca", Type: model.TypeDeletion, Channel: model.ChannelEmail,
			Requester: model.Person{Name: "Nobody Known", Email: "rb.nobody@example.org"}, ReceivedAt: e2eNow().AddDate(0, 0, -1)})
		if r.SubjectID != "" {
			t.Fatalf("the request matched %s", r.SubjectID)
		}
		sam := operatorActor(t, store, "sam")
		if _, err := store.Transition(ctx, sam, r.ID, r.Version, model.ActStartVerification, ""); err != nil {
			t.Fatal(err)
		}
		h := start(t, appAs(t, store, "sam"), 120, 40)
		h.loaded()
		h.openDetail(r.ID)
		hints := hintKeys(h)
		if !slices.Contains(hints, "L") || slices.Contains(hints, "v") {
			t.Errorf("an unlinked request hints %v: want L, not v", hints)
		}
		h.press("v")
		h.waitFor("verify refused with the link remedy", func(a *App) bool {
			return a.statusErr && strings.Contains(a.status, "press L to link")
		})
		h.press("L")
		h.waitFor("link form", formOpen("Link to a subject"))
		h.fill("find", sub.ID)
		h.waitFor("the subject found", func(a *App) bool {
			p, _ := formOf(a)
			return p.form.value("subject") == sub.ID
		})
		h.press("ctrl+s")
		screen := ansi.Strip(h.waitFor("confirmation", func(a *App) bool { p, ok := formOf(a); return ok && p.form.confirming }))
		if !strings.Contains(screen, "Link R-RB-LINK to") || strings.Contains(screen, sub.Name) {
			t.Errorf("the link question does not name the masked subject:\n%s", screen)
		}
		h.confirm()
		h.waitFor("linked", func(a *App) bool {
			d, ok := a.stack[0].(*detailPane)
			return noForm(a) && ok && d.req.SubjectID == sub.ID
		})
		if got := stored(t, store, lee, r.ID); got.SubjectID != sub.ID {
			t.Fatalf("stored subject %q, want %s", got.SubjectID, sub.ID)
		}
		if hints := hintKeys(h); !slices.Contains(hints, "v") || slices.Contains(hints, "L") {
			t.Errorf("a linked request hints %v: want v, not L", hints)
		}
		h.press("v")
		h.waitFor("verify form", formOpen("Verify"))
		h.fill("points", "email, "+string(lacks))
		screen = ansi.Strip(h.waitFor("a point not on file refused as typed", func(a *App) bool {
			p, _ := formOf(a)
			return strings.Contains(p.form.problem(p.form.field("points")), "the subject on file has no")
		}))
		if !strings.Contains(screen, "needs a reasonable degree") {
			t.Errorf("the verify form does not say the level this request needs:\n%s", screen)
		}
	})

	t.Run("reasonable is refused as typed for specific pieces of PI", func(t *testing.T) {
		sub, _ := subjectLacking(t, store, lee, "oakridge-ca")
		r := logAs(t, store, "sam", model.Request{ID: "R-RB-SPECIFIC", TenantID: "oakridge-ca", Type: model.TypeAccess, AccessScope: model.AccessSpecific,
			SubjectID: sub.ID, Channel: model.ChannelEmail, Requester: model.Person{Name: "Rule Book", Email: "rb.specific@example.org"}, ReceivedAt: e2eNow().AddDate(0, 0, -1)})
		sam := operatorActor(t, store, "sam")
		if _, err := store.Transition(ctx, sam, r.ID, r.Version, model.ActStartVerification, ""); err != nil {
			t.Fatal(err)
		}
		h := start(t, appAs(t, store, "sam"), 120, 40)
		h.loaded()
		h.openDetail(r.ID)
		h.press("v")
		screen := ansi.Strip(h.waitFor("verify form", formOpen("Verify")))
		if !strings.Contains(squash(screen), squash("needs a reasonably high degree")) {
			t.Errorf("the intro does not say the level needed:\n%s", screen)
		}
		h.choose("level", string(model.LevelReasonable))
		h.waitFor("reasonable refused", func(a *App) bool {
			p, _ := formOf(a)
			return strings.Contains(p.form.problem(p.form.field("level")), "specific pieces of PI needs a reasonably high degree")
		})
	})

	t.Run("a closed request shows its deadlines met or missed", func(t *testing.T) {
		r := logAs(t, store, "sam", model.Request{ID: "R-RB-CLOSED", TenantID: "oakridge-ca", Type: model.TypeDeletion, Channel: model.ChannelEmail,
			Requester: model.Person{Name: "Rule Book", Email: "rb.closed@example.org"}, ReceivedAt: e2eNow().AddDate(0, 0, -60)})
		sam := operatorActor(t, store, "sam")
		if _, err := store.Apply(ctx, sam, r.ID, r.Version, model.ActWithdraw, "requester's email of today", nil); err != nil {
			t.Fatal(err)
		}
		h := start(t, appAs(t, store, "sam"), 120, 40)
		h.loaded()
		h.openDetail(r.ID)
		screen := ansi.Strip(h.screen())
		for _, want := range []string{"acknowledgement due", "legal response due", "missed"} {
			if !strings.Contains(screen, want) {
				t.Errorf("the closed request's deadlines lack %q:\n%s", want, screen)
			}
		}
		if strings.Contains(screen, "◀ next") {
			t.Errorf("the closed request shows a next deadline:\n%s", screen)
		}
		for _, l := range strings.Split(screen, "\n") {
			if strings.Contains(l, "legal response") && !strings.Contains(l, "missed, ") {
				t.Errorf("the legal response line is not met/missed with a date: %q", l)
			}
		}
	})

	t.Run("a lead corrects a recorded decision; the old one is kept", func(t *testing.T) {
		r := awaiting(t, store, "R-RB-CORRECT", "oakridge-ca", 3)
		decided := e2eNow().AddDate(0, 0, -1)
		r, err := store.Apply(ctx, lee, r.ID, r.Version, model.ActApprove, "", func(x *model.Request) error {
			x.Decision = &model.Decision{Outcome: model.DecisionApproved, Approver: "Dana Whitfield", Method: "ticket", Evidence: "OAK-1001", DecidedAt: decided}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		lou := start(t, appAs(t, store, "lou"), 120, 40)
		lou.loaded()
		lou.openDetail(r.ID)
		lou.press("C")
		lou.waitFor("correction form", formOpen("Correct the decision"))
		lou.focus("evidence")
		for range len("OAK-1001") {
			lou.press("backspace")
		}
		lou.fill("evidence", "OAK-1010")
		lou.fill("why", "the ticket number was mistyped")
		lou.press("ctrl+s")
		screen := ansi.Strip(lou.waitFor("confirmation", func(a *App) bool { p, ok := formOf(a); return ok && p.form.confirming }))
		if !strings.Contains(screen, "OAK-1001 → OAK-1010") {
			t.Errorf("the confirmation does not show old → new:\n%s", screen)
		}
		lou.confirm()
		lou.waitFor("saved", noForm)
		got := stored(t, store, lee, r.ID)
		if got.Decision == nil || got.Decision.Evidence != "OAK-1010" {
			t.Fatalf("decision stored as %+v", got.Decision)
		}
		if len(got.PriorDecisions) != 1 || got.PriorDecisions[0].Evidence != "OAK-1001" {
			t.Errorf("the old decision is not kept: %+v", got.PriorDecisions)
		}
	})
}
