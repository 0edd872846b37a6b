package db_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/dbtest"
	"github.com/custodian-dev/custodian/db/demo"
	"github.com/custodian-dev/custodian/db/demo/demotest"
	"github.com/custodian-dev/custodian/model"
)

var seedClock = model.FixedClock{T: time.Date(2026, 3, 10, 17, 30, 0, 0, time.UTC)}

func seedNewStore(t testing.TB, clock model.Clock) (*db.Conn, *db.Store) {
	t.Helper()
	conn := dbtest.New(t)
	s, err := db.NewStore(conn, db.StoreOptions{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return conn, s
}

func seedContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func seedCount(t testing.TB, d *mongo.Database, coll string, filter any) int {
	t.Helper()
	if filter == nil {
		filter = bson.D{}
	}
	n, err := d.Collection(coll).CountDocuments(context.Background(), filter)
	if err != nil {
		t.Fatalf("count %s: %v", coll, err)
	}
	return int(n)
}

// seedStored is what the seed wrote, read back once: decoded into a Dataset, and
// the product documents also as raw BSON for a byte-for-byte comparison.
type seedStored struct {
	ds  *demo.Dataset
	raw map[string]map[string]bson.Raw // collection → _id → document
}

func seedLoadAll[T any](t testing.TB, d *mongo.Database, coll string) []T {
	t.Helper()
	ctx := context.Background()
	cur, err := d.Collection(coll).Find(ctx, bson.D{})
	if err != nil {
		t.Fatalf("find %s: %v", coll, err)
	}
	var out []T
	if err := cur.All(ctx, &out); err != nil {
		t.Fatalf("decode %s: %v", coll, err)
	}
	return out
}

func seedReadBack(t testing.TB, d *mongo.Database, now time.Time) seedStored {
	t.Helper()
	ctx := context.Background()
	ds := &demo.Dataset{Now: now, Records: map[string][]bson.D{}}
	ds.Tenants = seedLoadAll[model.Tenant](t, d, "tenants")
	ds.DataMap = seedLoadAll[model.CollectionMap](t, d, "datamap")
	ds.Operators = seedLoadAll[model.Operator](t, d, "operators")
	ds.Subjects = seedLoadAll[model.Subject](t, d, "subjects")
	ds.Requests = seedLoadAll[model.Request](t, d, "requests")
	raw := map[string]map[string]bson.Raw{}
	for _, c := range demo.Collections() {
		raw[c] = map[string]bson.Raw{}
		cur, err := d.Collection(c).Find(ctx, bson.D{})
		if err != nil {
			t.Fatalf("find %s: %v", c, err)
		}
		for cur.Next(ctx) {
			doc := slices.Clone(cur.Current)
			var dd bson.D
			if err := bson.Unmarshal(doc, &dd); err != nil {
				t.Fatalf("decode %s: %v", c, err)
			}
			raw[c][doc.Lookup("_id").StringValue()] = doc
			ds.Records[c] = append(ds.Records[c], dd)
		}
		if err := cur.Err(); err != nil {
			t.Fatalf("read %s: %v", c, err)
		}
	}
	return seedStored{ds: ds, raw: raw}
}

// seedSameAsGenerated compares what the database holds with a fresh generation:
// typed values through JSON (by id), product documents byte for byte.
func seedSameAsGenerated(t testing.TB, got seedStored, o demo.Options) {
	t.Helper()
	want, err := demo.Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	cmp := func(name string, a, b map[string]string) {
		t.Helper()
		if len(a) != len(b) {
			t.Errorf("%s: %d in the database, %d generated", name, len(a), len(b))
		}
		bad := 0
		for k, v := range b {
			if a[k] != v {
				if bad++; bad <= 3 {
					t.Errorf("%s %s differs after the round trip:\n db: %.600s\ngen: %.600s", name, k, a[k], v)
				}
			}
		}
	}
	g, w := got.ds, want
	// The seed derives each subject's other contacts from its records.
	others := db.OtherContactsFromRecords(w.DataMap, w.Records)
	for i := range w.Subjects {
		w.Subjects[i].OtherContacts = others[w.Subjects[i].ID]
	}
	cmp("tenant", seedByID(t, g.Tenants, func(x model.Tenant) string { return x.ID }), seedByID(t, w.Tenants, func(x model.Tenant) string { return x.ID }))
	cmp("data map", seedByID(t, g.DataMap, func(x model.CollectionMap) string { return x.Collection }), seedByID(t, w.DataMap, func(x model.CollectionMap) string { return x.Collection }))
	cmp("operator", seedByID(t, g.Operators, func(x model.Operator) string { return x.Handle }), seedByID(t, w.Operators, func(x model.Operator) string { return x.Handle }))
	cmp("subject", seedByID(t, g.Subjects, func(x model.Subject) string { return x.ID }), seedByID(t, w.Subjects, func(x model.Subject) string { return x.ID }))
	cmp("request", seedByID(t, seedAsGenerated(t, g.Requests, w.Requests), func(x model.Request) string { return x.ID }), seedByID(t, w.Requests, func(x model.Request) string { return x.ID }))
	for _, c := range demo.Collections() {
		if len(got.raw[c]) != len(want.Records[c]) {
			t.Errorf("%s: %d documents in the database, %d generated", c, len(got.raw[c]), len(want.Records[c]))
		}
		bad := 0
		for _, doc := range want.Records[c] {
			b, err := bson.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			id := doc[0].Value.(string)
			if !bytes.Equal(got.raw[c][id], b) {
				if bad++; bad <= 3 {
					t.Errorf("%s %s differs after the round trip:\n db: %s\ngen: %s", c, id, got.raw[c][id], bson.Raw(b))
				}
			}
		}
	}
}

// seedAsGenerated undoes what the seed adds to the generated requests
// (demo.NeedsPlan): their signed plan, and the failed step named in a
// failure reason; it checks both are there.
func seedAsGenerated(t testing.TB, stored, generated []model.Request) []model.Request {
	t.Helper()
	gen := map[string]model.Request{}
	for _, r := range generated {
		gen[r.ID] = r
	}
	out := make([]model.Request, len(stored))
	for i, r := range stored {
		w, ok := gen[r.ID]
		if !ok || !demo.NeedsPlan(w) {
			out[i] = r
			continue
		}
		// Read back raw, a request carries only its reference to the stored
		// plan; the stores' tests load and check the body itself.
		if r.PlanRef == nil || r.PlanRef.SignedBy == "" || r.PlanRef.Digest == "" {
			t.Errorf("seeded %s (%s) has no signed plan", r.ID, r.Status)
		}
		if !strings.HasSuffix(r.FailureReason, w.FailureReason) {
			t.Errorf("seeded %s fails with %q, generated %q", r.ID, r.FailureReason, w.FailureReason)
		}
		r.Plan, r.PlanRef, r.FailureReason, r.FailedAt, r.FailedStep = nil, nil, w.FailureReason, w.FailedAt, w.FailedStep
		r.History = slices.Clone(r.History)
		for k := range r.History {
			if k < len(w.History) {
				r.History[k].Reason = w.History[k].Reason
			}
		}
		out[i] = r
	}
	return out
}

// seedByID encodes each item as JSON (map keys sorted), keyed by its id.
func seedByID[T any](t testing.TB, items []T, id func(T) string) map[string]string {
	t.Helper()
	out := make(map[string]string, len(items))
	for _, it := range items {
		b, err := json.Marshal(it)
		if err != nil {
			t.Fatal(err)
		}
		out[id(it)] = string(b)
	}
	return out
}

func seedEventsOnChain(t testing.TB, d *mongo.Database) int {
	t.Helper()
	return seedCount(t, d, "audit", bson.D{{Key: "action", Value: "seed"}})
}

func TestSeedDefault(t *testing.T) {
	skipUnderRace(t)
	t.Parallel()
	ctx := seedContext(t)
	conn, store := seedNewStore(t, seedClock)
	if ok, err := db.Seeded(ctx, conn); err != nil || ok {
		t.Fatalf("Seeded on an empty database: %v, %v", ok, err)
	}
	var stages []string
	last := map[string]int{}
	totals := map[string]int{}
	opts := db.SeedOptions{LocalUser: "tester", Clock: seedClock, Progress: func(stage string, done, total int) {
		if len(stages) == 0 || stages[len(stages)-1] != stage {
			stages = append(stages, stage)
		}
		if done < last[stage] || done > total {
			t.Errorf("progress %s: %d of %d after %d", stage, done, total, last[stage])
		}
		last[stage], totals[stage] = done, total
	}}
	size := demotest.Options{LocalUser: "tester"}
	if testing.Short() { // the default size takes ~2 s, ~20 s under -race
		opts.Subjects, opts.Requests = 600, 250
		size.Subjects, size.Requests = 600, 250
	}
	start := time.Now()
	rep, err := db.Seed(ctx, store, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded in %v: %+v", time.Since(start).Round(time.Millisecond), rep)

	if want := []string{"tenants", "data map", "operators", "subjects", "records", "requests", "audit"}; !slices.Equal(stages, want) {
		t.Errorf("progress stages %v, want %v", stages, want)
	}
	for st, total := range totals {
		if last[st] != total {
			t.Errorf("progress %s ended at %d of %d", st, last[st], total)
		}
	}
	if rep.Skipped || rep.Subjects != cmp.Or(size.Subjects, demo.DefaultSubjects) || rep.Requests != cmp.Or(size.Requests, demo.DefaultRequests) ||
		rep.Tenants < 12 || rep.Operators < 8 || rep.Records < 2*rep.Subjects {
		t.Errorf("report %+v", rep)
	}
	d := conn.DB
	if ok, err := db.Seeded(ctx, conn); err != nil || !ok {
		t.Errorf("Seeded after seeding: %v, %v", ok, err)
	}
	if n := seedEventsOnChain(t, d); n != 1 {
		t.Errorf("%d seed events on the audit chain, want 1", n)
	}
	if res, err := store.VerifyAudit(ctx, nil); err != nil || !res.OK {
		t.Errorf("audit chain after seeding: %+v, %v", res, err)
	}

	// What the database holds is the generated dataset, and it passes every
	// check (counts, validation, coverage, lifecycle, deadlines, flags,
	// hostile strings), computed on the documents read back.
	got := seedReadBack(t, d, seedClock.T)
	first := seedCounts(got.ds)
	if first["tenants"] != rep.Tenants || first["subjects"] != rep.Subjects || first["requests"] != rep.Requests ||
		first["operators"] != rep.Operators || first["records"] != rep.Records || first["datamap"] != len(demo.Collections()) {
		t.Errorf("database holds %v, report says %+v", first, rep)
	}
	for _, c := range demo.Collections() {
		if first[c] == 0 {
			t.Errorf("collection %s is empty", c)
		}
	}
	demotest.Check(t, got.ds, size)
	seedSameAsGenerated(t, got, demo.Options{Subjects: size.Subjects, Requests: size.Requests, LocalUser: "tester", Clock: seedClock})

	// A server-side match too: the hostile bytes are in the database as such.
	cur, err := d.Collection("subjects").Find(ctx, bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "name", Value: bson.D{{Key: "$in", Value: demo.HostileStrings()}}}},
		bson.D{{Key: "address", Value: bson.D{{Key: "$in", Value: demo.HostileStrings()}}}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	var hostile []model.Subject
	if err := cur.All(ctx, &hostile); err != nil {
		t.Fatal(err)
	}
	for _, h := range demo.HostileStrings() {
		if !slices.ContainsFunc(hostile, func(s model.Subject) bool { return s.Name == h || s.Address == h }) {
			t.Errorf("no subject's name or address is the hostile string %q", h)
		}
	}

	// Twice: nothing changes, nothing is audited again.
	later := model.FixedClock{T: seedClock.T.Add(72 * time.Hour)}
	rep2, err := db.Seed(ctx, store, db.SeedOptions{LocalUser: "someone-else", Clock: later, Subjects: 100})
	if err != nil {
		t.Fatal(err)
	}
	rep.Skipped = true
	if rep2 != rep {
		t.Errorf("second seed reported %+v, want %+v", rep2, rep)
	}
	for _, c := range append([]string{"tenants", "datamap", "operators", "subjects", "requests"}, demo.Collections()...) {
		if n, err := d.Collection(c).EstimatedDocumentCount(ctx); err != nil || int(n) != first[c] {
			t.Errorf("after the second seed %s holds %d documents (%v), was %d", c, n, err, first[c])
		}
	}
	if n := seedEventsOnChain(t, d); n != 1 {
		t.Errorf("%d seed events after seeding twice, want 1", n)
	}
}

func seedCounts(ds *demo.Dataset) map[string]int {
	m := map[string]int{"tenants": len(ds.Tenants), "datamap": len(ds.DataMap), "operators": len(ds.Operators),
		"subjects": len(ds.Subjects), "requests": len(ds.Requests), "records": ds.RecordCount()}
	for c, docs := range ds.Records {
		m[c] = len(docs)
	}
	return m
}

func seedMapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// A seed cut short (a crash, ^C) is finished by the next one, with the data
// the first one started: same clock reading, same sizes.
func TestSeedResumesInterrupted(t *testing.T) {
	t.Parallel()
	ctx := seedContext(t)
	conn, store := seedNewStore(t, seedClock)
	small := db.SeedOptions{Subjects: 300, Requests: 150, LocalUser: "tester", Clock: seedClock}

	cctx, cancel := context.WithCancel(ctx)
	interrupted := small
	interrupted.Progress = func(stage string, done, total int) {
		if stage == "records" && done > total/2 {
			cancel()
		}
	}
	if _, err := db.Seed(cctx, store, interrupted); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted seed returned %v, want context.Canceled", err)
	}
	if ok, err := db.Seeded(ctx, conn); err != nil || ok {
		t.Fatalf("Seeded after an interrupted seed: %v, %v", ok, err)
	}
	if n := seedCount(t, conn.DB, "subjects", nil); n != 300 {
		t.Fatalf("interrupted after the subjects stage with %d subjects", n)
	}
	if n := seedCount(t, conn.DB, "requests", nil); n != 0 {
		t.Fatalf("interrupted during records, yet %d requests", n)
	}

	// Resume with other options: the marker's win.
	rep, err := db.Seed(ctx, store, db.SeedOptions{Subjects: 2000, LocalUser: "other", Clock: model.FixedClock{T: seedClock.T.AddDate(0, 1, 0)}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Skipped || rep.Subjects != 300 || rep.Requests != 150 {
		t.Errorf("resumed seed reported %+v", rep)
	}
	got := seedReadBack(t, conn.DB, seedClock.T)
	demotest.Check(t, got.ds, demotest.Options{Subjects: 300, Requests: 150, LocalUser: "tester"})
	seedSameAsGenerated(t, got, demo.Options{Subjects: 300, Requests: 150, LocalUser: "tester", Clock: seedClock})
	if n := seedEventsOnChain(t, conn.DB); n != 1 {
		t.Errorf("%d seed events, want 1", n)
	}

	// A crash after the audit event but before the marker said "done":
	// every insert is a duplicate, the audit event is recognised by its id.
	if _, err := conn.DB.Collection("meta").UpdateOne(ctx, bson.D{{Key: "_id", Value: "seed"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "state", Value: "started"}}}}); err != nil {
		t.Fatal(err)
	}
	before := seedCount(t, conn.DB, "audit", nil)
	rep2, err := db.Seed(ctx, store, small)
	if err != nil {
		t.Fatal(err)
	}
	if rep2 != rep {
		t.Errorf("re-run reported %+v, want %+v", rep2, rep)
	}
	if after := seedCount(t, conn.DB, "audit", nil); after != before {
		t.Errorf("re-run added %d audit entries", after-before)
	}
	if again := seedCounts(seedReadBack(t, conn.DB, seedClock.T).ds); !seedMapsEqual(again, seedCounts(got.ds)) {
		t.Errorf("re-run changed the counts: %v, was %v", again, seedCounts(got.ds))
	}
	if res, err := store.VerifyAudit(ctx, nil); err != nil || !res.OK {
		t.Errorf("audit chain: %+v, %v", res, err)
	}
}

// Demo data never goes into a database that already holds real data.
func TestSeedRefusesForeignData(t *testing.T) {
	t.Parallel()
	ctx := seedContext(t)
	conn, store := seedNewStore(t, seedClock)
	if _, err := conn.DB.Collection("tenants").InsertOne(ctx, model.Tenant{ID: "real-city", Name: "Real City", TimeZone: "UTC"}); err != nil {
		t.Fatal(err)
	}
	_, err := db.Seed(ctx, store, db.SeedOptions{Subjects: 100, Requests: 10, Clock: seedClock})
	if !errors.Is(err, db.ErrNotEmpty) || !strings.Contains(err.Error(), "tenants") {
		t.Fatalf("seed into a database with a tenant: %v", err)
	}
	if n := seedCount(t, conn.DB, "meta", bson.D{{Key: "_id", Value: "seed"}}); n != 0 {
		t.Error("a refused seed left a marker")
	}
	if n := seedCount(t, conn.DB, "subjects", nil) + seedCount(t, conn.DB, "audit", nil); n != 0 {
		t.Errorf("a refused seed wrote %d documents", n)
	}
}

func TestSeedBadInput(t *testing.T) {
	t.Parallel()
	ctx := seedContext(t)
	if _, err := db.Seed(ctx, nil, db.SeedOptions{}); err == nil {
		t.Error("db.Seed(nil store) succeeded")
	}
	if _, err := db.Seeded(ctx, nil); err == nil {
		t.Error("db.Seeded(nil) succeeded")
	}
	conn, store := seedNewStore(t, seedClock)
	for _, o := range []db.SeedOptions{{Subjects: 5}, {Requests: -1}, {Subjects: demo.MaxSubjects + 1}, {LocalUser: "john smith"}} {
		o.Clock = seedClock
		if _, err := db.Seed(ctx, store, o); err == nil {
			t.Errorf("Seed(%+v) succeeded", o)
		}
	}
	// Refused before the marker: a bad size must not wedge the database.
	if n := seedCount(t, conn.DB, "meta", bson.D{{Key: "_id", Value: "seed"}}); n != 0 {
		t.Error("a refused seed left a marker")
	}
	done, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := db.Seed(done, store, db.SeedOptions{Subjects: 100, Clock: seedClock}); !errors.Is(err, context.Canceled) {
		t.Errorf("Seed with a cancelled context: %v", err)
	}
}
