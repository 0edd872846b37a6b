package db

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodian-dev/custodian/model"
)

// runProcessorStep queues the notice of step i's processor and returns the
// notice to record with the step. The message id is derived from what the
// letter says, so a run that crashed after queuing finds the same message
// and never sends a second notice.
func (s *Store) runProcessorStep(ctx context.Context, actor model.Actor, env runEnv, r model.Request, i int) (string, *model.ProcessorNotice, error) {
	st := r.Plan.Steps[i]
	pp, ok := r.Plan.PlanProcessorNamed(st.Processor)
	if !ok {
		return "", nil, fmt.Errorf("step %d names processor %s, which the plan does not list", i+1, st.Processor)
	}
	m, err := s.queueProcessorLetter(ctx, actor, env.tenant, r, pp, model.LetterProcessorNotice, 0)
	if err != nil {
		return "", nil, err
	}
	n := &model.ProcessorNotice{Processor: pp.Name, SentAt: m.CreatedAt, MessageID: m.ID}
	return "notice queued as " + m.ID, n, nil
}

// queueProcessorLetter renders and queues a notice (reminder 0) or the
// nth reminder to processor pp about r.
func (s *Store) queueProcessorLetter(ctx context.Context, actor model.Actor, t model.Tenant, r model.Request, pp model.PlanProcessor, k model.LetterKind, reminder int) (Message, error) {
	if err := model.LetterFits(k, r); err != nil {
		return Message{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	tpl, err := s.template(ctx, r.TenantID, k)
	if err != nil {
		return Message{}, err
	}
	dm, err := s.DataMap(ctx)
	if err != nil {
		return Message{}, err
	}
	l, err := model.RenderProcessorLetter(tpl.LetterTemplate, r, t, model.NoticeDataFor(r, pp, dm, reminder))
	if err != nil {
		return Message{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return s.queueRendered(ctx, actor, r, k, l, s.letterFrom, "to processor "+pp.Name)
}

// addNotice records n on q: a notice already there for the same message
// stays as it is (a re-run); one from an earlier plan is replaced.
func addNotice(q *model.Request, n model.ProcessorNotice) {
	for j, old := range q.ProcessorNotices {
		if old.Processor == n.Processor {
			if old.MessageID != n.MessageID {
				q.ProcessorNotices[j] = n
			}
			return
		}
	}
	q.ProcessorNotices = append(q.ProcessorNotices, n)
}

// ConfirmProcessor records processor's confirmation (its reference, and
// the date it acted: zero means today) of request id's notice. When it is
// the last notice outstanding and every step is done, a privacy lead's
// confirmation completes the request; a support operator's leaves that to
// a lead (its run or `requests run`), as an engineer's run does.
func (s *Store) ConfirmProcessor(ctx context.Context, actor model.Actor, id, processor string, date time.Time, reference string) (model.Request, error) {
	return s.settleNotice(ctx, actor, id, processor, true, reference, date)
}

// ExceptProcessor records a privacy lead's exception for processor's
// notice: no confirmation is needed, for the reason given (at least
// model.ProcessorReasonMin characters). It completes the request as
// ConfirmProcessor does.
func (s *Store) ExceptProcessor(ctx context.Context, actor model.Actor, id, processor, reason string) (model.Request, error) {
	return s.settleNotice(ctx, actor, id, processor, false, reason, time.Time{})
}

func (s *Store) settleNotice(ctx context.Context, actor model.Actor, id, processor string, confirm bool, text string, date time.Time) (model.Request, error) {
	a := model.ActConfirmProcessor
	if !confirm {
		a = model.ActExceptProcessor
	}
	actor, err := s.currentActor(ctx, actor)
	if err != nil {
		return model.Request{}, fmt.Errorf("%s %s: %w", a.Label(), id, err)
	}
	r, err := s.Request(ctx, actor, id)
	if err != nil {
		return model.Request{}, err
	}
	text = model.CleanLine(strings.TrimSpace(text))
	if len([]rune(text)) > maxTextLen {
		return model.Request{}, invalidf("%s %s: the text is longer than %d characters", a.Label(), id, maxTextLen)
	}
	now := s.now()
	i, cerr := model.CheckProcessorNotice(r, actor, processor, confirm, text, date, now)
	if cerr != nil {
		tgt := auditTarget("request", id)
		if actor.ReadOnly || !actor.Can(map[bool]model.Permission{true: model.PermConfirmProcessor, false: model.PermExceptProcessor}[confirm]) {
			return model.Request{}, s.refuse(ctx, actor, string(a), tgt, r.TenantID, cerr.Error(), nil)
		}
		return model.Request{}, fmt.Errorf("%s %s: %w", a.Label(), id, &inputError{msg: cerr.Error()})
	}
	detail := "processor " + model.CleanLine(processor)
	nr, err := s.writeNotices(ctx, actor, r, a, detail, func(q *model.Request) {
		n := &q.ProcessorNotices[i]
		if confirm {
			at := date
			if at.IsZero() {
				at = now
			}
			n.Confirmed = &model.ProcessorConfirmation{At: at.UTC(), Reference: text, RecordedBy: actor.Handle()}
		} else {
			n.Exception = &model.ProcessorException{Reason: text, By: actor.Handle(), At: now}
		}
	})
	if err != nil {
		return model.Request{}, err
	}
	if len(model.ProcessorsPending(nr)) > 0 || nr.Plan == nil || len(nr.Plan.Pending()) > 0 || !actor.Can(model.PermSignOff) {
		return nr, nil
	}
	return s.Apply(ctx, actor, id, nr.Version, model.ActComplete, "", nil)
}

// writeNotices writes r with edit applied to its notices as the next
// version: one claimed write with its history line and audit event, as
// Apply writes, for the notice actions that change no status.
func (s *Store) writeNotices(ctx context.Context, actor model.Actor, r model.Request, a model.Action, detail string, edit func(*model.Request)) (model.Request, error) {
	ctx, leave, err := s.inflight.enter(ctx)
	if err != nil {
		return model.Request{}, fmt.Errorf("%s %s: %w", a.Label(), r.ID, err)
	}
	defer leave()
	nr, err := cloneRequest(r)
	if err != nil {
		return model.Request{}, fmt.Errorf("%s %s: %w", a.Label(), r.ID, err)
	}
	edit(&nr)
	nr.WaitingProcessors = model.WaitingOnProcessors(nr)
	tenant, err := s.tenant(ctx, r.TenantID)
	if err != nil {
		return model.Request{}, fmt.Errorf("%s %s: %w", a.Label(), r.ID, err)
	}
	now, handle, role := s.now(), actor.Handle(), actor.Operator.Role
	nr.Version = r.Version + 1
	c := s.newClaim(collRequests, r.ID, nr.Version, handle, now)
	c.Status = r.Status
	nr.History = append(nr.History, model.Event{ID: c.WriteID, At: now, Actor: handle, Role: role, Action: a, From: r.Status, To: r.Status})
	nr.DueAt = model.ComputeDeadlines(nr, tenant).Next
	nr.UpdatedBy, nr.UpdatedAt = handle, now
	// The detail names the processor, never the request's data; a
	// confirmation's reference and an exception's reason are the
	// processor's and the lead's words, kept on the request.
	c.Events = []model.AuditEvent{{
		ID: c.WriteID, At: now, Actor: handle, Role: role, Origin: actor.Origin, Action: string(a),
		Target: auditTarget("request", r.ID), TenantID: r.TenantID, Outcome: model.OutcomeOK, Detail: detail,
	}}
	if err := s.storePlan(ctx, &nr); err != nil {
		return model.Request{}, fmt.Errorf("%s %s: %w", a.Label(), r.ID, err)
	}
	if c.Doc, err = bson.Marshal(nr); err != nil {
		return model.Request{}, fmt.Errorf("%s %s: %w", a.Label(), r.ID, err)
	}
	if _, err := s.commit(ctx, c); err != nil {
		if errors.Is(err, errClaimTaken) || errors.Is(err, errSlotUsed) {
			return model.Request{}, s.conflictAfterClaim(ctx, r.ID, c.ID)
		}
		return model.Request{}, fmt.Errorf("%s %s: %w", a.Label(), r.ID, err)
	}
	return nr, nil
}

// ProcessorNoticeView is one notice as the doors list it.
type ProcessorNoticeView struct {
	model.ProcessorNotice
	Contact string `json:"contact"`
	State   string `json:"state"`
	Overdue bool   `json:"overdue"`
}

// ProcessorNotices lists request id's processors: the notices sent with
// their state, then the processors of the plan not notified yet.
func (s *Store) ProcessorNotices(ctx context.Context, actor model.Actor, id string) ([]ProcessorNoticeView, error) {
	r, err := s.Request(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	t, err := s.tenant(ctx, r.TenantID)
	if err != nil {
		return nil, fmt.Errorf("processors of %s: %w", id, err)
	}
	return NoticeViews(r, t, s.now()), nil
}

// NoticeViews is the list ProcessorNotices returns, from a request read.
func NoticeViews(r model.Request, t model.Tenant, now time.Time) []ProcessorNoticeView {
	loc, cal := t.Location(), t.Calendar()
	var out []ProcessorNoticeView
	contact := func(name string) string {
		if r.Plan != nil {
			if pp, ok := r.Plan.PlanProcessorNamed(name); ok {
				return model.Mask(model.KindEmail, pp.Contact.Email)
			}
		}
		return ""
	}
	for _, n := range r.ProcessorNotices {
		_, overdue := model.ProcessorReminderDue(n, now, cal, loc)
		out = append(out, ProcessorNoticeView{ProcessorNotice: n, Contact: contact(n.Processor), State: model.ProcessorState(n, now, cal, loc), Overdue: overdue})
	}
	if r.Plan != nil {
		for _, pp := range r.Plan.Processors {
			if !slices.ContainsFunc(r.ProcessorNotices, func(n model.ProcessorNotice) bool { return n.Processor == pp.Name }) {
				out = append(out, ProcessorNoticeView{ProcessorNotice: model.ProcessorNotice{Processor: pp.Name}, Contact: contact(pp.Name), State: "not notified yet: run the plan"})
			}
		}
	}
	return out
}

// RemindProcessors queues a processor_reminder for every notice of a
// fulfilling request that is due one at now (model.ProcessorReminderDue)
// and records it on the request. It returns how many were queued. The
// outbox pass runs it before delivering, so the reminders go out with it.
func (s *Store) RemindProcessors(ctx context.Context, now time.Time) (int, error) {
	// The fulfilling requests, by the queue's own index; few at any time.
	cur, err := s.requests.Find(ctx, bson.D{{Key: "status", Value: model.StatusFulfilling}},
		options.Find().SetSort(bson.D{{Key: "due_at", Value: 1}, {Key: "_id", Value: 1}}).SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "processor_notices", Value: 1}}))
	if err != nil {
		return 0, fmt.Errorf("remind processors: %w", err)
	}
	var rows []struct {
		ID      string                  `bson:"_id"`
		Notices []model.ProcessorNotice `bson:"processor_notices"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return 0, fmt.Errorf("remind processors: %w", err)
	}
	actor := model.SystemActor("outbox")
	sent := 0
	for _, row := range rows {
		if len(row.Notices) == 0 {
			continue
		}
		r, err := s.readRequest(ctx, row.ID)
		if err != nil {
			return sent, err
		}
		t, err := s.tenant(ctx, r.TenantID)
		if err != nil {
			return sent, fmt.Errorf("remind processors of %s: %w", r.ID, err)
		}
		for i, n := range r.ProcessorNotices {
			due, _ := model.ProcessorReminderDue(n, now, t.Calendar(), t.Location())
			if !due || r.Plan == nil {
				continue
			}
			pp, ok := r.Plan.PlanProcessorNamed(n.Processor)
			if !ok {
				continue
			}
			m, err := s.queueProcessorLetter(ctx, actor, t, r, pp, model.LetterProcessorReminder, len(n.Reminders)+1)
			if err != nil {
				return sent, fmt.Errorf("remind %s of %s: %w", n.Processor, r.ID, err)
			}
			r, err = s.writeNotices(ctx, actor, r, model.ActRemindProcessor, fmt.Sprintf("processor %s; reminder %d; %s", model.CleanLine(n.Processor), len(n.Reminders)+1, m.ID),
				func(q *model.Request) { q.ProcessorNotices[i].Reminders = append(q.ProcessorNotices[i].Reminders, now) })
			if err != nil {
				return sent, err
			}
			sent++
		}
	}
	return sent, nil
}
