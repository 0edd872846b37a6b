package db

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodian-dev/custodian/model"
)

const (
	// subjectsMax bounds Subjects: one queue page's worth of ids.
	subjectsMax = queueMax
	// lookupMax bounds LookupSubjects: a person rarely has more records.
	lookupMax = 50
)

// Subject returns one subject; outside the actor's scope it is not found.
func (s *Store) Subject(ctx context.Context, actor model.Actor, id string) (model.Subject, error) {
	if err := s.canRead(ctx, actor, auditTarget("subject", id)); err != nil {
		return model.Subject{}, err
	}
	var sub model.Subject
	err := s.subjects.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&sub)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return sub, notFound("subject", id)
	}
	if err != nil {
		return sub, fmt.Errorf("read subject %s: %w", id, err)
	}
	if !actor.Operator.InScope(sub.TenantID) {
		return model.Subject{}, s.outOfScope(ctx, actor, "subject", id, sub.TenantID)
	}
	return sub, nil
}

// Subjects returns the subjects with the given ids that exist and are in the
// actor's scope, keyed by id: one $in query for a page of the queue.
func (s *Store) Subjects(ctx context.Context, actor model.Actor, ids []string) (map[string]model.Subject, error) {
	if err := s.canRead(ctx, actor, "subjects"); err != nil {
		return nil, err
	}
	uniq := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" {
			uniq = append(uniq, id)
		}
	}
	slices.Sort(uniq)
	uniq = slices.Compact(uniq)
	out := make(map[string]model.Subject, len(uniq))
	if len(uniq) == 0 {
		return out, nil
	}
	if len(uniq) > subjectsMax {
		return nil, invalidf("%d subject ids requested at once; the limit is %d", len(uniq), subjectsMax)
	}
	filter := bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: uniq}}}}
	if sf := scopeFilter(actor); sf.Key != "" {
		filter = append(filter, sf)
	}
	cur, err := s.subjects.Find(ctx, filter, options.Find().SetLimit(int64(len(uniq))))
	if err != nil {
		return nil, fmt.Errorf("read %d subjects: %w", len(uniq), err)
	}
	var subs []model.Subject
	if err := cur.All(ctx, &subs); err != nil {
		return nil, fmt.Errorf("read %d subjects: %w", len(uniq), err)
	}
	for _, sub := range subs {
		out[sub.ID] = sub
	}
	return out, nil
}

// contactFilter matches subjects by an email address or a phone number in the
// form the subjects collection stores them (model.EmailKey, model.PhoneKey),
// so "+1 (415) 555-0132" finds the subject stored as 4155550132.
func contactFilter(query string) (bson.D, error) {
	q := strings.TrimSpace(query)
	if strings.Contains(q, "@") {
		return bson.D{{Key: "emails", Value: model.EmailKey(q)}}, nil
	}
	key, err := model.PhoneKey(q)
	if err != nil {
		return nil, invalidf("look a subject up by email address or phone number: %v", err)
	}
	return bson.D{{Key: "phones", Value: key}}, nil
}

// LookupSubjects finds subjects by an email address (any case) or a phone
// number (any punctuation), as a requester identifies themselves. Both are
// exact matches on indexed fields; anything else is refused as too vague.
func (s *Store) LookupSubjects(ctx context.Context, actor model.Actor, query string) ([]model.Subject, error) {
	if err := s.canRead(ctx, actor, "subjects"); err != nil {
		return nil, err
	}
	filter, err := contactFilter(query)
	if err != nil {
		return nil, err
	}
	if sf := scopeFilter(actor); sf.Key != "" {
		filter = append(filter, sf)
	}
	cur, err := s.subjects.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(lookupMax))
	if err != nil {
		return nil, fmt.Errorf("look up subjects: %w", err)
	}
	out := []model.Subject{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("look up subjects: %w", err)
	}
	return out, nil
}
