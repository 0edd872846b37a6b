package db_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/dbtest"
	"github.com/custodian-dev/custodian/model"
)

func event(id string) model.AuditEvent {
	return model.AuditEvent{ID: id, Actor: "custodian", Role: model.RoleSystem, Origin: "test", Action: "login", Target: "operator:sam", Outcome: model.OutcomeOK}
}

func TestAppendAuditIdempotentAndRoundTrips(t *testing.T) {
	f := newFixture(t)
	ev := event("ev-1")
	// Nanoseconds, a zone and invalid UTF-8 must not break the hash after a round trip.
	ev.At = time.Date(2026, 3, 2, 7, 4, 5, 123456789, time.FixedZone("PST", -8*3600))
	ev.Reason = "bad \xff\xfe bytes \x1b[31m and\u202e bidi"
	first, err := f.s.AppendAudit(f.ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.s.AppendAudit(f.ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if again.Seq != first.Seq || again.Hash != first.Hash {
		t.Fatalf("repeat appended again: seq %d then %d", first.Seq, again.Seq)
	}
	// A second store (cold head) repeating it finds it too.
	other := f.newStore(f.conn)
	third, err := other.AppendAudit(f.ctx, ev)
	if err != nil || third.Seq != first.Seq {
		t.Fatalf("repeat from another store: seq %d, %v", third.Seq, err)
	}
	next, err := other.AppendAudit(f.ctx, event("ev-2"))
	if err != nil || next.Seq != first.Seq+1 || next.Prev != first.Hash {
		t.Fatalf("next: %+v %v", next, err)
	}
	res := f.verifyOK()
	if res.Events != next.Seq || res.Head != next.Hash || res.CheckpointSeq != next.Seq || res.Warning != "" {
		t.Fatalf("verify: %+v", res)
	}
	if _, err := f.s.AppendAudit(f.ctx, model.AuditEvent{Action: "x"}); !errors.Is(err, db.ErrInvalid) {
		t.Fatalf("event without actor: %v", err)
	}
}

// Two Stores on two connections to one database (on the embedded one the
// second Open on the data directory joins the first one's server) extend
// one chain.
func TestConcurrentAppendersTwoStores(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	open := dbtest.Shared(t)
	c1 := open()
	c2 := open()
	if err := db.EnsureSchema(ctx, c1.DB); err != nil {
		t.Fatal(err)
	}
	if c1.URI != c2.URI {
		t.Fatalf("second open did not join the first server: %s vs %s", c1.URI, c2.URI)
	}
	cp, key := filepath.Join(dir, "cp.json"), filepath.Join(dir, "cp.key")
	stores := make([]*db.Store, 2)
	for i, c := range []*db.Conn{c1, c2} {
		s, err := db.NewStore(c, db.StoreOptions{CheckpointPath: cp, CheckpointKeyPath: key})
		if err != nil {
			t.Fatal(err)
		}
		stores[i] = s
	}
	const perWorker, workers = 15, 3
	var wg sync.WaitGroup
	for si, s := range stores {
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range perWorker {
					if _, err := s.AppendAudit(ctx, event(fmt.Sprintf("s%d-w%d-%d", si, w, i))); err != nil {
						t.Errorf("append: %v", err)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	total := int64(len(stores) * workers * perWorker)
	res, err := stores[1].VerifyAudit(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK || res.Events != total {
		t.Fatalf("verify: %+v, want OK with %d events", res, total)
	}
	if res.CheckpointSeq != total {
		t.Fatalf("checkpoint at %d, want %d", res.CheckpointSeq, total)
	}
	n, err := c1.DB.Collection("audit").CountDocuments(ctx, bson.D{})
	if err != nil || n != total {
		t.Fatalf("%d documents, want %d (%v)", n, total, err)
	}
}

func TestCrashSafety(t *testing.T) {
	crash := errors.New("simulated crash")
	for _, tc := range []struct {
		name string
		arm  func(s *db.Store)
		// applyOK: the action itself succeeds (only its audit is deferred)
		applyOK bool
	}{
		{"after claim", func(s *db.Store) { s.CrashAfterClaimForTest(func() error { return crash }) }, false},
		{"after write", func(s *db.Store) { s.CrashAfterWriteForTest(func() error { return crash }) }, false},
		{"append fails", func(s *db.Store) { s.FailAppendForTest(func() error { return crash }) }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			r := f.create("R-1", "ta")
			victim := f.newStore(f.conn)
			tc.arm(victim)
			got, err := victim.Transition(f.ctx, f.lead, r.ID, r.Version, model.ActStartVerification, "")
			if tc.applyOK != (err == nil) {
				t.Fatalf("transition: %v", err)
			}
			if tc.applyOK && got.Version != 2 {
				t.Fatalf("transition returned v%d", got.Version)
			}
			if !tc.applyOK {
				// Until the claim is settled nobody else can take version 2,
				// and the loser is told who holds it.
				_, err := f.s.Transition(f.ctx, f.support, r.ID, r.Version, model.ActStartVerification, "")
				var ce *db.ConflictError
				if !errors.As(err, &ce) || ce.By != "ana" || ce.Version != 2 {
					t.Fatalf("write against a pending claim: %v", err)
				}
			}

			// Two recovering processes at once, then again: one chain entry.
			f.s.SetStaleClaimForTest(0)
			other := f.newStore(f.conn)
			other.SetStaleClaimForTest(0)
			var wg sync.WaitGroup
			counts := make([]int, 2)
			for i, s := range []*db.Store{f.s, other} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n, err := s.DrainOutbox(f.ctx)
					if err != nil {
						t.Errorf("drain: %v", err)
					}
					counts[i] = n
				}()
			}
			wg.Wait()
			if n, err := f.s.DrainOutbox(f.ctx); err != nil || n != 0 {
				t.Fatalf("second drain moved %d (%v)", n, err)
			}
			added := counts[0] + counts[1]
			if added != 1 {
				t.Fatalf("drains added %d events, want 1", added)
			}
			stored, err := f.s.Request(f.ctx, f.admin, r.ID)
			if err != nil || stored.Version != 2 || stored.Status != model.StatusVerifying || stored.UpdatedBy != "ana" {
				t.Fatalf("after recovery: v%d %s by %s (%v)", stored.Version, stored.Status, stored.UpdatedBy, err)
			}
			var oks int
			for _, ev := range f.allAudit() {
				if ev.Target == "request:R-1" && ev.Action == string(model.ActStartVerification) {
					oks++
				}
			}
			if oks != 1 {
				t.Fatalf("%d chain entries for the transition, want 1", oks)
			}
			if n, _ := f.conn.DB.Collection("claims").CountDocuments(f.ctx, bson.D{}); n != 0 {
				t.Fatalf("%d claims left", n)
			}
			f.verifyOK()
			// Life goes on at version 2.
			if _, err := f.s.Transition(f.ctx, f.support, r.ID, 2, model.ActRequestInfo, "proof of address"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// seedChain appends n events and returns the store's view of them.
func (f *fixture) seedChain(n int) {
	f.t.Helper()
	for i := range n {
		if _, err := f.s.AppendAudit(f.ctx, event(fmt.Sprintf("ev-%d", i))); err != nil {
			f.t.Fatal(err)
		}
	}
}

func (f *fixture) verify() db.VerifyResult {
	f.t.Helper()
	res, err := f.s.VerifyAudit(f.ctx, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	return res
}

func TestTamperDetected(t *testing.T) {
	t.Run("reason changed", func(t *testing.T) {
		f := newFixture(t)
		f.seedChain(10)
		base := f.lastAudit().Seq - 10
		seq := base + 4
		if _, err := f.conn.DB.Collection("audit").UpdateOne(f.ctx, bson.D{{Key: "_id", Value: seq}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "reason", Value: "nothing to see"}}}}); err != nil {
			t.Fatal(err)
		}
		res := f.verify()
		if res.OK || res.BadSeq != seq || res.Problem != "hash mismatch" || res.Events != seq-1 {
			t.Fatalf("got %+v, want hash mismatch at %d", res, seq)
		}
	})
	t.Run("entry forged with a fresh hash", func(t *testing.T) {
		f := newFixture(t)
		f.seedChain(10)
		seq := f.lastAudit().Seq - 5
		var rec db.AuditRecord
		coll := f.conn.DB.Collection("audit")
		if err := coll.FindOne(f.ctx, bson.D{{Key: "_id", Value: seq}}).Decode(&rec); err != nil {
			t.Fatal(err)
		}
		rec.Actor = "mallory"
		rec.Hash = db.ChainHashForTest(rec)
		if _, err := coll.ReplaceOne(f.ctx, bson.D{{Key: "_id", Value: seq}}, rec); err != nil {
			t.Fatal(err)
		}
		// Every write left a checkpoint, so the one vouching for seq
		// catches the new hash before the next entry's prev link does.
		res := f.verify()
		want := fmt.Sprintf("seq %d differs from checkpoint", seq)
		if res.OK || res.BadSeq != seq || !strings.HasPrefix(res.Problem, want) {
			t.Fatalf("got %+v, want %q at %d", res, want, seq)
		}
	})
	t.Run("entry deleted", func(t *testing.T) {
		f := newFixture(t)
		f.seedChain(10)
		seq := f.lastAudit().Seq - 3
		if _, err := f.conn.DB.Collection("audit").DeleteOne(f.ctx, bson.D{{Key: "_id", Value: seq}}); err != nil {
			t.Fatal(err)
		}
		res := f.verify()
		if res.OK || res.BadSeq != seq || res.Problem != fmt.Sprintf("gap: seq %d missing", seq) {
			t.Fatalf("got %+v", res)
		}
	})
	t.Run("newest entries deleted", func(t *testing.T) {
		f := newFixture(t)
		f.seedChain(10)
		last := f.lastAudit().Seq
		if _, err := f.conn.DB.Collection("audit").DeleteMany(f.ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: last - 3}}}}); err != nil {
			t.Fatal(err)
		}
		// Cover the tracks in the database too.
		if _, err := f.conn.DB.Collection("meta").DeleteOne(f.ctx, bson.D{{Key: "_id", Value: "audit_head"}}); err != nil {
			t.Fatal(err)
		}
		res := f.verify()
		if res.OK || !strings.HasPrefix(res.Problem, "chain truncated") || res.BadSeq != last-2 || res.Events != last-3 {
			t.Fatalf("got %+v", res)
		}
	})
	t.Run("checkpoint signature corrupted", func(t *testing.T) {
		f := newFixture(t)
		f.seedChain(3)
		b, err := os.ReadFile(f.cpPath)
		if err != nil {
			t.Fatal(err)
		}
		var seq int64
		fmt.Sscanf(strings.SplitN(string(b), "\"seq\":", 2)[1], "%d", &seq)
		forged := strings.Replace(string(b), fmt.Sprintf("\"seq\":%d", seq), fmt.Sprintf("\"seq\":%d", seq-1), 1)
		if err := os.WriteFile(f.cpPath, []byte(forged), 0o600); err != nil {
			t.Fatal(err)
		}
		res := f.verify()
		if res.OK || !strings.Contains(res.Problem, "bad signature") {
			t.Fatalf("got %+v", res)
		}
		// A bad checkpoint is evidence: appends do not overwrite it.
		f.seedChain(1)
		if b2, _ := os.ReadFile(f.cpPath); string(b2) != forged {
			t.Fatal("checkpoint with a bad signature was overwritten")
		}
	})
	t.Run("checkpoint from another key", func(t *testing.T) {
		f := newFixture(t)
		f.seedChain(3)
		if err := os.Remove(f.keyPath); err != nil {
			t.Fatal(err)
		}
		s := f.newStore(f.conn) // makes a new key
		res, err := s.VerifyAudit(f.ctx, nil)
		if err != nil || res.OK || !strings.Contains(res.Problem, "bad signature") {
			t.Fatalf("got %+v %v", res, err)
		}
	})
}

func TestVerifyProgressAndPaging(t *testing.T) {
	f := newFixture(t)
	f.s.SetBatchForTest(10)
	start := f.lastAudit().Seq
	f.seedChain(25 - int(start))
	var calls []int64
	var lastTotal int64
	res, err := f.s.VerifyAudit(f.ctx, func(done, total int64) {
		calls = append(calls, done)
		lastTotal = total
	})
	if err != nil || !res.OK || res.Events != 25 {
		t.Fatalf("verify: %+v %v", res, err)
	}
	if fmt.Sprint(calls) != "[10 20 25]" || lastTotal != 25 {
		t.Fatalf("progress calls %v total %d", calls, lastTotal)
	}
	page, err := f.s.AuditPage(f.ctx, f.admin, 0, 0)
	if err != nil || len(page) != 25 || page[0].Seq != 25 || page[24].Seq != 1 {
		t.Fatalf("default page: %d entries %v", len(page), err)
	}
	page, err = f.s.AuditPage(f.ctx, f.admin, 0, 10)
	if err != nil || len(page) != 10 || page[0].Seq != 25 || page[9].Seq != 16 {
		t.Fatalf("first page: %d entries %v", len(page), err)
	}
	page, err = f.s.AuditPage(f.ctx, f.admin, page[9].Seq, 10)
	if err != nil || len(page) != 10 || page[0].Seq != 15 {
		t.Fatalf("second page: %v", err)
	}
	if _, err := f.s.AuditPage(f.ctx, f.admin, 0, -1); !errors.Is(err, db.ErrInvalid) {
		t.Fatalf("negative page size: %v", err)
	}
	ctx, cancel := context.WithCancel(f.ctx)
	cancel()
	if _, err := f.s.VerifyAudit(ctx, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled verify: %v", err)
	}
}

// More pending claims than a drain page: all of them reach the chain.
func TestDrainManyPending(t *testing.T) {
	f := newFixture(t)
	f.s.SetBatchForTest(4)
	victim := f.newStore(f.conn)
	victim.FailAppendForTest(func() error { return errors.New("audit down") })
	for i := range 11 {
		r := f.create(fmt.Sprintf("R-%d", i), "ta")
		if _, err := victim.Transition(f.ctx, f.support, r.ID, r.Version, model.ActStartVerification, ""); err != nil {
			t.Fatal(err)
		}
	}
	n, err := f.s.DrainOutbox(f.ctx)
	if err != nil || n != 11 {
		t.Fatalf("drained %d (%v), want 11", n, err)
	}
	f.verifyOK()
}
