package db_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/dbtest"
	"github.com/custodian-dev/custodian/model"
)

// TestWriteRechecksOperatorRecord: a session keeps the operator record it
// loaded at login, and an admin changes that record in another process.
// The session's next write is judged by the record as it stands.
func TestWriteRechecksOperatorRecord(t *testing.T) {
	type change func(op *model.Operator)
	for _, tc := range []struct {
		name   string
		change change
		// write is the session's next action, by the actor it loaded.
		write   func(f *fixture, s *db.Store, actor model.Actor, r model.Request) error
		refused string // "" means the write goes through
	}{
		{
			name:   "disabled support's note",
			change: func(op *model.Operator) { op.Disabled = true },
			write: func(f *fixture, s *db.Store, a model.Actor, r model.Request) error {
				_, err := s.Apply(f.ctx, a, r.ID, r.Version, model.ActNote, "a note", nil)
				return err
			},
			refused: "operator sam is disabled",
		},
		{
			name:   "disabled support logging a request",
			change: func(op *model.Operator) { op.Disabled = true },
			write: func(f *fixture, s *db.Store, a model.Actor, _ model.Request) error {
				_, err := s.CreateRequest(f.ctx, a, newReq("R-NEW", "ta", "sa1"))
				return err
			},
			refused: "operator sam is disabled",
		},
		{
			name:   "disabled support importing",
			change: func(op *model.Operator) { op.Disabled = true },
			write: func(f *fixture, s *db.Store, a model.Actor, _ model.Request) error {
				_, err := s.CreateRequests(f.ctx, a, []model.Request{newReq("R-IMP", "ta", "sa1")}, nil)
				return err
			},
			refused: "operator sam is disabled",
		},
		{
			name:   "support demoted to engineer",
			change: func(op *model.Operator) { op.Role = model.RoleEngineer },
			write: func(f *fixture, s *db.Store, a model.Actor, r model.Request) error {
				_, err := s.Apply(f.ctx, a, r.ID, r.Version, model.ActNote, "a note", nil)
				return err
			},
			refused: "engineer",
		},
		{
			name:   "support narrowed to another tenant",
			change: func(op *model.Operator) { op.Tenants = []string{"tb"} },
			write: func(f *fixture, s *db.Store, a model.Actor, r model.Request) error {
				_, err := s.Apply(f.ctx, a, r.ID, r.Version, model.ActNote, "a note", nil)
				return err
			},
			refused: "not found",
		},
		{
			name:   "unchanged record",
			change: func(op *model.Operator) { op.Name = "Sam Renamed" },
			write: func(f *fixture, s *db.Store, a model.Actor, r model.Request) error {
				_, err := s.Apply(f.ctx, a, r.ID, r.Version, model.ActNote, "a note", nil)
				return err
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			r := f.create("R-1", "ta")
			// The session: its own Store, its actor loaded once.
			session := f.newStore(f.conn)
			op, err := session.Operator(f.ctx, "sam")
			if err != nil {
				t.Fatal(err)
			}
			loaded := model.Actor{Operator: op, Origin: "ssh"}

			// The admin, elsewhere.
			edited := op
			tc.change(&edited)
			if err := f.s.PutOperator(f.ctx, f.admin, edited); err != nil {
				t.Fatal(err)
			}
			before := f.lastAudit().Seq

			err = tc.write(f, session, loaded, r)
			if tc.refused == "" {
				if err != nil {
					t.Fatalf("write after a harmless change: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("write by the loaded actor succeeded; want it refused (%s)", tc.refused)
			}
			if !strings.Contains(err.Error(), tc.refused) {
				t.Errorf("refusal %q does not say %q", err, tc.refused)
			}
			last := f.lastAudit()
			if last.Seq == before || last.Outcome != model.OutcomeRefused || last.Actor != "sam" {
				t.Errorf("newest audit entry %d %s %s %s; want sam's refusal after %d", last.Seq, last.Actor, last.Action, last.Outcome, before)
			}
			got, err := f.s.Request(f.ctx, f.lead, "R-1")
			if err != nil {
				t.Fatal(err)
			}
			if got.Version != r.Version {
				t.Errorf("request moved to version %d after a refused write", got.Version)
			}
		})
	}
}

// TestDisabledAdminCannotManageOperators: operators admin re-checks too.
func TestDisabledAdminCannotManageOperators(t *testing.T) {
	f := newFixture(t)
	second := actor("ad2", model.RoleAdmin)
	if err := f.s.PutOperator(f.ctx, f.system, second.Operator); err != nil {
		t.Fatal(err)
	}
	loaded, err := f.s.Operator(f.ctx, "adm")
	if err != nil {
		t.Fatal(err)
	}
	other, err := f.s.Operator(f.ctx, "ad2")
	if err != nil {
		t.Fatal(err)
	}
	loaded.Disabled = true
	if err := f.s.PutOperator(f.ctx, model.Actor{Operator: other, Origin: "test"}, loaded); err != nil {
		t.Fatal(err)
	}
	loaded.Disabled = false
	err = f.s.PutOperator(f.ctx, model.Actor{Operator: loaded, Origin: "test"}, model.Operator{Handle: "newbie", Role: model.RoleSupport})
	var refused *db.RefusedError
	if !errors.As(err, &refused) || !strings.Contains(err.Error(), "disabled") {
		t.Fatalf("a disabled admin's open session adding an operator: %v", err)
	}
	if _, err := f.s.Operator(f.ctx, "newbie"); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("newbie exists after the refusal: %v", err)
	}
}

func TestOperatorOSUser(t *testing.T) {
	f := newFixture(t)
	put := func(handle, osUser string) error {
		return f.s.PutOperator(f.ctx, f.system, model.Operator{Handle: handle, Role: model.RoleSupport, OSUser: osUser})
	}
	if err := put("ola", "ola"); err != nil {
		t.Fatal(err)
	}
	op, err := f.s.OperatorByOSUser(f.ctx, "ola")
	if err != nil || op.Handle != "ola" {
		t.Fatalf("OperatorByOSUser(ola) = %+v, %v", op, err)
	}
	if _, err := f.s.OperatorByOSUser(f.ctx, "nobody"); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("OperatorByOSUser(nobody): %v, want not found", err)
	}
	for _, tc := range []struct{ handle, osUser, want string }{
		{"oli", "ola", "already registered to operator ola"},
		{"oli", "o la", "OS user name"},
		{"oli", "-rf", "OS user name"},
		{"oli", "ola\x1b[2J", "OS user name"},
	} {
		err := put(tc.handle, tc.osUser)
		if !errors.Is(err, db.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("put %s with OS user %q: %v; want invalid, %q", tc.handle, tc.osUser, err, tc.want)
		}
		if _, err := f.s.Operator(f.ctx, tc.handle); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("%s stored after a refusal", tc.handle)
		}
	}
}

