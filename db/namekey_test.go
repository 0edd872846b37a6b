package db_test

import (
	"fmt"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// Subjects stored before name_key existed are not found by a name-only
// match (the match is an equality on the stored key, not a scan of names)
// until EnsureSchema's backfill keys them; the backfill spans several
// batches, leaves renamed or already keyed subjects alone, and a second run
// changes nothing.
func TestNameKeyBackfill(t *testing.T) {
	f := newFixture(t)
	const legacy = 250 // more than one backfill batch of 200
	docs := make([]any, 0, legacy)
	for i := range legacy {
		docs = append(docs, model.Subject{ID: fmt.Sprintf("old-%05d", i), TenantID: "ta", Name: fmt.Sprintf("Ólder  Person %d", i),
			Emails: []string{}, Phones: []string{}, Status: model.AccountActive})
	}
	// One subject already keyed by newer code, with a key its name would not
	// give: the backfill must not overwrite it.
	docs = append(docs, bson.D{{Key: "_id", Value: "new-1"}, {Key: "tenant_id", Value: "ta"}, {Key: "name", Value: "Newer One"},
		{Key: "name_key", Value: "kept as written"}, {Key: "emails", Value: bson.A{}}, {Key: "phones", Value: bson.A{}}})
	if _, err := f.conn.DB.Collection("subjects").InsertMany(f.ctx, docs); err != nil {
		t.Fatal(err)
	}
	match := func(name string) []string {
		t.Helper()
		subs, err := f.s.MatchSubjects(f.ctx, f.support, "ta", model.Person{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		return subjectIDs(subs)
	}
	if got := match("older person 123"); len(got) != 0 {
		t.Fatalf("before the backfill a legacy subject was matched by name: %v", got)
	}
	// The template database was already marked done; a database upgraded
	// from before the key has no marker.
	if _, err := f.conn.DB.Collection("meta").DeleteOne(f.ctx, bson.D{{Key: "_id", Value: "name_key_backfill"}}); err != nil {
		t.Fatal(err)
	}
	for run := range 2 {
		if err := db.EnsureSchema(f.ctx, f.conn.DB); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		missing, err := f.conn.DB.Collection("subjects").CountDocuments(f.ctx, bson.D{{Key: "name_key", Value: bson.D{{Key: "$exists", Value: false}}}})
		if err != nil {
			t.Fatal(err)
		}
		if missing != 0 {
			t.Fatalf("run %d: %d subjects still without name_key", run, missing)
		}
		if got := match("  OLDER person 223"); len(got) != 1 || got[0] != "old-00223" {
			t.Fatalf("run %d: match by name = %v, want [old-00223]", run, got)
		}
		if got := match("kept as written"); len(got) != 1 || got[0] != "new-1" {
			t.Fatalf("run %d: a key written by newer code was changed: match = %v", run, got)
		}
		var marker bson.M
		if err := f.conn.DB.Collection("meta").FindOne(f.ctx, bson.D{{Key: "_id", Value: "name_key_backfill"}}).Decode(&marker); err != nil || marker["done"] != true {
			t.Fatalf("run %d: backfill marker %v, %v; want done", run, marker, err)
		}
	}
}

// A name-only match is one equality on {tenant_id, name_key}: the stored
// key decides, whatever the name field says.
func TestMatchByNameUsesTheStoredKey(t *testing.T) {
	f := newFixture(t)
	sub := db.StoredSubject(model.Subject{ID: "sa9", TenantID: "ta", Name: "Zoë  O'Neil", Emails: []string{}, Phones: []string{}, Status: model.AccountActive})
	if _, err := f.conn.DB.Collection("subjects").InsertOne(f.ctx, sub); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"zoe oneil", "ZOË O’NEIL", "Zoe O'Neil."} {
		subs, err := f.s.MatchSubjects(f.ctx, f.support, "ta", model.Person{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		if got := subjectIDs(subs); len(got) != 1 || got[0] != "sa9" {
			t.Errorf("match %q = %v, want [sa9]", name, got)
		}
	}
	if subs, err := f.s.MatchSubjects(f.ctx, f.support, "tb", model.Person{Name: "Zoë O'Neil"}); err != nil || len(subs) != 0 {
		t.Fatalf("the same name in another tenant: %v, %v; want none", subjectIDs(subs), err)
	}
	if _, err := f.s.MatchSubjects(f.ctx, f.support, "ta", model.Person{Name: "..."}); err == nil {
		t.Error("a name of punctuation alone was accepted; want a message asking for email, phone or name")
	}
}
