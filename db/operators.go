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
	"golang.org/x/crypto/ssh"

	"github.com/custodian-dev/custodian/model"
)

// Operator returns the operator with handle, enabled or not. It takes no
// actor: it is how a session finds out who its actor is.
func (s *Store) Operator(ctx context.Context, handle string) (model.Operator, error) {
	return s.findOperator(ctx, bson.D{{Key: "_id", Value: handle}}, handle)
}

// OperatorByKey returns the operator holding the SSH key with this SHA256
// fingerprint ("SHA256:…", as ssh.FingerprintSHA256 prints it).
func (s *Store) OperatorByKey(ctx context.Context, fingerprint string) (model.Operator, error) {
	return s.findOperator(ctx, bson.D{{Key: "key_fingerprints", Value: fingerprint}}, "with key "+fingerprint)
}

// OperatorByOSUser returns the operator registered to the local OS account
// name (model.Operator.OSUser): who a command run on this machine acts as.
func (s *Store) OperatorByOSUser(ctx context.Context, name string) (model.Operator, error) {
	return s.findOperator(ctx, bson.D{{Key: "os_user", Value: name}}, "registered to OS user "+name)
}

func (s *Store) findOperator(ctx context.Context, filter bson.D, what string) (model.Operator, error) {
	var op model.Operator
	err := s.operators.FindOne(ctx, filter).Decode(&op)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return op, notFound("operator", what)
	}
	if err != nil {
		return op, fmt.Errorf("read operator %s: %w", what, err)
	}
	return op, nil
}

// currentActor is actor with its operator record as stored now. Every write
// starts here, so an operator disabled, narrowed or demoted while their
// console or SSH session is open is judged by the record, not by what the
// session loaded at login; the write's own permission check then refuses,
// and audits, a disabled operator. An operator whose record is gone is
// treated as disabled. The system actor has no record. Not cached: one
// lookup by _id per write (see BENCHMARKS.md) buys a refusal on the very
// next action.
func (s *Store) currentActor(ctx context.Context, actor model.Actor) (model.Actor, error) {
	if actor.Operator.Role == model.RoleSystem {
		return actor, nil
	}
	op, err := s.Operator(ctx, actor.Handle())
	switch {
	case errors.Is(err, ErrNotFound):
		op = actor.Operator
		op.Disabled = true
	case err != nil:
		return actor, fmt.Errorf("check operator %s is still enabled: %w", actor.Handle(), err)
	}
	actor.Operator = op
	return actor, nil
}

// IsDemo reports whether the database holds the demo dataset: its seed
// marker, written by Seed before the first demo document and only into an
// empty database. On a demo database anyone at the keyboard may pick any
// demo operator (--operator); elsewhere the OS account decides.
func (s *Store) IsDemo(ctx context.Context) (bool, error) {
	_, found, err := readSeedMarker(ctx, s.conn.DB)
	if err != nil {
		return false, fmt.Errorf("is this the demo database: %w", err)
	}
	return found, nil
}

// Operators lists every operator by handle.
func (s *Store) Operators(ctx context.Context, actor model.Actor) ([]model.Operator, error) {
	if err := s.canRead(ctx, actor, "operators"); err != nil {
		return nil, err
	}
	cur, err := s.operators.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(listMax))
	if err != nil {
		return nil, fmt.Errorf("list operators: %w", err)
	}
	out := []model.Operator{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("list operators: %w", err)
	}
	return out, nil
}

// PutOperator creates (op.Version 0) or replaces (op.Version = the version
// read) an operator. Admins and the system only; audited. Keys are parsed
// and their fingerprints recomputed here, so a login lookup can trust them.
func (s *Store) PutOperator(ctx context.Context, actor model.Actor, op model.Operator) error {
	tgt := auditTarget("operator", op.Handle)
	action := "put_operator"
	actor, err := s.currentActor(ctx, actor)
	if err != nil {
		return fmt.Errorf("put operator %s: %w", op.Handle, err)
	}
	if !actor.Can(model.PermManageOperators) {
		return s.refuse(ctx, actor, action, tgt, "",
			actor.Refusal(model.PermManageOperators, "manage operators"), nil)
	}
	if err := s.normalizeOperator(ctx, &op); err != nil {
		return fmt.Errorf("put operator %s: %w", op.Handle, err)
	}
	if op.Handle == actor.Handle() && (op.Disabled || op.Role != actor.Operator.Role) {
		return s.refuse(ctx, actor, action, tgt, "", "an operator cannot disable themselves or change their own role", nil)
	}

	prev := op.Version
	var old model.Operator
	if prev == 0 {
		if _, err := s.Operator(ctx, op.Handle); err == nil {
			return fmt.Errorf("put operator %s: %w", op.Handle, ErrExists)
		} else if !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("put operator %s: %w", op.Handle, err)
		}
	} else {
		var err error
		if old, err = s.Operator(ctx, op.Handle); err != nil {
			return fmt.Errorf("put operator %s: %w", op.Handle, err)
		}
		if old.Version != prev {
			return s.operatorConflict(ctx, op.Handle, old.Version)
		}
	}
	op.Version = prev + 1

	now := s.now()
	detail := fmt.Sprintf("role=%s tenants=%s keys=%d disabled=%t", op.Role, strings.Join(op.Tenants, ","), len(op.Keys), op.Disabled)
	if op.OSUser != "" {
		detail += " os_user=" + op.OSUser
	}
	if prev > 0 && !slices.Equal(old.KeyFingerprints, op.KeyFingerprints) {
		detail += " keys changed"
	}
	c := s.newClaim(collOperators, op.Handle, op.Version, actor.Handle(), now)
	c.Events = []model.AuditEvent{{
		ID: c.WriteID, At: now, Actor: actor.Handle(), Role: actor.Operator.Role, Origin: actor.Origin,
		Action: action, Target: tgt, Outcome: model.OutcomeOK, Detail: detail,
	}}
	raw, err := bson.Marshal(op)
	if err != nil {
		return fmt.Errorf("put operator %s: %w", op.Handle, err)
	}
	c.Doc = raw
	if _, err := s.commit(ctx, c); err != nil {
		if errors.Is(err, errClaimTaken) || errors.Is(err, errSlotUsed) {
			if other, ok, lerr := s.loadClaim(ctx, c.ID); lerr == nil && ok {
				// Only a claim whose version is not yet written is the winner's.
				if v, verr := docVersion(ctx, s.operators, op.Handle); verr == nil && v < other.Version {
					return &ConflictError{Kind: "operator", ID: op.Handle, By: other.By, At: other.At, Version: other.Version, now: s.now()}
				}
			}
			cur, _ := s.Operator(ctx, op.Handle)
			return s.operatorConflict(ctx, op.Handle, cur.Version)
		}
		return fmt.Errorf("put operator %s: %w", op.Handle, err)
	}
	return nil
}

