package db_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/dbtest"
)

// freshDB is a database without the schema (dbtest.New already has it).
func freshDB(t *testing.T) *mongo.Database {
	t.Helper()
	c := dbtest.Shared(t)()
	return c.DB
}

func TestCollectionsDeclaration(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range db.Collections() {
		if seen[c.Name] {
			t.Errorf("collection %s declared twice", c.Name)
		}
		seen[c.Name] = true
		names := map[string]bool{}
		for _, ix := range c.Indexes {
			if ix.Name == "" || ix.Serves == "" || len(ix.Keys) == 0 {
				t.Errorf("%s: index %+v lacks a name, keys or the query it serves", c.Name, ix)
			}
			if names[ix.Name] {
				t.Errorf("%s: index name %s used twice", c.Name, ix.Name)
			}
			names[ix.Name] = true
			if ix.Sparse && len(ix.Keys) != 1 {
				t.Errorf("%s.%s: sparse compound indexes behave differently on MongoDB and FerretDB", c.Name, ix.Name)
			}
		}
	}
	// Collections() must hand out a fresh value: callers may not corrupt
	// the declaration for everyone else.
	a := db.Collections()
	a[1].Indexes[0].Name = "scribbled"
	if db.Collections()[1].Indexes[0].Name == "scribbled" {
		t.Error("Collections() shares its slices between calls")
	}
}

func TestEnsureSchemaIdempotent(t *testing.T) {
	d := freshDB(t)
	ctx := context.Background()
	for i := range 2 {
		if err := db.EnsureSchema(ctx, d); err != nil {
			t.Fatalf("EnsureSchema run %d: %v", i+1, err)
		}
	}
	assertSchema(t, d)
}

