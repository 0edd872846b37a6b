package db

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodian-dev/custodian/model"
)

// fulfilMaxDocs bounds the documents one collection may hold about one
// subject for fulfilment. Unlike a list, a plan must never be cut short (a
// deletion would silently miss records), so more than this is refused.
const fulfilMaxDocs = 20_000

// storedDoc is one tenant document as read: the driver's form, kept so a
// write can put untouched values back exactly as they were (an ObjectID
// stays an ObjectID, an int32 an int32), and the plain form the model plans
// and fingerprints.
type storedDoc struct {
	raw bson.D
	doc model.Doc
	// key is the _id with its type (idkey.go): how a plan names the record.
	key string
}

// newStoredDoc converts a document as read.
func newStoredDoc(raw bson.D) (storedDoc, error) {
	doc, err := nativeDoc(raw)
	if err != nil {
		return storedDoc{}, err
	}
	key, err := idKey(rawID(raw))
	if err != nil {
		return storedDoc{}, err
	}
	return storedDoc{raw: raw, doc: doc, key: key}, nil
}

// nativeDoc converts a stored document to model.Doc values.
func nativeDoc(d bson.D) (model.Doc, error) {
	out := make(model.Doc, len(d))
	for _, e := range d {
		v, err := nativeValue(e.Value)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", e.Key, err)
		}
		out[e.Key] = v
	}
	return out, nil
}

func nativeValue(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, bool, int64, float64:
		return x, nil
	case bson.Null, bson.Undefined:
		return nil, nil
	case int32:
		return int64(x), nil
	case int:
		return int64(x), nil
	case bson.DateTime:
		return x.Time().UTC(), nil
	case time.Time:
		return x.UTC(), nil
	case bson.ObjectID:
		return x.Hex(), nil
	case bson.Decimal128:
		return x.String(), nil
	case bson.A:
		return nativeSlice([]any(x))
	case []any:
		return nativeSlice(x)
	case bson.D:
		return nativeDocMap(x)
	case bson.M:
		m := make(map[string]any, len(x))
		for k, e := range x {
			n, err := nativeValue(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			m[k] = n
		}
		return m, nil
	}
	// Binary, regexes, code, timestamps: nothing in a product record the
	// data map could describe; refusing beats planning on a guess.
	return nil, fmt.Errorf("unsupported stored type %T", v)
}

func nativeSlice(a []any) (any, error) {
	out := make([]any, len(a))
	for i, e := range a {
		n, err := nativeValue(e)
		if err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
		out[i] = n
	}
	return out, nil
}

func nativeDocMap(d bson.D) (any, error) {
	m, err := nativeDoc(d)
	if err != nil {
		return nil, err
	}
	return map[string]any(m), nil
}

// writable is the document to store for out, the model's result of
// applying a step to d: values the step did not change are written back in
// their stored form, changed ones as the plain values the driver encodes,
// in the stored field order (new fields last, sorted).
func (d storedDoc) writable(out model.Doc) bson.D {
	w := make(bson.D, 0, len(out))
	seen := map[string]bool{}
	for _, e := range d.raw {
		v, ok := out[e.Key]
		if !ok {
			continue
		}
		seen[e.Key] = true
		if reflect.DeepEqual(v, d.doc[e.Key]) {
			w = append(w, e)
		} else {
			w = append(w, bson.E{Key: e.Key, Value: v})
		}
	}
	var added []string
	for k := range out {
		if !seen[k] {
			added = append(added, k)
		}
	}
	slices.Sort(added)
	for _, k := range added {
		w = append(w, bson.E{Key: k, Value: out[k]})
	}
	return w
}

// linked reports whether the document belongs to the subject of the tenant:
// every read for fulfilment is filtered by both, and checked again, so a
// mistaken filter can never put another person's record in a plan or an
// export.
func (d storedDoc) linked(cm model.CollectionMap, tenantID, subjectID string) bool {
	return d.doc["tenant_id"] == tenantID && d.doc[cm.SubjectField] == subjectID
}

// recordID is the document's _id as a plan names it.
func (d storedDoc) recordID() string { return fmt.Sprint(d.doc["_id"]) }

