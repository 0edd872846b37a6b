package db_test

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/dbtest"
	"github.com/custodian-dev/custodian/db/demo"
	"github.com/custodian-dev/custodian/model"
)

// newProcessorFixture is newFulfilFixture over the demo seeded with its
// sub-processors on the data map, as a person's demo is.
func newProcessorFixture(t *testing.T, subjects int) *ffix {
	t.Helper()
	conn := dbtest.New(t)
	f := &ffix{t: t, ctx: context.Background(), conn: conn, exports: t.TempDir(), who: map[string]model.Actor{}, used: map[string]bool{},
		letterFrom: processorNoticeSender}
	f.s = f.store()
	if _, err := db.Seed(f.ctx, f.s, db.SeedOptions{Subjects: subjects, Requests: 1, Clock: seedClock, Processors: true}); err != nil {
		t.Fatal(err)
	}
	ds, err := demo.Generate(demo.Options{Subjects: subjects, Requests: 1, Clock: seedClock, Processors: true})
	if err != nil {
		t.Fatal(err)
	}
	f.ds = ds
	for _, h := range []string{"sam", "lee", "lou", "eve"} {
		op, err := f.s.Operator(f.ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		f.who[h] = model.Actor{Operator: op, Origin: "test"}
	}
	return f
}

// processorNoticeSender is the configured sender (StoreOptions.LetterFrom)
// of the notices a run queues by itself.
const processorNoticeSender = "privacy@vendor.example"

// storedMessages reads a request's messages with their bytes, oldest first.
func (f *ffix) storedMessages(id string) []db.Message {
	f.t.Helper()
	cur, err := f.conn.DB.Collection("messages").Find(f.ctx, bson.D{{Key: "request_id", Value: id}})
	if err != nil {
		f.t.Fatal(err)
	}
	var out []db.Message
	if err := cur.All(f.ctx, &out); err != nil {
		f.t.Fatal(err)
	}
	return out
}

// TestDeletionWithProcessorsThroughSMTP is the "done when" for
// sub-processors (11 CCR §7022(b)(3), (c)): a deletion logged, acknowledged,
// sent to the Customer for approval, planned, signed off and run sends a
// notice to each sub-processor of the collections it deleted from, through
// a real SMTP server; it stays fulfilling ("waiting on processors") after
// the first confirmation, is reminded on schedule, completes on the last
// confirmation, and then the completion letter goes. Every message arrives
// once and byte for byte as stored.
func TestDeletionWithProcessorsThroughSMTP(t *testing.T) {
	skipUnderRace(t)
	f := newProcessorFixture(t, 200)
	backend, out, _ := startSMTP(t)
	deliver := func(want int) {
		t.Helper()
		if n, err := f.s.DeliverDue(f.ctx, out, sender, 50); n != want || err != nil {
			t.Fatalf("delivered %d, want %d: %v", n, want, err)
		}
	}
	sub := f.pick("a deletion reaching the CRM and the analytics provider", func(s model.Subject) bool {
		cs := f.collections(s.ID)
		return !s.IsChild(f.ds.Now) && s.Status == model.AccountActive && slices.Contains(cs, demo.CollAlertSubscriptions) &&
			slices.Contains(cs, demo.CollWebVisits) && len(f.tenant(s.TenantID).HoldsFor(s.ID, time.Now())) == 0
	})
	const id = "T-PROC-1"
	sam, lou := f.who["sam"], f.who["lou"]
	r, err := f.s.CreateRequest(f.ctx, sam, model.Request{
		ID: id, TenantID: sub.TenantID, SubjectID: sub.ID, Type: model.TypeDeletion, Channel: model.ChannelWeb,
		Requester: model.Person{Name: "The requester", Email: "requester@example.net"}, ResidencyState: sub.ResidencyState,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.QueueLetter(f.ctx, sam, id, model.LetterAcknowledgement, sender); err != nil {
		t.Fatal(err)
	}
	deliver(1)
	for _, st := range []struct {
		a    model.Action
		edit func(*model.Request) error
	}{
		{model.ActStartVerification, nil},
		{model.ActVerify, func(r *model.Request) error {
			r.Verification = &model.Verification{Method: "data points", DataPoints: []string{"account_id", "last_transaction"}, Level: model.LevelReasonable}
			return nil
		}},
	} {
		if r, err = f.s.Apply(f.ctx, sam, id, r.Version, st.a, "test", st.edit); err != nil {
			t.Fatalf("%s: %v", st.a, err)
		}
	}
	if _, err := f.s.QueueLetter(f.ctx, sam, id, model.LetterApprovalRequest, sender); err != nil {
		t.Fatal(err)
	}
	deliver(1)
	if r, err = f.s.Apply(f.ctx, lou, id, r.Version, model.ActApprove, "test", func(r *model.Request) error {
		r.Decision = &model.Decision{Outcome: model.DecisionApproved, Approver: "City Clerk", Method: "email", Evidence: "ticket 4711"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	r = f.planned(r)
	var notify []string
	for _, st := range r.Plan.Steps {
		if st.Kind == model.StepProcessor {
			notify = append(notify, st.Processor)
		}
	}
	if !slices.Contains(notify, "Lumen CRM") || !slices.Contains(notify, "Tally Analytics") || len(notify) != len(r.Plan.Processors) {
		t.Fatalf("the plan notifies %v (processors %d), want the CRM and the analytics provider each once", notify, len(r.Plan.Processors))
	}

	r = f.run(r, "lou")
	if r.Status != model.StatusFulfilling || !model.WaitingOnProcessors(r) || len(r.ProcessorNotices) != len(notify) {
		t.Fatalf("after the run: %s, waiting %v, %d notices", r.Status, model.WaitingOnProcessors(r), len(r.ProcessorNotices))
	}
	deliver(len(notify))
	// Completing by hand is refused, naming what it waits for.
	if _, err := f.s.Apply(f.ctx, lou, id, r.Version, model.ActComplete, "", nil); err == nil || !strings.Contains(err.Error(), model.WaitingLabel) {
		t.Fatalf("complete while waiting: %v", err)
	}

	// The schedule: nothing due before 5 business days, one reminder per
	// unconfirmed notice after, and not twice for the same period.
	sentAt := r.ProcessorNotices[0].SentAt
	if n, err := f.s.RemindProcessors(f.ctx, sentAt.Add(24*time.Hour)); n != 0 || err != nil {
		t.Fatalf("reminders a day later: %d, %v", n, err)
	}
	later := sentAt.Add(8 * 24 * time.Hour)
	if n, err := f.s.RemindProcessors(f.ctx, later); n != len(notify) || err != nil {
		t.Fatalf("reminders 8 days later: %d, %v", n, err)
	}
	if n, err := f.s.RemindProcessors(f.ctx, later); n != 0 || err != nil {
		t.Fatalf("reminders again at once: %d, %v", n, err)
	}
	deliver(len(notify))

	// Bad input changes nothing.
	if _, err := f.s.ConfirmProcessor(f.ctx, sam, id, "Nobody Inc", time.Time{}, "REF-1"); !errors.Is(err, db.ErrInvalid) {
		t.Errorf("confirm an unknown processor: %v", err)
	}
	if _, err := f.s.ConfirmProcessor(f.ctx, sam, id, notify[0], time.Time{}, " "); !errors.Is(err, db.ErrInvalid) {
		t.Errorf("confirm without a reference: %v", err)
	}
	if _, err := f.s.ExceptProcessor(f.ctx, sam, id, notify[0], "support may not except"); !errors.Is(err, db.ErrRefused) {
		t.Errorf("support excepting: %v", err)
	}
	if _, err := f.s.ExceptProcessor(f.ctx, lou, id, notify[0], "too short"); !errors.Is(err, db.ErrInvalid) {
		t.Errorf("a short exception reason: %v", err)
	}

	for i, p := range notify {
		who := sam
		if i == len(notify)-1 {
			who = lou
		}
		r, err = f.s.ConfirmProcessor(f.ctx, who, id, p, time.Time{}, "CONF-"+p)
		if err != nil {
			t.Fatalf("confirm %s: %v", p, err)
		}
		if last := i == len(notify)-1; (r.Status == model.StatusCompleted) != last {
			t.Fatalf("after confirming %d of %d: %s", i+1, len(notify), r.Status)
		}
	}
	if r.Outcome == "" || r.RespondedAt == nil || model.WaitingOnProcessors(r) {
		t.Errorf("completed without its outcome: %q, %v", r.Outcome, r.RespondedAt)
	}
	if _, err := f.s.QueueLetter(f.ctx, lou, id, model.LetterCompletionDeletion, sender); err != nil {
		t.Fatal(err)
	}
	deliver(1)

	msgs := f.storedMessages(id)
	backend.mu.Lock()
	defer backend.mu.Unlock()
	if want := 3 + 2*len(notify); len(backend.got) != want || len(msgs) != want {
		t.Fatalf("%d messages arrived, %d stored, want %d", len(backend.got), len(msgs), want)
	}
	kinds := map[model.LetterKind]int{}
	for _, m := range msgs {
		kinds[m.Kind]++
		j := slices.IndexFunc(backend.got, func(b []byte) bool { return bytes.Equal(b, m.Raw) })
		if j < 0 || m.Status != db.MsgSent {
			t.Errorf("%s to %s: arrived byte for byte %v, status %s", m.Kind, m.To.Email, j >= 0, m.Status)
			continue
		}
		if backend.rcpt[j] != m.To.Email {
			t.Errorf("%s went to %s, stored for %s", m.Kind, backend.rcpt[j], m.To.Email)
		}
	}
	if kinds[model.LetterProcessorNotice] != len(notify) || kinds[model.LetterProcessorReminder] != len(notify) || kinds[model.LetterCompletionDeletion] != 1 {
		t.Errorf("letters by kind: %v", kinds)
	}
	for _, m := range msgs {
		if m.Kind != model.LetterProcessorNotice || !strings.Contains(m.To.Email, "lumen-crm") {
			continue
		}
		body := string(m.Raw)
		if !regexp.MustCompile(`(?m)^From: .*<` + regexp.QuoteMeta(processorNoticeSender) + `>\r?$`).MatchString(body) {
			t.Errorf("the CRM notice is not from the configured sender %s:\n%.400s", processorNoticeSender, body)
		}
		for _, want := range []string{id, "alert_subscriptions/", "7022(b)(3)", "confirm"} {
			if !strings.Contains(body, want) {
				t.Errorf("the CRM notice lacks %q", want)
			}
		}
		// The notice names records and fields, never their values.
		for _, e := range sub.Emails {
			if strings.Contains(body, e) {
				t.Errorf("the CRM notice carries the subject's email address")
			}
		}
	}
}

// queued is request id's row as the queue lists it.
func (f *ffix) queued(id string) (model.Request, bool) {
	f.t.Helper()
	rows, err := f.s.Queue(f.ctx, f.who["lou"], model.QueueFilter{Statuses: []model.Status{model.StatusFulfilling}, Limit: 500})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, r := range rows {
		if r.ID == id {
			return r, true
		}
	}
	return model.Request{}, false
}

// TestProcessorsSettledBySupportThenALeadCompletes: the queue's row says
// "waiting on processors" while a notice is open; a lead's exception and
// support's confirmation settle them; the last, by support, leaves the
// request fulfilling for a lead's run to complete; a correction's notice
// carries the corrected value.
func TestProcessorsSettledBySupportThenALeadCompletes(t *testing.T) {
	skipUnderRace(t)
	f := newProcessorFixture(t, 200)
	sub := f.pick("a correction reaching the CRM", func(s model.Subject) bool {
		cs := f.collections(s.ID)
		return !s.IsChild(f.ds.Now) && s.Status == model.AccountActive && slices.Contains(cs, demo.CollPayments) &&
			len(f.tenant(s.TenantID).HoldsFor(s.ID, time.Now())) == 0
	})
	r := f.planned(f.approved("T-PROC-2", sub, model.TypeRectification, map[string]string{"address": "12 Corrected Way"}))
	r = f.run(r, "lou")
	if !model.WaitingOnProcessors(r) {
		t.Fatalf("after the run: %s, notices %+v", r.Status, r.ProcessorNotices)
	}
	if q, ok := f.queued(r.ID); !ok || !q.WaitingProcessors {
		t.Errorf("the queue row does not say it waits on processors: listed %v, %+v", ok, q.WaitingProcessors)
	}
	for _, m := range f.storedMessages(r.ID) {
		if m.Kind == model.LetterProcessorNotice && strings.Contains(m.To.Email, "lumen-crm") && !strings.Contains(string(m.Raw), "12 Corrected Way") {
			t.Errorf("the CRM's correction notice lacks the corrected address:\n%s", m.Raw)
		}
	}
	sam, lou := f.who["sam"], f.who["lou"]
	var err error
	for i, n := range r.ProcessorNotices {
		if i == 0 && len(r.ProcessorNotices) > 1 {
			r, err = f.s.ExceptProcessor(f.ctx, lou, r.ID, n.Processor, "the processor held no copy of these records")
		} else {
			r, err = f.s.ConfirmProcessor(f.ctx, sam, r.ID, n.Processor, time.Time{}, "REF-"+n.Processor)
		}
		if err != nil {
			t.Fatalf("settle %s: %v", n.Processor, err)
		}
	}
	if r.Status != model.StatusFulfilling || model.WaitingOnProcessors(r) {
		t.Fatalf("after support's last confirmation: %s, waiting %v", r.Status, model.WaitingOnProcessors(r))
	}
	if q, ok := f.queued(r.ID); !ok || q.WaitingProcessors {
		t.Errorf("the queue row still waits: listed %v", ok)
	}
	if r = f.run(r, "lou"); r.Status != model.StatusCompleted {
		t.Fatalf("a lead's run after the processors settled: %s", r.Status)
	}
}
