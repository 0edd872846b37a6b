package db

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodian-dev/custodian/model"
)

// storedSubject is a subject as written: the model's fields plus name_key,
// the normalised name a name-only intake match looks up through the
// {tenant_id, name_key} index. The key lives only in storage, never in
// model.Subject, so a plan's fingerprint of a subject does not depend on
// it and a replace can never carry an old name's key forward.
type storedSubject struct {
	model.Subject `bson:",inline"`
	NameKey       string `bson:"name_key"`
}

// StoredSubject is the document every write of a whole subject stores:
// sub with its name key. Anything inserting subjects directly (the seed,
// test fixtures) goes through it, or name-only matching cannot find them.
func StoredSubject(sub model.Subject) any {
	return storedSubject{Subject: sub, NameKey: model.NameKey(sub.Name)}
}

const (
	// nameKeyMarkerID is the meta document recording the backfill of
	// name_key on subjects stored before it existed: where it got to, and
	// whether it is done (then EnsureSchema skips it with one read).
	nameKeyMarkerID = "name_key_backfill"
	// nameKeyBatch is how many subjects one backfill round reads and
	// updates: memory stays bounded whatever the collection's size.
	nameKeyBatch = 200
)

type nameKeyMarker struct {
	ID    string `bson:"_id"`
	After string `bson:"after"` // the last _id backfilled
	Done  bool   `bson:"done"`
}

// backfillNameKeys gives every subject without a name_key its key, walking
// the subjects in _id order in batches and recording its position after
// each, so a run that is interrupted resumes where it stopped. It is
// idempotent: each update is conditional on the name read and on the key
// still being absent, so a subject renamed meanwhile is not given a stale
// key, and a subject written by the new code is left alone. Once a walk
// reaches the end it is marked done and later calls cost one read.
func backfillNameKeys(ctx context.Context, d *mongo.Database) error {
	meta := d.Collection(collMeta)
	var m nameKeyMarker
	err := meta.FindOne(ctx, bson.D{{Key: "_id", Value: nameKeyMarkerID}}).Decode(&m)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return fmt.Errorf("backfill subject name keys: read progress: %w", err)
	}
	if m.Done {
		return nil
	}
	subjects := d.Collection(collSubjects)
	for {
		n, last, err := backfillNameKeyBatch(ctx, subjects, m.After)
		if err != nil {
			return fmt.Errorf("backfill subject name keys after %q: %w", m.After, err)
		}
		m.After, m.Done = last, n < nameKeyBatch
		if err := upsertOne(ctx, meta, bson.D{{Key: "_id", Value: nameKeyMarkerID}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "after", Value: m.After}, {Key: "done", Value: m.Done}}}}); err != nil {
			return fmt.Errorf("backfill subject name keys: record progress: %w", err)
		}
		if m.Done {
			return nil
		}
	}
}

// backfillNameKeyBatch keys up to nameKeyBatch subjects after the _id
// after (in _id order, served by the _id index) and returns how many it
// read and the last _id.
func backfillNameKeyBatch(ctx context.Context, subjects *mongo.Collection, after string) (int, string, error) {
	filter := bson.D{}
	if after != "" {
		filter = bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}}
	}
	cur, err := subjects.Find(ctx, filter, options.Find().
		SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(nameKeyBatch).
		SetProjection(bson.D{{Key: "name", Value: 1}, {Key: "name_key", Value: 1}}))
	if err != nil {
		return 0, "", err
	}
	var docs []struct {
		ID      string  `bson:"_id"`
		Name    string  `bson:"name"`
		NameKey *string `bson:"name_key"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return 0, "", err
	}
	// One conditional update per subject (a backfill runs once per
	// database): ~50 ms each on the embedded FerretDB on this loaded
	// machine. Sent as one bulkWrite, FerretDB 1.24 did not finish 200 of
	// them in four minutes, so they are not batched, on MongoDB either.
	for _, doc := range docs {
		if doc.NameKey != nil {
			continue
		}
		_, err := subjects.UpdateOne(ctx,
			bson.D{{Key: "_id", Value: doc.ID}, {Key: "name", Value: doc.Name}, {Key: "name_key", Value: bson.D{{Key: "$exists", Value: false}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "name_key", Value: model.NameKey(doc.Name)}}}})
		if err != nil {
			return 0, "", fmt.Errorf("key subject %s: %w", doc.ID, err)
		}
	}
	if len(docs) == 0 {
		return 0, after, nil
	}
	return len(docs), docs[len(docs)-1].ID, nil
}
