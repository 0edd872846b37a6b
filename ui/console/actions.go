package console

import (
	"context"
	"errors"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/lookup"
)

// Actions on one request. A key in the queue, the detail or the approvals
// pane becomes an actionOpenMsg; the shell reads the request (so the form
// shows and saves against the version as it is now), checks the lifecycle
// table for a helpful early refusal, and pushes a formPane. Saving is one
// Backend.Apply — the controller decides; the form only reports.

// actionOpenMsg asks the shell to open the form for action on request id.
// have, when set, is the request as the caller already read it.
type actionOpenMsg struct {
	action keymap.Action
	id     string
	have   *model.Request
	// subject is who a new request is for, when logged from their detail.
	subject *model.Subject
	// req and in are what the form shows, once read (readForAction).
	req model.Request
	in  formInput
}

// formInput is what an action form reads besides the request.
type formInput struct {
	ops   []model.Operator
	limit *model.LimitResult
	// subject is the request's linked subject, for the verification
	// rules that match data points against what is on file.
	subject *model.Subject
	// candidates are the subjects the requester may be, and directory the
	// tenant's subjects to search, for a link.
	candidates []model.Subject
	directory  *lookup.Directory
	// discloseField is the collection.field a disclosure starts on, when
	// opened from that field's line in the plan view.
	discloseField string
}

// load reads what spec's form needs besides the request r into in.
func (spec actionSpec) load(ctx context.Context, backend Backend, actor model.Actor, r model.Request, in *formInput) error {
	if spec.needsOperators {
		ops, err := backend.Operators(ctx, actor)
		if err != nil {
			return err
		}
		in.ops = ops
	}
	if spec.needsLimit && r.SubjectID != "" {
		// The evidence is a help, not a precondition: the form opens without it.
		if lim, err := backend.KnowLimit(ctx, actor, r.ID); err == nil {
			in.limit = &lim
		}
	}
	if spec.needsSubject && r.SubjectID != "" {
		sub, err := backend.Subject(ctx, actor, r.SubjectID)
		if err != nil {
			return fmt.Errorf("reading the linked subject %s: %w", r.SubjectID, err)
		}
		in.subject = &sub
	}
	if spec.needsCandidates {
		cands, err := backend.MatchSubjects(ctx, actor, r.TenantID, r.Requester)
		if err != nil {
			return fmt.Errorf("matching the requester to a subject: %w", err)
		}
		in.candidates = cands
		dir := lookup.NewDirectory()
		err = backend.SubjectDirectory(ctx, actor, r.TenantID, time.Time{}, func(subs []model.Subject) error {
			dir.Put(directoryRecords(subs))
			return nil
		}, nil)
		if err != nil {
			return fmt.Errorf("reading the subjects of %s: %w", r.TenantID, err)
		}
		in.directory = dir
	}
	return nil
}

// actionSpec is one action's form and how its values become an Apply.
type actionSpec struct {
	act model.Action
	// verb names the action in titles and messages ("approve").
	verb string
	// build returns the form's fields; intro and preview are set by open.
	fields func(c *Context, r model.Request, t model.Tenant, in formInput) []*formField
	// intro says what the action records.
	intro func(c *Context, r model.Request, t model.Tenant) []string
	// preview shows what depends on the values (a new due date, evidence).
	preview func(c *Context, r model.Request, t model.Tenant, in formInput) func(*form) []string
	// confirm, when set, is asked before saving with the safe choice focused.
	confirm func(c *Context, r model.Request, t model.Tenant) func(*form) []string
	// confirmWith is confirm for a question that shows what was read too.
	confirmWith func(c *Context, r model.Request, t model.Tenant, in formInput) func(*form) []string
	// apply turns the values into Apply's reason and edit. The edit closes
	// over copies only: it runs in the save's goroutine.
	apply func(f *form, r model.Request, t model.Tenant, now time.Time) (string, func(*model.Request) error)
	// needs says what must be read besides the request.
	needsOperators, needsLimit, needsSubject, needsCandidates bool
	// after, when set, is what follows a successful save once the form
	// has closed (a retry opens the run it restarted).
	after func(r model.Request) tea.Cmd
}

// actionKeys maps each request key to its lifecycle action. Every row of
// model.Transitions() is reachable from one of these or, for plans and
// runs, from fulfilKeys (see TestEveryTransitionHasAKey).
func actionKeys() map[keymap.Action]model.Action {
	return map[keymap.Action]model.Action{
		keymap.Acknowledge:       model.ActAcknowledge,
		keymap.StartVerification: model.ActStartVerification,
		keymap.RequestInfo:       model.ActRequestInfo,
		keymap.InfoReceived:      model.ActInfoReceived,
		keymap.Verify:            model.ActVerify,
		keymap.DenyUnverifiable:  model.ActDenyUnverifiable,
		keymap.Refuse:            model.ActRefuseExcessive,
		keymap.Approve:           model.ActApprove,
		keymap.Deny:              model.ActDeny,
		keymap.Withdraw:          model.ActWithdraw,
		keymap.Extend:            model.ActExtend,
		keymap.Assign:            model.ActAssign,
		keymap.Note:              model.ActNote,
		keymap.Retry:             model.ActRetry,
		keymap.Remind:            model.ActRemind,
		keymap.ChargeFee:         model.ActChargeFee,
		keymap.CorrectDecision:   model.ActCorrectDecision,
		keymap.Link:              model.ActLink,
		keymap.Disclose:          model.ActDisclose,
	}
}

// requestActionKey returns the keymap action msg triggers among the
// request actions, if any.
func requestActionKey(k keymap.KeyMap, msg tea.KeyPressMsg) (keymap.Action, bool) {
	for ka := range actionKeys() {
		if k.Matches(msg, ka) {
			return ka, true
		}
	}
	return "", false
}

// openActionCmd is what a pane returns for a request action key.
func openActionCmd(ka keymap.Action, id string, have *model.Request) tea.Cmd {
	return func() tea.Msg { return actionOpenMsg{action: ka, id: id, have: have} }
}

// errAttemptOnly stops the write of an attempt the console expected to be
// refused, should the controller not refuse it.
var errAttemptOnly = errors.New("not sent: the request changed since it was read")

// readForAction reads the request an action's form shows and what else the
// spec needs, into a copy of msg.
func readForAction(msg actionOpenMsg, spec actionSpec) backendFunc[actionOpenMsg] {
	return func(ctx context.Context, backend Backend, actor model.Actor) (actionOpenMsg, error) {
		out := msg
		if msg.have != nil {
			out.req = *msg.have
		} else {
			var err error
			if out.req, err = backend.Request(ctx, actor, msg.id); err != nil {
				return out, err
			}
		}
		err := spec.load(ctx, backend, actor, out.req, &out.in)
		return out, err
	}
}

// attemptAction asks the controller to apply act with an edit that always
// fails, so the controller refuses (and audits) what the rule book
// refuses; the result is the request's id.
func attemptAction(act model.Action, id string, version int64) backendFunc[string] {
	return func(ctx context.Context, backend Backend, actor model.Actor) (string, error) {
		_, err := backend.Apply(ctx, actor, id, version, act, "", func(*model.Request) error { return errAttemptOnly })
		return id, err
	}
}

// attemptedText is the controller's answer to a refused key press.
func attemptedText(c *Context, id string, err error) string {
	if err == nil || errors.Is(err, errAttemptOnly) {
		return model.CleanLine(id) + ": the request changed since it was read; " + c.keyFor(keymap.Refresh) + " reads it again"
	}
	return model.CleanLine(id) + ": " + c.errText(err)
}
