package sshd

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/db"
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
