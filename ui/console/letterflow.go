package console

import (
	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// The letter flow: which letters a request may get now, the letter an
// action calls for, and the message that opens the letter pane. The pane
// itself is letterpane.go.

// letterOpenMsg asks the shell to open the letter pane on request id:
// with kind set, straight at that letter's preview; else a choice among
// the kinds that fit. then are kinds offered after this one is done (an
// extension tells the resident, then the Customer).
type letterOpenMsg struct {
	id   string
	have *model.Request
	kind model.LetterKind
	then []model.LetterKind
}

func openLetterCmd(id string, have *model.Request, kind model.LetterKind, then []model.LetterKind) tea.Cmd {
	return func() tea.Msg { return letterOpenMsg{id: id, have: have, kind: kind, then: then} }
}

// letterKindsFor lists the kinds actor may send about r as it stands: the
// same model.LetterFits and model.LetterPermission the controller checks.
func letterKindsFor(actor model.Actor, r model.Request) []model.LetterKind {
	var out []model.LetterKind
	for _, i := range model.LetterKinds() {
		if model.LetterFits(i.Kind, r) == nil && actor.Can(model.LetterPermission(i.Kind)) {
			out = append(out, i.Kind)
		}
	}
	return out
}

// lettersAfter is the letters an action calls for once it is saved, in
// the order they are offered. Completion letters follow a fulfilment run,
// not an action form; c (compose) offers them on a completed request.
func lettersAfter(a model.Action) []model.LetterKind {
	switch a {
	case model.ActAcknowledge:
		return []model.LetterKind{model.LetterAcknowledgement}
	case model.ActExtend:
		return []model.LetterKind{model.LetterExtensionResident, model.LetterExtensionCustomer}
	case model.ActRemind:
		return []model.LetterKind{model.LetterApprovalReminder}
	case model.ActRequestInfo:
		return []model.LetterKind{model.LetterVerification}
	case model.ActDeny, model.ActDenyUnverifiable:
		return []model.LetterKind{model.LetterDenial}
	case model.ActRefuseExcessive:
		return []model.LetterKind{model.LetterExcessiveRefusal}
	case model.ActChargeFee:
		return []model.LetterKind{model.LetterFeeQuote}
	}
	return nil
}

// afterWithLetter is spec's after-save step followed, when the session
// offers letters after actions, by the letter pane on the first letter the
// action calls for that fits the saved request and that the operator may
// send.
func afterWithLetter(c *Context, spec actionSpec) func(model.Request) tea.Cmd {
	kinds := lettersAfter(spec.act)
	if !c.letterAfterAction || len(kinds) == 0 {
		return spec.after
	}
	return func(r model.Request) tea.Cmd {
		fit := fitLettersAfter(c.Actor, spec.act, r)
		var cmds []tea.Cmd
		if spec.after != nil {
			cmds = append(cmds, spec.after(r))
		}
		if len(fit) > 0 {
			cmds = append(cmds, openLetterCmd(r.ID, &r, fit[0], fit[1:]))
		}
		return tea.Sequence(cmds...)
	}
}

// fitLettersAfter is the letters action a calls for that fit r as saved
// and that actor may send, in the order they are offered.
func fitLettersAfter(actor model.Actor, a model.Action, r model.Request) []model.LetterKind {
	var fit []model.LetterKind
	for _, k := range lettersAfter(a) {
		if model.LetterFits(k, r) == nil && actor.Can(model.LetterPermission(k)) {
			fit = append(fit, k)
		}
	}
	return fit
}

// composeKey is whether msg is the compose key.
func composeKey(k keymap.KeyMap, msg tea.KeyPressMsg) bool { return k.Matches(msg, keymap.WriteLetter) }
