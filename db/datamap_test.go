package db_test

import (
	"errors"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

func permitsMap() model.CollectionMap {
	return model.CollectionMap{Collection: "permits", Product: "Permits", SubjectField: "subject_id", DateField: "filed_at",
		Fields: []model.FieldMap{
			{Field: "applicant_name", Category: model.CatIdentifying, Kind: model.KindName, Erasure: model.EraseFixed, Fixed: "[removed]", SubjectPoint: "name"},
			{Field: "email", Category: model.CatIdentifying, Kind: model.KindEmail, Erasure: model.EraseNull, SubjectPoint: "email"},
		}}
}

// The data map is changed by admins only, whole and validated (naming the
// collection and field); each applied change bumps its version, lands on
// the chain and gives a new product collection its index.
func TestApplyDataMap(t *testing.T) {
	f := newFixture(t)
	dm, v, err := f.s.DataMapState(f.ctx, f.admin)
	if err != nil || v != 0 {
		t.Fatalf("initial state: version %d, %v", v, err)
	}
	next := append(dm, permitsMap())

	_, _, err = f.s.ApplyDataMap(f.ctx, f.lead, next, 0)
	wantRefused(t, err, "a privacy lead operator cannot change the data map: it needs an admin")

	bad := permitsMap()
	bad.Fields[1].Erasure = "shred"
	before := f.lastAudit().Seq
	if _, _, err := f.s.ApplyDataMap(f.ctx, f.admin, append(dm, bad), 0); !errors.Is(err, db.ErrInvalid) || !strings.Contains(err.Error(), "permits.email") {
		t.Fatalf("unknown erasure: %v", err)
	}
	own := permitsMap()
	own.Collection = "requests"
	if _, _, err := f.s.ApplyDataMap(f.ctx, f.admin, append(dm, own), 0); !errors.Is(err, db.ErrInvalid) || !strings.Contains(err.Error(), "custodian's own") {
		t.Fatalf("a custodian collection: %v", err)
	}
	if _, _, err := f.s.ApplyDataMap(f.ctx, f.admin, append(dm, permitsMap(), permitsMap()), 0); !errors.Is(err, db.ErrInvalid) || !strings.Contains(err.Error(), "mapped twice") {
		t.Fatalf("twice: %v", err)
	}
	if f.lastAudit().Seq != before {
		t.Fatal("bad input reached the audit chain")
	}

	v, changed, err := f.s.ApplyDataMap(f.ctx, f.admin, next, 0)
	if err != nil || v != 1 || strings.Join(changed, ",") != "+permits" {
		t.Fatalf("apply: version %d, %v, %v", v, changed, err)
	}
	if ev := f.lastAudit(); ev.Action != "apply_datamap" || ev.Actor != "adm" || !strings.Contains(ev.Detail, "version 1; collections: +permits") {
		t.Fatalf("apply not audited: %+v", ev.AuditEvent)
	}
	cur, err := f.conn.DB.Collection("permits").Indexes().List(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var idx []bson.M
	if err := cur.All(f.ctx, &idx); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ix := range idx {
		found = found || ix["name"] == "tenant_id_1_subject_id_1"
	}
	if !found {
		t.Errorf("permits has no subject index: %v", idx)
	}
	got, v, err := f.s.DataMapState(f.ctx, f.support)
	if err != nil || v != 1 || len(got) != len(next) {
		t.Fatalf("state after apply: %d entries, version %d, %v", len(got), v, err)
	}

	if v, changed, err := f.s.ApplyDataMap(f.ctx, f.admin, next, 1); err != nil || v != 1 || len(changed) != 0 {
		t.Fatalf("same map again: %d %v %v", v, changed, err)
	}
	var ce *db.ConflictError
	if _, _, err := f.s.ApplyDataMap(f.ctx, f.admin, dm, 0); !errors.As(err, &ce) {
		t.Fatalf("apply over a version read before: %v", err)
	}
	v, changed, err = f.s.ApplyDataMap(f.ctx, f.admin, dm, 1)
	if err != nil || v != 2 || strings.Join(changed, ",") != "-permits" {
		t.Fatalf("remove: %d %v %v", v, changed, err)
	}
	if got, _, _ := f.s.DataMapState(f.ctx, f.admin); len(got) != len(dm) {
		t.Errorf("removed entry still mapped: %d entries", len(got))
	}
}