func TestIsDemo(t *testing.T) {
	f := newFixture(t)
	demo, err := f.s.IsDemo(f.ctx)
	if err != nil || demo {
		t.Fatalf("IsDemo on a hand-made database = %v, %v", demo, err)
	}
	empty := newFixtureStoreOnly(t)
	if _, err := db.Seed(f.ctx, empty, db.SeedOptions{Subjects: 50, Requests: 10, LocalUser: "tester"}); err != nil {
		t.Fatal(err)
	}
	if demo, err := empty.IsDemo(f.ctx); err != nil || !demo {
		t.Fatalf("IsDemo after Seed = %v, %v", demo, err)
	}
}

// newFixtureStoreOnly is a Store on a fresh, empty database (schema only).
func newFixtureStoreOnly(t *testing.T) *db.Store {
	t.Helper()
	s, err := db.NewStore(dbtest.New(t), db.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// BenchmarkOperatorReload is what every write now adds before its checks:
// the acting operator's record read by _id (Store.Operator, which the
// write's reload calls). Compare with BenchmarkTransition, a whole write.
func BenchmarkOperatorReload(b *testing.B) {
	f := newFixture(b)
	for b.Loop() {
		if _, err := f.s.Operator(f.ctx, "sam"); err != nil {
			b.Fatal(err)
		}
	}
}