// operatorConflict names the last writer of an operator record, which the
// record itself does not keep, from its newest audit entry.
func (s *Store) operatorConflict(ctx context.Context, handle string, version int64) *ConflictError {
	ce := &ConflictError{Kind: "operator", ID: handle, By: "another admin", Version: version, now: s.now()}
	var last AuditRecord
	err := s.audit.FindOne(ctx, bson.D{{Key: "target", Value: auditTarget("operator", handle)}, {Key: "outcome", Value: model.OutcomeOK}},
		options.FindOne().SetSort(bson.D{{Key: "_id", Value: -1}})).Decode(&last)
	if err == nil {
		ce.By, ce.At = last.Actor, last.At
	}
	return ce
}

// normalizeOperator checks an operator record and derives its fingerprints.
func (s *Store) normalizeOperator(ctx context.Context, op *model.Operator) error {
	op.Handle = strings.TrimSpace(op.Handle)
	if err := model.ValidHandle(op.Handle); err != nil {
		return invalidf("%v", err)
	}
	if _, err := model.ParseRole(string(op.Role)); err != nil {
		return invalidf("operator %s: %v", op.Handle, err)
	}
	if op.Version < 0 {
		return invalidf("operator %s: negative version", op.Handle)
	}
	op.Name = strings.TrimSpace(op.Name)
	if op.Name == "" {
		op.Name = op.Handle
	}
	if _, err := model.ParseName("name", op.Name); err != nil {
		return invalidf("operator %s: %v", op.Handle, err)
	}
	op.OSUser = strings.TrimSpace(op.OSUser)
	if op.OSUser != "" {
		if err := model.ValidOSUser(op.OSUser); err != nil {
			return invalidf("operator %s: %v", op.Handle, err)
		}
		// An account must name one operator, or a local command could not
		// tell who it acts as.
		if other, err := s.OperatorByOSUser(ctx, op.OSUser); err == nil && other.Handle != op.Handle {
			return invalidf("operator %s: OS user %s is already registered to operator %s", op.Handle, op.OSUser, other.Handle)
		} else if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	tenants := slices.Clone(op.Tenants)
	slices.Sort(tenants)
	op.Tenants = slices.Compact(tenants)
	if op.Tenants == nil {
		op.Tenants = []string{}
	}
	for _, id := range op.Tenants {
		if _, err := s.tenant(ctx, id); err != nil {
			if errors.Is(err, ErrNotFound) {
				return invalidf("operator %s: unknown tenant %q", op.Handle, id)
			}
			return err
		}
	}
	input := op.Keys
	op.Keys, op.KeyFingerprints = []string{}, []string{}
	seen := map[string]bool{}
	for i, line := range input {
		pk, comment, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			return invalidf("operator %s: key %d is not an authorized_keys line: %v", op.Handle, i+1, err)
		}
		if pk.Type() == ssh.KeyAlgoDSA {
			return invalidf("operator %s: key %d is a DSA key, which OpenSSH no longer accepts; use ed25519", op.Handle, i+1)
		}
		fp := ssh.FingerprintSHA256(pk)
		if seen[fp] {
			continue
		}
		seen[fp] = true
		// A key must name one operator, or a login could not tell who it is.
		if other, err := s.OperatorByKey(ctx, fp); err == nil && other.Handle != op.Handle {
			return invalidf("operator %s: key %d already belongs to operator %s", op.Handle, i+1, other.Handle)
		} else if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		norm := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk)))
		if comment != "" {
			norm += " " + comment
		}
		op.Keys = append(op.Keys, norm)
		op.KeyFingerprints = append(op.KeyFingerprints, fp)
	}
	return nil
}
