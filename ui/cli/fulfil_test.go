package cli_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/cli"
	"github.com/custodian-dev/custodian/ui/present"
)

// `requests run` asks the console's question (model.PlanConfirmLine)
// before a run that changes stored data: no terminal and no --yes is
// refused as bad input, a no changes nothing, a yes or --yes runs.
func TestRunAsksBeforeChangingData(t *testing.T) {
	e := newEnv(t)
	lee, lou := e.actor(t, "lee"), e.actor(t, "lou")
	// Approved deletions, each planned by lee and signed off by lou.
	reqs, err := e.store.Queue(e.ctx, lee, model.QueueFilter{Statuses: []model.Status{model.StatusApproved}, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var signed []model.Request
	for _, r := range reqs {
		if r.SubjectID == "" || (r.Type != model.TypeDeletion && r.Type != model.TypeChildDeletion && r.Type != model.TypeRectification && r.Type != model.TypeOptOut) {
			continue
		}
		p, err := e.store.PlanFulfilment(e.ctx, lee, r.ID, r.Version)
		if err != nil || model.PlanConfirmLine(*p.Plan) == "" {
			continue
		}
		s, err := e.store.SignOffPlan(e.ctx, lou, p.ID, p.Version, p.Plan.Digest)
		if err != nil {
			t.Fatal(err)
		}
		signed = append(signed, s)
	}
	if len(signed) < 2 {
		t.Fatalf("the demo has %d approved requests whose plan changes data; the test needs 2", len(signed))
	}
	unchanged := func(t *testing.T, r model.Request) {
		t.Helper()
		got, err := e.store.Request(e.ctx, lee, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != r.Version || got.Status != model.StatusApproved {
			t.Fatalf("%s changed: version %d → %d, %s", r.ID, r.Version, got.Version, got.Status)
		}
	}
	for _, tc := range []struct {
		name    string
		o       func(asked *string) cli.RunOptions
		wantErr func(error) bool
		ran     bool
	}{
		{"no terminal, no --yes: refused as bad input",
			func(*string) cli.RunOptions { return cli.RunOptions{} },
			func(err error) bool {
				return errors.Is(err, db.ErrInvalid) && cli.UsersToFix(err) && strings.Contains(err.Error(), "add --yes to run without asking")
			}, false},
		{"answered no",
			func(asked *string) cli.RunOptions {
				return cli.RunOptions{Ask: func(q string) (bool, error) { *asked = q; return false, nil }}
			},
			func(err error) bool { return errors.Is(err, cli.ErrDeclined) }, false},
		{"answered yes",
			func(asked *string) cli.RunOptions {
				return cli.RunOptions{Ask: func(q string) (bool, error) { *asked = q; return true, nil }}
			},
			func(err error) bool { return err == nil }, true},
		{"--yes does not ask",
			func(asked *string) cli.RunOptions {
				return cli.RunOptions{Yes: true, Ask: func(q string) (bool, error) { *asked = q; return false, nil }}
			},
			func(err error) bool { return err == nil }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := signed[0]
			if tc.ran {
				r, signed = signed[len(signed)-1], signed[:len(signed)-1]
			}
			var asked string
			var out bytes.Buffer
			err := cli.Run(e.ctx, e.store, lou, r.ID, tc.o(&asked), nil, &out)
			if !tc.wantErr(err) {
				t.Fatalf("run: %v", err)
			}
			if tc.name == "--yes does not ask" && asked != "" {
				t.Errorf("--yes asked %q", asked)
			}
			if strings.HasPrefix(tc.name, "answered") && asked != model.PlanConfirmLine(*r.Plan) {
				t.Errorf("asked %q, want the console's %q", asked, model.PlanConfirmLine(*r.Plan))
			}
			if !tc.ran {
				unchanged(t, r)
				return
			}
			got, err := e.store.Request(e.ctx, lee, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Plan.Pending()) != 0 {
				t.Fatalf("%s ran to %s with %d steps pending (%s)", r.ID, got.Status, len(got.Plan.Pending()), got.FailureReason)
			}
		})
	}
}

// `requests plan` marks a stale plan as the console does, naming the
// command that replaces it; a current plan carries no mark.
func TestPlanTextMarksAStalePlan(t *testing.T) {
	plan := func() *model.Plan {
		p := &model.Plan{ID: "R-1/plan-1", Type: model.TypeDeletion, SubjectID: "S-1", BuiltBy: "lee",
			Docs: []model.PlanDoc{{Collection: "payments", RecordID: "P-1", Op: model.DocDelete}}}
		p.Digest = p.ComputeDigest()
		return p
	}
	for _, tc := range []struct {
		name string
		r    model.Request
		want bool
	}{
		{"current", model.Request{ID: "R-1", Type: model.TypeDeletion, SubjectID: "S-1", Status: model.StatusApproved, Plan: plan()}, false},
		{"relinked since", model.Request{ID: "R-1", Type: model.TypeDeletion, SubjectID: "S-2", Status: model.StatusApproved, Plan: plan()}, true},
		{"failed as stale", model.Request{ID: "R-1", Type: model.TypeDeletion, SubjectID: "S-1", Status: model.StatusFailed, Plan: plan(),
			FailureReason: "plan is stale: payments/P-1 changed since the plan was made"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			v, _ := present.PlanOf(tc.r, model.Tenant{})
			cli.WritePlanText(&b, v)
			got := strings.Contains(b.String(), "stale: the request changed since this plan (replan with custodian requests plan R-1 --new)")
			if got != tc.want {
				t.Errorf("marked stale %v, want %v:\n%s", got, tc.want, b.String())
			}
		})
	}
}

// `requests plan` shows the plan's times in the tenant's zone with the zone
// named, as the console does, and names every step of the view the console
// renders, done or not.
func TestPlanTextInTheTenantsZone(t *testing.T) {
	built := time.Date(2026, 12, 5, 6, 30, 0, 0, time.UTC) // Dec 4 in Los Angeles
	p := &model.Plan{ID: "R-1/plan-1", Type: model.TypeDeletion, SubjectID: "S-1", BuiltBy: "lee", BuiltAt: built,
		SignedBy: "lou", SignedAt: built.Add(time.Hour),
		Docs: []model.PlanDoc{
			{Collection: "payments", RecordID: "P-1", Op: model.DocDelete, CollectedAt: built},
			{Collection: "payments", RecordID: "P-2", Op: model.DocDelete, CollectedAt: built},
		},
		Steps: []model.PlanStep{
			{Kind: model.StepDocument, Docs: []int{0}, Label: "payments/P-1: delete", Done: true, DoneBy: "lou", DoneAt: built, Result: "deleted"},
			{Kind: model.StepDocument, Docs: []int{1}, Label: "payments/P-2: delete"},
		}}
	p.Digest = p.ComputeDigest()
	r := model.Request{ID: "R-1", Type: model.TypeDeletion, SubjectID: "S-1", Status: model.StatusFulfilling, Plan: p}
	tenant := model.Tenant{ID: "acme", Name: "Acme", TimeZone: "America/Los_Angeles"}
	tenant.Resolve()
	if tenant.Location().String() != "America/Los_Angeles" {
		t.Skip("no tz database")
	}
	v, _ := present.PlanOf(r, tenant)
	var b bytes.Buffer
	cli.WritePlanText(&b, v)
	out := b.String()
	for _, want := range []string{
		"built       2026-12-04 22:30 PST by lee",
		"signed off  2026-12-04 23:30 PST by lou",
		"payments/P-1  delete  collected 2026-12-04",
		"[x]  1. payments/P-1: delete  — deleted",
		"[ ]  2. payments/P-2: delete",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the plan text lacks %q:\n%s", want, out)
		}
	}
	for _, s := range v.Steps {
		if !strings.Contains(out, s.Label) {
			t.Errorf("the plan text does not name step %q", s.Label)
		}
	}
}
