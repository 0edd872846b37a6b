package db_test

import (
	"context"
	"reflect"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/dbtest"
)

// The transactional path writes a change as an update of what differs, not
// a replace. Applied to the stored old version, that update must give
// exactly the new version: fields changed, added and removed (an emptied
// omitempty field), and history lines appended with $push.
func TestDiffUpdateGivesTheNewVersion(t *testing.T) {
	conn := dbtest.New(t)
	ctx := context.Background()
	coll := conn.DB.Collection("diff")
	hist := func(ids ...string) bson.A {
		a := bson.A{}
		for _, id := range ids {
			a = append(a, bson.D{{Key: "id", Value: id}, {Key: "action", Value: "note"}})
		}
		return a
	}
	base := bson.D{{Key: "_id", Value: "R"}, {Key: "status", Value: "received"}, {Key: "assigned_to", Value: "sam"},
		{Key: "history", Value: hist("h1")}, {Key: "version", Value: int64(1)}}
	for _, tc := range []struct {
		name     string
		old, new bson.D
		ops      []string // the update's operators, in order
	}{
		{"change and append", base,
			bson.D{{Key: "_id", Value: "R"}, {Key: "status", Value: "verifying"}, {Key: "assigned_to", Value: "sam"},
				{Key: "history", Value: hist("h1", "h2")}, {Key: "version", Value: int64(2)}},
			[]string{"$set", "$push"}},
		{"field removed and added", base,
			bson.D{{Key: "_id", Value: "R"}, {Key: "status", Value: "received"}, {Key: "decision", Value: bson.D{{Key: "outcome", Value: "approved"}}},
				{Key: "history", Value: hist("h1", "h2", "h3")}, {Key: "version", Value: int64(2)}},
			[]string{"$set", "$unset", "$push"}},
		{"history rewritten", base,
			bson.D{{Key: "_id", Value: "R"}, {Key: "status", Value: "received"}, {Key: "assigned_to", Value: "sam"},
				{Key: "history", Value: hist("h0", "h2")}, {Key: "version", Value: int64(2)}},
			[]string{"$set"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := coll.DeleteMany(ctx, bson.D{}); err != nil {
				t.Fatal(err)
			}
			oldRaw, _ := bson.Marshal(tc.old)
			newRaw, _ := bson.Marshal(tc.new)
			if _, err := coll.InsertOne(ctx, oldRaw); err != nil {
				t.Fatal(err)
			}
			u, err := db.DiffUpdateForTest(oldRaw, newRaw)
			if err != nil {
				t.Fatal(err)
			}
			var ops []string
			for _, e := range u {
				ops = append(ops, e.Key)
			}
			if !reflect.DeepEqual(ops, tc.ops) {
				t.Errorf("update operators %v, want %v: %v", ops, tc.ops, u)
			}
			if _, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: "R"}}, u); err != nil {
				t.Fatal(err)
			}
			var got, want bson.M
			if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "R"}}).Decode(&got); err != nil {
				t.Fatal(err)
			}
			if err := bson.Unmarshal(newRaw, &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("after the update:\n%v\nwant\n%v", got, want)
			}
		})
	}
	same, _ := bson.Marshal(base)
	if _, err := db.DiffUpdateForTest(same, same); err == nil {
		t.Error("an update that changes nothing was built")
	}
}
