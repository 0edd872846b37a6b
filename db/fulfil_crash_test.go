package db_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/dbtest"
	"github.com/custodian-dev/custodian/db/demo"
	"github.com/custodian-dev/custodian/model"
)

// crashKey is every crash-test database's hashing key for the tenant, so
// that runs on separate databases hash alike and can be compared byte for
// byte (a real key is random, made on first use).
var crashKey = []byte("0123456789abcdef0123456789abcdef")

// crashCase is one fresh database with one signed plan ready to run.
func crashCase(t *testing.T, typ model.RequestType) (*ffix, model.Request) {
	t.Helper()
	f := newFulfilFixture(t, 60, 10)
	sub := f.pick("a subject with many documents", func(s model.Subject) bool {
		n := 0
		for _, c := range f.collections(s.ID) {
			n += len(f.records(c, s.ID))
		}
		return n >= 6 && !s.IsChild(f.ds.Now) && s.Status == model.AccountActive
	})
	if _, err := f.conn.DB.Collection("tenant_keys").InsertOne(f.ctx, bson.D{
		{Key: "_id", Value: sub.TenantID}, {Key: "key", Value: crashKey}, {Key: "created_at", Value: fulfilClock.T},
	}); err != nil {
		t.Fatal(err)
	}
	return f, f.planned(f.approved("T-CRASH", sub, typ, nil))
}

// dbState is what a run leaves behind, in a form that compares exactly.
type dbState struct {
	collections map[string]string // collection → every document, extended JSON, in _id order
	subject     string
	request     model.Request
	audit       []model.AuditRecord
	files       map[string]string
}

func (f *ffix) state(t *testing.T, r model.Request) dbState {
	t.Helper()
	st := dbState{collections: map[string]string{}, files: map[string]string{}}
	for _, c := range demo.Collections() {
		st.collections[c] = f.dump(t, c, bson.D{})
	}
	st.subject = f.dump(t, "subjects", bson.D{{Key: "_id", Value: r.SubjectID}})
	req, err := f.s.Request(f.ctx, f.who["lee"], r.ID)
	if err != nil {
		t.Fatal(err)
	}
	st.request = req
	before := int64(0)
	for {
		page, err := f.s.AuditPage(f.ctx, f.who["lee"], before, 1000)
		if err != nil {
			t.Fatal(err)
		}
		st.audit = append(st.audit, page...)
		if len(page) < 1000 {
			break
		}
		before = page[len(page)-1].Seq
	}
	slices.Reverse(st.audit)
	entries, _ := os.ReadDir(filepath.Join(f.exports, r.ID))
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(f.exports, r.ID, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		st.files[e.Name()] = string(b)
	}
	return st
}

func (f *ffix) dump(t *testing.T, coll string, filter bson.D) string {
	t.Helper()
	cur, err := f.conn.DB.Collection(coll).Find(f.ctx, filter)
	if err != nil {
		t.Fatal(err)
	}
	var docs []bson.D
	if err := cur.All(f.ctx, &docs); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(docs, func(a, b bson.D) int {
		return strings.Compare(fmt.Sprint(field(a, "_id")), fmt.Sprint(field(b, "_id")))
	})
	var b strings.Builder
	for _, d := range docs {
		js, err := bson.MarshalExtJSON(d, true, false)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(js)
		b.WriteByte('\n')
	}
	return b.String()
}

