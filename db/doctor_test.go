package db_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// plantClaim stores a claim as a writer that stopped would have left it.
func (f *fixture) plantClaim(coll, docID string, version int64, writeID string) string {
	f.t.Helper()
	id := coll + "/" + docID + "@" + strconv.FormatInt(version, 10)
	_, err := f.conn.DB.Collection("claims").InsertOne(f.ctx, bson.D{
		{Key: "_id", Value: id}, {Key: "coll", Value: coll}, {Key: "doc_id", Value: docID}, {Key: "version", Value: version},
		{Key: "writer", Value: "gone"}, {Key: "nonce", Value: "n1"}, {Key: "write_id", Value: id + "#" + writeID},
		{Key: "by", Value: "sam"}, {Key: "at", Value: f.clock.Now().Add(-48 * time.Hour)},
		{Key: "doc", Value: bson.D{{Key: "_id", Value: docID}, {Key: "version", Value: version}}},
		{Key: "events", Value: bson.A{}},
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

func TestDoctorStatesAndDrop(t *testing.T) {
	f := newFixture(t)
	// will apply: its writer stopped right after the claim.
	r1 := f.create("R-1", "ta")
	victim := f.newStore(f.conn)
	victim.CrashAfterClaimForTest(func() error { return errors.New("crash") })
	if _, err := victim.Transition(f.ctx, f.lead, r1.ID, r1.Version, model.ActStartVerification, ""); !errors.Is(err, db.ErrPending) {
		t.Fatalf("want pending, got %v", err)
	}
	// events pending: the document is written, the chain append failed.
	r2 := f.create("R-2", "ta")
	victim2 := f.newStore(f.conn)
	victim2.FailAppendForTest(func() error { return errors.New("chain down") })
	if _, err := victim2.Transition(f.ctx, f.lead, r2.ID, r2.Version, model.ActStartVerification, ""); err != nil {
		t.Fatal(err)
	}
	// cannot apply: the document is far behind the claim.
	f.create("R-3", "ta")
	stuck := f.plantClaim("requests", "R-3", 5, "gone.n1")
	// lost its version: R-4 is at version 1, written by someone else.
	f.create("R-4", "ta")
	lost := f.plantClaim("requests", "R-4", 1, "gone.n1")
	// undecided: an operator record moved past the claim's version.
	sam, err := f.s.Operator(f.ctx, "sam")
	if err != nil {
		t.Fatal(err)
	}
	sam.Name = "Sam Renamed"
	if err := f.s.PutOperator(f.ctx, f.admin, sam); err != nil {
		t.Fatal(err)
	}
	undecided := f.plantClaim("operators", "sam", 1, "gone.n1")

	f.s.SetStaleClaimForTest(0)
	claims, err := f.s.Claims(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]db.ClaimState{
		"requests/R-1@2": db.ClaimWillApply, "requests/R-2@2": db.ClaimEventsPending,
		stuck: db.ClaimCannotApply, lost: db.ClaimLost, undecided: db.ClaimUndecided,
	}
	if len(claims) != len(want) {
		t.Fatalf("%d claims listed, want %d: %+v", len(claims), len(want), claims)
	}
	for _, c := range claims {
		if c.State != want[c.ID] {
			t.Errorf("claim %s: %s, want %s", c.ID, c.State, want[c.ID])
		}
		if c.State.NeedsAttention() != (c.ID == stuck || c.ID == undecided) {
			t.Errorf("claim %s: needs attention = %t", c.ID, c.State.NeedsAttention())
		}
	}

	// Only an admin drops, and only what no drain resolves.
	var re *db.RefusedError
	if err := f.s.DropClaim(f.ctx, f.lead, stuck); !errors.As(err, &re) {
		t.Fatalf("a lead dropped a claim: %v", err)
	}
	if err := f.s.DropClaim(f.ctx, f.admin, "requests/R-1@2"); !errors.Is(err, db.ErrInvalid) {
		t.Fatalf("a claim the drain applies was dropped: %v", err)
	}
	if err := f.s.DropClaim(f.ctx, f.admin, "requests/NOPE@2"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("unknown claim: %v", err)
	}
	for _, id := range []string{stuck, undecided} {
		if err := f.s.DropClaim(f.ctx, f.admin, id); err != nil {
			t.Fatalf("drop %s: %v", id, err)
		}
	}
	var dropped int
	for _, ev := range f.allAudit() {
		if ev.Action == "claim_dropped" && (ev.Target == "request:R-3" || ev.Target == "operator:sam") && ev.Actor == "adm" {
			dropped++
		}
	}
	if dropped != 2 {
		t.Fatalf("%d claim_dropped events, want 2", dropped)
	}
	// The rest is the drain's: afterwards nothing is left.
	if _, err := f.s.DrainOutbox(f.ctx); err != nil {
		t.Fatal(err)
	}
	if claims, err := f.s.Claims(f.ctx); err != nil || len(claims) != 0 {
		t.Fatalf("after the drain: %+v (%v)", claims, err)
	}
	f.verifyOK()
}
