package db_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/dbtest"
	"github.com/custodian-dev/custodian/model"
)

// A writer whose version read is stale (a lagging replica, a failover) can
// insert the claim of a version another writer has just finished and freed.
// The version number then says "written", but not by it: the loser must be
// told it lost, and nothing of its write may reach the database or chain.
func TestStaleReadLoserToldItLost(t *testing.T) {
	for _, tc := range []struct {
		name string
		// setup returns the request id and version both writers start from.
		setup func(f *fixture) (string, int64)
		// winner and loser are the two writes; loser runs on a stale store.
		winner, loser func(f *fixture, s *db.Store, id string, v int64) error
		// lost checks the loser's error.
		lost func(t *testing.T, err error)
		// stored checks the request afterwards: the winner's change only.
		stored func(t *testing.T, r model.Request)
		// winnerAction is the audit action of the winner, loserAction the
		// loser's, on the request.
		winnerAction, loserAction string
	}{
		{
			name: "transition",
			setup: func(f *fixture) (string, int64) {
				r := f.create("R-1", "ta")
				return r.ID, r.Version
			},
			winner: func(f *fixture, s *db.Store, id string, v int64) error {
				_, err := s.Transition(f.ctx, f.lead, id, v, model.ActStartVerification, "")
				return err
			},
			loser: func(f *fixture, s *db.Store, id string, v int64) error {
				_, err := s.Transition(f.ctx, f.support, id, v, model.ActNote, "the loser's note")
				return err
			},
			lost: func(t *testing.T, err error) {
				var ce *db.ConflictError
				if !errors.As(err, &ce) || ce.By != "ana" || ce.Version != 2 || ce.Status != model.StatusVerifying {
					t.Fatalf("loser: want a conflict naming ana's version 2, got %v", err)
				}
			},
			stored: func(t *testing.T, r model.Request) {
				if r.Version != 2 || r.Status != model.StatusVerifying || r.UpdatedBy != "ana" || len(r.History) != 2 {
					t.Fatalf("stored: v%d %s by %s, %d history lines", r.Version, r.Status, r.UpdatedBy, len(r.History))
				}
			},
			winnerAction: string(model.ActStartVerification), loserAction: string(model.ActNote),
		},
		{
			name:  "create",
			setup: func(f *fixture) (string, int64) { return "R-NEW", 0 },
			winner: func(f *fixture, s *db.Store, id string, _ int64) error {
				_, err := s.CreateRequest(f.ctx, f.support, newReq(id, "ta", "sa1"))
				return err
			},
			loser: func(f *fixture, s *db.Store, id string, _ int64) error {
				r := newReq(id, "ta", "sa1")
				r.Type = model.TypeAccess
				_, err := s.CreateRequest(f.ctx, f.support2, r)
				return err
			},
			lost: func(t *testing.T, err error) {
				if !errors.Is(err, db.ErrExists) {
					t.Fatalf("loser: want ErrExists (same id, other content), got %v", err)
				}
			},
			stored: func(t *testing.T, r model.Request) {
				if r.Version != 1 || r.Type != model.TypeDeletion || r.LoggedBy != "sam" {
					t.Fatalf("stored: v%d %s logged by %s", r.Version, r.Type, r.LoggedBy)
				}
			},
			winnerAction: string(model.ActLog), loserAction: "",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			id, v := tc.setup(f)
			a, b := f.newStore(f.conn), f.newStore(f.conn)
			// B has read version v; A's whole write lands before B claims.
			b.BeforeClaimForTest(func() error {
				b.BeforeClaimForTest(nil)
				if err := tc.winner(f, a, id, v); err != nil {
					t.Fatalf("winner: %v", err)
				}
				return nil
			})
			// B's re-check after its claim still sees version v.
			b.StaleVersionReadForTest(func(int64) int64 { return v })
			err := tc.loser(f, b, id, v)
			tc.lost(t, err)
			if errors.Is(err, db.ErrPending) {
				t.Fatalf("loser told pending: %v", err)
			}

			stored, rerr := f.s.Request(f.ctx, f.admin, id)
			if rerr != nil {
				t.Fatal(rerr)
			}
			tc.stored(t, stored)
			var winners, losers int
			for _, ev := range f.allAudit() {
				if ev.Target != "request:"+id {
					continue
				}
				switch {
				case ev.Actor == "sue" || (ev.Action == tc.loserAction && tc.loserAction != ""):
					losers++
				case ev.Action == tc.winnerAction:
					winners++
				}
			}
			if winners != 1 || losers != 0 {
				t.Fatalf("chain has %d winner and %d loser events for %s, want 1 and 0", winners, losers, id)
			}
			if n, _ := f.conn.DB.Collection("claims").CountDocuments(f.ctx, bson.D{}); n != 0 {
				t.Fatalf("%d claims left", n)
			}
			// Nothing left for a drain to apply later either.
			f.s.SetStaleClaimForTest(0)
			if n, err := f.s.DrainOutbox(f.ctx); err != nil || n != 0 {
				t.Fatalf("drain after the race added %d (%v)", n, err)
			}
			f.verifyOK()
			rep, err := f.s.VerifyRequests(f.ctx)
			if err != nil || len(rep.Mismatches) > 0 {
				t.Fatalf("requests vs chain: %v %v", rep.Mismatches, err)
			}
		})
	}
}