// subjectDocs reads the subject's documents in every collection of the
// data map (filter: tenant and subject link), a few collections at a time,
// each collection's sorted by record id so a plan is the same whatever
// order the server returns.
func (s *Store) subjectDocs(ctx context.Context, dm []model.CollectionMap, tenantID, subjectID string) (map[string][]storedDoc, error) {
	found := make([][]storedDoc, len(dm))
	err := forEachCollection(dm, func(i int, cm model.CollectionMap) error {
		var err error
		found[i], err = s.collectionDocs(ctx, cm, tenantID, subjectID)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string][]storedDoc, len(dm))
	for i, cm := range dm {
		out[cm.Collection] = found[i]
	}
	return out, nil
}

func (s *Store) collectionDocs(ctx context.Context, cm model.CollectionMap, tenantID, subjectID string) ([]storedDoc, error) {
	filter := bson.D{{Key: "tenant_id", Value: tenantID}, {Key: cm.SubjectField, Value: subjectID}}
	cur, err := s.conn.DB.Collection(cm.Collection).Find(ctx, filter, options.Find().SetLimit(fulfilMaxDocs+1))
	if err != nil {
		return nil, fmt.Errorf("read %s records of subject %s: %w", cm.Collection, subjectID, err)
	}
	var raws []bson.D
	if err := cur.All(ctx, &raws); err != nil {
		return nil, fmt.Errorf("read %s records of subject %s: %w", cm.Collection, subjectID, err)
	}
	if len(raws) > fulfilMaxDocs {
		return nil, fmt.Errorf("subject %s has more than %d records in %s: fulfilment handles at most that many per collection", subjectID, fulfilMaxDocs, cm.Collection)
	}
	out := make([]storedDoc, 0, len(raws))
	for _, raw := range raws {
		d, err := newStoredDoc(raw)
		if err != nil {
			return nil, fmt.Errorf("read %s record %v: %w", cm.Collection, rawID(raw), err)
		}
		if !d.linked(cm, tenantID, subjectID) {
			return nil, fmt.Errorf("read %s record %v: it is not subject %s's of tenant %s, yet the query returned it", cm.Collection, rawID(raw), subjectID, tenantID)
		}
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b storedDoc) int {
		return cmp.Or(cmp.Compare(a.recordID(), b.recordID()), cmp.Compare(a.key, b.key))
	})
	return out, nil
}

func rawID(d bson.D) any {
	for _, e := range d {
		if e.Key == "_id" {
			return e.Value
		}
	}
	return nil
}

// recordKey is how a step finds a planned document among those it read:
// by its typed _id, or for a plan made before plans kept the type, by the
// display text (recordIDs).
func recordKey(pd model.PlanDoc) string {
	if pd.IDKey != "" {
		return pd.IDKey
	}
	return "text:" + pd.RecordID
}

// readRecords reads planned documents of one collection in one query by
// their typed _id, tenant and subject link, keyed by recordKey; a missing
// key is a document that is gone (or no longer the subject's).
func (s *Store) readRecords(ctx context.Context, cm model.CollectionMap, tenantID, subjectID string, pds []model.PlanDoc) (map[string]storedDoc, error) {
	ids := make([]any, 0, len(pds))
	for _, pd := range pds {
		if pd.IDKey == "" {
			// A plan made before plans kept the _id's type: a string or an
			// ObjectID, the only ids such a plan could find.
			ids = append(ids, pd.RecordID)
			if oid, err := bson.ObjectIDFromHex(pd.RecordID); err == nil {
				ids = append(ids, oid)
			}
			continue
		}
		v, err := idValue(pd.IDKey)
		if err != nil {
			return nil, fmt.Errorf("read %s/%s: %w", cm.Collection, pd.RecordID, err)
		}
		ids = append(ids, v)
	}
	filter := bson.D{
		{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}},
		{Key: "tenant_id", Value: tenantID},
		{Key: cm.SubjectField, Value: subjectID},
	}
	cur, err := s.conn.DB.Collection(cm.Collection).Find(ctx, filter)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", cm.Collection, err)
	}
	defer cur.Close(ctx)
	out := make(map[string]storedDoc, len(pds))
	for cur.Next(ctx) {
		var raw bson.D
		if err := cur.Decode(&raw); err != nil {
			return nil, fmt.Errorf("read %s: %w", cm.Collection, err)
		}
		d, err := newStoredDoc(raw)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", cm.Collection, err)
		}
		out[d.key] = d
		if _, ok := out["text:"+d.recordID()]; !ok {
			out["text:"+d.recordID()] = d
		}
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", cm.Collection, err)
	}
	return out, nil
}

