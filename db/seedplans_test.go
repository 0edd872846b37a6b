package db_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/dbtest"
	"github.com/custodian-dev/custodian/model"
)

// The demo's failed and fulfilling requests carry the plan their history
// says was made and signed off (by two different leads), and a failed
// one's reason names its failed step. As the README says, an engineer
// retries a failed one (audited) and the run does every step, leaving a
// lead to complete it; a lead's run of a fulfilling one completes it.
func TestSeedDemoFailedRequestsRetryAndRun(t *testing.T) {
	skipUnderRace(t)
	if testing.Short() {
		t.Skip("seeds an embedded database and runs plans")
	}
	ctx := seedContext(t)
	store, err := db.NewStore(dbtest.New(t), db.StoreOptions{Clock: seedClock, ExportDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Seed(ctx, store, db.SeedOptions{Subjects: 300, Requests: 160, Clock: seedClock}); err != nil {
		t.Fatal(err)
	}
	actor := func(handle string) model.Actor {
		op, err := store.Operator(ctx, handle)
		if err != nil {
			t.Fatal(err)
		}
		return model.Actor{Operator: op, Origin: "test"}
	}
	lee, eve := actor("lee"), actor("eve")
	reqs, err := store.Queue(ctx, lee, model.QueueFilter{Statuses: []model.Status{model.StatusFailed, model.StatusFulfilling}, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, row := range reqs {
		t.Run(row.ID, func(t *testing.T) {
			r, err := store.Request(ctx, lee, row.ID)
			if err != nil {
				t.Fatal(err)
			}
			p := r.Plan
			if p == nil || !p.Signed() || p.BuiltBy == p.SignedBy || p.BuiltBy == "" {
				t.Fatalf("%s (%s) carries no plan signed off by a second lead: %+v", r.ID, r.Status, p)
			}
			if model.PlanStale(r) != "" {
				t.Fatalf("%s's plan is stale: %s", r.ID, model.PlanStale(r))
			}
			if i := slices.IndexFunc(r.History, func(e model.Event) bool { return e.Action == model.ActSignOff }); i < 0 || r.History[i].Actor != p.SignedBy || !r.History[i].At.Equal(p.SignedAt) {
				t.Errorf("%s: the history's sign-off is not the plan's (%s at %s)", r.ID, p.SignedBy, p.SignedAt)
			}
			lead := actor(p.SignedBy)
			if r.Status == model.StatusFailed {
				failed++
				if len(p.Steps) > 0 && !strings.HasPrefix(r.FailureReason, "step 1/") {
					t.Errorf("%s fails with %q, naming no step of its plan", r.ID, r.FailureReason)
				}
				if r, err = store.Apply(ctx, eve, r.ID, r.Version, model.ActRetry, "", nil); err != nil {
					t.Fatalf("eve's retry of %s: %v", r.ID, err)
				}
				if r, err = store.RunFulfilment(ctx, eve, r.ID, nil); err != nil {
					t.Fatalf("eve's run of %s: %v", r.ID, err)
				}
				if r.Status != model.StatusFulfilling || len(r.Plan.Pending()) != 0 {
					t.Fatalf("after eve's run %s is %s with %d of %d steps pending", r.ID, r.Status, len(r.Plan.Pending()), len(r.Plan.Steps))
				}
			}
			if r, err = store.RunFulfilment(ctx, lead, r.ID, nil); err != nil {
				t.Fatalf("%s's run of %s: %v", lead.Handle(), r.ID, err)
			}
			if r.Status != model.StatusCompleted || r.Outcome == "" {
				t.Fatalf("%s after the lead's run: %s, outcome %q", r.ID, r.Status, r.Outcome)
			}
		})
	}
	if failed == 0 {
		t.Fatal("the demo has no failed request to retry")
	}
}
