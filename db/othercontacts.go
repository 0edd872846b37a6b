package db

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodian-dev/custodian/model"
)

// Other people's contacts (a guardian's name, email, phone) live in the
// product records, not on the subject. The lookup must find a child's
// subject from the email the parent writes from, and it is one streamed
// query over subjects (FerretDB has no $lookup, and a scan of every product
// collection per directory build would multiply its cost). So the subject
// carries a derived copy, other_contacts, which db writes whenever it writes
// the records it comes from: the seed here; a deletion clears it with the
// rest of the subject (model.ApplySubject); subjects stored before the copy
// existed get it once from the schema migration (backfillOtherContacts). Which fields are other people's
// is the data map's ThirdParty, nowhere else (model.OtherContactsOf).

// OtherContactsFromRecords derives each subject's other contacts from
// product records by collection (as the demo dataset and an import hold
// them), keyed by subject id. Collections the data map does not name are
// skipped: nothing says which of their fields are about whom.
func OtherContactsFromRecords(dm []model.CollectionMap, records map[string][]bson.D) map[string][]model.OtherContact {
	out := map[string][]model.OtherContact{}
	for _, cm := range dm {
		for _, doc := range records[cm.Collection] {
			get := func(field string) (string, bool) {
				for _, e := range doc {
					if e.Key == field {
						v, ok := e.Value.(string)
						return v, ok
					}
				}
				return "", false
			}
			id, ok := get(cm.SubjectField)
			if !ok || id == "" {
				continue
			}
			if cs := model.OtherContactsOf(cm, get); len(cs) > 0 {
				out[id] = model.MergeOtherContacts(out[id], cs)
			}
		}
	}
	return out
}

// otherContactsMarkerID is the meta document saying the subjects stored
// before other_contacts existed have been given theirs.
const otherContactsMarkerID = "other_contacts_backfill"

// otherContactFields are the fields of cm OtherContactsOf reads: the
// projection of the backfill's pass over the collection.
func otherContactFields(cm model.CollectionMap) []string {
	var fs []string
	for _, f := range cm.Fields {
		if f.ThirdParty != "" && (f.Kind == model.KindName || f.Kind == model.KindEmail || f.Kind == model.KindPhone) {
			fs = append(fs, f.Field)
		}
	}
	return fs
}

// backfillOtherContacts gives subjects stored before other_contacts existed
// theirs: one pass over each product collection that has fields about other
// people (only those fields read), then one conditional update per subject
// that has any (the children with a guardian: a few percent), only where
// the field is still absent, so a subject written since by new code is left
// alone. It is idempotent, so an interrupted run simply runs again; once
// done, later starts cost one read. Without a data map there is nothing to
// derive from yet, and it is not marked done.
func backfillOtherContacts(ctx context.Context, d *mongo.Database, dm []model.CollectionMap) error {
	meta := d.Collection(collMeta)
	var m struct {
		Done bool `bson:"done"`
	}
	err := meta.FindOne(ctx, bson.D{{Key: "_id", Value: otherContactsMarkerID}}).Decode(&m)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return fmt.Errorf("backfill other contacts: read progress: %w", err)
	}
	if m.Done || len(dm) == 0 {
		return nil
	}
	others := map[string][]model.OtherContact{}
	for _, cm := range dm {
		fields := otherContactFields(cm)
		if len(fields) == 0 {
			continue
		}
		proj := bson.D{{Key: cm.SubjectField, Value: 1}}
		for _, f := range fields {
			proj = append(proj, bson.E{Key: f, Value: 1})
		}
		cur, err := d.Collection(cm.Collection).Find(ctx, bson.D{}, options.Find().SetProjection(proj))
		if err != nil {
			return fmt.Errorf("backfill other contacts: read %s: %w", cm.Collection, err)
		}
		for cur.Next(ctx) {
			var doc bson.M
			if err := cur.Decode(&doc); err != nil {
				cur.Close(ctx)
				return fmt.Errorf("backfill other contacts: decode %s %v: %w", cm.Collection, cur.Current.Lookup("_id"), err)
			}
			id, _ := doc[cm.SubjectField].(string)
			cs := model.OtherContactsOf(cm, func(f string) (string, bool) { v, ok := doc[f].(string); return v, ok })
			if id != "" && len(cs) > 0 {
				others[id] = model.MergeOtherContacts(others[id], cs)
			}
		}
		err = cur.Err()
		cur.Close(ctx)
		if err != nil {
			return fmt.Errorf("backfill other contacts: read %s: %w", cm.Collection, err)
		}
	}
	ids := slices.Sorted(maps.Keys(others))
	subjects := d.Collection(collSubjects)
	for _, id := range ids {
		// One update per subject, as backfillNameKeys explains: FerretDB
		// 1.24 does not finish a bulkWrite of a few hundred in minutes.
		if _, err := subjects.UpdateOne(ctx,
			bson.D{{Key: "_id", Value: id}, {Key: "other_contacts", Value: bson.D{{Key: "$exists", Value: false}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "other_contacts", Value: others[id]}}}}); err != nil {
			return fmt.Errorf("backfill other contacts of subject %s: %w", id, err)
		}
	}
	if err := upsertOne(ctx, meta, bson.D{{Key: "_id", Value: otherContactsMarkerID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "done", Value: true}}}}); err != nil {
		return fmt.Errorf("backfill other contacts: record progress: %w", err)
	}
	return nil
}
