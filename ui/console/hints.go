package console

import (
	"errors"
	"slices"

	"charm.land/bubbles/v2/key"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// What the console offers is what the rule book allows: the status line and
// `?` hint a key only when model.Check passes for the operator on the
// request as the pane read it — role, lifecycle state and preconditions
// (four eyes, once-only, the extension window, a signed plan, a link).
// The controller decides again on save; a hint is only a hint.

// requestFacts are the rule book's facts as a pane has them: the request,
// its tenant, the operator and the clock. The subject is left out: no
// precondition reads it (only input rules do, on save).
func requestFacts(c *Context, r model.Request) model.Facts {
	t, _ := c.Tenant(r.TenantID)
	return model.Facts{Request: r, Tenant: t, Actor: c.Actor, Now: c.Clock.Now()}
}

// hintOrder is the order request actions appear in the status line: what
// usually comes next first.
func hintOrder() []keymap.Action {
	return []keymap.Action{keymap.Link, keymap.Acknowledge, keymap.StartVerification, keymap.Verify, keymap.RequestInfo,
		keymap.InfoReceived, keymap.Approve, keymap.Deny, keymap.Remind, keymap.Assign, keymap.Note, keymap.Extend,
		keymap.ChargeFee, keymap.Refuse, keymap.DenyUnverifiable, keymap.CorrectDecision, keymap.Withdraw, keymap.Retry}
}

// actionHints are the request and fulfilment keys the rule book lets the
// actor use on r now, as short help.
func actionHints(c *Context, r model.Request) []key.Binding {
	offered := model.Offered(requestFacts(c, r))
	// Fulfilment keys first: on an approved or fulfilling request they are
	// what comes next.
	out := fulfilHintsOf(c, offered)
	keys := actionKeys()
	for _, ka := range hintOrder() {
		if slices.Contains(offered, keys[ka]) {
			out = append(out, c.Keys.Binding(ka))
		}
	}
	return out
}

// fulfilHints are the fulfilment keys the rule book lets the actor use on r.
func fulfilHints(c *Context, r model.Request) []key.Binding {
	return fulfilHintsOf(c, model.Offered(requestFacts(c, r)))
}

func fulfilHintsOf(c *Context, offered []model.Action) []key.Binding {
	var out []key.Binding
	if slices.Contains(offered, model.ActStartFulfilment) || slices.Contains(offered, model.ActFulfilStep) {
		out = append(out, c.Keys.Binding(keymap.Fulfil))
	}
	if slices.Contains(offered, model.ActPlan) {
		out = append(out, c.Keys.Binding(keymap.Plan))
	}
	return out
}

// boundKey names the key bound to model action a, for a refusal's remedy:
// the request keys, then the fulfilment keys. ok is false when no key
// reaches a.
func (c *Context) boundKey(a model.Action) (string, bool) {
	for ka, ma := range actionKeys() {
		if ma == a {
			return c.keyFor(ka), true
		}
	}
	if ka, ok := fulfilKeys()[a]; ok {
		return c.keyFor(ka), true
	}
	return "", false
}

// remedyText is what a rule refusal in err suggests the operator press,
// e.g. " — press p to make a plan"; "" when err is no refusal with a
// remedy, or the remedy has no key.
func (c *Context) remedyText(err error) string {
	var ref *model.Refusal
	if !errors.As(err, &ref) || ref.Remedy == "" {
		return ""
	}
	k, ok := c.boundKey(ref.Remedy)
	if !ok || k == "" {
		return ""
	}
	return " — press " + k + " to " + remedyVerb(ref.Remedy)
}

// remedyVerb says what the remedy action does, after "press X to".
func remedyVerb(a model.Action) string {
	switch a {
	case model.ActPlan:
		return "make a plan"
	case model.ActSignOff:
		return "open the plan for a second lead's sign-off"
	case model.ActStartFulfilment:
		return "run the plan"
	case model.ActLink:
		return "link it to its subject"
	case model.ActRetry:
		return "retry"
	}
	return a.Label()
}