// compare reports every difference between a resumed run and the
// uninterrupted one. alreadyDone is the step a crash interrupted after its
// change (-1: none): a re-run records it "already done", by design, so its
// result and everything chained after it (hashes) differ only there.
func compareStates(t *testing.T, got, want dbState, alreadyDone int) {
	t.Helper()
	for c, w := range want.collections {
		if got.collections[c] != w {
			t.Errorf("collection %s differs from the uninterrupted run:\n got %s\nwant %s", c, got.collections[c], w)
		}
	}
	if got.subject != want.subject {
		t.Errorf("subject differs:\n got %s\nwant %s", got.subject, want.subject)
	}
	for name, w := range want.files {
		if got.files[name] != w {
			t.Errorf("export %s differs from the uninterrupted run", name)
		}
	}
	if len(got.files) != len(want.files) {
		t.Errorf("export files %d, want %d", len(got.files), len(want.files))
	}
	gr, wr := got.request, want.request
	if alreadyDone >= 0 {
		if gr.Plan.Steps[alreadyDone].Result != "already done" {
			t.Errorf("step %d after a crash past its change: result %q, want \"already done\"", alreadyDone+1, gr.Plan.Steps[alreadyDone].Result)
		}
		gr.Plan.Steps[alreadyDone].Result = wr.Plan.Steps[alreadyDone].Result
		gr.PlanRef.Steps[alreadyDone].Result = wr.PlanRef.Steps[alreadyDone].Result
	}
	gb, _ := bson.MarshalExtJSON(gr, true, false)
	wb, _ := bson.MarshalExtJSON(wr, true, false)
	if string(gb) != string(wb) {
		t.Errorf("request differs:\n got %s\nwant %s", gb, wb)
	}
	// The plan as loaded from its own collection, with the request's progress.
	gp, _ := bson.MarshalExtJSON(gr.Plan, true, false)
	wp, _ := bson.MarshalExtJSON(wr.Plan, true, false)
	if string(gp) != string(wp) {
		t.Errorf("plan differs:\n got %s\nwant %s", gp, wp)
	}
	if len(got.audit) != len(want.audit) {
		t.Fatalf("audit chain has %d events, the uninterrupted run %d", len(got.audit), len(want.audit))
	}
	diverged := false
	// On an external server every test has a database of its own, and the
	// seed event names it: there the seed targets differ, and with them
	// every hash after it.
	external := dbtest.External()
	steps := map[string]int{}
	for i := range want.audit {
		g, w := got.audit[i], want.audit[i]
		gt, wt := g.Target, w.Target
		if external && g.Action == "seed" && w.Action == "seed" {
			gt, wt = "", ""
		}
		gd := g.Detail
		if alreadyDone >= 0 && g.Action == string(model.ActFulfilStep) && strings.HasPrefix(gd, fmt.Sprintf("step %d/", alreadyDone+1)) {
			gd = strings.TrimSuffix(gd, "already done")
			if !strings.HasPrefix(w.Detail, gd) {
				t.Errorf("audit %d: %q vs %q", i, g.Detail, w.Detail)
			}
			gd, diverged = w.Detail, true
		}
		if g.Seq != w.Seq || g.Action != w.Action || gt != wt || gd != w.Detail || g.Outcome != w.Outcome || g.Actor != w.Actor || g.Reason != w.Reason {
			t.Errorf("audit %d: got %s %s %q %s by %s, want %s %s %q %s by %s", i, g.Action, g.Target, g.Detail, g.Outcome, g.Actor, w.Action, w.Target, w.Detail, w.Outcome, w.Actor)
		}
		if !diverged && !external && (g.Hash != w.Hash || g.Prev != w.Prev) {
			t.Errorf("audit %d (%s): hash %s, uninterrupted %s", i, g.Action, g.Hash, w.Hash)
		}
		if g.Action == string(model.ActFulfilStep) {
			steps[strings.Join(strings.Fields(g.Detail)[:2], " ")]++ // "step 3/12"
		}
	}
	for s, n := range steps {
		if n != 1 {
			t.Errorf("%s recorded %d times", s, n)
		}
	}
	for c, docs := range got.collections {
		if strings.Contains(docs, "hmac:hmac:") {
			t.Errorf("%s holds a value hashed twice", c)
		}
	}
}