// A claim insert that reached the database but whose answer was lost is
// not "not saved": the caller is told it is pending, and a drain applies it.
func TestClaimAckLostIsPendingAndDrained(t *testing.T) {
	f := newFixture(t)
	r := f.create("R-1", "ta")
	victim := f.newStore(f.conn)
	victim.LoseClaimAckForTest(func() error { return errors.New("connection reset") })
	_, err := victim.Transition(f.ctx, f.lead, r.ID, r.Version, model.ActStartVerification, "")
	var pe *db.PendingError
	if !errors.As(err, &pe) || !errors.Is(err, model.ErrPending) || pe.ClaimID != "requests/R-1@2" {
		t.Fatalf("want a pending error for claim requests/R-1@2, got %v", err)
	}
	if !strings.Contains(err.Error(), "pending: will be applied (claim requests/R-1@2)") {
		t.Fatalf("message: %q", err)
	}
	if got, _ := f.s.Request(f.ctx, f.admin, r.ID); got.Version != 1 {
		t.Fatalf("applied before any drain: v%d", got.Version)
	}
	f.s.SetStaleClaimForTest(0)
	if n, err := f.s.DrainOutbox(f.ctx); err != nil || n != 1 {
		t.Fatalf("drain added %d events (%v), want 1", n, err)
	}
	got, err := f.s.Request(f.ctx, f.admin, r.ID)
	if err != nil || got.Version != 2 || got.Status != model.StatusVerifying || got.UpdatedBy != "ana" {
		t.Fatalf("after drain: v%d %s by %s (%v)", got.Version, got.Status, got.UpdatedBy, err)
	}
	f.verifyOK()
}

// Through --mongo-uri the embedded FerretDB is an external server like any
// other: its kind is detected from what it answers, and it has no
// transactions, so writes stay on claims.
func TestRemoteFerretDBDetected(t *testing.T) {
	conn := dbtest.New(t)
	ctx := context.Background()
	remote, err := db.Open(ctx, db.Options{URI: conn.URI})
	if err != nil {
		t.Fatal(err)
	}
	defer remote.Close(ctx)
	if remote.Embedded || remote.Transactions || remote.Topology != "FerretDB" {
		t.Fatalf("remote FerretDB: embedded=%t transactions=%t topology=%q", remote.Embedded, remote.Transactions, remote.Topology)
	}
}

