package db_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// auditFixture puts n varied events on the chain (after the fixture's own
// operator events) and returns the whole chain, newest first.
func auditFixture(t *testing.T, n int) (*fixture, []model.AuditRecord) {
	t.Helper()
	f := newFixture(t)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	evs := make([]model.AuditEvent, n)
	for i := range evs {
		evs[i] = model.AuditEvent{
			ID: fmt.Sprintf("q-%d", i), At: base.Add(time.Duration(i) * time.Hour),
			Actor: []string{"sam", "ana", "eve"}[i%3], Role: model.RoleSupport, Origin: "test",
			Action:   []string{"acknowledge", "approve", "read", "note"}[i%4],
			Target:   fmt.Sprintf("request:R-%d", i%7),
			TenantID: []string{"ta", "tb", ""}[i%3%2*(1+i%5%2)], Outcome: model.OutcomeOK,
		}
	}
	if err := db.BulkAppendAudit(f.ctx, f.s, evs); err != nil {
		t.Fatal(err)
	}
	all := f.allAudit()
	slices.Reverse(all)
	return f, all
}

// walk pages through AuditHistory with page size size and returns every record.
func walk(t *testing.T, f *fixture, who model.Actor, flt model.AuditFilter, size int) []model.AuditRecord {
	t.Helper()
	var out []model.AuditRecord
	before := int64(0)
	for range 1000 {
		page, err := f.s.AuditHistory(f.ctx, who, flt, before, size)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Records...)
		if len(page.Records) > size {
			t.Fatalf("page of %d, asked for %d", len(page.Records), size)
		}
		if !page.More {
			return out
		}
		if len(page.Records) == 0 {
			t.Fatal("More with an empty page")
		}
		before = page.Records[len(page.Records)-1].Seq
	}
	t.Fatal("walk did not end")
	return nil
}

func seqs(recs []model.AuditRecord) []int64 {
	out := make([]int64, len(recs))
	for i, r := range recs {
		out[i] = r.Seq
	}
	return out
}

func TestAuditHistoryFiltersAndPages(t *testing.T) {
	f, all := auditFixture(t, 300)
	at := func(h int) time.Time { return time.Date(2026, 1, 1, h, 0, 0, 0, time.UTC) }
	cases := map[string]model.AuditFilter{
		"everything":        {},
		"actor":             {Actor: "ana"},
		"action":            {Action: "approve"},
		"tenant":            {TenantID: "tb"},
		"request":           {Target: "request:R-3"},
		"since":             {Since: at(100)},
		"until":             {Until: at(50)},
		"range and actor":   {Actor: "sam", Since: at(30), Until: at(200)},
		"actor and request": {Actor: "eve", Target: "request:R-5", Action: "note"},
		"nothing matches":   {Actor: "nobody"},
	}
	for name, flt := range cases {
		t.Run(name, func(t *testing.T) {
			var want []int64
			for _, r := range all {
				if flt.Matches(r.AuditEvent) {
					want = append(want, r.Seq)
				}
			}
			for _, size := range []int{1, 7, 100, 1000} {
				got := seqs(walk(t, f, f.admin, flt, size))
				if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
					t.Fatalf("page size %d: got %d entries %v…, want %d %v…", size, len(got), head(got), len(want), head(want))
				}
			}
		})
	}
}

func head(s []int64) []int64 { return s[:min(len(s), 5)] }

func TestAuditHistoryScope(t *testing.T) {
	f, all := auditFixture(t, 120)
	var want []int64
	for _, r := range all {
		if r.TenantID == "ta" {
			want = append(want, r.Seq)
		}
	}
	if got := seqs(walk(t, f, f.scopedA, model.AuditFilter{}, 25)); !slices.Equal(got, want) {
		t.Fatalf("scoped operator sees %d entries, want only tenant ta's %d", len(got), len(want))
	}
	page, err := f.s.AuditHistory(f.ctx, f.scopedA, model.AuditFilter{TenantID: "tb"}, 0, 50)
	if err != nil || len(page.Records) != 0 || page.More {
		t.Fatalf("another tenant's history: %d entries, more %v, %v; want none", len(page.Records), page.More, err)
	}
}

func TestAuditHistoryBadInput(t *testing.T) {
	f, _ := auditFixture(t, 10)
	for _, c := range []struct {
		before int64
		limit  int
	}{{0, -1}, {-5, 10}} {
		if _, err := f.s.AuditHistory(f.ctx, f.admin, model.AuditFilter{}, c.before, c.limit); !errors.Is(err, db.ErrInvalid) {
			t.Errorf("before %d limit %d: got %v, want ErrInvalid", c.before, c.limit, err)
		}
	}
}

