package sshd

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// Shutdown lets a console's write that began before it finish, refuses the
// writes that start later with the message the operator sees, and returns
// only once the running write is done, so the connection can be closed.
func TestShutdownLetsAWriteInFlightFinishAndRefusesLaterOnes(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds an embedded database")
	}
	ctx := context.Background()
	_, store := seeded(t)
	ts := startServer(t, store, nil)
	served := ts.cfg.Store // what every session of this server calls
	sam, err := store.Operator(ctx, "sam")
	if err != nil {
		t.Fatal(err)
	}
	actor := model.Actor{Operator: sam, Origin: "test"}
	page, err := store.Queue(ctx, actor, model.QueueFilter{Limit: 2})
	if err != nil || len(page) < 2 {
		t.Fatalf("queue: %d requests, %v", len(page), err)
	}
	held, later := page[0], page[1]

	inEdit, release := make(chan struct{}), make(chan struct{})
	type result struct {
		r   model.Request
		err error
	}
	applied := make(chan result, 1)
	go func() {
		r, err := served.Apply(ctx, actor, held.ID, held.Version, model.ActNote, "noted before shutdown", func(*model.Request) error {
			close(inEdit)
			<-release
			return nil
		})
		applied <- result{r, err}
	}()
	<-inEdit

	shut := make(chan error, 1)
	go func() {
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		shut <- ts.Shutdown(sctx)
	}()
	// A write begun after Shutdown reached the store is refused; the
	// probe's fixed event id puts it on the chain at most once before.
	probe := model.AuditEvent{ID: "ev-shutdown-probe", Actor: "test", Action: "probe", Target: "server", Outcome: model.OutcomeOK}
	var refusal error
	waitFor(t, "writes to be refused", func() bool {
		_, refusal = served.AppendAudit(ctx, probe)
		return refusal != nil
	})
	if !errors.Is(refusal, db.ErrShuttingDown) || !strings.Contains(refusal.Error(), "the server is shutting down; reconnect in a moment") {
		t.Fatalf("a write after shutdown began: %v, want the shutdown message", refusal)
	}
	if _, err := served.Transition(ctx, actor, later.ID, later.Version, model.ActNote, "noted after shutdown"); !errors.Is(err, db.ErrShuttingDown) {
		t.Errorf("a request action after shutdown began: %v, want the shutdown message", err)
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned (%v) while a write was still running", err)
	default:
	}

	close(release)
	if err := <-shut; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	res := <-applied
	if res.err != nil || res.r.Version != held.Version+1 {
		t.Fatalf("the write begun before shutdown: v%d, %v; want it finished", res.r.Version, res.err)
	}
	if got, err := store.Request(ctx, actor, later.ID); err != nil || got.Version != later.Version {
		t.Errorf("the refused write changed %s: v%d (%v)", later.ID, got.Version, err)
	}
	if res, err := store.VerifyAudit(ctx, nil); err != nil || !res.OK {
		t.Fatalf("verify: %+v %v", res, err)
	}
}
