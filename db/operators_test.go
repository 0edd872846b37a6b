package db_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

func authorizedKey(t *testing.T) (line, fingerprint string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk))) + " nia@laptop", ssh.FingerprintSHA256(pk)
}

func TestPutOperator(t *testing.T) {
	f := newFixture(t)
	key, fp := authorizedKey(t)
	nia := model.Operator{Handle: "nia", Name: "Nia N", Role: model.RoleSupport, Tenants: []string{"tb", "ta", "ta"}, Keys: []string{key}}

	err := f.s.PutOperator(f.ctx, f.lead, nia)
	wantRefused(t, err, "a privacy lead operator cannot manage operators: it needs an admin")
	if ev := f.lastAudit(); ev.Outcome != model.OutcomeRefused || ev.Target != "operator:nia" {
		t.Fatalf("refusal not audited: %+v", ev.AuditEvent)
	}

	if err := f.s.PutOperator(f.ctx, f.admin, nia); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.OperatorByKey(f.ctx, fp)
	if err != nil || got.Handle != "nia" || got.Version != 1 || len(got.KeyFingerprints) != 1 || got.KeyFingerprints[0] != fp ||
		strings.Join(got.Tenants, ",") != "ta,tb" {
		t.Fatalf("by key: %+v %v", got, err)
	}
	if ev := f.lastAudit(); ev.Outcome != model.OutcomeOK || ev.Actor != "adm" || ev.Action != "put_operator" || !strings.Contains(ev.Detail, "role=support") {
		t.Fatalf("put not audited: %+v", ev.AuditEvent)
	}
	if err := f.s.PutOperator(f.ctx, f.admin, nia); !errors.Is(err, db.ErrExists) {
		t.Fatalf("create twice: %v", err)
	}

	upd := got
	upd.Role = model.RoleLead
	if err := f.s.PutOperator(f.ctx, f.admin, upd); err != nil {
		t.Fatal(err)
	}
	var ce *db.ConflictError
	if err := f.s.PutOperator(f.ctx, f.admin, upd); !errors.As(err, &ce) || ce.Version != 2 || !strings.HasPrefix(err.Error(), "operator nia was changed by adm at ") {
		t.Fatalf("stale update: %v", err)
	}
	if op, _ := f.s.Operator(f.ctx, "nia"); op.Role != model.RoleLead || op.Version != 2 {
		t.Fatalf("after update: %+v", op)
	}

	for name, bad := range map[string]model.Operator{
		"bad handle":     {Handle: "Nia Smith", Role: model.RoleSupport},
		"system role":    {Handle: "sys", Role: model.RoleSystem},
		"unknown tenant": {Handle: "x", Role: model.RoleSupport, Tenants: []string{"nope"}},
		"bad key":        {Handle: "x", Role: model.RoleSupport, Keys: []string{"ssh-ed25519 garbage"}},
		"shared key":     {Handle: "x", Role: model.RoleSupport, Keys: []string{key}},
	} {
		if err := f.s.PutOperator(f.ctx, f.admin, bad); !errors.Is(err, db.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	self := f.admin.Operator
	self.Version = 1
	self.Disabled = true
	err = f.s.PutOperator(f.ctx, f.admin, self)
	wantRefused(t, err, "an operator cannot disable themselves or change their own role")

	ops, err := f.s.Operators(f.ctx, f.support)
	if err != nil || len(ops) != 8 || ops[0].Handle != "adm" {
		t.Fatalf("operators: %d %v", len(ops), err)
	}
	if _, err := f.s.Operator(f.ctx, "ghost"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("ghost: %v", err)
	}
	f.verifyOK()
}