func TestFulfilmentCrashResumeEqualsUninterrupted(t *testing.T) {
	for _, typ := range []model.RequestType{model.TypeDeletion, model.TypeAccess} {
		t.Run(string(typ), func(t *testing.T) {
			ref, rr := crashCase(t, typ)
			done, err := ref.s.RunFulfilment(ref.ctx, ref.who["lou"], rr.ID, nil)
			if err != nil || done.Status != model.StatusCompleted {
				t.Fatalf("uninterrupted run: %v (%s)", err, done.Status)
			}
			want := ref.state(t, rr)
			total := len(rr.Plan.Steps)
			if typ == model.TypeDeletion && total < 5 {
				t.Fatalf("the deletion has only %d steps", total)
			}

			// Cancelled between every pair of steps (and before the first,
			// and after the last), then resumed by a new process.
			for k := 0; k <= total; k++ {
				t.Run(fmt.Sprintf("cancel after %d of %d", k, total), func(t *testing.T) {
					f, r := crashCase(t, typ)
					ctx, cancel := context.WithCancel(f.ctx)
					defer cancel()
					var seen []model.StepProgress
					part, err := f.s.RunFulfilment(ctx, f.who["lou"], r.ID, func(p model.StepProgress) {
						seen = append(seen, p)
						if p.Done >= k {
							cancel()
						}
					})
					if !errors.Is(err, context.Canceled) {
						t.Fatalf("cancelled run: %v", err)
					}
					if part.Status != model.StatusFulfilling || total-len(part.Plan.Pending()) != k {
						t.Fatalf("cancelled after %d: %s with %d steps done", k, part.Status, total-len(part.Plan.Pending()))
					}
					if len(seen) == 0 || seen[0].Total != total {
						t.Fatalf("progress %+v", seen)
					}
					f.s = f.store() // a new process
					var resumed []model.StepProgress
					end, err := f.s.RunFulfilment(f.ctx, f.who["lou"], r.ID, func(p model.StepProgress) { resumed = append(resumed, p) })
					if err != nil || end.Status != model.StatusCompleted {
						t.Fatalf("resumed run: %v (%s)", err, end.Status)
					}
					if resumed[0].Done != k {
						t.Errorf("resumed run starts at %d done, want %d", resumed[0].Done, k)
					}
					compareStates(t, f.state(t, r), want, -1)
				})
			}

			// Killed after a step's change, before its record.
			for k := 0; k < total; k++ {
				t.Run(fmt.Sprintf("crash after the change of step %d", k+1), func(t *testing.T) {
					f, r := crashCase(t, typ)
					errCrash := errors.New("killed")
					f.s.CrashAfterStepEffectForTest(func(i int) error {
						if i == k {
							return errCrash
						}
						return nil
					})
					if _, err := f.s.RunFulfilment(f.ctx, f.who["lou"], r.ID, nil); !errors.Is(err, errCrash) {
						t.Fatalf("crashed run: %v", err)
					}
					f.s = f.store()
					end, err := f.s.RunFulfilment(f.ctx, f.who["lou"], r.ID, nil)
					if err != nil || end.Status != model.StatusCompleted {
						t.Fatalf("resumed run: %v (%s)", err, end.Status)
					}
					// A document step finds its change made and records
					// "already done"; the export step writes the same bytes
					// again and records their hashes, as the first run would.
					already := k
					if typ == model.TypeAccess {
						already = -1
					}
					compareStates(t, f.state(t, r), want, already)
				})
			}
		})
	}
}

// An engineer resumes a run a lead started; the steps are the engineer's,
// the completion a lead's.
func TestFulfilmentEngineerResumesLeadCompletes(t *testing.T) {
	f, r := crashCase(t, model.TypeDeletion)
	ctx, cancel := context.WithCancel(f.ctx)
	_, err := f.s.RunFulfilment(ctx, f.who["lou"], r.ID, func(p model.StepProgress) {
		if p.Done >= 2 {
			cancel()
		}
	})
	cancel()
	if !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	var last model.StepProgress
	r2, err := f.s.RunFulfilment(f.ctx, f.who["eve"], r.ID, func(p model.StepProgress) { last = p })
	if err != nil || r2.Status != model.StatusFulfilling || len(r2.Plan.Pending()) != 0 {
		t.Fatalf("engineer's run: %v, %s", err, r2.Status)
	}
	if !strings.Contains(last.Label, "a privacy lead completes") {
		t.Errorf("last progress %q", last.Label)
	}
	if r2.Plan.Steps[0].DoneBy != "lou" || r2.Plan.Steps[len(r2.Plan.Steps)-1].DoneBy != "eve" {
		t.Errorf("steps done by %s … %s", r2.Plan.Steps[0].DoneBy, r2.Plan.Steps[len(r2.Plan.Steps)-1].DoneBy)
	}
	if _, err := f.s.Apply(f.ctx, f.who["eve"], r.ID, r2.Version, model.ActComplete, "", nil); !errors.Is(err, db.ErrRefused) {
		t.Errorf("engineer completing: %v", err)
	}
	done, err := f.s.Apply(f.ctx, f.who["lee"], r.ID, r2.Version, model.ActComplete, "", nil)
	if err != nil || done.Status != model.StatusCompleted || done.Outcome == "" || done.RespondedAt == nil {
		t.Fatalf("lead completes: %v %+v", err, done.Status)
	}
	// The support role cannot run a plan at all.
	if _, err := f.s.RunFulfilment(f.ctx, f.who["sam"], r.ID, nil); !errors.Is(err, db.ErrRefused) {
		t.Errorf("support run: %v", err)
	}
}
