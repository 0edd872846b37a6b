package db_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// The controller holds every write to the model's rule book; these tests
// check what only storage can show: a flag derived again when another
// request changes, refusals on the chain, decisions carried by the chain.

func accessReq(id string, received time.Time) model.Request {
	r := newReq(id, "ta", "sa1")
	r.Type, r.ReceivedAt, r.ResidencyState = model.TypeAccess, received, ""
	return r
}

func queueFlags(t *testing.T, f *fixture, id string) []model.Flag {
	t.Helper()
	rows, err := f.s.Queue(f.ctx, f.lead, model.QueueFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.ID == id {
			return r.Flags
		}
	}
	t.Fatalf("%s is not in the queue", id)
	return nil
}

func hasFlag(fs []model.Flag, k model.FlagKind) bool {
	for _, f := range fs {
		if f.Kind == k {
			return true
		}
	}
	return false
}

// Seed policy, California Residents: "limited to two Personal Information
// requests per year". Logging an earlier request after a later one flags
// the later one, in the request and in the queue; withdrawing one of the
// earlier requests clears it again.
func TestLimitFlagFollowsTheSubjectsRequests(t *testing.T) {
	f := newFixture(t)
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 18, 0, 0, 0, time.UTC) }
	for _, r := range []model.Request{accessReq("K-2", day(2, 10)), accessReq("K-3", day(3, 1))} {
		got, err := f.s.CreateRequest(f.ctx, f.support, r)
		if err != nil {
			t.Fatal(err)
		}
		if got.HasFlag(model.FlagOverLimit) || got.ResidencyState != "CA" || got.ResidencyFrom != model.ResidencyTenant || got.AccessScope != model.AccessCategories {
			t.Fatalf("%s: flags %v, residency %s from %s, scope %q", r.ID, got.Flags, got.ResidencyState, got.ResidencyFrom, got.AccessScope)
		}
	}
	if _, err := f.s.CreateRequest(f.ctx, f.support, accessReq("K-1", day(1, 5))); err != nil {
		t.Fatal(err)
	}
	k3, err := f.s.Request(f.ctx, f.lead, "K-3")
	if err != nil {
		t.Fatal(err)
	}
	if !k3.HasFlag(model.FlagOverLimit) || !hasFlag(queueFlags(t, f, "K-3"), model.FlagOverLimit) {
		t.Fatalf("K-3 after an earlier request was logged: flags %v, queue %v", k3.Flags, queueFlags(t, f, "K-3"))
	}
	if ev := f.lastAudit(); ev.Action != "limit_flag" || ev.Target != "request:K-3" || !strings.Contains(ev.Detail, "K-1") {
		t.Errorf("the flag change is not on the chain: %+v", ev.AuditEvent)
	}
	k1, _ := f.s.Request(f.ctx, f.lead, "K-1")
	if _, err := f.s.Apply(f.ctx, f.support, "K-1", k1.Version, model.ActWithdraw, "requester's email", nil); err != nil {
		t.Fatal(err)
	}
	k3, _ = f.s.Request(f.ctx, f.lead, "K-3")
	if k3.HasFlag(model.FlagOverLimit) || hasFlag(queueFlags(t, f, "K-3"), model.FlagOverLimit) {
		t.Fatalf("K-3 after K-1 was withdrawn still over the limit: %v", k3.Flags)
	}
	f.verifyOK()
}

