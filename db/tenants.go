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

// AddTenant creates tenant t; its id must be new.
func (s *Store) AddTenant(ctx context.Context, actor model.Actor, t model.Tenant) ([]string, error) {
	t.Version = 0
	return s.putTenant(ctx, actor, t, true)
}

// EditTenant replaces tenant t.ID with t, t.Version being the version the
// caller read and showed (a change made since is a conflict). It returns
// the names of the fields that changed; none means nothing was written.
func (s *Store) EditTenant(ctx context.Context, actor model.Actor, t model.Tenant) ([]string, error) {
	return s.putTenant(ctx, actor, t, false)
}

// putTenant is one audited claimed write of a tenant: admins (and the
// system) only, validated by the model first. An operator scoped to some
// tenants may edit those only, and may not create new ones.
func (s *Store) putTenant(ctx context.Context, actor model.Actor, t model.Tenant, create bool) ([]string, error) {
	tgt := auditTarget("tenant", t.ID)
	action := "edit_tenant"
	if create {
		action = "add_tenant"
	}
	actor, err := s.currentActor(ctx, actor)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", action, t.ID, err)
	}
	if !actor.Can(model.PermManageTenants) {
		return nil, s.refuse(ctx, actor, action, tgt, t.ID, actor.Refusal(model.PermManageTenants, "manage tenants"), nil)
	}
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	prev := t.Version
	old, err := s.tenant(ctx, t.ID)
	switch {
	case errors.Is(err, ErrNotFound):
		if !create {
			return nil, fmt.Errorf("edit tenant %s: %w (use tenants add)", t.ID, err)
		}
		if len(actor.Operator.Tenants) > 0 {
			return nil, s.refuse(ctx, actor, action, tgt, t.ID, "an operator scoped to some tenants cannot add one", nil)
		}
	case err != nil:
		return nil, fmt.Errorf("%s %s: %w", action, t.ID, err)
	case !actor.Operator.InScope(t.ID):
		return nil, s.outOfScope(ctx, actor, "tenant", t.ID, t.ID)
	case create:
		return nil, fmt.Errorf("add tenant %s: %w (use tenants edit)", t.ID, ErrExists)
	case old.Version != prev:
		return nil, &ConflictError{Kind: "tenant", ID: t.ID, Version: old.Version, now: s.now()}
	case prev == 0:
		// Written before tenants had versions (seeded by an older release,
		// or by hand): give it version 1 so the claimed write below can
		// replace it. Only the counter changes; the edit itself is audited.
		if err := s.adoptTenant(ctx, t.ID); err != nil {
			return nil, err
		}
		prev = 1
	}
	changed := model.TenantChanges(old, t)
	if !create && len(changed) == 0 {
		return nil, nil
	}
	// The legacy list is read as additions; the first write through the
	// store moves it there, so one list says what the Customer added.
	for _, d := range t.Holidays {
		if !slices.Contains(t.HolidayAdd, d) && !slices.Contains(t.HolidayRemove, d) {
			t.HolidayAdd = append(t.HolidayAdd, d)
		}
	}
	t.Holidays = nil
	t.Version = prev + 1

	now := s.now()
	verb := "edited"
	if prev == 0 {
		verb = "added"
	}
	c := s.newClaim(collTenants, t.ID, t.Version, actor.Handle(), now)
	c.Events = []model.AuditEvent{{
		ID: c.WriteID, At: now, Actor: actor.Handle(), Role: actor.Operator.Role, Origin: actor.Origin,
		Action: action, Target: tgt, TenantID: t.ID, Outcome: model.OutcomeOK,
		Detail: fmt.Sprintf("%s; version %d; fields: %s", verb, t.Version, strings.Join(changed, ",")),
	}}
	raw, err := bson.Marshal(t)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", action, t.ID, err)
	}
	c.Doc = raw
	if _, err := s.commit(ctx, c); err != nil {
		if errors.Is(err, errClaimTaken) || errors.Is(err, errSlotUsed) {
			v, _ := docVersion(ctx, s.tenants, t.ID)
			return nil, &ConflictError{Kind: "tenant", ID: t.ID, Version: v, now: s.now()}
		}
		return nil, fmt.Errorf("%s %s: %w", action, t.ID, err)
	}
	return changed, nil
}

// adoptTenant sets version 1 on a tenant that has none (or 0).
func (s *Store) adoptTenant(ctx context.Context, id string) error {
	set := bson.D{{Key: "$set", Value: bson.D{{Key: "version", Value: int64(1)}}}}
	for _, cond := range []bson.D{
		{{Key: "$exists", Value: false}},
		{{Key: "$eq", Value: int64(0)}},
	} {
		res, err := s.tenants.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: cond}}, set)
		if err != nil {
			return fmt.Errorf("edit tenant %s: give it a version: %w", id, err)
		}
		if res.MatchedCount == 1 {
			return nil
		}
	}
	v, _ := docVersion(ctx, s.tenants, id)
	return &ConflictError{Kind: "tenant", ID: id, Version: v, now: s.now()}
}
