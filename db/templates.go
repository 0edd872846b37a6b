package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/custodian-dev/custodian/model"
)

// collTemplates holds the letter templates a Customer changed; a kind with
// no document there uses model.DefaultTemplate.
const collTemplates = "templates"

// StoredTemplate is one Customer's template of one letter kind.
type StoredTemplate struct {
	ID                   string `bson:"_id" json:"-"` // "<tenant>/<kind>"
	TenantID             string `bson:"tenant_id" json:"tenant_id"`
	model.LetterTemplate `bson:",inline"`
	// Default is set on a template read from the default set, never stored.
	Default   bool      `bson:"-" json:"default"`
	UpdatedBy string    `bson:"updated_by,omitempty" json:"updated_by,omitempty"`
	UpdatedAt time.Time `bson:"updated_at,omitempty" json:"updated_at,omitempty"`
	Version   int64     `bson:"version" json:"version"`
}

func templateID(tenantID string, k model.LetterKind) string { return tenantID + "/" + string(k) }

// Templates lists tenant's template of every kind, the Customer's own where
// it has one and the default otherwise.
func (s *Store) Templates(ctx context.Context, actor model.Actor, tenantID string) ([]StoredTemplate, error) {
	if err := s.templateScope(ctx, actor, "read", tenantID); err != nil {
		return nil, err
	}
	cur, err := s.db.Collection(collTemplates).Find(ctx, bson.D{{Key: "tenant_id", Value: tenantID}})
	if err != nil {
		return nil, fmt.Errorf("templates of %s: %w", tenantID, err)
	}
	var own []StoredTemplate
	if err := cur.All(ctx, &own); err != nil {
		return nil, fmt.Errorf("templates of %s: %w", tenantID, err)
	}
	byKind := map[model.LetterKind]StoredTemplate{}
	for _, t := range own {
		byKind[t.Kind] = t
	}
	var out []StoredTemplate
	for _, info := range model.LetterKinds() {
		if t, ok := byKind[info.Kind]; ok {
			out = append(out, t)
			continue
		}
		d, _ := model.DefaultTemplate(info.Kind)
		out = append(out, StoredTemplate{ID: templateID(tenantID, info.Kind), TenantID: tenantID, LetterTemplate: d, Default: true})
	}
	return out, nil
}

// Template returns tenant's template of kind k (its own or the default).
func (s *Store) Template(ctx context.Context, actor model.Actor, tenantID string, k model.LetterKind) (StoredTemplate, error) {
	if _, err := model.ParseLetterKind(string(k)); err != nil {
		return StoredTemplate{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if err := s.templateScope(ctx, actor, "read", tenantID); err != nil {
		return StoredTemplate{}, err
	}
	return s.template(ctx, tenantID, k)
}

func (s *Store) template(ctx context.Context, tenantID string, k model.LetterKind) (StoredTemplate, error) {
	var t StoredTemplate
	err := s.db.Collection(collTemplates).FindOne(ctx, bson.D{{Key: "_id", Value: templateID(tenantID, k)}}).Decode(&t)
	if errors.Is(err, mongo.ErrNoDocuments) {
		d, ok := model.DefaultTemplate(k)
		if !ok {
			return t, notFound("template", string(k))
		}
		return StoredTemplate{ID: templateID(tenantID, k), TenantID: tenantID, LetterTemplate: d, Default: true}, nil
	}
	if err != nil {
		return t, fmt.Errorf("template %s of %s: %w", k, tenantID, err)
	}
	return t, nil
}

// templateScope checks the actor may read (or, with action "edit_template",
// change) tenant's templates; the tenant must exist and be in scope.
func (s *Store) templateScope(ctx context.Context, actor model.Actor, action, tenantID string) error {
	tgt := auditTarget("template", tenantID)
	if err := s.canRead(ctx, actor, tgt); err != nil {
		return err
	}
	if !actor.Operator.InScope(tenantID) {
		return s.outOfScope(ctx, actor, "tenant", tenantID, tenantID)
	}
	if _, err := s.tenant(ctx, tenantID); err != nil {
		return err
	}
	if action == "read" {
		return nil
	}
	if actor.ReadOnly {
		return s.refuse(ctx, actor, action, tgt, tenantID, "this session is read-only", nil)
	}
	if !model.CanEditLetters(actor) {
		return s.refuse(ctx, actor, action, tgt, tenantID, "only admins and privacy leads may edit letter templates", nil)
	}
	return nil
}

// PutTemplate stores tenant's template of tpl.Kind after checking it
// renders against the sample request (model.PreviewTemplate), as one
// audited claimed write. Bad templates change nothing.
func (s *Store) PutTemplate(ctx context.Context, actor model.Actor, tenantID string, tpl model.LetterTemplate) (StoredTemplate, error) {
	const action = "edit_template"
	actor, err := s.currentActor(ctx, actor)
	if err != nil {
		return StoredTemplate{}, fmt.Errorf("%s %s: %w", action, tenantID, err)
	}
	if err := s.templateScope(ctx, actor, action, tenantID); err != nil {
		return StoredTemplate{}, err
	}
	if _, err := model.PreviewTemplate(tpl); err != nil {
		return StoredTemplate{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	id := templateID(tenantID, tpl.Kind)
	coll := s.db.Collection(collTemplates)
	prev, err := docVersion(ctx, coll, id)
	if err != nil {
		return StoredTemplate{}, err
	}
	now := s.now()
	t := StoredTemplate{ID: id, TenantID: tenantID, LetterTemplate: tpl, UpdatedBy: actor.Handle(), UpdatedAt: now, Version: prev + 1}
	c := s.newClaim(collTemplates, id, t.Version, actor.Handle(), now)
	c.Events = []model.AuditEvent{{
		ID: c.WriteID, At: now, Actor: actor.Handle(), Role: actor.Operator.Role, Origin: actor.Origin,
		Action: action, Target: auditTarget("template", id), TenantID: tenantID, Outcome: model.OutcomeOK,
		Detail: fmt.Sprintf("%s; version %d; sha256 %s", tpl.Kind, t.Version, sha256Hex([]byte(tpl.Subject+"\x00"+tpl.Body))),
	}}
	if c.Doc, err = bson.Marshal(t); err != nil {
		return StoredTemplate{}, fmt.Errorf("%s %s: %w", action, id, err)
	}
	if _, err := s.commit(ctx, c); err != nil {
		if errors.Is(err, errClaimTaken) || errors.Is(err, errSlotUsed) {
			v, _ := docVersion(ctx, coll, id)
			return StoredTemplate{}, &ConflictError{Kind: "template", ID: id, Version: v, now: s.now()}
		}
		return StoredTemplate{}, fmt.Errorf("%s %s: %w", action, id, err)
	}
	return t, nil
}
