package db_test

import (
	"bytes"
	"context"
	"errors"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// TestQueueEditedLetter: a lead edits a letter before sending; the edit is
// what goes out, cleaned, and the chain says it was edited, with the hash
// of the exact bytes. Who may edit, what fits and whom it goes to are the
// record's, never the editor's.
func TestQueueEditedLetter(t *testing.T) {
	f := newFixture(t)
	f.create("R-1", "ta")
	body := "Dear Alma,\n\tWe have your request.\x1b[31m\x07 Thank you.\r\nThe team"
	if _, err := f.s.QueueEditedLetter(f.ctx, f.support, "R-1", model.LetterAcknowledgement, sender, "Hi", body); err == nil {
		t.Error("support edited a letter: it would read personal data unmasked")
	}
	if _, err := f.s.QueueEditedLetter(f.ctx, f.lead, "R-1", model.LetterCompletionDeletion, sender, "Done", "done"); !errors.Is(err, db.ErrInvalid) {
		t.Errorf("a completion letter for an open request: %v, want ErrInvalid", err)
	}
	for _, bad := range [][2]string{{"", "body"}, {"Subject", " \n\x1b[0m"}} {
		if _, err := f.s.QueueEditedLetter(f.ctx, f.lead, "R-1", model.LetterAcknowledgement, sender, bad[0], bad[1]); !errors.Is(err, db.ErrInvalid) {
			t.Errorf("subject %q body %q: %v, want ErrInvalid", bad[0], bad[1], err)
		}
	}
	m, err := f.s.QueueEditedLetter(f.ctx, f.lead, "R-1", model.LetterAcknowledgement, sender, "We got it\r\nBcc: eve@evil.test", body)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(m.Raw))
	if err != nil {
		t.Fatal(err)
	}
	if got := msg.Header.Get("Bcc"); got != "" {
		t.Errorf("an edited subject added a header: Bcc %q", got)
	}
	if got := msg.Header.Get("To"); !strings.Contains(got, "alma@example.org") {
		t.Errorf("To %q: the recipient must come from the record", got)
	}
	if m.Subject != "We got it Bcc: eve@evil.test" {
		t.Errorf("subject %q", m.Subject)
	}
	raw := string(m.Raw)
	if !strings.Contains(raw, "We have your request.") || strings.Contains(raw, "\x1b") || strings.Contains(raw, "\x07") {
		t.Errorf("the edit is not what was queued, or not cleaned:\n%s", raw)
	}
	d := f.auditDetails("queue_letter")
	want := model.OutcomeOK + " acknowledgement; " + m.ID + "; sha256 " + sha256Of(m.Raw) + "; edited before sending"
	if len(d) != 2 || d[1] != want {
		t.Errorf("audit %q, want a refusal then %q", d, want)
	}
	// Sent unchanged, it is the rendered letter: not called edited.
	l, err := f.s.DraftLetter(f.ctx, f.lead, "R-1", model.LetterAcknowledgement)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := f.s.QueueEditedLetter(f.ctx, f.lead, "R-1", model.LetterAcknowledgement, sender, l.Subject, l.Body)
	if err != nil {
		t.Fatal(err)
	}
	if m3, err := f.s.QueueLetter(f.ctx, f.lead, "R-1", model.LetterAcknowledgement, sender); err != nil || m3.ID != m2.ID {
		t.Errorf("the unedited letter queued twice: %s then %s (%v)", m2.ID, m3.ID, err)
	}
	if d := f.auditDetails("queue_letter"); len(d) != 3 || strings.Contains(d[2], "edited") {
		t.Errorf("audit %q", d)
	}
}

