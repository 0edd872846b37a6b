package db

import (
	"context"
	"fmt"

	"github.com/custodian-dev/custodian/model"
)

// QueueEditedLetter queues the letter of kind k for request id as a person
// edited it before sending: the same checks as QueueLetter (read-only,
// LetterPermission, the sender address), and the template is rendered
// here, so whether the letter fits the request and whom it goes to come
// from the record, never from the editor. Only the subject (HeaderSafe,
// not empty) and the body (model.CleanLetterBody, not empty) are the
// editor's. The audit event says "edited before sending" when they differ
// from the rendered letter.
func (s *Store) QueueEditedLetter(ctx context.Context, actor model.Actor, id string, k model.LetterKind, from, subject, body string) (Message, error) {
	const action = "queue_letter"
	actor, r, err := s.letterSender(ctx, actor, id, k)
	if err != nil {
		return Message{}, err
	}
	tgt := auditTarget("request", id)
	// Editing means reading the letter unmasked: only those who may see
	// personal data edit (DraftLetter gives them the text to edit).
	if !actor.Can(model.PermReveal) {
		return Message{}, s.refuse(ctx, actor, action, tgt, r.TenantID, actor.Refusal(model.PermReveal, "edit a letter (it carries personal data unmasked)"), nil)
	}
	if from, err = model.SafeAddress(from); err != nil {
		return Message{}, fmt.Errorf("%w: sender: %w", ErrInvalid, err)
	}
	subject, body, err = model.CheckEditedLetter(subject, body)
	if err != nil {
		return Message{}, fmt.Errorf("%w: %s %s: %w", ErrInvalid, k, id, err)
	}
	l, err := s.renderLetter(ctx, r, k)
	if err != nil {
		return Message{}, err
	}
	note := ""
	if subject != l.Subject || body != l.Body {
		note = "edited before sending"
	}
	l.Subject, l.Body = subject, body
	return s.queueRendered(ctx, actor, r, k, l, from, note)
}

// ActionDraftLetter is the audit action of reading a letter unmasked to
// edit it.
const ActionDraftLetter = "draft_letter"

// DraftLetter is the letter of kind k for request id rendered unmasked,
// the text a person edits before sending. It is personal data, so only an
// actor who may reveal it (model.PermReveal) gets it, and the read is an
// audit event (kind only, never the text); anyone else is refused, and the
// refusal is audited too.
func (s *Store) DraftLetter(ctx context.Context, actor model.Actor, id string, k model.LetterKind) (model.Letter, error) {
	actor, err := s.currentActor(ctx, actor)
	if err != nil {
		return model.Letter{}, fmt.Errorf("%s %s: %w", ActionDraftLetter, id, err)
	}
	if _, err := model.ParseLetterKind(string(k)); err != nil {
		return model.Letter{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	r, err := s.Request(ctx, actor, id)
	if err != nil {
		return model.Letter{}, err
	}
	tgt := auditTarget("request", id)
	if !actor.Can(model.PermReveal) {
		return model.Letter{}, s.refuse(ctx, actor, ActionDraftLetter, tgt, r.TenantID, actor.Refusal(model.PermReveal, "read a letter unmasked to edit it"), nil)
	}
	l, err := s.renderLetter(ctx, r, k)
	if err != nil {
		return model.Letter{}, err
	}
	ev := model.AuditEvent{
		ID: newEventID(), At: s.now(), Actor: actor.Handle(), Role: actor.Operator.Role, Origin: actor.Origin,
		Action: ActionDraftLetter, Target: tgt, TenantID: r.TenantID, Outcome: model.OutcomeOK, Detail: string(k),
	}
	if _, err := s.AppendAudit(ctx, ev); err != nil {
		return model.Letter{}, fmt.Errorf("%s %s: not shown, the audit event could not be written: %w", ActionDraftLetter, id, err)
	}
	return l, nil
}
