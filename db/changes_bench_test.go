package db_test

import (
	"fmt"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodian-dev/custodian/model"
)

// BenchmarkLivePoll is one console's live poll on the embedded database
// with an audit chain of n entries: "quiet" is the steady state (the
// marker read and the operator re-read, both by _id); "moved" adds the
// read of what changed since one entry back, from the ring kept in the
// head hint (changes.go): another read by _id, whatever the chain's length. The chain entries are inserted
// straight through the driver (the poll reads them, it does not verify
// them), the last few appended through the Store.
func BenchmarkLivePoll(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 50_000} {
		f := newFixture(b)
		seedRequests(b, f, 300)
		head := f.lastAudit().Seq
		docs := make([]any, 0, 1000)
		flush := func() {
			if len(docs) == 0 {
				return
			}
			if _, err := f.conn.DB.Collection("audit").InsertMany(f.ctx, docs); err != nil {
				b.Fatal(err)
			}
			docs = docs[:0]
		}
		const real = 5 // appended through the Store, so the ring holds them
		for seq := head + 1; seq <= int64(n-real); seq++ {
			docs = append(docs, bson.D{{Key: "_id", Value: seq}, {Key: "event_id", Value: fmt.Sprintf("bench-%d", seq)},
				{Key: "at", Value: f.clock.Now()}, {Key: "actor", Value: "sam"}, {Key: "role", Value: "support"},
				{Key: "action", Value: "note"}, {Key: "target", Value: fmt.Sprintf("request:R-2026-%05d", seq%300)},
				{Key: "tenant_id", Value: "ta"}, {Key: "outcome", Value: model.OutcomeOK},
				{Key: "prev", Value: "x"}, {Key: "hash", Value: "x"}})
			if len(docs) == cap(docs) {
				flush()
			}
		}
		flush()
		if _, err := f.conn.DB.Collection("meta").UpdateOne(f.ctx, bson.D{{Key: "_id", Value: "audit_head"}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "seq", Value: int64(n - real)}, {Key: "hash", Value: "x"}}}}, options.UpdateOne().SetUpsert(true)); err != nil {
			b.Fatal(err)
		}
		s := f.newStore(f.conn) // reads the head from the hint just set
		for i := range real {
			if _, err := s.AppendAudit(f.ctx, model.AuditEvent{Actor: "sam", Role: model.RoleSupport, Action: "note",
				Target: fmt.Sprintf("request:R-2026-%05d", i), TenantID: "ta", Outcome: model.OutcomeOK}); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(fmt.Sprintf("chain=%d/quiet", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := f.s.Changes(f.ctx); err != nil {
					b.Fatal(err)
				}
				if _, err := f.s.CurrentActor(f.ctx, f.lead); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("chain=%d/moved", n), func(b *testing.B) {
			for b.Loop() {
				m, err := f.s.Changes(f.ctx)
				if err != nil {
					b.Fatal(err)
				}
				got, _, _, err := f.s.ChangesSince(f.ctx, f.lead, m.Seq-1, 200)
				if err != nil || len(got) != 1 {
					b.Fatalf("changes since %d: %d, %v", m.Seq-1, len(got), err)
				}
				if _, err := f.s.CurrentActor(f.ctx, f.lead); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
