package present

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// hostile is stored text that would move the cursor, recolour the screen
// or start a new line if it reached a terminal as it is.
const hostile = "ev\x1b[2Jil\x1b]0;pwned\x07\nname\u200b"

// planRequest is an approved deletion with a plan over two collections and
// the subject's record; text, when given, is put in every stored string.
func planRequest(text string) model.Request {
	s := func(def string) string {
		if text != "" {
			return def + text
		}
		return def
	}
	built := time.Date(2026, 12, 5, 6, 30, 0, 0, time.UTC) // Dec 4 in Los Angeles
	pl := &model.Plan{ID: s("R-1/plan-1"), Type: model.TypeDeletion, SubjectID: "S-1", BuiltBy: s("ana"), BuiltAt: built,
		Docs: []model.PlanDoc{
			{Collection: s("payments"), RecordID: s("PAY-1"), Op: model.DocDelete, CollectedAt: built,
				Fields: []model.PlanField{{Field: s("card"), Category: "financial", Op: model.FieldDelete, Current: s("•••• 4242")}}},
			{Collection: s("payments"), RecordID: "PAY-2", Op: model.DocKeep, Reason: s("7 years, tax law"),
				Fields: []model.PlanField{{Field: "amount", Category: "financial", Op: model.FieldKeep, Current: "1••", Reason: s("7 years")}}},
			{Collection: "support", RecordID: "T-1", Op: model.DocMask,
				Fields: []model.PlanField{{Field: "note", Category: "identifiers", Op: model.FieldWithhold, ThirdParty: "caller", Current: "h••"}}},
		},
		Subject:     &model.PlanDoc{Collection: model.SubjectsCollection, RecordID: "S-1", Op: model.DocMask},
		Withheld:    []model.Withheld{{Category: "financial", Where: []string{s("payments.amount")}, Reason: s("7 years")}},
		Disclosures: []model.Disclosure{{Collection: "support", Field: "note", By: "lee", At: built, Reason: s("the caller agreed")}},
	}
	pl.Steps = []model.PlanStep{
		{Kind: model.StepDocument, Docs: []int{0}, Label: s("payments/PAY-1: delete"), Done: true, DoneBy: "bo", DoneAt: built, Result: s("deleted")},
		{Kind: model.StepDocument, Docs: []int{2}, Label: "support/T-1: mask"},
		{Kind: model.StepSubject, Label: "subjects/S-1: de-identify"},
	}
	pl.Digest = pl.ComputeDigest()
	return model.Request{ID: "R-1", Type: model.TypeDeletion, Status: model.StatusFulfilling, TenantID: "acme",
		SubjectID: "S-1", SubjectLabel: s("Ada"), Plan: pl,
		Disclosures: []model.Disclosure{{Collection: "support", Field: "other", By: "lee", At: built.Add(time.Hour), Reason: "later"}}}
}

