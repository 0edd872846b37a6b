package db

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// upsertOne applies update to the document filter matches, creating it if
// there is none. Two upserts of a new document race on its _id (on MongoDB
// and FerretDB alike): the loser gets a duplicate-key error although the
// document now exists, so it is tried once more, as an update that matches.
func upsertOne(ctx context.Context, coll *mongo.Collection, filter, update bson.D) error {
	_, err := coll.UpdateOne(ctx, filter, update, options.UpdateOne().SetUpsert(true))
	if err != nil && isDup(err) {
		_, err = coll.UpdateOne(ctx, filter, update, options.UpdateOne().SetUpsert(true))
	}
	return err
}