// Consoles starting together all run EnsureSchema on a fresh database.
// FerretDB decides whether an index exists by its name across the whole
// database in map order, and queue and requests share index names, so
// without the schema lock a late createIndexes sometimes added a duplicate
// ("queue has 4 indexes, want 3" on FerretDB-on-PostgreSQL).
func TestEnsureSchemaConcurrent(t *testing.T) {
	d := freshDB(t)
	errs := make(chan error, 6)
	for range cap(errs) {
		go func() { errs <- db.EnsureSchema(context.Background(), d) }()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	assertSchema(t, d)
	n, err := d.Collection("meta").CountDocuments(context.Background(), bson.D{{Key: "_id", Value: "schema-lock"}})
	if err != nil || n != 0 {
		t.Errorf("schema lock left behind: %d documents, %v", n, err)
	}
}

// A process that died holding the schema lock delays the next start by
// its lease at most; a live holder makes the next one wait, and a caller
// that gives up is told who it waited for and creates nothing.
func TestEnsureSchemaLock(t *testing.T) {
	ctx := context.Background()
	t.Run("lapsed lease is taken over", func(t *testing.T) {
		d := freshDB(t)
		if _, err := d.Collection("meta").InsertOne(ctx, bson.D{{Key: "_id", Value: "schema-lock"}, {Key: "holder", Value: "dead"},
			{Key: "until", Value: time.Now().Add(-time.Second)}}); err != nil {
			t.Fatal(err)
		}
		if err := db.EnsureSchema(ctx, d); err != nil {
			t.Fatal(err)
		}
		assertSchema(t, d)
	})
	t.Run("live holder is waited for", func(t *testing.T) {
		d := freshDB(t)
		if _, err := d.Collection("meta").InsertOne(ctx, bson.D{{Key: "_id", Value: "schema-lock"}, {Key: "holder", Value: "other"},
			{Key: "until", Value: time.Now().Add(time.Hour)}}); err != nil {
			t.Fatal(err)
		}
		short, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		err := db.EnsureSchema(short, d)
		if err == nil || !strings.Contains(err.Error(), "another custodian is creating the schema") {
			t.Fatalf("EnsureSchema under a live lock = %v, want it to say another custodian holds it", err)
		}
		names, err := d.ListCollectionNames(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(names, "requests") {
			t.Errorf("collections created without the lock: %v", names)
		}
	})
}

func assertSchema(t *testing.T, d *mongo.Database) {
	t.Helper()
	ctx := context.Background()
	names, err := d.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range db.Collections() {
		if !slices.Contains(names, c.Name) {
			t.Errorf("collection %s missing", c.Name)
			continue
		}
		specs, err := d.Collection(c.Name).Indexes().ListSpecifications(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(specs) != len(c.Indexes)+1 { // +1 for _id_
			t.Errorf("%s has %d indexes, want %d", c.Name, len(specs), len(c.Indexes)+1)
		}
		for _, ix := range c.Indexes {
			i := slices.IndexFunc(specs, func(s mongo.IndexSpecification) bool { return s.Name == ix.Name })
			if i < 0 {
				t.Errorf("%s: index %s missing", c.Name, ix.Name)
				continue
			}
			if unique := specs[i].Unique != nil && *specs[i].Unique; unique != ix.Unique {
				t.Errorf("%s.%s: unique = %v, want %v", c.Name, ix.Name, unique, ix.Unique)
			}
		}
	}
}

// FerretDB 1.24 mishandles a createIndexes batch in which some indexes
// already exist (it panics or skips a new index). EnsureSchema must recreate
// indexes missing from the middle of a collection's list.
func TestEnsureSchemaRestoresMissingIndexes(t *testing.T) {
	c := dbtest.New(t)
	ctx := context.Background()
	requests := c.DB.Collection("requests")
	for _, name := range []string{"tenant_id_1_status_1_due_at_1__id_1", "external_ref_1"} {
		if err := requests.Indexes().DropOne(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.EnsureSchema(ctx, c.DB); err != nil {
		t.Fatal(err)
	}
	assertSchema(t, c.DB)
}

func TestEnsureSchemaReportsConflictingIndex(t *testing.T) {
	c := dbtest.New(t)
	ctx := context.Background()
	audit := c.DB.Collection("audit")
	if err := audit.Indexes().DropOne(ctx, "event_id_1"); err != nil {
		t.Fatal(err)
	}
	// Same name, but no longer unique: a retried outbox drain would
	// duplicate events.
	_, err := audit.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys: bson.D{{Key: "event_id", Value: 1}}, Options: options.Index().SetName("event_id_1"),
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.EnsureSchema(ctx, c.DB)
	if err == nil || !strings.Contains(err.Error(), "event_id_1") || !strings.Contains(err.Error(), "audit") {
		t.Fatalf("EnsureSchema over a non-unique event_id_1: %v; want an error naming the index", err)
	}
	t.Log(err)
}

func TestAuditEventIDUnique(t *testing.T) {
	c := dbtest.New(t)
	ctx := context.Background()
	audit := c.DB.Collection("audit")
	if _, err := audit.InsertOne(ctx, bson.D{{Key: "_id", Value: int64(1)}, {Key: "event_id", Value: "ev-1"}}); err != nil {
		t.Fatal(err)
	}
	_, err := audit.InsertOne(ctx, bson.D{{Key: "_id", Value: int64(2)}, {Key: "event_id", Value: "ev-1"}})
	if !mongo.IsDuplicateKeyError(err) {
		t.Fatalf("second event ev-1: %v; want a duplicate key error", err)
	}
}

// On MongoDB a plain unique index would let only one request lack
// external_ref; the index is sparse for that. FerretDB ignores "sparse", so
// this test proves it still lets any number of documents lack the field.
func TestExternalRefUniqueOnlyWhenPresent(t *testing.T) {
	c := dbtest.New(t)
	ctx := context.Background()
	requests := c.DB.Collection("requests")
	for _, id := range []string{"r1", "r2", "r3"} {
		if _, err := requests.InsertOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
			t.Fatalf("request %s without external_ref: %v", id, err)
		}
	}
	if _, err := requests.InsertOne(ctx, bson.D{{Key: "_id", Value: "r4"}, {Key: "external_ref", Value: "import-7"}}); err != nil {
		t.Fatal(err)
	}
	_, err := requests.InsertOne(ctx, bson.D{{Key: "_id", Value: "r5"}, {Key: "external_ref", Value: "import-7"}})
	if !mongo.IsDuplicateKeyError(err) {
		t.Fatalf("second import-7 insert: %v; want a duplicate key error", err)
	}

	// An update that would duplicate is refused too, but FerretDB 1.24
	// reports it as InternalError (code 1) carrying SQLite's "UNIQUE
	// constraint failed", not as E11000: mongo.IsDuplicateKeyError misses it.
	_, err = requests.UpdateOne(ctx, bson.D{{Key: "_id", Value: "r1"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "external_ref", Value: "import-7"}}}})
	if err == nil {
		t.Fatal("update to a duplicate external_ref succeeded")
	}
	t.Logf("duplicate via update: IsDuplicateKeyError=%v: %v", mongo.IsDuplicateKeyError(err), err)
}

// BenchmarkDBTestNew measures the per-test cost of a database: dbtest.New
// plus its cleanup (closing the server, removing the files).
func BenchmarkDBTestNew(b *testing.B) {
	dbtest.New(b) // build the shared schema template outside the timing
	for b.Loop() {
		tb := &loopTB{TB: b}
		dbtest.New(tb)
		tb.cleanup()
	}
}

// loopTB runs a benchmark iteration's cleanups at the end of the iteration
// instead of the end of the benchmark.
type loopTB struct {
	testing.TB
	cleanups []func()
}

func (l *loopTB) Cleanup(f func()) { l.cleanups = append(l.cleanups, f) }

func (l *loopTB) cleanup() {
	for i := len(l.cleanups) - 1; i >= 0; i-- {
		l.cleanups[i]()
	}
}

// The product collections' indexes come from the stored data map, so a
// collection the map gains gets its {tenant_id, <subject field>} index the
// next time the schema is ensured, under the map's own subject field name;
// one the map drops gets none.
func TestEnsureSchemaIndexesFollowDataMap(t *testing.T) {
	d := freshDB(t)
	ctx := context.Background()
	if err := db.EnsureSchema(ctx, d); err != nil {
		t.Fatal(err)
	}
	entries := []bson.D{
		{{Key: "_id", Value: "library_loans"}, {Key: "product", Value: "Library"},
			{Key: "subject_field", Value: "patron_id"}, {Key: "date_field", Value: "loaned_at"}, {Key: "fields", Value: bson.A{}}},
		{{Key: "_id", Value: "permits"}, {Key: "product", Value: "Permits"},
			{Key: "subject_field", Value: "subject_id"}, {Key: "date_field", Value: "issued_at"}, {Key: "fields", Value: bson.A{}}},
	}
	for _, e := range entries {
		if _, err := d.Collection("datamap").InsertOne(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.EnsureSchema(ctx, d); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		coll, name string
		keys       []string
	}{
		{"library_loans", "tenant_id_1_patron_id_1", []string{"tenant_id", "patron_id"}},
		{"permits", "tenant_id_1_subject_id_1", []string{"tenant_id", "subject_id"}},
	}
	for _, tc := range tests {
		specs, err := d.Collection(tc.coll).Indexes().ListSpecifications(ctx)
		if err != nil {
			t.Fatalf("%s: %v", tc.coll, err)
		}
		i := slices.IndexFunc(specs, func(s mongo.IndexSpecification) bool { return s.Name == tc.name })
		if i < 0 {
			t.Errorf("%s: no index %s among %d", tc.coll, tc.name, len(specs))
			continue
		}
		elems, err := specs[i].KeysDocument.Elements()
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, e := range elems {
			keys = append(keys, e.Key())
		}
		if !slices.Equal(keys, tc.keys) {
			t.Errorf("%s.%s keys %v, want %v", tc.coll, tc.name, keys, tc.keys)
		}
	}
	// A collection the map never named gets no product index.
	names, err := d.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(names, "rec_registrations") {
		t.Error("rec_registrations was created though the data map does not name it")
	}
	// A broken entry is named, and the schema says what to do.
	if _, err := d.Collection("datamap").InsertOne(ctx, bson.D{{Key: "_id", Value: "bad"}}); err != nil {
		t.Fatal(err)
	}
	if err := db.EnsureSchema(ctx, d); err == nil || !strings.Contains(err.Error(), "data map bad: subject_field is empty") {
		t.Errorf("bad data map entry: %v", err)
	}
}

// BenchmarkMigrateCheck is what a command pays at start against a remote
// server (main.go checkRemoteSchema): Migrate without apply over the demo
// schema, with the data map's product collections.
func BenchmarkMigrateCheck(b *testing.B) {
	c := dbtest.New(b)
	s, err := db.NewStore(c, db.StoreOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.Seed(context.Background(), s, db.SeedOptions{Subjects: 50, Requests: 5}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		reports, err := db.Migrate(context.Background(), c.DB, false)
		if err != nil {
			b.Fatal(err)
		}
		if len(reports) < 30 {
			b.Fatalf("%d report lines", len(reports))
		}
	}
}

// Migrate without apply reads only: a dropped index is reported missing
// with the command that creates it, and still missing afterwards.
func TestMigrateCheckOnlyReads(t *testing.T) {
	c := dbtest.New(t)
	ctx := context.Background()
	if err := c.DB.Collection("audit").Indexes().DropOne(ctx, "actor_1__id_-1"); err != nil {
		t.Fatal(err)
	}
	reports, err := db.Migrate(ctx, c.DB, false)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range reports {
		if r.State != db.IndexOK {
			got = append(got, r.String())
		}
	}
	want := []string{`missing     audit.actor_1__id_-1: db.audit.createIndex({actor: 1, _id: -1}, {name: "actor_1__id_-1"})`}
	if !slices.Equal(got, want) {
		t.Errorf("reports other than ok:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	specs, err := c.DB.Collection("audit").Indexes().ListSpecifications(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(specs, func(s mongo.IndexSpecification) bool { return s.Name == "actor_1__id_-1" }) {
		t.Error("a check created the index")
	}
}