// The same through the import's batch path.
func TestLimitFlagFollowsABatchImportedOutOfOrder(t *testing.T) {
	f := newFixture(t)
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 18, 0, 0, 0, time.UTC) }
	res, err := f.s.CreateRequests(f.ctx, f.support, []model.Request{
		accessReq("B-3", day(3, 1)), accessReq("B-2", day(2, 10)), accessReq("B-1", day(1, 5)),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	b3, _ := f.s.Request(f.ctx, f.lead, "B-3")
	b1, _ := f.s.Request(f.ctx, f.lead, "B-1")
	if !b3.HasFlag(model.FlagOverLimit) || b1.HasFlag(model.FlagOverLimit) {
		t.Fatalf("B-3 flags %v, B-1 flags %v: want only the third in 12 months flagged", b3.Flags, b1.Flags)
	}
}

// Seed policy, Privacy of Children; the child flag is decided on the
// tenant-local day of receipt: 23:30 in Los Angeles on the eve of the
// subject's 14th birthday is already the birthday in UTC.
func TestChildFlagOnTheTenantLocalDayOfReceipt(t *testing.T) {
	f := newFixture(t)
	kid := model.Subject{ID: "kid", TenantID: "ta", Name: "Kim K", Emails: []string{"kim@example.org"}, BirthDate: "2012-03-02", Status: model.AccountActive}
	if _, err := f.conn.DB.Collection("subjects").InsertOne(f.ctx, kid); err != nil {
		t.Fatal(err)
	}
	la, _ := time.LoadLocation("America/Los_Angeles")
	r := newReq("C-1", "ta", "kid")
	r.ReceivedAt = time.Date(2026, 3, 1, 23, 30, 0, 0, la)
	got, err := f.s.CreateRequest(f.ctx, f.support, r)
	if err != nil {
		t.Fatal(err)
	}
	if !got.HasFlag(model.FlagChild) || !got.ChildDeletion() {
		t.Fatalf("a deletion for a 13-year-old on the local day of receipt: flags %v", got.Flags)
	}
	if d := model.ComputeDeadlines(got, model.Tenant{TimeZone: "America/Los_Angeles"}); d.ResponseKind != model.DueExpedited || !got.DueAt.Equal(d.Next) {
		t.Errorf("due %s (%s), want the expedited deadline", got.DueAt, d.ResponseKind)
	}
	r = newReq("C-2", "ta", "kid")
	r.ReceivedAt = time.Date(2026, 3, 2, 0, 30, 0, 0, la)
	if got, err = f.s.CreateRequest(f.ctx, f.support, r); err != nil || got.HasFlag(model.FlagChild) {
		t.Fatalf("on the 14th birthday: %v, flags %v", err, got.Flags)
	}
}

// What a decision rests on rides on the chain, not only in the mutable
// request: approver, method, evidence, decision date; points and level.
func TestTheChainCarriesTheDecision(t *testing.T) {
	f := newFixture(t)
	f.create("D-1", "ta")
	f.do("D-1", model.ActStartVerification)
	f.do("D-1", model.ActVerify)
	if ev := f.lastAudit(); !strings.Contains(ev.Detail, "verified reasonable") || !strings.Contains(ev.Detail, "email, phone") {
		t.Errorf("verify detail %q", ev.Detail)
	}
	f.do("D-1", model.ActApprove)
	ev := f.lastAudit()
	for _, want := range []string{"awaiting_approval→approved", "approver Pat Clerk", "email", "ticket 42", "decided 2026-03-02"} {
		if !strings.Contains(ev.Detail, want) {
			t.Errorf("approve detail %q lacks %q", ev.Detail, want)
		}
	}
	// A correction keeps the old decision and puts old → new on the chain.
	r, _ := f.s.Request(f.ctx, f.lead, "D-1")
	r, err := f.s.Apply(f.ctx, f.lead, "D-1", r.Version, model.ActCorrectDecision, "the ticket number was mistyped", func(x *model.Request) error {
		d := *x.Decision
		d.Evidence = "ticket 24"
		x.Decision = &d
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.PriorDecisions) != 1 || r.PriorDecisions[0].Evidence != "ticket 42" || r.Decision.Evidence != "ticket 24" {
		t.Fatalf("after the correction: decision %+v, prior %+v", r.Decision, r.PriorDecisions)
	}
	if ev := f.lastAudit(); !strings.Contains(ev.Detail, "evidence ticket 42 → ticket 24") || ev.Reason != "the ticket number was mistyped" {
		t.Errorf("correction on the chain: %+v", ev.AuditEvent)
	}
	// Support may not correct it: refused and audited with the rule.
	if _, err := f.s.Apply(f.ctx, f.support, "D-1", r.Version, model.ActCorrectDecision, "x", nil); !errors.Is(err, db.ErrRefused) {
		t.Fatalf("support correcting a decision: %v", err)
	}
	if ev := f.lastAudit(); ev.Outcome != model.OutcomeRefused || ev.Detail != "rule lifecycle.role" {
		t.Errorf("refusal on the chain: %+v", ev.AuditEvent)
	}
}

// A second acknowledgement is refused and audited like every rule refusal;
// bad input (a decision dated before receipt) is refused without a trace.
func TestRuleRefusalsAreAuditedInputRefusalsAreNot(t *testing.T) {
	f := newFixture(t)
	f.create("A-1", "ta")
	r := f.do("A-1", model.ActAcknowledge)
	_, err := f.s.Apply(f.ctx, f.support, "A-1", r.Version, model.ActAcknowledge, "", nil)
	var ref *model.Refusal
	if !errors.Is(err, db.ErrRefused) || !errors.As(err, &ref) || ref.Rule != "ack.once" {
		t.Fatalf("second acknowledgement: %v", err)
	}
	if ev := f.lastAudit(); ev.Outcome != model.OutcomeRefused || ev.Detail != "rule ack.once" {
		t.Errorf("refusal on the chain: %+v", ev.AuditEvent)
	}
	f.do("A-1", model.ActStartVerification)
	r = f.do("A-1", model.ActVerify)
	before := f.lastAudit().Seq
	_, err = f.s.Apply(f.ctx, f.lead, "A-1", r.Version, model.ActApprove, "", func(x *model.Request) error {
		x.Decision = &model.Decision{Approver: "Pat Clerk", Method: "email", Evidence: "ticket 7", DecidedAt: r.ReceivedAt.AddDate(0, 0, -3)}
		return nil
	})
	if !errors.Is(err, db.ErrInvalid) || !errors.As(err, &ref) || ref.Rule != "decide.date" {
		t.Fatalf("decision dated before receipt: %v", err)
	}
	if f.lastAudit().Seq != before {
		t.Errorf("bad input left an audit entry")
	}
	if got, _ := f.s.Request(f.ctx, f.lead, "A-1"); got.Version != r.Version {
		t.Errorf("bad input changed the request")
	}
}

// An unmatched request is linked to its subject, which derives the flags
// and residency from the subject; a link is not replaced.
func TestLinkAnUnmatchedRequest(t *testing.T) {
	f := newFixture(t)
	r := newReq("L-1", "ta", "")
	r.Requester = model.Person{Name: "Someone"}
	r.ResidencyState = ""
	got, err := f.s.CreateRequest(f.ctx, f.support, r)
	if err != nil || got.SubjectID != "" {
		t.Fatalf("create unmatched: %v %q", err, got.SubjectID)
	}
	got, err = f.s.Apply(f.ctx, f.support, "L-1", got.Version, model.ActLink, "", func(x *model.Request) error { x.SubjectID = "sb1"; return nil })
	if !errors.Is(err, db.ErrInvalid) {
		t.Fatalf("link to another tenant's subject: %v", err)
	}
	got, _ = f.s.Request(f.ctx, f.lead, "L-1")
	got, err = f.s.Apply(f.ctx, f.support, "L-1", got.Version, model.ActLink, "", func(x *model.Request) error { x.SubjectID = "sa1"; return nil })
	if err != nil || got.SubjectID != "sa1" || got.SubjectLabel != model.SubjectLabelFor("Alma A") {
		t.Fatalf("link: %v, %+v", err, got)
	}
	if ev := f.lastAudit(); ev.Action != "link" || ev.Detail != "linked to subject sa1" {
		t.Errorf("link on the chain: %+v", ev.AuditEvent)
	}
	if _, err := f.s.Apply(f.ctx, f.support, "L-1", got.Version, model.ActLink, "", func(x *model.Request) error { x.SubjectID = "sa1"; return nil }); !errors.Is(err, db.ErrRefused) {
		t.Fatalf("second link: %v", err)
	}
}
