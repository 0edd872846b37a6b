package console

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/dbtest"
	"github.com/custodian-dev/custodian/model"
)

// TestSettleProcessorNoticesFromTheDetail: a deletion whose run notified
// the demo's sub-processors waits on them (11 CCR §7022(b)(3), (c)). On its
// detail, O records one processor's confirmation and, for the others, a
// lead's exception, through the same controller calls as the CLI; Cancel
// records nothing; once the last is settled by a lead the request
// completes, and each record is on the audit chain.
func TestSettleProcessorNoticesFromTheDetail(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds an embedded database")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	clock := model.FixedClock{T: e2eNow()}
	store, err := db.NewStore(dbtest.New(t), db.StoreOptions{Clock: clock, ExportDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Seed(ctx, store, db.SeedOptions{Subjects: 300, Requests: 160, Clock: clock, Processors: true}); err != nil {
		t.Fatalf("seed: %v", err)
	}
	lou := operatorActor(t, store, "lou")
	rp := newPicker(store)
	var r model.Request
	for range 20 {
		r = rp.signed(t, model.StatusApproved, model.TypeDeletion)
		if len(r.Plan.Processors) > 0 {
			break
		}
	}
	if len(r.Plan.Processors) == 0 {
		t.Fatal("no approved demo deletion reaches a sub-processor")
	}
	if r, err = store.RunFulfilment(ctx, lou, r.ID, nil); err != nil {
		t.Fatal(err)
	}
	if !model.WaitingOnProcessors(r) {
		t.Fatalf("after the run: %s, notices %+v", r.Status, r.ProcessorNotices)
	}
	pending := model.ProcessorsPending(r)

	h := start(t, appAs(t, store, "lou"), 120, 40)
	h.openDetail(r.ID)
	h.waitFor("waiting on processors on the detail", func(a *App) bool {
		d, ok := a.stack[0].(*detailPane)
		return ok && strings.Contains(d.vp.GetContent(), "Waiting on processors")
	})
	h.waitFor("O offered", func(a *App) bool {
		return strings.Contains(a.View().Content, "O settle a sub-processor")
	})

	// Cancel at the confirmation, and esc at the form: nothing recorded.
	h.press("O")
	h.waitFor("settle form", formOpen("Sub-processor notice"))
	h.fill("reference", "REF-CANCELLED")
	h.press("ctrl+s")
	h.waitFor("confirmation with Cancel focused", func(a *App) bool {
		p, ok := formOf(a)
		return ok && p.form.confirming && !p.form.confirmOK
	})
	h.press("enter")
	h.press("esc")
	h.waitFor("form closed", noForm)
	if got := stored(t, store, lou, r.ID); len(model.ProcessorsPending(got)) != len(pending) || got.Version != r.Version {
		t.Fatalf("Cancel recorded something: pending %v, version %d → %d", model.ProcessorsPending(got), r.Version, got.Version)
	}

	for i, name := range pending {
		h.press("O")
		h.waitFor("settle form", formOpen("Sub-processor notice"))
		h.choose("processor", name)
		if i == 0 {
			h.fill("reference", "REF-"+strings.ToUpper(name[:2]))
		} else {
			h.choose("record", settleException)
			h.fill("reason", "the processor never received these records")
		}
		h.press("ctrl+s")
		h.confirm()
		h.waitFor("form closed", noForm)
		h.waitFor(name+" settled", func(a *App) bool {
			d, ok := a.stack[0].(*detailPane)
			return ok && d.req != nil && !slices.Contains(model.ProcessorsPending(*d.req), name)
		})
	}
	got := stored(t, store, lou, r.ID)
	if got.Status != model.StatusCompleted {
		t.Fatalf("after every notice was settled by a lead: %s (%s)", got.Status, model.StatusText(got))
	}
	first := got.ProcessorNotices[0]
	for _, n := range got.ProcessorNotices {
		if n.Processor == pending[0] {
			first = n
		}
	}
	if first.Confirmed == nil || first.Confirmed.RecordedBy != "lou" || !strings.HasPrefix(first.Confirmed.Reference, "REF-") {
		t.Errorf("%s's confirmation: %+v", pending[0], first.Confirmed)
	}
	page, err := store.AuditHistory(ctx, lou, model.AuditFilter{Target: "request:" + r.ID}, 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	var confirms, excepts int
	for _, rec := range page.Records {
		switch rec.Action {
		case string(model.ActConfirmProcessor):
			confirms++
		case string(model.ActExceptProcessor):
			excepts++
		}
	}
	if confirms != 1 || excepts != len(pending)-1 {
		t.Errorf("audit: %d confirmations and %d exceptions, want 1 and %d", confirms, excepts, len(pending)-1)
	}
}
