package db_test

import (
	"reflect"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// slim is what a queue row keeps of a request.
func slim(r model.Request) model.Request {
	s := model.Request{
		ID: r.ID, TenantID: r.TenantID, SubjectID: r.SubjectID, SubjectLabel: r.SubjectLabel, Type: r.Type,
		Channel: r.Channel, Status: r.Status, ReceivedAt: r.ReceivedAt, DueAt: r.DueAt, AssignedTo: r.AssignedTo,
		Flags: r.Flags, AcknowledgedAt: r.AcknowledgedAt, Extension: r.Extension, Requester: model.Person{Name: r.Requester.Name},
		Version: r.Version, UpdatedBy: r.UpdatedBy, UpdatedAt: r.UpdatedAt,
	}
	if len(s.Flags) == 0 {
		s.Flags = nil
	}
	if r.Decision != nil {
		s.Decision = &model.Decision{Outcome: r.Decision.Outcome, DecidedAt: r.Decision.DecidedAt}
	}
	return s
}

// scanRequests is the queue computed the old way: straight from requests.
func (f *fixture) scanRequests(tenants ...string) []model.Request {
	f.t.Helper()
	filter := bson.D{{Key: "status", Value: bson.D{{Key: "$in", Value: model.OpenStatuses()}}}}
	if len(tenants) > 0 {
		filter = append(filter, bson.E{Key: "tenant_id", Value: bson.D{{Key: "$in", Value: tenants}}})
	}
	cur, err := f.conn.DB.Collection("requests").Find(f.ctx, filter,
		options.Find().SetSort(bson.D{{Key: "due_at", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		f.t.Fatal(err)
	}
	var out []model.Request
	if err := cur.All(f.ctx, &out); err != nil {
		f.t.Fatal(err)
	}
	return out
}

func (f *fixture) wantQueueMatches(what string) {
	f.t.Helper()
	for _, c := range []struct {
		actor   model.Actor
		filter  model.QueueFilter
		tenants []string
	}{
		{f.support, model.QueueFilter{}, nil},
		{f.support, model.QueueFilter{TenantID: "tb"}, []string{"tb"}},
		{f.scopedA, model.QueueFilter{}, []string{"ta"}},
	} {
		got, err := f.s.Queue(f.ctx, c.actor, c.filter)
		if err != nil {
			f.t.Fatal(err)
		}
		want := f.scanRequests(c.tenants...)
		if len(got) != len(want) {
			f.t.Fatalf("%s: queue %v has %d rows, requests say %d open", what, c.filter, len(got), len(want))
		}
		for i := range got {
			if g, w := slim(got[i]), slim(want[i]); !reflect.DeepEqual(g, w) {
				f.t.Fatalf("%s: queue row %d\n got %+v\nwant %+v", what, i, g, w)
			}
		}
	}
}

// queueRows is the projection as stored, by _id.
func (f *fixture) queueRows() []bson.M {
	f.t.Helper()
	cur, err := f.conn.DB.Collection("queue").Find(f.ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		f.t.Fatal(err)
	}
	var out []bson.M
	if err := cur.All(f.ctx, &out); err != nil {
		f.t.Fatal(err)
	}
	return out
}

func TestQueueProjectionFollowsWrites(t *testing.T) {
	f := newFixture(t)
	f.wantQueueMatches("empty")
	for i, st := range model.Statuses() {
		f.requestAt("R-"+string(st), []string{"ta", "tb"}[i%2], st)
	}
	f.wantQueueMatches("every status")
	// Changes that touch only queue fields.
	f.do("R-received", model.ActAssign)
	f.do("R-verifying", model.ActNote)
	f.do("R-approved", model.ActExtend)
	f.wantQueueMatches("after assign, note, extend")
	if n := len(f.queueRows()); n != len(model.OpenStatuses()) {
		t.Fatalf("%d queue rows, want one per open request (%d)", n, len(model.OpenStatuses()))
	}

	// Closing a request removes its row.
	f.do("R-received", model.ActWithdraw)
	f.do("R-fulfilling", model.ActComplete)
	f.wantQueueMatches("after closing two")
	for _, row := range f.queueRows() {
		if id := row["_id"]; id == "R-received" || id == "R-fulfilling" || id == "R-completed" || id == "R-denied" || id == "R-withdrawn" {
			t.Fatalf("closed request %s still has a queue row", id)
		}
		if _, ok := row["history"]; ok {
			t.Fatalf("queue row carries history: %v", row)
		}
		if d, ok := row["decision"].(bson.M); ok && len(d) != 2 {
			t.Fatalf("queue row's decision holds more than outcome and date: %v", d)
		}
	}
	// A closed status still reads the requests themselves.
	closed, err := f.s.Queue(f.ctx, f.support, model.QueueFilter{Statuses: []model.Status{model.StatusWithdrawn, model.StatusReceived}})
	if err != nil || len(closed) != 2 {
		t.Fatalf("withdrawn or received: %d %v", len(closed), err)
	}
	if closed[0].Verification == nil && closed[1].Verification == nil && closed[0].LoggedBy == "" {
		t.Fatal("rows of a closed-status queue come from the projection")
	}
}

func TestQueueRebuildEqualsIncremental(t *testing.T) {
	f := newFixture(t)
	for i, st := range model.Statuses() {
		f.requestAt("R-"+string(st), []string{"ta", "tb"}[i%2], st)
	}
	f.do("R-verifying", model.ActAssign)
	incremental := f.queueRows()

	// From nothing, as on a database that predates the projection.
	if _, err := f.conn.DB.Collection("queue").DeleteMany(f.ctx, bson.D{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.conn.DB.Collection("meta").DeleteOne(f.ctx, bson.D{{Key: "_id", Value: "queue_projection"}}); err != nil {
		t.Fatal(err)
	}
	s := f.newStore(f.conn)
	if err := s.EnsureQueue(f.ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.queueRows(); !reflect.DeepEqual(got, incremental) {
		t.Fatalf("rebuilt from scratch:\n%v\nincremental:\n%v", got, incremental)
	}

	// From a wrong state: a row of a closed request, an old row, a row of
	// no request, and a missing row.
	q := f.conn.DB.Collection("queue")
	stale := bson.M{}
	for k, v := range incremental[0] {
		stale[k] = v
	}
	stale["version"], stale["status"] = int64(0), "received"
	if _, err := q.ReplaceOne(f.ctx, bson.D{{Key: "_id", Value: stale["_id"]}}, stale); err != nil {
		t.Fatal(err)
	}
	if _, err := q.DeleteOne(f.ctx, bson.D{{Key: "_id", Value: incremental[1]["_id"]}}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"R-completed", "R-gone"} {
		if _, err := q.InsertOne(f.ctx, bson.D{{Key: "_id", Value: id}, {Key: "status", Value: "received"}, {Key: "version", Value: int64(1)}, {Key: "due_at", Value: time.Now()}}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.RebuildQueue(f.ctx)
	if err != nil || n != len(model.OpenStatuses()) {
		t.Fatalf("rebuild: %d open, %v", n, err)
	}
	if got := f.queueRows(); !reflect.DeepEqual(got, incremental) {
		t.Fatalf("rebuilt from a wrong state:\n%v\nincremental:\n%v", got, incremental)
	}
	f.wantQueueMatches("after rebuild")
}

func TestQueueRowNeverGoesBack(t *testing.T) {
	f := newFixture(t)
	v1 := f.create("R-1", "ta")
	v2 := f.do("R-1", model.ActStartVerification)
	// A late writer of version 1 arrives after version 2 projected itself.
	if err := f.s.ProjectQueueForTest(f.ctx, v1); err != nil {
		t.Fatal(err)
	}
	if rows := f.queueRows(); len(rows) != 1 || rows[0]["version"] != int64(2) || rows[0]["status"] != "verifying" {
		t.Fatalf("an older version overwrote the row: %v", rows)
	}
	// Its row was deleted by a closing write; a late open version must not
	// bring it back (the re-check against the request puts version 3 there).
	f.do("R-1", model.ActWithdraw)
	if err := f.s.ProjectQueueForTest(f.ctx, v2); err != nil {
		t.Fatal(err)
	}
	if rows := f.queueRows(); len(rows) != 0 {
		t.Fatalf("a late write of an open version resurrected a closed request's row: %v", rows)
	}
	f.wantQueueMatches("after late writers")
}

func TestSeedBuildsQueue(t *testing.T) {
	f := newFixture(t)
	for _, c := range []string{"tenants", "subjects", "operators"} {
		if _, err := f.conn.DB.Collection(c).DeleteMany(f.ctx, bson.D{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Seed(f.ctx, f.s, db.SeedOptions{Clock: f.clock}); err != nil {
		t.Fatal(err)
	}
	all := model.Actor{Operator: model.Operator{Handle: "adm", Role: model.RoleAdmin}}
	got, err := f.s.Queue(f.ctx, all, model.QueueFilter{Limit: 5000})
	if err != nil {
		t.Fatal(err)
	}
	want := f.scanRequests()
	if len(got) == 0 || len(got) != len(want) {
		t.Fatalf("seeded queue has %d rows, requests say %d open", len(got), len(want))
	}
}