// A process that stays up finishes a write another one left pending (here:
// stopped right after its claim) without being restarted.
func TestDrainerAppliesCrashedWrite(t *testing.T) {
	f := newFixture(t)
	r := f.create("R-1", "ta")
	victim := f.newStore(f.conn)
	victim.CrashAfterClaimForTest(func() error { return errors.New("simulated crash") })
	if _, err := victim.Transition(f.ctx, f.lead, r.ID, r.Version, model.ActStartVerification, ""); !errors.Is(err, db.ErrPending) {
		t.Fatalf("crashed write: want pending, got %v", err)
	}
	f.s.SetStaleClaimForTest(0)
	ctx, cancel := context.WithCancel(f.ctx)
	wait := f.s.StartDrainer(ctx, 5*time.Millisecond)
	defer func() { cancel(); wait() }()
	// Polled, not timed: the deadline only stops a broken drainer from
	// hanging the test.
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, err := f.s.Request(f.ctx, f.admin, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		claims, err := f.conn.DB.Collection("claims").CountDocuments(f.ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Version == 2 && claims == 0 {
			if got.Status != model.StatusVerifying || got.UpdatedBy != "ana" {
				t.Fatalf("drained: %s by %s", got.Status, got.UpdatedBy)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the drainer never applied the pending write")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	wait()
	var oks int
	for _, ev := range f.allAudit() {
		if ev.Target == "request:R-1" && ev.Action == string(model.ActStartVerification) {
			oks++
		}
	}
	if oks != 1 {
		t.Fatalf("%d chain entries for the drained write, want 1", oks)
	}
	f.verifyOK()
}

// A loser that stops right after inserting its claim leaves a claim for a
// version another write made. A drain must recognise it by the write id in
// the document and drop it: its event would otherwise reach the chain under
// its own id, as if its change had happened.
func TestDrainDropsALosersClaim(t *testing.T) {
	f := newFixture(t)
	r := f.create("R-1", "ta")
	a, b := f.newStore(f.conn), f.newStore(f.conn)
	b.BeforeClaimForTest(func() error {
		b.BeforeClaimForTest(nil)
		_, err := a.Transition(f.ctx, f.lead, r.ID, r.Version, model.ActStartVerification, "")
		return err
	})
	b.StaleVersionReadForTest(func(int64) int64 { return r.Version })
	b.CrashAfterClaimForTest(func() error { return errors.New("simulated crash") })
	if _, err := b.Transition(f.ctx, f.support, r.ID, r.Version, model.ActNote, "the loser's note"); !errors.Is(err, db.ErrPending) {
		t.Fatalf("crashed loser: %v", err)
	}
	claims, err := f.s.Claims(f.ctx)
	if err != nil || len(claims) != 1 || claims[0].State != db.ClaimLost {
		t.Fatalf("claims before the drain: %+v (%v)", claims, err)
	}
	f.s.SetStaleClaimForTest(0)
	if n, err := f.s.DrainOutbox(f.ctx); err != nil || n != 0 {
		t.Fatalf("drain added %d events (%v), want 0", n, err)
	}
	if claims, err := f.s.Claims(f.ctx); err != nil || len(claims) != 0 {
		t.Fatalf("claims after the drain: %+v (%v)", claims, err)
	}
	var starts, notes int
	for _, ev := range f.allAudit() {
		switch {
		case ev.Target != "request:R-1":
		case ev.Action == string(model.ActStartVerification):
			starts++
		case ev.Action == string(model.ActNote):
			notes++
		}
	}
	if starts != 1 || notes != 0 {
		t.Fatalf("chain: %d start_verification, %d note events; want 1 and 0", starts, notes)
	}
	got, err := f.s.Request(f.ctx, f.admin, r.ID)
	if err != nil || got.Version != 2 || got.UpdatedBy != "ana" || len(got.History) != 2 {
		t.Fatalf("request after the drain: v%d by %s, %d lines (%v)", got.Version, got.UpdatedBy, len(got.History), err)
	}
	f.verifyOK()
}