func TestPlanOf(t *testing.T) {
	la := mustZone(t, "America/Los_Angeles")
	tenant := model.Tenant{ID: "acme", Name: "Acme", TimeZone: "America/Los_Angeles"}
	tenant.Resolve()

	t.Run("no plan", func(t *testing.T) {
		if _, ok := PlanOf(model.Request{ID: "R-1"}, tenant); ok {
			t.Error("a request without a plan has a plan view")
		}
	})

	t.Run("what a lead reviews", func(t *testing.T) {
		r := planRequest("")
		v, ok := PlanOf(r, tenant)
		if !ok {
			t.Fatal("no plan view")
		}
		for _, c := range []struct{ name, got, want string }{
			{"request", v.RequestID + " " + v.Type + " " + v.Status, "R-1 " + r.Type.Label() + " " + r.Status.Label()},
			{"built, tenant's zone", v.Time(v.BuiltAt), "2026-12-04 22:30 PST"},
			{"collected, tenant's day", v.Date(v.Docs[0].CollectedAt), "2026-12-04"},
			{"not signed", v.SignedBy, ""},
			{"not stale", v.Stale, ""},
			{"masked value kept masked", v.Docs[0].Fields[0].Current, "•••• 4242"},
			{"withheld as another person's data", v.Docs[2].Fields[0].Label, "withhold (another person's data)"},
			{"disclose names the field", v.Docs[2].Fields[0].Disclose, "support.note"},
			{"a kept field is not disclosed", v.Docs[1].Fields[0].Disclose, ""},
		} {
			if c.got != c.want {
				t.Errorf("%s: %q, want %q", c.name, c.got, c.want)
			}
		}
		if v.Loc != la && v.Loc.String() != la.String() {
			t.Errorf("zone %s, want %s", v.Loc, la)
		}
		wantCounts := []PlanCount{
			{Collection: "payments", Ops: map[model.DocOp]int{model.DocDelete: 1, model.DocKeep: 1}},
			{Collection: "support", Ops: map[model.DocOp]int{model.DocMask: 1}},
			{Collection: model.SubjectsCollection, Record: true, Ops: map[model.DocOp]int{model.DocMask: 1}},
		}
		if len(v.Counts) != len(wantCounts) {
			t.Fatalf("counts %+v, want %+v", v.Counts, wantCounts)
		}
		for i, w := range wantCounts {
			g := v.Counts[i]
			if g.Collection != w.Collection || g.Record != w.Record || len(g.Ops) != len(w.Ops) {
				t.Errorf("count %d: %+v, want %+v", i, g, w)
			}
			for op, n := range w.Ops {
				if g.Ops[op] != n {
					t.Errorf("count %s %s: %d, want %d", w.Collection, op, g.Ops[op], n)
				}
			}
		}
		if v.StepsDone() != 1 || len(v.Steps) != 3 {
			t.Errorf("%d of %d steps done, want 1 of 3", v.StepsDone(), len(v.Steps))
		}
		steps := []struct {
			done       bool
			collection string
			records    []string
		}{{true, "payments", []string{"PAY-1"}}, {false, "support", []string{"T-1"}}, {false, model.SubjectsCollection, []string{"S-1"}}}
		for i, w := range steps {
			s := v.Steps[i]
			if s.Done != w.done || s.Collection != w.collection || !slices.Equal(s.Records, w.records) || s.Failed != "" {
				t.Errorf("step %d: %+v, want done %v in %s %v", i+1, s, w.done, w.collection, w.records)
			}
		}
		if v.Record == nil || v.Record.RecordID != "S-1" {
			t.Errorf("subject record %+v", v.Record)
		}
		// The recorded decision the plan lacks is listed first, as not yet
		// in the plan; the one the plan carries but the request no longer
		// lists still shows.
		if len(v.Disclosures) != 2 || v.Disclosures[0].Field != "other" || v.Disclosures[0].InPlan || !v.Disclosures[1].InPlan {
			t.Errorf("disclosures %+v", v.Disclosures)
		}
	})

	t.Run("stale, failed and signed", func(t *testing.T) {
		r := planRequest("")
		r.Plan.SignedBy, r.Plan.SignedAt = "lou", r.Plan.BuiltAt.Add(time.Hour)
		r.Status, r.FailureReason = model.StatusFailed, model.StalePlanText+": support/T-1 changed\x1b[31m"
		v, _ := PlanOf(r, tenant)
		if v.Stale != model.PlanStale(r) || v.Stale == "" {
			t.Errorf("stale %q, want %q", v.Stale, model.PlanStale(r))
		}
		if !v.Signed() || v.Time(v.SignedAt) != "2026-12-04 23:30 PST" {
			t.Errorf("signed %v at %s", v.Signed(), v.Time(v.SignedAt))
		}
		if got, want := v.Steps[1].Failed, "plan is stale: support/T-1 changed"; got != want {
			t.Errorf("the first pending step's failure %q, want %q", got, want)
		}
		if v.Steps[0].Failed != "" || v.Steps[2].Failed != "" {
			t.Errorf("a failure on a step the run did not stop at: %+v", v.Steps)
		}
	})

	t.Run("hostile text is cleaned", func(t *testing.T) {
		v, _ := PlanOf(planRequest(hostile), tenant)
		var texts []string
		texts = append(texts, v.ID, v.BuiltBy, v.SubjectLabel)
		for _, d := range append(v.Docs, *v.Record) {
			texts = append(texts, d.Collection, d.RecordID, d.Reason)
			for _, f := range d.Fields {
				texts = append(texts, f.Field, f.Category, f.Label, f.Current, f.New, f.Reason)
			}
		}
		for _, c := range v.Counts {
			texts = append(texts, c.Collection)
		}
		for _, w := range v.Withheld {
			texts = append(texts, w.Category, w.Reason)
			texts = append(texts, w.Where...)
		}
		for _, s := range v.Steps {
			texts = append(texts, s.Label, s.Result, s.DoneBy, s.Collection)
			texts = append(texts, s.Records...)
		}
		for _, x := range v.Disclosures {
			texts = append(texts, x.Reason)
		}
		for _, s := range texts {
			if strings.ContainsAny(s, "\x1b\x07\n\u200b") {
				t.Errorf("uncleaned text %q", s)
			}
		}
		if got := v.Docs[0].Fields[0].Current; !strings.HasPrefix(got, "•••• 4242") {
			t.Errorf("masked value %q lost its mask", got)
		}
	})
}

func TestWithheldOf(t *testing.T) {
	got := WithheldOf([]model.Withheld{{Category: "health", Where: []string{"visits.note\x1b[2J"}, Reason: "§7024(d)\n"}})
	want := Withheld{Category: "health", Where: []string{"visits.note"}, Reason: "§7024(d) "}
	if len(got) != 1 || got[0].Category != want.Category || !slices.Equal(got[0].Where, want.Where) || got[0].Reason != want.Reason {
		t.Errorf("WithheldOf = %+v, want %+v", got, want)
	}
	if WithheldOf(nil) != nil {
		t.Error("nothing withheld is not nil")
	}
}

// A null or hash step shows what it leaves behind, not an empty arrow.
func TestPlanFieldResult(t *testing.T) {
	for _, c := range []struct {
		f    PlanField
		want string
	}{
		{PlanField{Op: model.FieldNull, Current: "5•••"}, "null"},
		{PlanField{Op: model.FieldHash, Current: "a•••@e•••"}, model.HashPrefix + "…"},
		{PlanField{Op: model.FieldSet, Current: "x", New: "y"}, "y"},
		{PlanField{Op: model.FieldFixed, New: "[removed]"}, "[removed]"},
		{PlanField{Op: model.FieldKeep, Current: "x"}, ""},
	} {
		if got := c.f.Result(); got != c.want {
			t.Errorf("%s: Result() = %q, want %q", c.f.Op, got, c.want)
		}
	}
}