// TestDraftLetterOnlyForThoseWhoMaySeePI: the unmasked letter is personal
// data; support is refused (on the chain), a lead gets it and the read is
// audited without the text.
func TestDraftLetterOnlyForThoseWhoMaySeePI(t *testing.T) {
	f := newFixture(t)
	f.create("R-1", "ta")
	if _, err := f.s.DraftLetter(f.ctx, f.support, "R-1", model.LetterAcknowledgement); !errors.Is(err, db.ErrRefused) {
		t.Errorf("support: %v, want ErrRefused", err)
	}
	l, err := f.s.DraftLetter(f.ctx, f.lead, "R-1", model.LetterAcknowledgement)
	if err != nil {
		t.Fatal(err)
	}
	if l.To.Email != "alma@example.org" || !strings.Contains(l.Body, "What happens next") {
		t.Errorf("draft %+v", l)
	}
	d := f.auditDetails(db.ActionDraftLetter)
	if len(d) != 2 || !strings.HasPrefix(d[0], model.OutcomeRefused) || d[1] != model.OutcomeOK+" acknowledgement" {
		t.Errorf("audit %q", d)
	}
}

// TestHealthCountsFailedAndStuckLetters: a delivery that gave up and a
// message a crashed worker left "sending" show in the health report.
func TestHealthCountsFailedAndStuckLetters(t *testing.T) {
	f := newFixture(t)
	f.create("R-1", "ta")
	if h, err := f.s.Health(f.ctx, f.engineer); err != nil || h.Letters != (model.LetterHealth{}) {
		t.Fatalf("fresh: %+v %v", h.Letters, err)
	}
	m, err := f.s.QueueLetter(f.ctx, f.support, "R-1", model.LetterAcknowledgement, sender)
	if err != nil {
		t.Fatal(err)
	}
	queuedAt := f.clock.Now()
	d := &failing{}
	for range db.MaxSendAttempts {
		f.s.DeliverDue(f.ctx, d, sender, 10)
		f.clock.Add(time.Hour)
	}
	// A second letter claimed by a worker that then died.
	f.create("R-2", "ta")
	stuck, err := f.s.QueueLetter(f.ctx, f.support, "R-2", model.LetterAcknowledgement, sender)
	if err != nil {
		t.Fatal(err)
	}
	old := f.clock.Now().Add(-model.StuckSendingAfter - time.Minute)
	if _, err := f.conn.DB.Collection("messages").UpdateOne(f.ctx, bson.D{{Key: "_id", Value: stuck.ID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: db.MsgSending}, {Key: "claimed_at", Value: old}}}}); err != nil {
		t.Fatal(err)
	}
	h, err := f.s.Health(f.ctx, f.engineer)
	if err != nil {
		t.Fatal(err)
	}
	if h.Letters.Failed != 1 || h.Letters.Stuck != 1 || h.Letters.OldestFailed == nil || !h.Letters.OldestFailed.Equal(queuedAt.UTC()) {
		t.Errorf("letters %+v (failed %s queued %v)", h.Letters, m.ID, queuedAt)
	}
	if h, _ := f.s.Health(f.ctx, actor("eng-b", model.RoleEngineer, "tb")); h.Letters.Failed != 0 {
		t.Errorf("another tenant's engineer sees %+v", h.Letters)
	}
}

type countingPasses struct {
	mu   sync.Mutex
	sent []string
}

func (c *countingPasses) Deliver(_ context.Context, m db.Message, _ string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sent = append(c.sent, m.ID)
	return nil
}

// TestRunOutboxDeliversAndStops: the worker's first pass sends what is
// due, a wake runs another pass at once, and it returns when its context
// ends.
func TestRunOutboxDeliversAndStops(t *testing.T) {
	f := newFixture(t)
	f.create("R-1", "ta")
	if _, err := f.s.QueueLetter(f.ctx, f.support, "R-1", model.LetterAcknowledgement, sender); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(f.ctx)
	wake := make(chan struct{})
	passes := make(chan int, 10)
	done := make(chan struct{})
	d := &countingPasses{}
	go func() {
		db.RunOutboxWake(ctx, f.s, d, sender, time.Hour, wake, func(n int, err error) {
			if err != nil {
				t.Error(err)
			}
			passes <- n
		})
		close(done)
	}()
	if n := <-passes; n != 1 {
		t.Errorf("first pass sent %d, want 1", n)
	}
	wake <- struct{}{}
	if n := <-passes; n != 0 {
		t.Errorf("second pass sent %d, want 0 (never twice)", n)
	}
	cancel()
	<-done
	if len(d.sent) != 1 {
		t.Errorf("delivered %v", d.sent)
	}
}
