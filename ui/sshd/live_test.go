package sshd

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/dbtest"
	"github.com/custodian-dev/custodian/model"
)

// TestDisabledOperatorSessionEnds: an admin disables an operator while
// their SSH console is open; the session's live poll sees it, the console
// closes with a message naming who disabled the account, and the session
// end is audited with that reason.
func TestDisabledOperatorSessionEnds(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds an embedded database")
	}
	_, store := seeded(t)
	ts := startServer(t, store, func(c *Config) { c.App.LivePoll = 50 * time.Millisecond })
	tm := openTerm(t, ts.mustDial(t, "sid"), 100, 30, nil)
	tm.waitText("due this week")

	ctx := context.Background()
	ada, err := store.Operator(ctx, "ada")
	if err != nil {
		t.Fatal(err)
	}
	sid, err := store.Operator(ctx, "sid")
	if err != nil {
		t.Fatal(err)
	}
	sid.Disabled = true
	if err := store.PutOperator(ctx, model.Actor{Operator: ada, Origin: "test"}, sid); err != nil {
		t.Fatal(err)
	}
	if _, ended := tm.ended(60 * time.Second); !ended {
		t.Fatalf("sid's session is still open after sid was disabled; screen:\n%s", tm.screen())
	}
	if !strings.Contains(tm.stderrText(), "your operator account was disabled by ada") {
		t.Errorf("stderr %q does not say the account was disabled, and by whom", tm.stderrText())
	}
	waitAudit(t, store, "sid's session end", func(r db.AuditRecord) bool {
		return r.Action == "ssh_session_end" && r.Actor == "sid" && strings.HasPrefix(r.Detail, "operator disabled after")
	})
}

// TestSharedLiveReadsOncePerTTL: the sessions' live polls share one read
// of an operator's record per TTL, and see a change once it has passed.
func TestSharedLiveReadsOncePerTTL(t *testing.T) {
	ctx := context.Background()
	store := newStore(t, dbtest.New(t))
	sys := model.SystemActor("test")
	op := model.Operator{Handle: "sam", Name: "Sam", Role: model.RoleSupport}
	if err := store.PutOperator(ctx, sys, op); err != nil {
		t.Fatal(err)
	}
	now := testNow()
	shared := newSharedLive(store, func() time.Time { return now })
	session := model.Actor{Operator: op, Origin: "ssh"}
	if got, err := shared.CurrentActor(ctx, session); err != nil || got.Operator.Disabled {
		t.Fatalf("first read: %+v, %v", got.Operator, err)
	}
	before, err := shared.Changes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	op, err = store.Operator(ctx, "sam")
	if err != nil {
		t.Fatal(err)
	}
	op.Disabled = true
	if err := store.PutOperator(ctx, sys, op); err != nil {
		t.Fatal(err)
	}
	now = now.Add(sharedLiveTTL / 2)
	got, err := shared.CurrentActor(ctx, session)
	if err != nil || got.Operator.Disabled {
		t.Fatalf("within the TTL the shared read answers (enabled): %+v, %v", got.Operator, err)
	}
	if m, err := shared.Changes(ctx); err != nil || m != before {
		t.Fatalf("within the TTL the marker is the shared read: %+v → %+v, %v", before, m, err)
	}
	now = now.Add(sharedLiveTTL)
	if got, err = shared.CurrentActor(ctx, session); err != nil || !got.Operator.Disabled {
		t.Fatalf("after the TTL the record is read again (disabled): %+v, %v", got.Operator, err)
	}
	if m, err := shared.Changes(ctx); err != nil || m.Seq <= before.Seq {
		t.Fatalf("after the TTL the marker has moved: %+v → %+v, %v", before, m, err)
	}
}
