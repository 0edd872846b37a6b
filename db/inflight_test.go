package db_test

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// waitWritesStopped spins until StopWrites has begun on s.
func waitWritesStopped(t *testing.T, s *db.Store) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !s.WritesStoppedForTest() {
		if time.Now().After(deadline) {
			t.Fatal("StopWrites never began")
		}
		runtime.Gosched()
	}
}

// A write half way through its claim when shutdown begins is finished and
// recorded; every write that starts later, whichever Store method it comes
// through, is refused with the shutdown message and stores nothing; reads
// still answer.
func TestDrainStopWritesLetsAClaimFinishAndRefusesLaterWrites(t *testing.T) {
	f := newFixture(t)
	r := f.create("R-1", "ta")
	other := f.create("R-2", "ta")
	held := f.newStore(f.conn)
	claimed, release := make(chan struct{}), make(chan struct{})
	held.CrashAfterClaimForTest(func() error {
		close(claimed)
		<-release
		return nil
	})
	type result struct {
		r   model.Request
		err error
	}
	applied := make(chan result, 1)
	go func() {
		got, err := held.Transition(f.ctx, f.support, r.ID, r.Version, model.ActStartVerification, "")
		applied <- result{got, err}
	}()
	<-claimed
	stopped := make(chan error, 1)
	go func() { stopped <- held.StopWrites(f.ctx) }()
	waitWritesStopped(t, held)

	chainBefore := len(f.allAudit())
	for _, tc := range []struct {
		name  string
		write func() error
	}{
		{"a request action (Apply)", func() error {
			_, err := held.Transition(f.ctx, f.support, other.ID, other.Version, model.ActStartVerification, "")
			return err
		}},
		{"a refused request action", func() error {
			_, err := held.Transition(f.ctx, f.engineer, other.ID, other.Version, model.ActStartVerification, "")
			return err
		}},
		{"a new request", func() error {
			_, err := held.CreateRequest(f.ctx, f.support, newReq("R-3", "ta", "sa1"))
			return err
		}},
		{"an operator (a claimed write outside Apply)", func() error {
			return held.PutOperator(f.ctx, f.system, model.Operator{Handle: "newbie", Name: "New Bie", Role: model.RoleSupport})
		}},
		{"an audit event", func() error {
			_, err := held.AppendAudit(f.ctx, model.AuditEvent{Actor: "adm", Action: "login", Target: "operator:adm", Outcome: model.OutcomeOK})
			return err
		}},
		{"an export's record", func() error {
			return held.RecordExport(f.ctx, f.lead, model.RecordFilter{Since: time.Unix(0, 0), Until: time.Now()}, 1, "stdout")
		}},
	} {
		err := tc.write()
		if !errors.Is(err, db.ErrShuttingDown) || !strings.Contains(err.Error(), "the server is shutting down; reconnect in a moment") {
			t.Errorf("%s after StopWrites: %v, want the shutdown message", tc.name, err)
		}
	}
	if n := len(f.allAudit()); n != chainBefore {
		t.Errorf("the refused writes added %d audit entries", n-chainBefore)
	}
	if got, err := held.Request(f.ctx, f.support, other.ID); err != nil || got.Version != other.Version {
		t.Errorf("a read after StopWrites: v%d, %v; want it unchanged and answered", got.Version, err)
	}
	if _, err := f.s.Operator(f.ctx, "newbie"); err == nil {
		t.Error("the refused operator was stored")
	}
	select {
	case err := <-stopped:
		t.Fatalf("StopWrites returned (%v) while a claimed write was still running", err)
	default:
	}

	close(release)
	if err := <-stopped; err != nil {
		t.Fatalf("StopWrites: %v", err)
	}
	res := <-applied
	if res.err != nil || res.r.Version != r.Version+1 || res.r.Status != model.StatusVerifying {
		t.Fatalf("the write begun before StopWrites: v%d %s, %v; want it finished", res.r.Version, res.r.Status, res.err)
	}
	if ev := f.lastAudit(); ev.Target != "request:"+r.ID || ev.Action != string(model.ActStartVerification) {
		t.Errorf("the finished write's event is not the chain's last: %+v", ev.AuditEvent)
	}
	f.verifyOK()
}

// A fulfilment run that shutdown overtakes finishes the step it is in,
// change and record together, and stops before the next one; the request
// stays fulfilling, and a run on a server that is up resumes and completes.
func TestDrainStopWritesEndsARunAfterTheStepInFlight(t *testing.T) {
	f, r := crashCase(t, model.TypeDeletion)
	total := len(r.Plan.Steps)
	if total < 2 {
		t.Fatalf("the plan has %d steps; the test needs two or more", total)
	}
	inStep, release := make(chan struct{}), make(chan struct{})
	f.s.CrashAfterStepEffectForTest(func(i int) error {
		if i == 0 {
			close(inStep)
			<-release
		}
		return nil
	})
	type result struct {
		r   model.Request
		err error
	}
	ran := make(chan result, 1)
	go func() {
		got, err := f.s.RunFulfilment(f.ctx, f.who["lou"], r.ID, nil)
		ran <- result{got, err}
	}()
	<-inStep
	running := f.s
	stopped := make(chan error, 1)
	go func() { stopped <- running.StopWrites(f.ctx) }()
	waitWritesStopped(t, running)
	select {
	case err := <-stopped:
		t.Fatalf("StopWrites returned (%v) between a step's change and its record", err)
	default:
	}
	close(release)
	if err := <-stopped; err != nil {
		t.Fatalf("StopWrites: %v", err)
	}
	res := <-ran
	if !errors.Is(res.err, db.ErrShuttingDown) || !strings.Contains(res.err.Error(), "run it again to resume") {
		t.Fatalf("the overtaken run: %v; want it stopped by the shutdown, resumable", res.err)
	}

	f.s = f.store() // a server that is up
	cur, err := f.s.Request(f.ctx, f.who["lou"], r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cur.Status != model.StatusFulfilling || !cur.Plan.Steps[0].Done || len(cur.Plan.Pending()) != total-1 {
		t.Fatalf("after the overtaken run: %s with %d of %d steps done; want fulfilling with the first step recorded",
			cur.Status, total-len(cur.Plan.Pending()), total)
	}
	end, err := f.s.RunFulfilment(f.ctx, f.who["lou"], r.ID, nil)
	if err != nil || end.Status != model.StatusCompleted {
		t.Fatalf("resumed run: %v (%s)", err, end.Status)
	}
	if res, err := f.s.VerifyAudit(f.ctx, nil); err != nil || !res.OK {
		t.Fatalf("verify: %+v %v", res, err)
	}
}
