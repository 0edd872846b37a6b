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

// listMax bounds lists that are small by nature (tenants, operators).
const listMax = 1000

// Tenants lists the tenants in the actor's scope, by id.
func (s *Store) Tenants(ctx context.Context, actor model.Actor) ([]model.Tenant, error) {
	if err := s.canRead(ctx, actor, "tenants"); err != nil {
		return nil, err
	}
	filter := bson.D{}
	if len(actor.Operator.Tenants) > 0 {
		filter = bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: actor.Operator.Tenants}}}}
	}
	cur, err := s.tenants.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(listMax))
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	out := []model.Tenant{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	for i := range out {
		out[i].Resolve()
	}
	return out, nil
}

// Tenant returns one tenant; outside the actor's scope it is not found.
func (s *Store) Tenant(ctx context.Context, actor model.Actor, id string) (model.Tenant, error) {
	if err := s.canRead(ctx, actor, auditTarget("tenant", id)); err != nil {
		return model.Tenant{}, err
	}
	if !actor.Operator.InScope(id) {
		return model.Tenant{}, s.outOfScope(ctx, actor, "tenant", id, id)
	}
	return s.tenant(ctx, id)
}

// tenant reads a tenant without a scope check, for the store's own use.
func (s *Store) tenant(ctx context.Context, id string) (model.Tenant, error) {
	var t model.Tenant
	err := s.tenants.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&t)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return t, notFound("tenant", id)
	}
	if err != nil {
		return t, fmt.Errorf("read tenant %s: %w", id, err)
	}
	t.Resolve()
	return t, nil
}

// outOfScope audits an attempt to reach another tenant's record and answers
// "not found", exactly as for an id that does not exist.
func (s *Store) outOfScope(ctx context.Context, actor model.Actor, kind, id, tenantID string) error {
	_ = s.refuse(ctx, actor, "read", auditTarget(kind, id), tenantID,
		fmt.Sprintf("tenant %s is outside operator %s's scope", tenantID, actor.Handle()), nil)
	return notFound(kind, id)
}
