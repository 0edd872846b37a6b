package db_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

func TestRemindRecordsWhoToWhomAndWhen(t *testing.T) {
	f := newFixture(t)
	r := f.requestAt("R-REM", "ta", model.StatusAwaitingApproval)
	f.clock.Add(time.Hour)
	got, err := f.s.Apply(f.ctx, f.support2, r.ID, r.Version, model.ActRemind, "", func(x *model.Request) error {
		x.Reminders = append(x.Reminders, model.Reminder{To: "Pat Clerk", By: "forged", At: time.Unix(0, 0)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != model.StatusAwaitingApproval || len(got.Reminders) != 1 {
		t.Fatalf("after remind: status %s, %d reminders", got.Status, len(got.Reminders))
	}
	rem := got.Reminders[0]
	if rem.By != "sue" || !rem.At.Equal(f.clock.Now().UTC().Truncate(time.Millisecond)) || rem.To != "Pat Clerk" {
		t.Errorf("reminder %+v: the controller sets who and when", rem)
	}
	ev := f.lastAudit()
	if ev.Action != "remind" || ev.Outcome != model.OutcomeOK || ev.Detail != "reminder 1 sent to approver 1 (City Clerk)" {
		t.Errorf("audit %+v", ev.AuditEvent)
	}
	if last, ok := got.LastReminder(); !ok || last.By != "sue" {
		t.Errorf("LastReminder = %+v, %v", last, ok)
	}
	f.verifyOK()
}

func TestRemindRefusesBadInput(t *testing.T) {
	f := newFixture(t)
	r := f.requestAt("R-REM", "ta", model.StatusAwaitingApproval)
	tests := []struct {
		name string
		a    model.Action
		edit func(*model.Request) error
	}{
		{"not an approver", model.ActRemind, func(x *model.Request) error {
			x.Reminders = append(x.Reminders, model.Reminder{To: "Bea Counsel"}) // the other tenant's
			return nil
		}},
		{"no reminder", model.ActRemind, nil},
		{"two at once", model.ActRemind, func(x *model.Request) error {
			x.Reminders = append(x.Reminders, model.Reminder{To: "Pat Clerk"}, model.Reminder{To: "Pat Clerk"})
			return nil
		}},
		{"smuggled by a note", model.ActNote, func(x *model.Request) error {
			x.Reminders = append(x.Reminders, model.Reminder{To: "Pat Clerk"})
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.s.Apply(f.ctx, f.support, r.ID, r.Version, tt.a, "a note", tt.edit)
			if !errors.Is(err, db.ErrInvalid) {
				t.Fatalf("want invalid input, got %v", err)
			}
		})
	}
	// Only while the Customer's decision is awaited.
	v := f.requestAt("R-VER", "ta", model.StatusVerifying)
	_, err := f.s.Apply(f.ctx, f.support, v.ID, v.Version, model.ActRemind, "", func(x *model.Request) error {
		x.Reminders = append(x.Reminders, model.Reminder{To: "Pat Clerk"})
		return nil
	})
	wantRefused(t, err, "cannot remind a request that is verifying (only when awaiting approval)")
}

func TestApprovalsListsWaitingRequestsInScope(t *testing.T) {
	f := newFixture(t)
	f.requestAt("R-A1", "ta", model.StatusAwaitingApproval)
	f.requestAt("R-B1", "tb", model.StatusAwaitingApproval)
	f.requestAt("R-A2", "ta", model.StatusVerifying)
	ids := func(rs []model.Request) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		slices.Sort(out)
		return out
	}
	all, err := f.s.Approvals(f.ctx, f.lead, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(all); !slices.Equal(got, []string{"R-A1", "R-B1"}) {
		t.Errorf("approvals = %v", got)
	}
	for _, r := range all {
		if since, ok := r.AwaitingSince(); !ok || since.IsZero() {
			t.Errorf("%s: no awaiting-since from history", r.ID)
		}
	}
	scoped, err := f.s.Approvals(f.ctx, f.scopedA, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(scoped); !slices.Equal(got, []string{"R-A1"}) {
		t.Errorf("scoped approvals = %v", got)
	}
	if out, _ := f.s.Approvals(f.ctx, f.scopedA, "tb"); len(out) != 0 {
		t.Errorf("out-of-scope tenant shows %d requests", len(out))
	}
}
