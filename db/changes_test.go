package db_test

import (
	"fmt"
	"testing"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// TestChangeMarkerMovesWithEveryChange: the live screens' marker moves with
// each kind of write they show (logging, an action, an approval, an
// operator change), seen from a second Store as another console would,
// and stays put for what changes nothing (a refusal still appends, but is
// no change in ChangesSince).
func TestChangeMarkerMovesWithEveryChange(t *testing.T) {
	f := newFixture(t)
	watcher := f.newStore(f.conn) // another console's Store
	f.create("R-1", "ta")
	for _, tc := range []struct {
		name       string
		write      func()
		kind, id   string
		wantChange bool
	}{
		{"log a request", func() { f.create("R-2", "tb") }, "request", "R-2", true},
		{"note", func() { f.do("R-1", model.ActNote) }, "request", "R-1", true},
		{"acknowledge", func() { f.do("R-1", model.ActAcknowledge) }, "request", "R-1", true},
		{"verify", func() { f.do("R-1", model.ActStartVerification); f.do("R-1", model.ActVerify) }, "request", "R-1", true},
		{"approve", func() { f.do("R-1", model.ActApprove) }, "request", "R-1", true},
		{"operator disabled", func() {
			op, err := f.s.Operator(f.ctx, "sue")
			if err != nil {
				t.Fatal(err)
			}
			op.Disabled = true
			if err := f.s.PutOperator(f.ctx, f.admin, op); err != nil {
				t.Fatal(err)
			}
		}, "operator", "sue", true},
		{"refused note", func() {
			r, err := f.s.Request(f.ctx, f.lead, "R-2")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.s.Apply(f.ctx, f.engineer, "R-2", r.Version, model.ActNote, "not mine to write", nil); err == nil {
				t.Fatal("an engineer's note went through")
			}
		}, "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, err := watcher.Changes(f.ctx)
			if err != nil {
				t.Fatal(err)
			}
			tc.write()
			after, err := watcher.Changes(f.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if after.Seq <= before.Seq {
				t.Fatalf("marker %d → %d: did not move", before.Seq, after.Seq)
			}
			got, next, more, err := watcher.ChangesSince(f.ctx, f.lead, before.Seq, 0)
			if err != nil {
				t.Fatal(err)
			}
			if more || next != after.Seq {
				t.Fatalf("ChangesSince(%d) next %d more %t; want next %d, no more", before.Seq, next, more, after.Seq)
			}
			if !tc.wantChange {
				if len(got) != 0 {
					t.Fatalf("a refusal listed as changes: %+v", got)
				}
				return
			}
			found := false
			for _, c := range got {
				found = found || (c.Kind == tc.kind && c.ID == tc.id && c.Seq > before.Seq && c.Actor != "")
			}
			if !found {
				t.Fatalf("changes since %d: %+v; want one for %s:%s", before.Seq, got, tc.kind, tc.id)
			}
		})
	}
}

// TestChangesSinceScopeAndLimit: a scoped operator hears of its tenants'
// requests and of operator changes, not of other tenants' requests; a
// limit leaves the rest for the next read, from next.
func TestChangesSinceScopeAndLimit(t *testing.T) {
	f := newFixture(t)
	start, err := f.s.Changes(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.create("R-A", "ta")
	f.create("R-B", "tb")
	got, _, _, err := f.s.ChangesSince(f.ctx, f.scopedA, start.Seq, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != "R-A" {
		t.Fatalf("scoped to ta: %+v; want only R-A", got)
	}
	first, next, more, err := f.s.ChangesSince(f.ctx, f.lead, start.Seq, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !more || len(first) > 1 {
		t.Fatalf("limit 1: %d changes, more %t; want at most one and more", len(first), more)
	}
	var rest []model.Change
	for more {
		var page []model.Change
		if page, next, more, err = f.s.ChangesSince(f.ctx, f.lead, next, 1); err != nil {
			t.Fatal(err)
		}
		rest = append(rest, page...)
	}
	ids := ""
	for _, c := range append(first, rest...) {
		ids += c.ID + " "
	}
	if ids != "R-A R-B " {
		t.Fatalf("paged changes %q; want R-A R-B in order", ids)
	}
}

// TestChangesSincePastTheRing: more entries since a marker than the ring
// keeps. FerretDB (embedded or on PostgreSQL) answers "more" with no list (reload
// everything; reading the chain there scans it whole), MongoDB reads the
// chain by _id; both resume from the head.
func TestChangesSincePastTheRing(t *testing.T) {
	f := newFixture(t)
	start, err := f.s.Changes(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 70 {
		ev := model.AuditEvent{Actor: "sam", Role: model.RoleSupport, Origin: "test", Action: "note",
			Target: fmt.Sprintf("request:R-%d", i), TenantID: "ta", Outcome: model.OutcomeOK}
		if _, err := f.s.AppendAudit(f.ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	head, err := f.s.Changes(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, next, more, err := f.s.ChangesSince(f.ctx, f.lead, start.Seq, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 || !more || next != head.Seq {
		t.Fatalf("FerretDB, 70 entries since: %d changes, more %t, next %d; want none, more, next %d", len(got), more, next, head.Seq)
	}
	mongoPath := &db.Conn{Client: f.conn.Client, DB: f.conn.DB, URI: f.conn.URI}
	m := f.newStore(mongoPath)
	got, next, more, err = m.ChangesSince(f.ctx, f.lead, start.Seq, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 70 || more || next != head.Seq || got[0].ID != "R-0" || got[69].ID != "R-69" {
		t.Fatalf("from the chain: %d changes, more %t, next %d; want R-0…R-69, next %d", len(got), more, next, head.Seq)
	}
	// A few since: the ring answers on both.
	got, _, _, err = f.s.ChangesSince(f.ctx, f.lead, head.Seq-3, 0)
	if err != nil || len(got) != 3 || got[2].ID != "R-69" {
		t.Fatalf("3 since, from the ring: %+v, %v", got, err)
	}
}
