package model

import (
	"slices"
	"testing"
	"time"
)

// The on-call view (PRODUCT.md: engineers "see system health"; retry
// failed fulfilment steps) needs when, where and why a run failed.
func TestFailedStep(t *testing.T) {
	p := &Plan{SubjectID: "S-1", Docs: []PlanDoc{{Collection: "crm", RecordID: "C-1"}, {Collection: "billing", RecordID: "B-2"}},
		Steps: []PlanStep{{Kind: StepDocument, Docs: []int{0}, Done: true}, {Kind: StepDocument, Docs: []int{1}}, {Kind: StepSubject}}}
	for _, c := range []struct {
		name string
		plan *Plan
		want string
	}{
		{"no plan", nil, ""},
		{"first pending step", p, "step 2/3 billing/B-2"},
		{"every step done", &Plan{Steps: []PlanStep{{Kind: StepSubject, Done: true}}}, ""},
	} {
		if got := FailedStep(c.plan); got != c.want {
			t.Errorf("%s: FailedStep = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestFailureOf(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	stored := t0.Add(time.Hour)
	hist := []Event{{Action: ActFail, At: t0.Add(-time.Hour)}, {Action: ActRetry, At: t0.Add(-time.Minute)}, {Action: ActFail, At: t0}}
	for _, c := range []struct {
		name   string
		r      Request
		ok     bool
		wantAt time.Time
	}{
		{"not failed", Request{Status: StatusFulfilling, History: hist}, false, time.Time{}},
		{"stored time wins", Request{Status: StatusFailed, FailedAt: &stored, History: hist}, true, stored},
		{"older request: last fail event", Request{Status: StatusFailed, History: hist}, true, t0},
	} {
		f, ok := FailureOf(c.r)
		if ok != c.ok || !f.At.Equal(c.wantAt) {
			t.Errorf("%s: FailureOf = %v at %v, want %v at %v", c.name, ok, f.At, c.ok, c.wantAt)
		}
	}
	// Reasons come from the database: cleaned before any screen.
	f, _ := FailureOf(Request{Status: StatusFailed, FailureReason: "boom\x1b[31m\u202e", FailedStep: "step 1/1 x\r"})
	if f.Reason != "boom" || f.Step != "step 1/1 x" {
		t.Errorf("uncleaned failure: %q %q", f.Reason, f.Step)
	}
}

func TestSortFailuresAndFailedFirst(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	fs := []Failure{{ID: "a", At: t0}, {ID: "c", At: t0.Add(time.Hour)}, {ID: "b", At: t0}}
	SortFailures(fs)
	if fs[0].ID != "c" || fs[1].ID != "a" || fs[2].ID != "b" {
		t.Errorf("SortFailures = %v, want c a b (newest first, then id)", fs)
	}
	rs := []Request{{ID: "1", Status: StatusApproved}, {ID: "2", Status: StatusFailed}, {ID: "3", Status: StatusVerifying}, {ID: "4", Status: StatusFailed}}
	slices.SortStableFunc(rs, func(a, b Request) int { return CompareFailedFirst(a.Status, b.Status) })
	got := ""
	for _, r := range rs {
		got += r.ID
	}
	if got != "2413" {
		t.Errorf("failed-first order %s, want 2413 (failed first, due order kept)", got)
	}
}

func TestFailureCause(t *testing.T) {
	for _, c := range []struct{ step, reason, want string }{
		{"step 2/5 crm/C-1", "step 2/5 crm/C-1: timeout", "timeout"},
		{"step 1/5 crm/C-1", "the plan is stale", "the plan is stale"},
		{"", "boom", "boom"},
	} {
		if got := (Failure{Step: c.step, Reason: c.reason}).Cause(); got != c.want {
			t.Errorf("Cause(%q, %q) = %q, want %q", c.step, c.reason, got, c.want)
		}
	}
}
