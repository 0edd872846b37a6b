package db_test

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/model"
)

// A plan is stored apart from its request: the request document holds only
// plan_ref (sign-off and step progress), the store puts the plan back when
// one request is read; and a request an earlier version wrote with its
// plan inside still loads, and moves the plan out on its next write.
func TestPlanStoredApartFromRequest(t *testing.T) {
	f := newFulfilFixture(t, 60, 10)
	sub := f.pick("an adult with records", adultActive(f))
	r := f.planned(f.approved("T-APART", sub, model.TypeDeletion, nil))
	var raw bson.M
	if err := f.conn.DB.Collection("requests").FindOne(f.ctx, bson.D{{Key: "_id", Value: r.ID}}).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["plan"]; ok {
		t.Fatal("the request document carries the plan")
	}
	if _, ok := raw["plan_ref"]; !ok {
		t.Fatal("the request document does not refer to its plan")
	}
	if n, err := f.conn.DB.Collection("plans").CountDocuments(f.ctx, bson.D{{Key: "request_id", Value: r.ID}}); err != nil || n != 1 {
		t.Fatalf("plans of %s: %d, %v", r.ID, n, err)
	}
	got, err := f.s.Request(f.ctx, f.who["lee"], r.ID)
	if err != nil || got.Plan == nil || got.Plan.Digest != r.Plan.Digest || got.Plan.SignedBy != "lou" || len(got.Plan.Docs) != len(r.Plan.Docs) {
		t.Fatalf("read back: %v, %+v", err, got.Plan)
	}

	// An earlier version's request: the plan inside, no plan_ref.
	legacy := *r.Plan
	if _, err := f.conn.DB.Collection("requests").UpdateOne(f.ctx, bson.D{{Key: "_id", Value: r.ID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "plan", Value: legacy}}}, {Key: "$unset", Value: bson.D{{Key: "plan_ref", Value: ""}}}}); err != nil {
		t.Fatal(err)
	}
	old, err := f.s.Request(f.ctx, f.who["lee"], r.ID)
	if err != nil || old.Plan == nil || old.Plan.Digest != legacy.Digest || old.Plan.SignedBy != "lou" {
		t.Fatalf("legacy request: %v, %+v", err, old.Plan)
	}
	done, err := f.s.RunFulfilment(f.ctx, f.who["lou"], r.ID, nil)
	if err != nil || done.Status != model.StatusCompleted {
		t.Fatalf("run of a legacy request's plan: %v (%s)", err, done.Status)
	}
	raw = bson.M{}
	if err := f.conn.DB.Collection("requests").FindOne(f.ctx, bson.D{{Key: "_id", Value: r.ID}}).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["plan"]; ok {
		t.Error("the legacy plan is still inside the request after its next write")
	}
	if _, ok := raw["plan_ref"]; !ok {
		t.Error("the migrated request does not refer to its plan")
	}
}
