package db_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// A run that fails records when and at which step (PRODUCT.md: on-call
// retries failed fulfilment steps), the queue row carries it, and Failed
// lists failures newest first.
func TestFailedRecordsTimeStepAndOrder(t *testing.T) {
	f := newFixture(t)
	first := f.requestAt("R-F1", "ta", model.StatusFailed)
	f.clock.t = f.clock.t.Add(time.Hour)
	second := f.requestAt("R-F2", "tb", model.StatusFailed)
	f.requestAt("R-OK", "ta", model.StatusApproved)

	for _, r := range []model.Request{first, second} {
		if r.FailedAt == nil || r.FailureReason != "reason for fail" || !strings.HasPrefix(r.FailedStep, "step 1/") {
			t.Fatalf("%s failed without time, reason or step: %v %q %q", r.ID, r.FailedAt, r.FailureReason, r.FailedStep)
		}
	}
	got, err := f.s.Failed(f.ctx, f.engineer)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "R-F2" || got[1].ID != "R-F1" {
		t.Fatalf("Failed = %+v, want R-F2 then R-F1 (newest first)", got)
	}
	if !got[0].At.Equal(*second.FailedAt) || got[0].Step != second.FailedStep || got[0].Reason != "reason for fail" {
		t.Errorf("Failed[0] = %+v, want the stored failure of R-F2", got[0])
	}
	// A scoped operator sees only its tenants' failures.
	scoped := actor("eva", model.RoleEngineer, "ta")
	if err := f.s.PutOperator(f.ctx, f.admin, scoped.Operator); err != nil {
		t.Fatal(err)
	}
	got, err = f.s.Failed(f.ctx, scoped)
	if err != nil || len(got) != 1 || got[0].ID != "R-F1" {
		t.Fatalf("scoped Failed = %+v, %v; want R-F1 only", got, err)
	}

	// A retry clears the failure.
	r := f.do("R-F1", model.ActRetry)
	if r.FailedAt != nil || r.FailedStep != "" || r.FailureReason != "" {
		t.Errorf("retried request keeps its failure: %v %q %q", r.FailedAt, r.FailedStep, r.FailureReason)
	}
}

// Health is the on-call view; the controller decides who sees it: on-call
// engineers, leads and admins, not support, and never a disabled operator.
func TestHealthPermissions(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		who model.Actor
		ok  bool
	}{{f.engineer, true}, {f.lead, true}, {f.admin, true}, {f.support, false}} {
		_, herr := f.s.Health(f.ctx, c.who)
		_, ferr := f.s.Failed(f.ctx, c.who)
		for _, err := range []error{herr, ferr} {
			var ref *db.RefusedError
			if c.ok && err != nil || !c.ok && !errors.As(err, &ref) {
				t.Errorf("%s: health/failed err %v, want allowed %v", c.who.Operator.Role, err, c.ok)
			}
		}
	}
	last := f.lastAudit()
	if last.Outcome != model.OutcomeRefused || last.Actor != "sam" {
		t.Errorf("refusal not audited: %+v", last.AuditEvent)
	}
}

func TestHealthReport(t *testing.T) {
	f := newFixture(t)
	h, err := f.s.Health(f.ctx, f.engineer)
	if err != nil {
		t.Fatal(err)
	}
	wantKind := "embedded FerretDB (SQLite)"
	if !f.conn.Embedded { // the FerretDB-on-PostgreSQL test server CI also runs
		wantKind = "FerretDB"
	}
	if h.Kind != wantKind || !strings.Contains(h.Version, "MongoDB") || h.RoundTrip <= 0 {
		t.Errorf("server: %q %q %v", h.Kind, h.Version, h.RoundTrip)
	}
	if h.ClaimsPending != 0 || h.OldestClaim != nil || h.Verify != nil || h.Sessions != 0 || len(h.Failed) != 0 {
		t.Errorf("fresh database reports %+v", h)
	}

	// A claim a crash left behind, a verification, a serve's sessions.
	f.plantClaim("requests", "R-X", 2, "w1")
	f.plantClaim("requests", "R-Y", 3, "w2")
	f.requestAt("R-F", "ta", model.StatusFailed)
	if _, err := f.conn.DB.Collection("claims").UpdateOne(f.ctx, bson.D{{Key: "_id", Value: "requests/R-Y@3"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "at", Value: f.clock.Now().Add(-72 * time.Hour)}}}}); err != nil {
		t.Fatal(err)
	}
	res := f.verifyOK()
	if err := f.s.RecordSessions(f.ctx, "host-a:1", 3); err != nil {
		t.Fatal(err)
	}
	if err := f.s.RecordSessions(f.ctx, "host-b:2", 2); err != nil {
		t.Fatal(err)
	}
	if err := f.s.RecordSessions(f.ctx, "host-b:2", -1); err != nil { // that serve stopped
		t.Fatal(err)
	}
	h, err = f.s.Health(f.ctx, f.engineer)
	if err != nil {
		t.Fatal(err)
	}
	if h.ClaimsPending != 2 || h.OldestClaim == nil || !h.OldestClaim.Equal(f.clock.Now().Add(-72*time.Hour).UTC()) {
		t.Errorf("claims: %d oldest %v", h.ClaimsPending, h.OldestClaim)
	}
	if len(h.Failed) != 1 || h.Failed[0].ID != "R-F" {
		t.Errorf("failed: %+v", h.Failed)
	}
	if h.Verify == nil || !h.Verify.OK || h.Verify.Events != res.Events || h.Verify.Line != res.Line() {
		t.Errorf("last verify %+v, want the result %+v", h.Verify, res)
	}
	if h.Sessions != 3 || len(h.SessionReports) != 1 || h.SessionReports[0].Server != "host-a:1" {
		t.Errorf("sessions %d %+v", h.Sessions, h.SessionReports)
	}
	if h.CheckpointAt == nil || h.CheckpointSeq == 0 {
		t.Errorf("checkpoint not reported: %v seq %d", h.CheckpointAt, h.CheckpointSeq)
	}
}

// A queue built before rows carried the failure (projection version 1)
// is rebuilt at the next start, and failed rows of the same version get
// their failure fields.
func TestQueueUpgradeAddsFailureFields(t *testing.T) {
	f := newFixture(t)
	r := f.requestAt("R-F", "ta", model.StatusFailed)
	q := f.conn.DB.Collection("queue")
	if _, err := q.UpdateOne(f.ctx, bson.D{{Key: "_id", Value: r.ID}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "failure_reason", Value: ""}, {Key: "failed_at", Value: ""}, {Key: "failed_step", Value: ""}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.conn.DB.Collection("meta").UpdateOne(f.ctx, bson.D{{Key: "_id", Value: "queue_projection"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "v", Value: 1}}}}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.EnsureQueue(f.ctx); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.Failed(f.ctx, f.engineer)
	if err != nil || len(got) != 1 || got[0].Reason != r.FailureReason || got[0].Step != r.FailedStep || !got[0].At.Equal(*r.FailedAt) {
		t.Fatalf("after the upgrade: %+v, %v; want the failure of %s", got, err, r.ID)
	}
}