// A walk resumed after new events were appended still continues below its
// keyset position: newer entries never leak into older pages.
func TestAuditHistoryKeysetStableUnderAppends(t *testing.T) {
	f, all := auditFixture(t, 60)
	first, err := f.s.AuditHistory(f.ctx, f.admin, model.AuditFilter{}, 0, 20)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := f.s.AppendAudit(f.ctx, event(fmt.Sprintf("late-%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	got := seqs(first.Records)
	before := first.Records[len(first.Records)-1].Seq
	for {
		page, err := f.s.AuditHistory(f.ctx, f.admin, model.AuditFilter{}, before, 20)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, seqs(page.Records)...)
		if !page.More {
			break
		}
		before = page.Records[len(page.Records)-1].Seq
	}
	if want := seqs(all); !slices.Equal(got, want) {
		t.Fatalf("walk gave %v…, want %v…", head(got), head(want))
	}
}

func TestRequestRecords(t *testing.T) {
	for name, records := range map[string]func(*fixture) func(context.Context, model.Actor, model.RecordFilter, func(model.Request) error) error{
		"sorted here (FerretDB)": func(f *fixture) func(context.Context, model.Actor, model.RecordFilter, func(model.Request) error) error {
			return f.s.RequestRecords
		},
		"sorted by the server (MongoDB)": func(f *fixture) func(context.Context, model.Actor, model.RecordFilter, func(model.Request) error) error {
			return func(ctx context.Context, a model.Actor, flt model.RecordFilter, fn func(model.Request) error) error {
				return db.RequestRecordsServerSorted(ctx, f.s, a, flt, fn)
			}
		},
	} {
		t.Run(name, func(t *testing.T) { testRequestRecords(t, records) })
	}
}

func testRequestRecords(t *testing.T, recordsOf func(*fixture) func(context.Context, model.Actor, model.RecordFilter, func(model.Request) error) error) {
	f := newFixture(t)
	requestRecords := recordsOf(f)
	// Three requests received a day apart in ta and one in tb; one denied.
	ids := []string{"R-1", "R-2", "R-3"}
	for _, id := range ids {
		f.create(id, "ta")
		f.clock.Add(24 * time.Hour)
	}
	f.create("R-9", "tb")
	denied := f.requestAt("R-4", "ta", model.StatusDenied)
	day := func(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC) }
	collect := func(who model.Actor, flt model.RecordFilter) ([]string, error) {
		var got []string
		err := requestRecords(f.ctx, who, flt, func(r model.Request) error {
			if r.Requester.Name != "" || len(r.History) > 0 {
				t.Errorf("%s: the export read PI or history", r.ID)
			}
			got = append(got, r.ID)
			return nil
		})
		return got, err
	}
	cases := []struct {
		name string
		who  model.Actor
		flt  model.RecordFilter
		want []string
	}{
		// arrive at the same instant: the id breaks the tie.
		{"whole range in receipt order", f.admin, model.RecordFilter{Since: day(1), Until: day(10)}, []string{"R-1", "R-2", "R-3", "R-4", "R-9"}},
		{"until is exclusive", f.admin, model.RecordFilter{Since: day(1), Until: day(3)}, []string{"R-1"}},
		{"one tenant", f.admin, model.RecordFilter{Since: day(1), Until: day(10), TenantID: "tb"}, []string{"R-9"}},
		{"one request", f.admin, model.RecordFilter{Since: day(1), Until: day(10), RequestID: "R-2"}, []string{"R-2"}},
		{"scoped operator", f.scopedA, model.RecordFilter{Since: day(1), Until: day(10)}, []string{"R-1", "R-2", "R-3", "R-4"}},
	}
	for _, c := range cases {
		got, err := collect(c.who, c.flt)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	if _, err := collect(f.scopedA, model.RecordFilter{Since: day(1), Until: day(10), TenantID: "tb"}); !errors.Is(err, db.ErrRefused) {
		t.Errorf("scoped operator exporting another tenant: got %v, want a refusal", err)
	}
	if _, err := collect(f.admin, model.RecordFilter{Since: day(5), Until: day(1)}); !errors.Is(err, db.ErrInvalid) {
		t.Errorf("reversed range: got %v, want ErrInvalid", err)
	}
	var rec model.Request
	_ = requestRecords(f.ctx, f.admin, model.RecordFilter{Since: day(1), Until: day(10), RequestID: "R-4"}, func(r model.Request) error {
		rec = r
		return nil
	})
	if rec.RespondedAt == nil || rec.Outcome != denied.Outcome || rec.DenialReason == "" || rec.Type != denied.Type || rec.Channel != denied.Channel {
		t.Errorf("denied request's record %+v lacks the response, outcome or reason of %+v", rec, denied)
	}
	stop := errors.New("enough")
	n := 0
	err := requestRecords(f.ctx, f.admin, model.RecordFilter{Since: day(1), Until: day(10)}, func(model.Request) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("fn's error should stop the walk: %v after %d", err, n)
	}
}
