package db

import (
	"context"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// FerretDB can build neither partial nor collated indexes, so what
// listIndexes returns for them on MongoDB is written out here, in the
// shape MongoDB 7 gives it (collation with every default spelled out,
// directions as the client sent them).
func TestIndexDiffs(t *testing.T) {
	doc := func(d bson.D) bson.Raw {
		raw, err := bson.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	fullCollation := bson.D{{Key: "locale", Value: "en"}, {Key: "caseLevel", Value: false}, {Key: "caseFirst", Value: "off"},
		{Key: "strength", Value: int32(2)}, {Key: "numericOrdering", Value: false}, {Key: "alternate", Value: "non-ignorable"},
		{Key: "maxVariable", Value: "punct"}, {Key: "normalization", Value: false}, {Key: "backwards", Value: false}, {Key: "version", Value: "57.1"}}
	active := bson.D{{Key: "status", Value: bson.D{{Key: "$exists", Value: true}}}}
	declared := IndexSpec{Name: "tenant_id_1_name_key_1", Keys: bson.D{{Key: "tenant_id", Value: 1}, {Key: "name_key", Value: 1}},
		Partial: active, Collation: &options.Collation{Locale: "en", Strength: 2}}
	listed := func(extra ...bson.E) bson.Raw {
		d := bson.D{{Key: "v", Value: int32(2)}, {Key: "key", Value: bson.D{{Key: "tenant_id", Value: 1.0}, {Key: "name_key", Value: 1.0}}},
			{Key: "name", Value: declared.Name}}
		return doc(append(d, extra...))
	}
	tests := []struct {
		name   string
		ix     IndexSpec
		raw    bson.Raw
		ferret bool
		want   []string // substrings, one per difference; none: equal
	}{
		{"same", declared, listed(bson.E{Key: "partialFilterExpression", Value: active}, bson.E{Key: "collation", Value: fullCollation}), false, nil},
		{"no partial filter", declared, listed(bson.E{Key: "collation", Value: fullCollation}), false,
			[]string{`partial filter is none, declared {"status":{"$exists":true}}`}},
		{"other partial filter", declared, listed(bson.E{Key: "partialFilterExpression", Value: bson.D{{Key: "status", Value: "received"}}},
			bson.E{Key: "collation", Value: fullCollation}), false, []string{`partial filter is {"status":"received"}`}},
		{"default strength", declared, listed(bson.E{Key: "partialFilterExpression", Value: active},
			bson.E{Key: "collation", Value: bson.D{{Key: "locale", Value: "en"}, {Key: "strength", Value: int32(3)}}}), false,
			[]string{`collation is {locale: "en", strength: 3`}},
		{"no collation", declared, listed(bson.E{Key: "partialFilterExpression", Value: active}), false,
			[]string{`collation is none, declared {locale: "en", strength: 2`}},
		{"keys reversed and unique", IndexSpec{Name: "a_1", Keys: bson.D{{Key: "a", Value: 1}}, Unique: true},
			doc(bson.D{{Key: "key", Value: bson.D{{Key: "a", Value: int32(-1)}}}, {Key: "name", Value: "a_1"}}), false,
			[]string{"keys are {a: -1}, declared {a: 1}", "unique is false, declared true"}},
		{"sparse lost on MongoDB", IndexSpec{Name: "a_1", Keys: bson.D{{Key: "a", Value: 1}}, Unique: true, Sparse: true},
			doc(bson.D{{Key: "key", Value: bson.D{{Key: "a", Value: 1}}}, {Key: "name", Value: "a_1"}, {Key: "unique", Value: true}}), false,
			[]string{"sparse is false, declared true"}},
		{"sparse not kept by FerretDB", IndexSpec{Name: "a_1", Keys: bson.D{{Key: "a", Value: 1}}, Unique: true, Sparse: true},
			doc(bson.D{{Key: "key", Value: bson.D{{Key: "a", Value: 1}}}, {Key: "name", Value: "a_1"}, {Key: "unique", Value: true}}), true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := indexDiffs(tc.ix, tc.raw, tc.ferret)
			if len(got) != len(tc.want) {
				t.Fatalf("diffs %q, want %d like %q", got, len(tc.want), tc.want)
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("diff %d is %q, want it to say %q", i, got[i], w)
				}
			}
		})
	}
}

func TestMongoshCreateIndex(t *testing.T) {
	tests := []struct {
		coll string
		ix   IndexSpec
		want string
	}{
		{"requests", sparse(idx("", true, "external_ref", 1)),
			`db.requests.createIndex({external_ref: 1}, {name: "external_ref_1", unique: true, sparse: true})`},
		{"audit", idx("", false, "actor", 1, "_id", -1),
			`db.audit.createIndex({actor: 1, _id: -1}, {name: "actor_1__id_-1"})`},
		{"hr-records", IndexSpec{Name: "n", Keys: bson.D{{Key: "profile.email", Value: 1}},
			Partial: bson.D{{Key: "x", Value: bson.D{{Key: "$gt", Value: 1}}}}, Collation: &options.Collation{Locale: "fr"}},
			`db.getCollection("hr-records").createIndex({"profile.email": 1}, {name: "n", partialFilterExpression: {"x":{"$gt":1}}, collation: {locale: "fr", strength: 3, caseLevel: false, numericOrdering: false}})`},
	}
	for _, tc := range tests {
		if got := MongoshCreateIndex(tc.coll, tc.ix); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}

// FerretDB refuses partial and collated indexes; migrate reports such a
// declaration as unsupported instead of failing the whole run, and builds
// the rest.
func TestMigrateUnsupportedOnFerretDB(t *testing.T) {
	c := openEmbeddedT(t, tempDataDir(t))
	ctx := context.Background()
	ferret, err := isFerretDB(ctx, c.DB)
	if err != nil || !ferret {
		t.Fatalf("isFerretDB on the embedded database: %v, %v", ferret, err)
	}
	partial := idx("test", false, "b", 1)
	partial.Partial = bson.D{{Key: "b", Value: bson.D{{Key: "$exists", Value: true}}}}
	collated := idx("test", false, "c", 1)
	collated.Collation = &options.Collation{Locale: "en", Strength: 2}
	spec := declared{CollectionSpec: CollectionSpec{Name: "things", Indexes: []IndexSpec{partial, idx("test", false, "a", 1), collated}}}
	reports, err := migrateCollection(ctx, c.DB, spec, false, true, true)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range reports {
		got = append(got, string(r.State)+" "+r.Index)
	}
	want := "unsupported b_1, created a_1, unsupported c_1"
	if strings.Join(got, ", ") != want {
		t.Errorf("got %s, want %s", strings.Join(got, ", "), want)
	}
}
