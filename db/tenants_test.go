package db_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

func newTenant() model.Tenant {
	return model.Tenant{ID: "tc", Name: "City of C", State: "TX", TimeZone: "America/Chicago",
		Approvers:  []model.Contact{{Name: "Cy Clerk", Title: "City Clerk", Email: "cy@city-c.example"}},
		Retention:  []model.RetentionRule{{Category: model.CatEmployee, Period: "6 years after separation", LegalBasis: "TX schedule GS-PER-03"}},
		HolidayAdd: []string{"2026-08-03"}}
}

// Tenants are the admin's (PRODUCT.md roles): anyone else is refused on the
// chain; a bad tenant is refused naming the field and nothing is written;
// every add and edit is one audited write naming the fields it changed.
func TestAddAndEditTenant(t *testing.T) {
	f := newFixture(t)
	tc := newTenant()

	_, err := f.s.AddTenant(f.ctx, f.lead, tc)
	wantRefused(t, err, "a privacy lead operator cannot manage tenants: it needs an admin")
	if ev := f.lastAudit(); ev.Outcome != model.OutcomeRefused || ev.Target != "tenant:tc" || ev.Action != "add_tenant" {
		t.Fatalf("refusal not audited: %+v", ev.AuditEvent)
	}
	scopedAdmin := actor("sad", model.RoleAdmin, "ta")
	if err := f.s.PutOperator(f.ctx, f.system, scopedAdmin.Operator); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.AddTenant(f.ctx, scopedAdmin, tc)
	wantRefused(t, err, "an operator scoped to some tenants cannot add one")

	bad := tc
	bad.Retention = []model.RetentionRule{{Category: model.CatEmployee, Period: "6 years"}}
	before := f.lastAudit().Seq
	if _, err := f.s.AddTenant(f.ctx, f.admin, bad); !errors.Is(err, db.ErrInvalid) || !strings.Contains(err.Error(), "legal_basis") {
		t.Fatalf("rule without a basis: %v", err)
	}
	bad = tc
	bad.TimeZone = "Texas/Austin"
	if _, err := f.s.AddTenant(f.ctx, f.admin, bad); !errors.Is(err, db.ErrInvalid) || !strings.Contains(err.Error(), "time_zone") {
		t.Fatalf("bad zone: %v", err)
	}
	if _, err := f.s.Tenant(f.ctx, f.admin, "tc"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("an invalid tenant was written: %v", err)
	}
	if f.lastAudit().Seq != before {
		t.Fatal("bad input reached the audit chain")
	}

	changed, err := f.s.AddTenant(f.ctx, f.admin, tc)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(changed, ","), "time_zone") {
		t.Errorf("a new tenant's fields: %v", changed)
	}
	if ev := f.lastAudit(); ev.Outcome != model.OutcomeOK || ev.Action != "add_tenant" || ev.TenantID != "tc" || !strings.Contains(ev.Detail, "version 1") {
		t.Fatalf("add not audited: %+v", ev.AuditEvent)
	}
	if _, err := f.s.AddTenant(f.ctx, f.admin, tc); !errors.Is(err, db.ErrExists) {
		t.Fatalf("add twice: %v", err)
	}

	got, err := f.s.Tenant(f.ctx, f.admin, "tc")
	if err != nil || got.Version != 1 || got.Calendar().IsBusinessDay(at(t, "2026-08-03")) {
		t.Fatalf("read back: %+v %v", got, err)
	}
	edit := got
	edit.HolidayRemove = []string{"2026-11-27"}
	edit.Approvers = append(edit.Approvers, model.Contact{Name: "Di Deputy", Phone: "512-555-0100"})
	changed, err = f.s.EditTenant(f.ctx, f.admin, edit)
	if err != nil || strings.Join(changed, ",") != "approvers,holiday_remove" {
		t.Fatalf("edit: %v %v", changed, err)
	}
	if ev := f.lastAudit(); ev.Action != "edit_tenant" || !strings.Contains(ev.Detail, "fields: approvers,holiday_remove") {
		t.Fatalf("edit not audited: %+v", ev.AuditEvent)
	}
	// The same edit again is stale: someone (here, we) wrote version 2.
	var ce *db.ConflictError
	if _, err := f.s.EditTenant(f.ctx, f.admin, edit); !errors.As(err, &ce) || ce.Version != 2 {
		t.Fatalf("stale edit: %v", err)
	}
	now, _ := f.s.Tenant(f.ctx, f.admin, "tc")
	if changed, err := f.s.EditTenant(f.ctx, f.admin, now); err != nil || len(changed) != 0 {
		t.Fatalf("an edit that changes nothing: %v %v", changed, err)
	}
}

// Tenants stored before tenants had versions (the fixture's version 0, a
// hand-made document with none, an old hand-typed holiday list) can be
// edited; the old list becomes additions.
func TestEditTenantWithoutVersion(t *testing.T) {
	f := newFixture(t)
	if _, err := f.conn.DB.Collection("tenants").InsertOne(f.ctx, bson.D{
		{Key: "_id", Value: "told"}, {Key: "name", Value: "Old Town"}, {Key: "state", Value: "WA"},
		{Key: "time_zone", Value: "America/Los_Angeles"}, {Key: "holidays", Value: bson.A{"2026-05-01"}},
	}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"ta", "told"} {
		tn, err := f.s.Tenant(f.ctx, f.admin, id)
		if err != nil || tn.Version != 0 {
			t.Fatalf("%s: %+v %v", id, tn, err)
		}
		tn.Name += " (renamed)"
		if _, err := f.s.EditTenant(f.ctx, f.admin, tn); err != nil {
			t.Fatalf("edit %s: %v", id, err)
		}
		got, _ := f.s.Tenant(f.ctx, f.admin, id)
		if got.Version != 2 || !strings.HasSuffix(got.Name, "(renamed)") {
			t.Fatalf("%s after edit: %+v", id, got)
		}
		if id == "told" && (len(got.Holidays) != 0 || strings.Join(got.HolidayAdd, ",") != "2026-05-01") {
			t.Errorf("legacy holidays not moved to additions: %+v", got)
		}
	}
}

func at(t *testing.T, date string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
