package model

import (
	"strings"
	"testing"
	"time"
)

func TestCheckKnowLimit(t *testing.T) {
	now := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	this := Request{ID: "R-9", SubjectID: "s-1", Type: TypeAccess, ResidencyState: "CA", ReceivedAt: now, Status: StatusReceived}
	earlier := func(id string, ago time.Duration, mods ...func(*Request)) Request {
		r := Request{ID: id, SubjectID: "s-1", Type: TypeAccess, ResidencyState: "CA", ReceivedAt: now.Add(-ago), Status: StatusCompleted}
		for _, m := range mods {
			m(&r)
		}
		return r
	}
	day := 24 * time.Hour
	yearAgo := now.AddDate(-1, 0, 0)
	sinceYear := now.Sub(yearAgo)

	cases := []struct {
		name    string
		r       Request
		others  []Request
		applies bool
		over    bool
		ids     []string // counted earlier requests, oldest first
	}{
		{"no earlier requests", this, nil, true, false, nil},
		{"one earlier", this, []Request{earlier("R-1", 30*day)}, true, false, []string{"R-1"}},
		{"two earlier, given newest first", this, []Request{earlier("R-2", 10*day), earlier("R-1", 200*day)}, true, true, []string{"R-1", "R-2"}},
		{"three earlier", this, []Request{earlier("R-3", day), earlier("R-1", 300*day), earlier("R-2", 100*day)}, true, true, []string{"R-1", "R-2", "R-3"}},
		{"12 months and a day ago does not count", this, []Request{earlier("R-old", sinceYear+day), earlier("R-2", 10*day)}, true, false, []string{"R-2"}},
		{"12 months less a day ago counts", this, []Request{earlier("R-1", sinceYear-day), earlier("R-2", 10*day)}, true, true, []string{"R-1", "R-2"}},
		{"withdrawn does not count", this, []Request{earlier("R-1", 50*day, func(r *Request) { r.Status = StatusWithdrawn }), earlier("R-2", 10*day)}, true, false, []string{"R-2"}},
		{"other subjects do not count", this, []Request{earlier("R-1", 50*day, func(r *Request) { r.SubjectID = "s-2" }), earlier("R-2", 10*day)}, true, false, []string{"R-2"}},
		{"other request types do not count", this, []Request{earlier("R-1", 50*day, func(r *Request) { r.Type = TypeDeletion }), earlier("R-2", 10*day)}, true, false, []string{"R-2"}},
		{"the request itself does not count", this, []Request{this, earlier("R-9", 40*day), earlier("R-2", 10*day)}, true, false, []string{"R-2"}},
		{"later requests do not count", this, []Request{earlier("R-later", -5*day), earlier("R-2", 10*day)}, true, false, []string{"R-2"}},
		{"still open earlier requests count", this, []Request{earlier("R-1", 5*day, func(r *Request) { r.Status = StatusVerifying }), earlier("R-2", 10*day)}, true, true, []string{"R-2", "R-1"}},
		{"lower-case state", func() Request { r := this; r.ResidencyState = "ca"; return r }(), []Request{earlier("R-1", 5*day), earlier("R-2", 10*day)}, true, true, []string{"R-2", "R-1"}},
		{"non-California resident", func() Request { r := this; r.ResidencyState = "NV"; return r }(), []Request{earlier("R-1", 5*day), earlier("R-2", 10*day)}, false, false, nil},
		{"unknown residency", func() Request { r := this; r.ResidencyState = ""; return r }(), []Request{earlier("R-1", 5*day), earlier("R-2", 10*day)}, false, false, nil},
		{"a deletion is not a request to know", func() Request { r := this; r.Type = TypeDeletion; return r }(), []Request{earlier("R-1", 5*day), earlier("R-2", 10*day)}, false, false, nil},
		{"unknown subject matches nobody", func() Request { r := this; r.SubjectID = ""; return r }(), []Request{earlier("R-1", 5*day, func(r *Request) { r.SubjectID = "" }), earlier("R-2", 10*day, func(r *Request) { r.SubjectID = "" })}, true, false, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := CheckKnowLimit(c.r, c.others)
			if res.Applies != c.applies || res.Over != c.over {
				t.Errorf("Applies %v Over %v, want %v %v", res.Applies, res.Over, c.applies, c.over)
			}
			var ids []string
			for _, e := range res.Earlier {
				ids = append(ids, e.ID)
			}
			if strings.Join(ids, ",") != strings.Join(c.ids, ",") {
				t.Errorf("Earlier = %v, want %v", ids, c.ids)
			}
			if !res.From.Equal(c.r.ReceivedAt.AddDate(-1, 0, 0)) {
				t.Errorf("From = %s", res.From)
			}
			if !c.applies && !strings.Contains(res.Reason(), "not a California resident's request to know") {
				t.Errorf("Reason() = %q", res.Reason())
			}
		})
	}
}

func TestKnowLimitReason(t *testing.T) {
	now := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	r := Request{ID: "R-2026-00042", SubjectID: "s-1", Type: TypeAccess, ResidencyState: "CA", ReceivedAt: now}
	others := []Request{
		{ID: "R-2026-00007", SubjectID: "s-1", Type: TypeAccess, ReceivedAt: time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)},
		{ID: "R-2025-00311", SubjectID: "s-1", Type: TypeAccess, ReceivedAt: time.Date(2025, 9, 1, 9, 0, 0, 0, time.UTC)},
	}
	res := CheckKnowLimit(r, others)
	got := res.Reason()
	want := "2 earlier requests to know since 2025-03-02: R-2025-00311 (2025-09-01), R-2026-00007 (2026-01-15)"
	if got != want {
		t.Errorf("Reason() = %q, want %q", got, want)
	}

	one := CheckKnowLimit(r, others[:1]).Reason()
	if !strings.Contains(one, "1 earlier") || !strings.Contains(one, "2025-03-02") {
		t.Errorf("Reason() with one earlier = %q", one)
	}
}