// readRecord reads one record by its typed _id, tenant and subject link;
// found is false when no such record is there.
func (s *Store) readRecord(ctx context.Context, cm model.CollectionMap, tenantID, subjectID string, pd model.PlanDoc) (storedDoc, bool, error) {
	got, err := s.readRecords(ctx, cm, tenantID, subjectID, []model.PlanDoc{pd})
	if err != nil {
		return storedDoc{}, false, err
	}
	d, ok := got[recordKey(pd)]
	return d, ok, nil
}

// casWrite replaces the record d with repl, or deletes it when repl is nil,
// only if it is still exactly as the step read it; matched is false when
// it is not (changed, gone, or no longer the subject's).
//
// On MongoDB that is one write filtered by casFilter. On FerretDB the same
// filter has the server read and decode every document of the collection
// in Go (only a lone _id equality reaches SQLite), which for a step of 50
// records in a collection of thousands costs seconds; and FerretDB runs a
// conditional write as "read, then write by _id" anyway. So there the
// record is read again by its typed _id alone, compared with what the step
// read, and written by that _id: the same compare-and-swap FerretDB would
// do, with the same unlocked window between its read and its write.
func (s *Store) casWrite(ctx context.Context, coll *mongo.Collection, cm model.CollectionMap, d storedDoc, repl bson.D) (bool, error) {
	id, err := idValue(d.key)
	if err != nil {
		return false, err
	}
	filter := bson.D{{Key: "_id", Value: id}}
	if s.conn.Embedded && !s.hooks.casByFilter {
		var now bson.D
		err := coll.FindOne(ctx, filter).Decode(&now)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if !reflect.DeepEqual(now, d.raw) {
			return false, nil
		}
	} else if filter, err = casFilter(cm, d); err != nil {
		return false, err
	}
	if repl == nil {
		res, err := coll.DeleteOne(ctx, filter)
		if err != nil {
			return false, err
		}
		return res.DeletedCount > 0, nil
	}
	res, err := coll.ReplaceOne(ctx, filter, repl)
	if err != nil {
		return false, err
	}
	return res.MatchedCount > 0, nil
}

// casFilter matches the record d exactly as the step read it: its typed
// _id, its tenant and subject link, and every other field with its stored
// value (a null one as null, not as missing). A replace or delete with it
// is a compare-and-swap: a product write since the read makes it match
// nothing, and the step fails as stale instead of overwriting that write.
//
// On MongoDB the match and the write are one atomic step (on FerretDB see
// casWrite). Equality on an array also matches an array holding it as an
// element, and a field the product adds meanwhile is not in the filter: a
// replace would drop it. Both need a write that is not the subject's own
// record to go unnoticed; the re-plan at the end of the run reads every
// record again.
func casFilter(cm model.CollectionMap, d storedDoc) (bson.D, error) {
	id, err := idValue(d.key)
	if err != nil {
		return nil, err
	}
	f := bson.D{{Key: "_id", Value: id}, {Key: "tenant_id", Value: d.doc["tenant_id"]}, {Key: cm.SubjectField, Value: d.doc[cm.SubjectField]}}
	for _, e := range d.raw {
		switch e.Key {
		case "_id", "tenant_id", cm.SubjectField:
			continue
		}
		switch e.Value.(type) {
		case nil, bson.Null:
			f = append(f, bson.E{Key: e.Key, Value: bson.D{{Key: "$type", Value: "null"}}})
		default:
			f = append(f, bson.E{Key: e.Key, Value: bson.D{{Key: "$eq", Value: e.Value}}})
		}
	}
	return f, nil
}
