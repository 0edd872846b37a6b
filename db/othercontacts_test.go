package db_test

import (
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/demo"
	"github.com/custodian-dev/custodian/model"
)

// A parent writes in from their own address: the seeded child's subject
// carries the guardian's email, name and phone from its registration
// records (the data map's ThirdParty fields), and the lookup directory's
// one query over subjects hands them over, so the lookup can match them.
func TestSeedOtherContactsInDirectory(t *testing.T) {
	ctx := seedContext(t)
	conn, store := seedNewStore(t, seedClock)
	if _, err := db.Seed(ctx, store, db.SeedOptions{Subjects: 300, Requests: 20, LocalUser: "tester", Clock: seedClock}); err != nil {
		t.Fatal(err)
	}
	ds, err := demo.Generate(demo.Options{Subjects: 300, Requests: 20, LocalUser: "tester", Clock: seedClock})
	if err != nil {
		t.Fatal(err)
	}
	// The guardian of the first child registration, read from the records.
	var child, email, name string
	for _, doc := range ds.Records[demo.CollRecRegistrations] {
		m := docMap(doc)
		if e, ok := m["guardian_email"].(string); ok && e != "" {
			child, email, name = m[demo.FieldSubject].(string), e, m["guardian_name"].(string)
			break
		}
	}
	if child == "" {
		t.Fatal("the demo has no guardian in its registrations: the test needs one")
	}
	op := unscopedSupport(t, ds)
	var holders []model.Subject
	err = store.SubjectDirectory(ctx, model.Actor{Operator: op, Origin: "test"}, "", time.Time{}, func(b []model.Subject) error {
		for _, s := range b {
			if slices.ContainsFunc(s.OtherContacts, func(c model.OtherContact) bool { return c.Email == email }) {
				holders = append(holders, s)
			}
		}
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(holders, func(s model.Subject) bool { return s.ID == child })
	if i < 0 {
		t.Fatalf("child %s not found by its guardian's email %s; holders %v", child, email, holders)
	}
	if c := holders[i].OtherContacts[0]; c.Relation != "guardian" || c.Name != name || c.Phone == "" {
		t.Fatalf("guardian contact %+v, want relation guardian, name %q and a phone", c, name)
	}
	// A database seeded before subjects carried other contacts gets them
	// from the schema migration, once: drop them all and migrate.
	if _, err := conn.DB.Collection("subjects").UpdateMany(ctx, bson.D{}, bson.D{{Key: "$unset", Value: bson.D{{Key: "other_contacts", Value: ""}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.DB.Collection("meta").DeleteOne(ctx, bson.D{{Key: "_id", Value: "other_contacts_backfill"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx, conn.DB, true); err != nil {
		t.Fatal(err)
	}
	var back model.Subject
	if err := conn.DB.Collection("subjects").FindOne(ctx, bson.D{{Key: "_id", Value: child}}).Decode(&back); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.OtherContacts, holders[i].OtherContacts) {
		t.Fatalf("after the backfill %s holds %+v, the seed gave %+v", child, back.OtherContacts, holders[i].OtherContacts)
	}
	// A subject with no guardian in its records carries none.
	for _, s := range holders {
		if s.ID != child && !slices.ContainsFunc(ds.Records[demo.CollRecRegistrations], func(d bson.D) bool {
			m := docMap(d)
			return m[demo.FieldSubject] == s.ID && m["guardian_email"] == email
		}) {
			t.Errorf("subject %s holds guardian email %s its records do not name", s.ID, email)
		}
	}
}

func docMap(d bson.D) map[string]any {
	m := make(map[string]any, len(d))
	for _, e := range d {
		m[e.Key] = e.Value
	}
	return m
}

// unscopedSupport is a seeded support operator who sees every tenant.
func unscopedSupport(t *testing.T, ds *demo.Dataset) model.Operator {
	t.Helper()
	for _, op := range ds.Operators {
		if op.Role == model.RoleSupport && len(op.Tenants) == 0 && !op.Disabled {
			return op
		}
	}
	t.Fatal("the demo has no unscoped support operator")
	return model.Operator{}
}
