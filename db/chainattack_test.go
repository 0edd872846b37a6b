package db_test

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// TestChainAttacksDetected plays an attacker who can write to the database
// (raw driver writes) but not read the key files, then lets the console do
// two ordinary writes: every attack must still fail verification, because
// a checkpoint never advances over entries that do not verify.
func TestChainAttacksDetected(t *testing.T) {
	coll := func(f *fixture) *mongoColl { return &mongoColl{f} }
	for _, tc := range []struct {
		name   string
		attack func(t *testing.T, f *fixture)
		want   string // in the failure
		// frozen: the checkpoint must not advance over the attacked chain.
		frozen bool
	}{
		{"truncate the newest entries and fix the head hint", func(t *testing.T, f *fixture) {
			head := f.lastAudit()
			coll(f).deleteFrom(t, head.Seq-1)
			prev := coll(f).get(t, head.Seq-2)
			if _, err := f.conn.DB.Collection("meta").UpdateOne(f.ctx, bson.D{{Key: "_id", Value: "audit_head"}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "seq", Value: prev.Seq}, {Key: "hash", Value: prev.Hash}}}}); err != nil {
				t.Fatal(err)
			}
			f.s = f.newStore(f.conn) // a new process trusts the fixed hint
		}, "checkpoint", true},
		{"rewrite consistently with recomputed hashes", func(t *testing.T, f *fixture) {
			recs := coll(f).all(t)
			prev := db.GenesisHash
			for i := range recs {
				r := &recs[i]
				if i >= 3 {
					r.Reason = "rewritten"
				}
				r.Prev = prev
				r.Hash = db.ChainHashForTest(*r)
				prev = r.Hash
				coll(f).replace(t, *r)
			}
		}, "", true},
		{"append a forged entry with a correct hash", func(t *testing.T, f *fixture) {
			head := f.lastAudit()
			ev := model.AuditEvent{ID: "forged", At: head.At, Actor: "lou", Role: model.RoleLead, Origin: "local", Action: "approve", Target: "request:R1", Outcome: model.OutcomeOK}
			rec := db.AuditRecord{Seq: head.Seq + 1, Prev: head.Hash, AuditEvent: ev}
			rec.Hash = db.ChainHashForTest(rec)
			if _, err := f.conn.DB.Collection("audit").InsertOne(f.ctx, rec); err != nil {
				t.Fatal(err)
			}
		}, "MAC", true},
		{"delete the checkpoint file", func(t *testing.T, f *fixture) {
			if err := os.Remove(f.cpPath); err != nil {
				t.Fatal(err)
			}
		}, "no checkpoint", false},
		{"swap the MAC key", func(t *testing.T, f *fixture) {
			k := make([]byte, 32)
			_, _ = rand.Read(k)
			if err := os.WriteFile(filepath.Join(filepath.Dir(f.keyPath), "audit-mac.key"), []byte(hex.EncodeToString(k)), 0o600); err != nil {
				t.Fatal(err)
			}
			f.s = f.newStore(f.conn) // the console restarts with the swapped key
		}, "MAC key", true},
		{"forge a request's history", func(t *testing.T, f *fixture) {
			r, err := f.s.Request(f.ctx, f.support, "R1")
			if err != nil {
				t.Fatal(err)
			}
			h := append(r.History, model.Event{At: r.UpdatedAt, Actor: "lee", Role: model.RoleSupport, Action: model.ActWithdraw, From: r.Status, To: model.StatusWithdrawn})
			if _, err := f.conn.DB.Collection("requests").UpdateOne(f.ctx, bson.D{{Key: "_id", Value: "R1"}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: model.StatusReceived}, {Key: "history", Value: h}}}}); err != nil {
				t.Fatal(err)
			}
		}, "differ from the chain", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.create("R1", "ta")
			f.seedChain(4)
			before := f.verify()
			if !before.OK {
				t.Fatalf("before the attack: %s", before.Line())
			}
			tc.attack(t, f)
			check := func(when string) {
				t.Helper()
				res, err := f.s.VerifyAuditWith(f.ctx, db.VerifyOptions{Requests: true}, nil)
				if err != nil {
					t.Fatal(err)
				}
				if res.OK || !strings.Contains(res.Problem, tc.want) {
					t.Fatalf("%s: verify says %q, want a failure mentioning %q", when, res.Line(), tc.want)
				}
			}
			check("right after the attack")
			f.do("R1", model.ActStartVerification)
			f.do("R1", model.ActRequestInfo)
			check("after two ordinary writes")
			if res := f.verify(); tc.frozen && res.CheckpointSeq != before.CheckpointSeq {
				t.Fatalf("the checkpoint advanced from seq %d to %d over the attacked chain", before.CheckpointSeq, res.CheckpointSeq)
			}
		})
	}
}

type mongoColl struct{ f *fixture }

func (c *mongoColl) all(t *testing.T) []db.AuditRecord {
	cur, err := c.f.conn.DB.Collection("audit").Find(c.f.ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		t.Fatal(err)
	}
	var out []db.AuditRecord
	if err := cur.All(c.f.ctx, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func (c *mongoColl) get(t *testing.T, seq int64) db.AuditRecord {
	var r db.AuditRecord
	if err := c.f.conn.DB.Collection("audit").FindOne(c.f.ctx, bson.D{{Key: "_id", Value: seq}}).Decode(&r); err != nil {
		t.Fatal(err)
	}
	return r
}

func (c *mongoColl) replace(t *testing.T, r db.AuditRecord) {
	if _, err := c.f.conn.DB.Collection("audit").ReplaceOne(c.f.ctx, bson.D{{Key: "_id", Value: r.Seq}}, r); err != nil {
		t.Fatal(err)
	}
}

func (c *mongoColl) deleteFrom(t *testing.T, seq int64) {
	if _, err := c.f.conn.DB.Collection("audit").DeleteMany(c.f.ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gte", Value: seq}}}}); err != nil {
		t.Fatal(err)
	}
}
