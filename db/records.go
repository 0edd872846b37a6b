package db

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodian-dev/custodian/model"
)

// subjectRecordsMax bounds the records read per collection for one subject.
const subjectRecordsMax = 500

// recordReaders is how many collections SubjectRecords reads at once.
const recordReaders = 3

// DataMap returns the data map: which collections hold PI, how each links
// to subjects and what each field holds, in collection order.
func (s *Store) DataMap(ctx context.Context) ([]model.CollectionMap, error) {
	return readDataMap(ctx, s.db)
}

// SubjectRecords reads every record held about a subject across the data
// map's collections, masked, with the retention rule and legal holds that
// apply to each field, newest first. Outside the actor's scope the subject
// is not found.
func (s *Store) SubjectRecords(ctx context.Context, actor model.Actor, subjectID string) ([]model.PIRecord, error) {
	sub, err := s.Subject(ctx, actor, subjectID)
	if err != nil {
		return nil, err
	}
	tenant, err := s.tenant(ctx, sub.TenantID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	dm, err := s.DataMap(ctx)
	if err != nil {
		return nil, err
	}
	holds := tenant.HoldsFor(subjectID, s.now())
	found := make([][]model.PIRecord, len(dm))
	err = forEachCollection(dm, func(i int, cm model.CollectionMap) error {
		filter := bson.D{{Key: "tenant_id", Value: sub.TenantID}, {Key: cm.SubjectField, Value: subjectID}}
		cur, err := s.conn.DB.Collection(cm.Collection).Find(ctx, filter, options.Find().SetLimit(subjectRecordsMax))
		if err != nil {
			return fmt.Errorf("read %s records of subject %s: %w", cm.Collection, subjectID, err)
		}
		var docs []bson.M
		if err := cur.All(ctx, &docs); err != nil {
			return fmt.Errorf("read %s records of subject %s: %w", cm.Collection, subjectID, err)
		}
		for _, doc := range docs {
			found[i] = append(found[i], piRecord(cm, doc, tenant, holds))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []model.PIRecord
	for _, f := range found {
		out = append(out, f...)
	}
	slices.SortStableFunc(out, func(a, b model.PIRecord) int { return b.CollectedAt.Compare(a.CollectedAt) })
	return out, nil
}

// forEachCollection runs read for every collection of the data map, a few
// at a time: on FerretDB each query is a scan of its collection, and they
// are independent.
func forEachCollection(dm []model.CollectionMap, read func(i int, cm model.CollectionMap) error) error {
	errs := make([]error, len(dm))
	sem := make(chan struct{}, recordReaders)
	var wg sync.WaitGroup
	for i, cm := range dm {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = read(i, cm)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func piRecord(cm model.CollectionMap, doc bson.M, tenant model.Tenant, holds []model.LegalHold) model.PIRecord {
	r := model.PIRecord{Collection: cm.Collection, Product: cm.Product, RecordID: displayID(doc["_id"])}
	if k, err := idKey(doc["_id"]); err == nil {
		r.IDKey = k
	}
	if t, ok := doc[cm.DateField].(bson.DateTime); ok {
		r.CollectedAt = t.Time().UTC()
	}
	for _, fm := range cm.Fields {
		v, ok := doc[fm.Field]
		if !ok || v == nil {
			continue
		}
		f := model.PIField{Field: fm.Field, Category: fm.Category, Kind: fm.Kind, Erasure: fm.Erasure, Masked: maskValue(fm.Kind, v)}
		// The note is this record's own: its collection's rule for the
		// category, and only for a field the data map keeps under one.
		if rule, ok := tenant.RetentionFor(cm.Collection, fm.Category); ok && fm.Erasure == model.EraseKeep {
			f.Retention = &rule
		}
		for _, h := range holds {
			if len(h.Categories) == 0 || slices.Contains(h.Categories, fm.Category) {
				f.Holds = append(f.Holds, h)
			}
		}
		r.Fields = append(r.Fields, f)
	}
	return r
}

// maskValue masks a stored value of any shape: each element of an array
// on its own, so a list of names still shows how many there are.
func maskValue(kind model.FieldKind, v any) string {
	if a, ok := v.(bson.A); ok {
		parts := make([]string, 0, len(a))
		for _, x := range a {
			parts = append(parts, model.Mask(kind, valueText(x)))
		}
		return strings.Join(parts, "; ")
	}
	return model.Mask(kind, valueText(v))
}

// valueText renders a stored value as the text an operator reads: the
// model's rendering of its plain form, so lists, lookups and plans agree.
func valueText(v any) string {
	n, err := nativeValue(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return model.StoredText(n)
}

// recordValue reads the unmasked value ref names, checking that the record
// belongs to sub. A name the data map does not list is bad input: it is
// never used to pick a collection or field.
func (s *Store) recordValue(ctx context.Context, sub model.Subject, ref model.FieldRef) (string, model.FieldMap, error) {
	if ref.Collection == model.SubjectsCollection {
		if ref.RecordID != sub.ID {
			return "", model.FieldMap{}, invalidf("reveal: record %s is not subject %s", ref.RecordID, sub.ID)
		}
		for _, fm := range model.IdentityFields() {
			if fm.Field == ref.Field {
				return valueText(model.SubjectDoc(sub)[ref.Field]), fm, nil
			}
		}
		return "", model.FieldMap{}, invalidf("reveal: subjects have no field %q", ref.Field)
	}
	dm, err := s.DataMap(ctx)
	if err != nil {
		return "", model.FieldMap{}, err
	}
	i := slices.IndexFunc(dm, func(c model.CollectionMap) bool { return c.Collection == ref.Collection })
	if i < 0 {
		return "", model.FieldMap{}, invalidf("reveal: %q is not a collection of the data map", ref.Collection)
	}
	cm := dm[i]
	j := slices.IndexFunc(cm.Fields, func(f model.FieldMap) bool { return f.Field == ref.Field })
	if j < 0 {
		return "", model.FieldMap{}, invalidf("reveal: %q is not a personal-data field of %s", ref.Field, ref.Collection)
	}
	// By the typed _id, the tenant and the subject link: an ObjectID or
	// integer id is found as what it is, and another person's record is
	// never read at all.
	var id any = ref.RecordID
	if ref.IDKey != "" {
		if id, err = idValue(ref.IDKey); err != nil {
			return "", model.FieldMap{}, invalidf("reveal: %v", err)
		}
	} else if oid, err := bson.ObjectIDFromHex(ref.RecordID); err == nil {
		id = bson.D{{Key: "$in", Value: bson.A{ref.RecordID, oid}}}
	}
	filter := bson.D{{Key: "_id", Value: id}, {Key: "tenant_id", Value: sub.TenantID}, {Key: cm.SubjectField, Value: sub.ID}}
	var doc bson.M
	err = s.conn.DB.Collection(cm.Collection).FindOne(ctx, filter).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", model.FieldMap{}, notFound("record", ref.Collection+"/"+ref.RecordID)
	}
	if err != nil {
		return "", model.FieldMap{}, fmt.Errorf("read %s/%s: %w", ref.Collection, ref.RecordID, err)
	}
	if doc[cm.SubjectField] != sub.ID || doc["tenant_id"] != sub.TenantID {
		// Someone else's record: as good as not there.
		return "", model.FieldMap{}, notFound("record", ref.Collection+"/"+ref.RecordID+" of subject "+sub.ID)
	}
	return valueText(doc[ref.Field]), cm.Fields[j], nil
}
