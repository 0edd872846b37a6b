package db_test

import (
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/model"
)

// TestReconcileRequestsWithChain edits request documents straight in the
// database; VerifyRequests must name each edited request and nothing else.
func TestReconcileRequestsWithChain(t *testing.T) {
	for _, tc := range []struct {
		name   string
		forge  func(r model.Request) bson.D // $set on request R1
		want   string
		legacy int
	}{
		{"untouched", nil, "", 0},
		{"withdrawn with a forged line naming no event", func(r model.Request) bson.D {
			h := append(r.History, model.Event{At: r.UpdatedAt, Actor: "lee", Role: model.RoleSupport, Action: model.ActWithdraw, From: r.Status, To: model.StatusWithdrawn})
			return bson.D{{Key: "status", Value: model.StatusWithdrawn}, {Key: "history", Value: h}}
		}, "names no audit event", 0},
		{"withdrawn with a forged line naming a made-up event", func(r model.Request) bson.D {
			h := append(r.History, model.Event{ID: "requests/R1@9", At: r.UpdatedAt, Actor: "lee", Role: model.RoleSupport, Action: model.ActWithdraw, From: r.Status, To: model.StatusWithdrawn})
			return bson.D{{Key: "status", Value: model.StatusWithdrawn}, {Key: "history", Value: h}}
		}, "not on the chain", 0},
		{"withdrawn with a forged line naming a demo-style event id", func(r model.Request) bson.D {
			h := append(r.History, model.Event{ID: "R1-E09", At: r.UpdatedAt, Actor: "lee", Role: model.RoleSupport, Action: model.ActWithdraw, From: r.Status, To: model.StatusWithdrawn})
			return bson.D{{Key: "status", Value: model.StatusWithdrawn}, {Key: "history", Value: h}}
		}, "names no audit event", 0},
		{"status changed alone", func(r model.Request) bson.D {
			return bson.D{{Key: "status", Value: model.StatusWithdrawn}}
		}, "status is withdrawn", 0},
		{"a line's actor changed", func(r model.Request) bson.D {
			r.History[1].Actor = "lou"
			return bson.D{{Key: "history", Value: r.History}}
		}, "by lou, its event says", 0},
		{"a line removed", func(r model.Request) bson.D {
			return bson.D{{Key: "history", Value: r.History[:1]}}
		}, "missing from its history", 0},
		{"all lines legacy (seeded demo data)", func(r model.Request) bson.D {
			for i := range r.History {
				r.History[i].ID = ""
			}
			return bson.D{{Key: "history", Value: r.History}}
		}, "missing from its history", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.create("R1", "ta")
			f.create("R2", "ta")
			f.do("R1", model.ActStartVerification)
			r := f.do("R1", model.ActRequestInfo)
			f.do("R2", model.ActStartVerification)
			if tc.forge != nil {
				if _, err := f.conn.DB.Collection("requests").UpdateOne(f.ctx, bson.D{{Key: "_id", Value: "R1"}},
					bson.D{{Key: "$set", Value: tc.forge(r)}}); err != nil {
					t.Fatal(err)
				}
			}
			rep, err := f.s.VerifyRequests(f.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Checked != 2 || rep.Legacy != tc.legacy {
				t.Fatalf("checked %d, legacy %d; want 2, %d", rep.Checked, rep.Legacy, tc.legacy)
			}
			got := strings.Join(rep.Mismatches, "\n")
			if tc.want == "" {
				if got != "" {
					t.Fatalf("untouched requests reported:\n%s", got)
				}
				return
			}
			if !strings.Contains(got, "request R1: ") || !strings.Contains(got, tc.want) || strings.Contains(got, "R2") {
				t.Fatalf("mismatches:\n%s\nwant request R1 only, saying %q", got, tc.want)
			}
		})
	}
}
