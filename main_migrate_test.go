package main

import (
	"context"
	"path/filepath"
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

// indexUnique reports whether coll has the named index, and whether it is
// unique, read straight from the server.
func indexUnique(t *testing.T, d *mongo.Database, coll, name string) (exists, unique bool) {
	t.Helper()
	specs, err := d.Collection(coll).Indexes().ListSpecifications(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(specs, func(s mongo.IndexSpecification) bool { return s.Name == name })
	if i < 0 {
		return false, false
	}
	return true, specs[i].Unique != nil && *specs[i].Unique
}

// withEmbedded opens the data directory's database for a test step that
// changes its schema by hand, as an operator in mongosh would.
func withEmbedded(t *testing.T, dir string, f func(d *mongo.Database)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := db.Open(ctx, db.Options{DataDir: dir, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := conn.Close(ctx); err != nil {
			t.Error(err)
		}
	}()
	f(conn.DB)
}

// stateLines counts migrate's report lines in that state.
func stateLines(out, state string) int {
	n := 0
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == state {
			n++
		}
	}
	return n
}

func TestCLIMigrateEmbedded(t *testing.T) {
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	dir := filepath.Join(t.TempDir(), "data")
	if code, _, stderr := runCLI(t, "seed", "--data-dir", dir, "--subjects", "50", "--requests", "5"); code != 0 {
		t.Fatalf("seed: %s", stderr)
	}
	if code, out, stderr := runCLI(t, "migrate", "--check", "--data-dir", dir); code != 0 || stateLines(out, "missing") != 0 {
		t.Fatalf("check of a fresh database: exit %d\n%s%s", code, out, stderr)
	}

	ctx := context.Background()
	withEmbedded(t, dir, func(d *mongo.Database) {
		// A missing index, one with other options under the declared name,
		// and a product collection's missing index.
		if err := d.Collection("requests").Indexes().DropOne(ctx, "external_ref_1"); err != nil {
			t.Fatal(err)
		}
		if err := d.Collection("audit").Indexes().DropOne(ctx, "event_id_1"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Collection("audit").Indexes().CreateOne(ctx, mongo.IndexModel{
			Keys: bson.D{{Key: "event_id", Value: 1}}, Options: options.Index().SetName("event_id_1"),
		}); err != nil {
			t.Fatal(err)
		}
		var cm struct {
			ID           string `bson:"_id"`
			SubjectField string `bson:"subject_field"`
		}
		if err := d.Collection("datamap").FindOne(ctx, bson.D{}).Decode(&cm); err != nil {
			t.Fatal(err)
		}
		if err := d.Collection(cm.ID).Indexes().DropOne(ctx, "tenant_id_1_"+cm.SubjectField+"_1"); err != nil {
			t.Fatal(err)
		}
		// Indexes custodian does not declare: reported on its own
		// collections, ignored on the Customer's product collections.
		for _, coll := range []string{"requests", cm.ID} {
			if _, err := d.Collection(coll).Indexes().CreateOne(ctx, mongo.IndexModel{
				Keys: bson.D{{Key: "extra", Value: 1}}, Options: options.Index().SetName("extra_1"),
			}); err != nil {
				t.Fatal(err)
			}
		}
	})

	code, out, stderr := runCLI(t, "migrate", "--check", "--data-dir", dir)
	if code != exitFailed {
		t.Fatalf("check with a missing index: exit %d, want %d\n%s%s", code, exitFailed, out, stderr)
	}
	for _, want := range []string{
		`missing     requests.external_ref_1: db.requests.createIndex({external_ref: 1}, {name: "external_ref_1", unique: true, sparse: true})`,
		"differs     audit.event_id_1: unique is false, declared true; left as it is",
		"(product collection in the data map): db.",
		"undeclared  requests.extra_1: not declared by custodian; left alone",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	if stateLines(out, "undeclared") != 1 {
		t.Errorf("want exactly requests.extra_1 undeclared, not the product collection's:\n%s", out)
	}
	withEmbedded(t, dir, func(d *mongo.Database) {
		if exists, _ := indexUnique(t, d, "requests", "external_ref_1"); exists {
			t.Error("migrate --check created an index")
		}
	})

	// migrate creates what is missing and leaves the differing index be:
	// still non-zero, because an operator must look at it.
	code, out, stderr = runCLI(t, "migrate", "--data-dir", dir)
	if code != exitFailed || !strings.Contains(out, "created     requests.external_ref_1") ||
		!strings.Contains(out, "differs     audit.event_id_1") || stateLines(out, "created") != 2 {
		t.Fatalf("migrate: exit %d\n%s%s", code, out, stderr)
	}
	withEmbedded(t, dir, func(d *mongo.Database) {
		if exists, unique := indexUnique(t, d, "requests", "external_ref_1"); !exists || !unique {
			t.Errorf("external_ref_1 after migrate: exists %v, unique %v", exists, unique)
		}
		if exists, unique := indexUnique(t, d, "audit", "event_id_1"); !exists || unique {
			t.Errorf("the differing event_id_1 was changed: exists %v, unique %v", exists, unique)
		}
		// The operator drops it; migrate rebuilds it as declared.
		if err := d.Collection("audit").Indexes().DropOne(ctx, "event_id_1"); err != nil {
			t.Fatal(err)
		}
	})
	code, out, stderr = runCLI(t, "migrate", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "created     audit.event_id_1") {
		t.Fatalf("migrate after the drop: exit %d\n%s%s", code, out, stderr)
	}
	if code, out, stderr := runCLI(t, "migrate", "--check", "--data-dir", dir); code != 0 || stateLines(out, "ok")+stateLines(out, "undeclared") != strings.Count(out, "\n")-1 {
		t.Fatalf("check after migrate: exit %d\n%s%s", code, out, stderr)
	}
}

// A --check of a data directory holding no database says so instead of
// reporting an empty schema (or creating one).
func TestCLIMigrateCheckNoDatabase(t *testing.T) {
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	code, _, stderr := runCLI(t, "migrate", "--check", "--data-dir", filepath.Join(t.TempDir(), "nothing"))
	if code != exitBadInput || !strings.Contains(stderr, "check --data-dir") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

// Against a server custodian did not start, a command never builds an
// index: it names the missing one with the mongosh command that creates
// it, and carries on. migrate then builds it.
func TestCLIRemoteSchemaIsCheckedNotBuilt(t *testing.T) {
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	server := dbtest.New(t) // stands in for a remote server: reached through its URI
	ctx := context.Background()
	if err := server.DB.Collection("requests").Indexes().DropOne(ctx, "external_ref_1"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	code, out, stderr := runCLI(t, "audit", "verify", "--allow-missing-checkpoint", "--mongo-uri", server.URI, "--data-dir", dir)
	if code != 0 {
		t.Fatalf("audit verify with a missing index: exit %d\n%s%s", code, out, stderr)
	}
	for _, want := range []string{
		"requests.external_ref_1 is missing (a unique index: until it is right, duplicates are not refused); create it with `db.requests.createIndex({external_ref: 1}, {name: \"external_ref_1\", unique: true, sparse: true})`",
		"run `custodian migrate`",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if exists, _ := indexUnique(t, server.DB, "requests", "external_ref_1"); exists {
		t.Fatal("a command other than migrate built an index on the remote server")
	}

	if code, out, stderr := runCLI(t, "migrate", "--check", "--mongo-uri", server.URI, "--data-dir", dir); code != exitFailed ||
		!strings.Contains(out, "missing     requests.external_ref_1") {
		t.Fatalf("migrate --check: exit %d\n%s%s", code, out, stderr)
	}
	if code, out, stderr := runCLI(t, "migrate", "--mongo-uri", server.URI, "--data-dir", dir); code != 0 ||
		!strings.Contains(out, "created     requests.external_ref_1") {
		t.Fatalf("migrate: exit %d\n%s%s", code, out, stderr)
	}
	if exists, unique := indexUnique(t, server.DB, "requests", "external_ref_1"); !exists || !unique {
		t.Fatalf("after migrate: exists %v, unique %v", exists, unique)
	}
	if _, _, stderr := runCLI(t, "audit", "verify", "--allow-missing-checkpoint", "--mongo-uri", server.URI, "--data-dir", dir); strings.Contains(stderr, "missing") {
		t.Errorf("a complete schema still warns:\n%s", stderr)
	}
}

// A database with none of the schema gets one line saying what to do, not
// a warning per index.
func TestCLIRemoteWithoutSchemaSaysSoOnce(t *testing.T) {
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	server := dbtest.New(t)
	_, _, stderr := runCLI(t, "audit", "verify", "--allow-missing-checkpoint", "--mongo-uri", server.URI, "--db", "elsewhere", "--data-dir", t.TempDir())
	if !strings.Contains(stderr, "database elsewhere at ") || !strings.Contains(stderr, "check --db, or run `custodian migrate`") ||
		strings.Contains(stderr, "createIndex") {
		t.Fatalf("stderr:\n%s", stderr)
	}
	names, err := server.Client.Database("elsewhere").ListCollectionNames(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 0 {
		t.Errorf("a command other than migrate created collections %v", names)
	}
}
