package db_test

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/model"
)

// A failed queue-row write is recorded and the next start re-projects that
// row alone: the projection is not marked for a full rebuild, another
// row's drift (which a rebuild would fix) is left alone, and the list is
// empty afterwards.
func TestQueueRepairReprojectsOnlyFailedRows(t *testing.T) {
	f := newFixture(t)
	f.create("R-1", "ta")
	f.create("R-2", "tb")
	if err := f.s.EnsureQueue(f.ctx); err != nil { // the projection's marker, as after a first start
		t.Fatal(err)
	}
	q := f.conn.DB.Collection("queue")
	meta := f.conn.DB.Collection("meta")

	// The hook: R-1's row cannot be read back (a version that is no
	// number), so the next write of R-1 fails to project it.
	if _, err := q.UpdateOne(f.ctx, bson.D{{Key: "_id", Value: "R-1"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "version", Value: "broken"}}}}); err != nil {
		t.Fatal(err)
	}
	r1 := f.do("R-1", model.ActStartVerification)

	var repair struct {
		IDs []string `bson:"ids"`
	}
	if err := meta.FindOne(f.ctx, bson.D{{Key: "_id", Value: "queue_repair"}}).Decode(&repair); err != nil || len(repair.IDs) != 1 || repair.IDs[0] != "R-1" {
		t.Fatalf("rows to repair: %v, %v; want [R-1]", repair.IDs, err)
	}
	if n, err := meta.CountDocuments(f.ctx, bson.D{{Key: "_id", Value: "queue_projection"}}); err != nil || n != 1 {
		t.Fatalf("queue marker: %d, %v; a failed row must not send every process to a full rebuild", n, err)
	}

	// The failure passes; meanwhile R-2's row drifts to an older version,
	// which RebuildQueue would rewrite but a targeted repair must not read.
	if _, err := q.DeleteOne(f.ctx, bson.D{{Key: "_id", Value: "R-1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := q.UpdateOne(f.ctx, bson.D{{Key: "_id", Value: "R-2"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "version", Value: int64(0)}}}}); err != nil {
		t.Fatal(err)
	}

	// The next start.
	if err := f.newStore(f.conn).EnsureQueue(f.ctx); err != nil {
		t.Fatal(err)
	}
	rows := map[string]bson.M{}
	for _, r := range f.queueRows() {
		rows[r["_id"].(string)] = r
	}
	if r := rows["R-1"]; r == nil || r["version"] != r1.Version || r["status"] != string(r1.Status) {
		t.Fatalf("R-1's row after repair: %v; want version %d, %s", r, r1.Version, r1.Status)
	}
	if r := rows["R-2"]; r == nil || r["version"] != int64(0) {
		t.Fatalf("R-2's row was rewritten (%v): the repair must touch only the failed rows", r)
	}
	repair.IDs = nil
	if err := meta.FindOne(f.ctx, bson.D{{Key: "_id", Value: "queue_repair"}}).Decode(&repair); err != nil || len(repair.IDs) != 0 {
		t.Fatalf("rows to repair after the repair: %v, %v; want none", repair.IDs, err)
	}
	// A second start has nothing to do.
	if n, err := f.s.RepairQueue(f.ctx); err != nil || n != 0 {
		t.Fatalf("second repair: %d, %v; want 0", n, err)
	}
}

// A process that stays up (serve, a console) repairs a failed row itself,
// without waiting for the next start.
func TestDrainerRepairsFailedQueueRows(t *testing.T) {
	f := newFixture(t)
	f.create("R-1", "ta")
	if err := f.s.EnsureQueue(f.ctx); err != nil {
		t.Fatal(err)
	}
	q := f.conn.DB.Collection("queue")
	if _, err := q.UpdateOne(f.ctx, bson.D{{Key: "_id", Value: "R-1"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "version", Value: "broken"}}}}); err != nil {
		t.Fatal(err)
	}
	r1 := f.do("R-1", model.ActStartVerification)
	if _, err := q.DeleteOne(f.ctx, bson.D{{Key: "_id", Value: "R-1"}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(f.ctx)
	wait := f.s.StartDrainer(ctx, 5*time.Millisecond)
	defer func() { cancel(); wait() }()
	// Polled, not timed: the deadline only stops a broken drainer from
	// hanging the test.
	deadline := time.Now().Add(20 * time.Second)
	for {
		var row bson.M
		err := q.FindOne(f.ctx, bson.D{{Key: "_id", Value: "R-1"}}).Decode(&row)
		if err == nil && row["version"] == r1.Version && row["status"] == string(r1.Status) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the drainer never repaired R-1's row (last read %v, %v)", row, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
