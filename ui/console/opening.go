package console

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// opening is what a key that opens a view decides: a view to stack, a read
// to make before the form can show, a key press the rule book refuses to
// hand to the controller anyway (which refuses it again and audits the
// refusal, as from every other door), or a message. The deciding is plain
// functions of the context; the shell carries it out (App.carryOut).
type opening struct {
	view    func(seq int) Pane
	read    backendFunc[actionOpenMsg]
	attempt backendFunc[string]
	status  string
	isErr   bool
	// cmd is work the decision started itself (a run retried in place).
	cmd tea.Cmd
}

func openingError(text string) opening { return opening{status: text, isErr: true} }

// attemptOpening hands act on request id to the controller. Its edit fails
// before anything is written, so a request that changed since it was read
// is never acted on unseen.
func attemptOpening(act model.Action, id string, version int64) opening {
	return opening{attempt: attemptAction(act, id, version)}
}

// fulfilOpening opens the plan, its sign-off or a run. top is the view on
// top of the stack, if any.
func fulfilOpening(c *Context, msg fulfilOpenMsg, top Pane) opening {
	switch msg.action {
	case keymap.Plan:
		return opening{view: func(seq int) Pane { return newPlanPane(c, seq, msg.id) }}
	case keymap.Fulfil:
		// A retry from a failed run's view runs there again rather than
		// stacking a second run view over the stale one.
		if rp, ok := top.(*runPane); ok && rp.id == msg.id && !rp.Capturing() {
			rp.confirmed = msg.confirmed
			return opening{cmd: rp.read()}
		}
		return opening{view: func(seq int) Pane {
			rp := newRunPane(c, seq, msg.id)
			rp.confirmed = msg.confirmed
			return rp
		}}
	case keymap.SignOff:
		if msg.have == nil {
			return opening{}
		}
		r := *msg.have
		if model.Check(model.ActSignOff, requestFacts(c, r)) != nil {
			return attemptOpening(model.ActSignOff, r.ID, r.Version)
		}
		t, _ := c.Tenant(r.TenantID)
		return opening{view: func(seq int) Pane { return newSignOffPane(c, seq, r, t) }}
	}
	return opening{}
}

// actionOpening starts a request action: first a read of what its form
// needs (actionReadyOpening follows), unless the role already refuses it.
func actionOpening(c *Context, msg actionOpenMsg) opening {
	if msg.action == keymap.NewRequest {
		if !c.Actor.Can(model.PermTriage) {
			return openingError(c.Actor.Refusal(model.PermTriage, "log a request"))
		}
		return opening{view: func(seq int) Pane { return newNewRequestPane(c, seq, msg.subject) }}
	}
	act, ok := actionKeys()[msg.action]
	if !ok {
		return opening{}
	}
	spec := specFor(act)
	if tr, _ := model.TransitionFor(act); !c.Actor.Can(tr.Perm) {
		// The role decides before the version does: the controller hears
		// the attempt without a read.
		return attemptOpening(act, msg.id, 0)
	}
	return opening{read: readForAction(msg, spec), status: "opening " + spec.verb + " for " + model.CleanLine(msg.id) + "…"}
}

// actionReadyOpening pushes the form of msg, read by actionOpening, unless
// the read failed or the rule book already refuses the action.
func actionReadyOpening(c *Context, msg actionOpenMsg, err error) opening {
	act := actionKeys()[msg.action]
	spec := specFor(act)
	if err != nil {
		return openingError(fmt.Sprintf("%s %s: %s", spec.verb, model.CleanLine(msg.id), c.errText(err)))
	}
	r := msg.req
	// The rule book's own early answer: the same Check the controller
	// asks again on save, phrased with this operator's keys.
	if model.Check(act, requestFacts(c, r)) != nil {
		return attemptOpening(act, r.ID, r.Version)
	}
	t, _ := c.Tenant(r.TenantID)
	return opening{view: func(seq int) Pane { return newActionPane(c, seq, spec, r, t, msg.in) }}
}
