package db

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/custodian-dev/custodian/model"
)

// ActionReveal is the audit action of a reveal of unmasked personal data.
const ActionReveal = "reveal"

// RevealField returns one unmasked value of a subject's personal data, for
// a privacy lead who states why. The reveal is an audit event (who, which
// subject, which record and field, the reason — never the value), written
// before the value is returned: if it cannot be recorded, nothing is
// revealed. Anyone else is refused, and the refusal is audited too.
func (s *Store) RevealField(ctx context.Context, actor model.Actor, subjectID string, ref model.FieldRef, reason string) (string, error) {
	tgt := auditTarget("subject", subjectID)
	actor, err := s.currentActor(ctx, actor)
	if err != nil {
		return "", fmt.Errorf("reveal a field of %s: %w", subjectID, err)
	}
	if !actor.Can(model.PermReveal) {
		return "", s.refuse(ctx, actor, ActionReveal, tgt, "", actor.Refusal(model.PermReveal, "reveal personal data"), nil)
	}
	reason, err = model.CheckRevealReason(reason)
	switch {
	case err != nil:
		return "", invalidf("%s", err)
	case utf8.RuneCountInString(reason) > maxTextLen:
		return "", invalidf("the reason is %d characters; keep it under %d", utf8.RuneCountInString(reason), maxTextLen)
	}
	sub, err := s.Subject(ctx, actor, subjectID)
	if err != nil {
		return "", err
	}
	value, fm, err := s.recordValue(ctx, sub, ref)
	if err != nil {
		return "", fmt.Errorf("reveal %s of %s: %w", ref.Field, subjectID, err)
	}
	ev := model.AuditEvent{
		ID: newEventID(), At: s.now(), Actor: actor.Handle(), Role: actor.Operator.Role, Origin: actor.Origin,
		Action: ActionReveal, Target: tgt, TenantID: sub.TenantID, Outcome: model.OutcomeOK, Reason: reason,
		Detail: fmt.Sprintf("%s/%s %s (%s)", ref.Collection, ref.RecordID, fm.Field, fm.Category),
	}
	if _, err := s.AppendAudit(ctx, ev); err != nil {
		return "", fmt.Errorf("reveal %s of %s: not revealed, the audit event could not be written: %w", ref.Field, subjectID, err)
	}
	return value, nil
}
