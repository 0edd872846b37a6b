package console

import (
	"slices"
	"testing"

	"github.com/custodian-dev/custodian/model"
)

// TestFitLettersAfter: each action that calls for a letter offers it once
// saved, when it fits the request as saved and the operator may send it
// (model.LetterFits, model.LetterPermission); an extension offers the
// resident's notice, then the Customer's (seed policy: "we will let our
// Customer know").
func TestFitLettersAfter(t *testing.T) {
	lead := model.Actor{Operator: model.Operator{Handle: "lee", Role: model.RoleLead}}
	support := model.Actor{Operator: model.Operator{Handle: "sam", Role: model.RoleSupport}}
	ro := lead
	ro.ReadOnly = true
	extended := model.Request{ID: "R-1", Status: model.StatusVerifying, Extension: &model.Extension{Reason: "three systems"}}
	for _, c := range []struct {
		name  string
		actor model.Actor
		act   model.Action
		r     model.Request
		want  []model.LetterKind
	}{
		{"acknowledge", support, model.ActAcknowledge, model.Request{Status: model.StatusReceived}, []model.LetterKind{model.LetterAcknowledgement}},
		{"extend", lead, model.ActExtend, extended, []model.LetterKind{model.LetterExtensionResident, model.LetterExtensionCustomer}},
		{"remind", support, model.ActRemind, model.Request{Status: model.StatusAwaitingApproval}, []model.LetterKind{model.LetterApprovalReminder}},
		{"deny", lead, model.ActDeny, model.Request{Status: model.StatusDenied}, []model.LetterKind{model.LetterDenial}},
		{"ask for information", support, model.ActRequestInfo, model.Request{Status: model.StatusNeedsInfo}, []model.LetterKind{model.LetterVerification}},
		{"deny as unverifiable", lead, model.ActDenyUnverifiable, model.Request{Status: model.StatusDenied}, []model.LetterKind{model.LetterDenial}},
		{"refuse as excessive", lead, model.ActRefuseExcessive, model.Request{Status: model.StatusDenied}, []model.LetterKind{model.LetterExcessiveRefusal}},
		{"quote a fee", lead, model.ActChargeFee, model.Request{Status: model.StatusVerifying, Fee: &model.Fee{AmountCents: 2500}}, []model.LetterKind{model.LetterFeeQuote}},
		{"a note calls for none", lead, model.ActNote, model.Request{Status: model.StatusReceived}, nil},
		{"support sends no denial", support, model.ActDenyUnverifiable, model.Request{Status: model.StatusDenied}, nil},
		{"a read-only session sends none", ro, model.ActAcknowledge, model.Request{Status: model.StatusReceived}, nil},
		{"a reminder that no longer fits", support, model.ActRemind, model.Request{Status: model.StatusApproved}, nil},
	} {
		if got := fitLettersAfter(c.actor, c.act, c.r); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
