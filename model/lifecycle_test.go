package model

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// expectedRule is the lifecycle written out by hand from the product brief,
// independently of Transitions(), so a change to the table has to be made
// in both places on purpose.
type expectedRule struct {
	from  []Status
	to    Status // "" = event: the status does not change
	roles []Role // roles (besides system) that may take the action
}

var (
	allStatuses = []Status{StatusReceived, StatusVerifying, StatusNeedsInfo, StatusAwaitingApproval, StatusApproved,
		StatusFulfilling, StatusFailed, StatusCompleted, StatusDenied, StatusWithdrawn}
	openStatuses   = []Status{StatusReceived, StatusVerifying, StatusNeedsInfo, StatusAwaitingApproval, StatusApproved, StatusFulfilling, StatusFailed}
	terminal       = []Status{StatusCompleted, StatusDenied, StatusWithdrawn}
	preApproval    = []Status{StatusReceived, StatusVerifying, StatusNeedsInfo, StatusAwaitingApproval}
	triageRoles    = []Role{RoleSupport, RoleLead}
	leadOnly       = []Role{RoleLead}
	retryRoles     = []Role{RoleLead, RoleEngineer}
	allActions     = []Action{ActAcknowledge, ActStartVerification, ActRequestInfo, ActInfoReceived, ActVerify, ActDenyUnverifiable, ActRefuseExcessive, ActApprove, ActDeny, ActStartFulfilment, ActComplete, ActFail, ActRetry, ActWithdraw, ActExtend, ActAssign, ActNote, ActRemind, ActPlan, ActSignOff, ActFulfilStep, ActChargeFee, ActCorrectDecision, ActLink, ActDisclose}
	rolesUnderTest = []Role{RoleSupport, RoleLead, RoleEngineer, RoleAdmin, RoleSystem, Role(""), Role("superuser")}
	expectedRules  = map[Action]expectedRule{
		ActAcknowledge:       {openStatuses, "", triageRoles},
		ActStartVerification: {[]Status{StatusReceived}, StatusVerifying, triageRoles},
		ActRequestInfo:       {[]Status{StatusReceived, StatusVerifying}, StatusNeedsInfo, triageRoles},
		ActInfoReceived:      {[]Status{StatusNeedsInfo}, StatusVerifying, triageRoles},
		ActVerify:            {[]Status{StatusVerifying}, StatusAwaitingApproval, triageRoles},
		ActDenyUnverifiable:  {[]Status{StatusVerifying, StatusNeedsInfo}, StatusDenied, triageRoles},
		ActRefuseExcessive:   {preApproval, StatusDenied, leadOnly},
		ActApprove:           {[]Status{StatusAwaitingApproval}, StatusApproved, leadOnly},
		ActDeny:              {[]Status{StatusAwaitingApproval}, StatusDenied, leadOnly},
		ActStartFulfilment:   {[]Status{StatusApproved}, StatusFulfilling, leadOnly},
		ActComplete:          {[]Status{StatusFulfilling}, StatusCompleted, leadOnly},
		ActFail:              {[]Status{StatusFulfilling}, StatusFailed, retryRoles},
		ActRetry:             {[]Status{StatusFailed}, StatusFulfilling, retryRoles},
		ActWithdraw:          {[]Status{StatusReceived, StatusVerifying, StatusNeedsInfo, StatusAwaitingApproval, StatusApproved}, StatusWithdrawn, triageRoles},
		ActExtend:            {openStatuses, "", leadOnly},
		ActAssign:            {openStatuses, "", triageRoles},
		ActNote:              {allStatuses, "", triageRoles},
		ActRemind:            {[]Status{StatusAwaitingApproval}, "", triageRoles},
		// Fulfilment: plans are made and signed off by leads while approved, or
		// anew after a failure; steps are run by a lead or, after a retry, an engineer.
		ActPlan:       {[]Status{StatusApproved, StatusFulfilling, StatusFailed}, "", leadOnly},
		ActSignOff:    {[]Status{StatusApproved, StatusFulfilling, StatusFailed}, "", leadOnly},
		ActFulfilStep: {[]Status{StatusFulfilling}, "", retryRoles},
		// A fee instead of a refusal (seed policy, California Residents),
		// a lead's correction of a recorded decision, and linking an
		// unmatched request to its subject.
		ActChargeFee:       {preApproval, "", leadOnly},
		ActCorrectDecision: {[]Status{StatusApproved, StatusFulfilling, StatusFailed, StatusCompleted, StatusDenied}, "", leadOnly},
		ActLink:            {openStatuses, "", triageRoles},
		// A lead decides to disclose another person's data where a plan is made.
		ActDisclose: {[]Status{StatusApproved, StatusFulfilling, StatusFailed}, "", leadOnly},
	}
)

func humanRole(r Role) string {
	if r == RoleLead {
		return "privacy lead"
	}
	return string(r)
}

func TestTransitionTableMatchesBrief(t *testing.T) {
	if got := Statuses(); !slices.Equal(got, allStatuses) {
		t.Fatalf("Statuses() = %v, want %v", got, allStatuses)
	}
	if got := OpenStatuses(); !slices.Equal(got, openStatuses) {
		t.Fatalf("OpenStatuses() = %v, want %v", got, openStatuses)
	}
	table := Transitions()
	if len(table) != len(expectedRules) {
		t.Errorf("table has %d rows, the brief has %d actions", len(table), len(expectedRules))
	}
	seen := map[Action]bool{}
	for _, tr := range table {
		if seen[tr.Action] {
			t.Errorf("action %s has two rows; TransitionFor would only ever see the first", tr.Action)
		}
		seen[tr.Action] = true
		want, ok := expectedRules[tr.Action]
		if !ok {
			t.Errorf("table row for %s is not in the brief", tr.Action)
			continue
		}
		if !sameSet(tr.From, want.from) {
			t.Errorf("%s: from %v, want %v", tr.Action, tr.From, want.from)
		}
		if tr.To != want.to {
			t.Errorf("%s: to %q, want %q", tr.Action, tr.To, want.to)
		}
		if tr.To != "" && slices.Contains(tr.From, tr.To) {
			t.Errorf("%s: a state change from %s to itself", tr.Action, tr.To)
		}
	}
	if _, ok := TransitionFor(ActLog); ok {
		t.Error("log has no source state and must not be a table row")
	}
}

func sameSet[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// TestNextEveryCombination walks status × action × role and checks the
// result, the error type, and that the message names what an operator
// needs to know: the current status or the missing role and who has it.
func TestNextEveryCombination(t *testing.T) {
	for _, a := range allActions {
		rule := expectedRules[a]
		for _, s := range allStatuses {
			for _, role := range rolesUnderTest {
				roleOK := role == RoleSystem || slices.Contains(rule.roles, role)
				stateOK := slices.Contains(rule.from, s)
				got, err := Next(s, a, role)
				name := string(s) + "/" + string(a) + "/" + string(role)
				if roleOK && stateOK {
					want := rule.to
					if want == "" {
						want = s
					}
					if err != nil || got != want {
						t.Errorf("%s: got (%q, %v), want (%q, nil)", name, got, err, want)
					}
					continue
				}
				var te *TransitionError
				if !errors.As(err, &te) {
					t.Errorf("%s: got (%q, %v), want a *TransitionError", name, got, err)
					continue
				}
				if got != "" {
					t.Errorf("%s: refused but returned status %q", name, got)
				}
				if te.Action != a || te.Status != s || te.Role != role {
					t.Errorf("%s: error fields %+v", name, te)
				}
				msg := err.Error()
				if msg == "" || msg != te.Reason {
					t.Errorf("%s: Error() %q, Reason %q", name, msg, te.Reason)
				}
				if !strings.Contains(msg, a.Label()) {
					t.Errorf("%s: %q does not name the action %q", name, msg, a.Label())
				}
				if !roleOK {
					// Role refusals: name the role and who can.
					if role != "" && !strings.Contains(msg, humanRole(role)) {
						t.Errorf("%s: %q does not name the role", name, msg)
					}
					for _, holder := range rule.roles {
						if !strings.Contains(msg, humanRole(holder)) {
							t.Errorf("%s: %q does not say a %s can", name, msg, humanRole(holder))
						}
					}
					for _, r := range Roles() {
						if !slices.Contains(rule.roles, r) && r != role && strings.Contains(msg, " "+humanRole(r)) {
							t.Errorf("%s: %q names %s, who cannot either", name, msg, r)
						}
					}
					continue
				}
				// State refusals: name the current status and where it is allowed.
				if !strings.Contains(msg, "is "+s.Label()) {
					t.Errorf("%s: %q does not name the current status %q", name, msg, s.Label())
				}
				for _, from := range rule.from {
					if !strings.Contains(msg, from.Label()) {
						t.Errorf("%s: %q does not say it is allowed when %s", name, msg, from.Label())
					}
				}
			}
		}
	}
}

func TestNextMessages(t *testing.T) {
	cases := []struct {
		from Status
		a    Action
		role Role
		want string
	}{
		{StatusAwaitingApproval, ActApprove, RoleSupport, "a support operator cannot approve: it needs a privacy lead"},
		{StatusFailed, ActRetry, RoleSupport, "a support operator cannot retry: it needs a privacy lead or engineer"},
		{StatusReceived, ActStartVerification, RoleEngineer, "engineer operator cannot start verification: it needs a support or privacy lead"},
		{StatusReceived, ActAcknowledge, RoleAdmin, "admin operator cannot acknowledge: it needs a support or privacy lead"},
		{StatusCompleted, ActApprove, RoleLead, "cannot approve a request that is completed (only when awaiting approval)"},
		{StatusNeedsInfo, ActVerify, RoleSupport, "cannot verify a request that is needs info (only when verifying)"},
		{StatusDenied, ActWithdraw, RoleLead, "cannot withdraw a request that is denied"},
		{StatusFulfilling, ActWithdraw, RoleSupport, "cannot withdraw a request that is fulfilling (only when received, verifying, needs info, awaiting approval, approved)"},
	}
	for _, c := range cases {
		_, err := Next(c.from, c.a, c.role)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Next(%s, %s, %s) = %v, want a message containing %q", c.from, c.a, c.role, err, c.want)
		}
	}
}

func TestNextUnknownAction(t *testing.T) {
	for _, a := range []Action{ActLog, "", "delete_everything", "Approve"} {
		got, err := Next(StatusAwaitingApproval, a, RoleSystem)
		var te *TransitionError
		if !errors.As(err, &te) || got != "" {
			t.Errorf("Next(%q) = (%q, %v), want a refusal", a, got, err)
			continue
		}
		if !strings.Contains(err.Error(), "unknown action") {
			t.Errorf("Next(%q): %q", a, err)
		}
	}
}

func TestNextUnknownStatusRefused(t *testing.T) {
	for _, a := range allActions {
		if got, err := Next(Status("archived"), a, RoleSystem); err == nil {
			t.Errorf("%s on an unknown status went to %q", a, got)
		}
	}
}

// step applies a sequence and fails on the first refusal or wrong status.
func step(t *testing.T, s Status, path ...any) Status {
	t.Helper()
	for i := 0; i+2 < len(path); i += 3 {
		a, role, want := path[i].(Action), path[i+1].(Role), path[i+2].(Status)
		got, err := Next(s, a, role)
		if err != nil {
			t.Fatalf("%s %s by %s: %v", s, a, role, err)
		}
		if got != want {
			t.Fatalf("%s %s by %s: got %s, want %s", s, a, role, got, want)
		}
		s = got
	}
	return s
}

func TestKeyPaths(t *testing.T) {
	t.Run("happy path", func(t *testing.T) {
		step(t, StatusReceived,
			ActAcknowledge, RoleSupport, StatusReceived,
			ActStartVerification, RoleSupport, StatusVerifying,
			ActVerify, RoleSupport, StatusAwaitingApproval,
			ActApprove, RoleLead, StatusApproved,
			ActStartFulfilment, RoleLead, StatusFulfilling,
			ActComplete, RoleLead, StatusCompleted,
			ActNote, RoleSupport, StatusCompleted,
		)
	})
	t.Run("needs info loop", func(t *testing.T) {
		step(t, StatusReceived,
			ActRequestInfo, RoleSupport, StatusNeedsInfo,
			ActInfoReceived, RoleSupport, StatusVerifying,
			ActRequestInfo, RoleSupport, StatusNeedsInfo,
			ActAcknowledge, RoleSupport, StatusNeedsInfo,
			ActInfoReceived, RoleLead, StatusVerifying,
			ActVerify, RoleSupport, StatusAwaitingApproval,
		)
		if _, err := Next(StatusAwaitingApproval, ActRequestInfo, RoleSupport); err == nil {
			t.Error("asking for information after verification is complete should be refused")
		}
	})
	t.Run("unverifiable", func(t *testing.T) {
		step(t, StatusVerifying, ActDenyUnverifiable, RoleSupport, StatusDenied)
		step(t, StatusNeedsInfo, ActDenyUnverifiable, RoleSupport, StatusDenied)
		if _, err := Next(StatusAwaitingApproval, ActDenyUnverifiable, RoleLead); err == nil {
			t.Error("a verified request cannot be denied as unverifiable")
		}
	})
	t.Run("customer denies", func(t *testing.T) {
		step(t, StatusAwaitingApproval, ActDeny, RoleLead, StatusDenied)
	})
	t.Run("refuse excessive is lead only", func(t *testing.T) {
		for _, s := range preApproval {
			step(t, s, ActRefuseExcessive, RoleLead, StatusDenied)
			for _, r := range []Role{RoleSupport, RoleEngineer, RoleAdmin} {
				if _, err := Next(s, ActRefuseExcessive, r); err == nil {
					t.Errorf("%s refused an excessive request in %s", r, s)
				}
			}
		}
		if _, err := Next(StatusApproved, ActRefuseExcessive, RoleLead); err == nil {
			t.Error("refusing as excessive after the Customer approved should be refused")
		}
	})
	t.Run("withdraw", func(t *testing.T) {
		for _, s := range []Status{StatusReceived, StatusVerifying, StatusNeedsInfo, StatusAwaitingApproval, StatusApproved} {
			step(t, s, ActWithdraw, RoleSupport, StatusWithdrawn)
		}
	})
	t.Run("fail and retry", func(t *testing.T) {
		step(t, StatusFulfilling,
			ActFail, RoleEngineer, StatusFailed,
			ActRetry, RoleEngineer, StatusFulfilling,
			ActFail, RoleLead, StatusFailed,
			ActExtend, RoleLead, StatusFailed,
			ActRetry, RoleLead, StatusFulfilling,
			ActComplete, RoleLead, StatusCompleted,
		)
		if _, err := Next(StatusFulfilling, ActComplete, RoleEngineer); err == nil {
			t.Error("an engineer completed fulfilment: that is a decision")
		}
	})
	t.Run("late acknowledgement", func(t *testing.T) {
		// A request approved before anyone recorded the acknowledgement must
		// still be acknowledgeable, or its ack deadline can never be cleared.
		for _, s := range []Status{StatusApproved, StatusFulfilling, StatusFailed} {
			step(t, s, ActAcknowledge, RoleSupport, s)
		}
	})
}

func TestTerminalStatesRefuseAllButNote(t *testing.T) {
	for _, s := range terminal {
		if s.Open() {
			t.Errorf("%s is terminal but Open()", s)
		}
		for _, a := range allActions {
			_, err := Next(s, a, RoleSystem)
			if a == ActNote || a == ActCorrectDecision && s != StatusWithdrawn {
				if err != nil {
					t.Errorf("%s on a %s request was refused: %v", a, s, err)
				}
				continue
			}
			if err == nil {
				t.Errorf("%s was allowed on a %s request", a, s)
			}
		}
		// A closed request takes notes, and a lead may correct the record
		// of the Customer's decision it was closed on.
		want := []Action{ActCorrectDecision, ActNote}
		if s == StatusWithdrawn {
			want = []Action{ActNote}
		}
		if got := Allowed(s, RoleLead); !slices.Equal(got, want) {
			t.Errorf("Allowed(%s, lead) = %v, want %v", s, got, want)
		}
	}
	for _, s := range openStatuses {
		if !s.Open() {
			t.Errorf("%s should be open", s)
		}
	}
}

func TestRoleBoundaries(t *testing.T) {
	for _, s := range allStatuses {
		for _, a := range []Action{ActApprove, ActDeny, ActRefuseExcessive, ActStartFulfilment, ActComplete, ActExtend} {
			for _, r := range []Role{RoleSupport, RoleEngineer, RoleAdmin} {
				if _, err := Next(s, a, r); err == nil {
					t.Errorf("%s could %s a %s request", r, a, s)
				}
			}
		}
		for _, r := range []Role{RoleAdmin, RoleEngineer} {
			for _, a := range []Action{ActAcknowledge, ActStartVerification, ActRequestInfo, ActInfoReceived, ActVerify, ActDenyUnverifiable, ActWithdraw, ActAssign, ActNote, ActRemind} {
				if _, err := Next(s, a, r); err == nil {
					t.Errorf("%s could triage (%s) a %s request", r, a, s)
				}
			}
		}
		if got := Allowed(s, RoleAdmin); len(got) != 0 {
			t.Errorf("Allowed(%s, admin) = %v, want nothing", s, got)
		}
	}
	if got := Allowed(StatusFulfilling, RoleEngineer); !slices.Equal(got, []Action{ActFulfilStep, ActFail}) {
		t.Errorf("Allowed(fulfilling, engineer) = %v, want [fulfil_step fail]", got)
	}
	if got := Allowed(StatusFailed, RoleEngineer); !slices.Equal(got, []Action{ActRetry}) {
		t.Errorf("Allowed(failed, engineer) = %v, want [retry]", got)
	}
}

func TestAllowedAgreesWithNext(t *testing.T) {
	tableOrder := make([]Action, 0, len(Transitions()))
	for _, tr := range Transitions() {
		tableOrder = append(tableOrder, tr.Action)
	}
	for _, s := range append(slices.Clone(allStatuses), "bogus") {
		for _, role := range rolesUnderTest {
			got := Allowed(s, role)
			var want []Action
			for _, a := range tableOrder {
				if _, err := Next(s, a, role); err == nil {
					want = append(want, a)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("Allowed(%s, %q) = %v, Next allows %v", s, role, got, want)
			}
		}
	}
	want := []Action{ActAcknowledge, ActRequestInfo, ActVerify, ActDenyUnverifiable, ActWithdraw, ActAssign, ActNote, ActLink}
	if got := Allowed(StatusVerifying, RoleSupport); !slices.Equal(got, want) {
		t.Errorf("Allowed(verifying, support) = %v, want %v", got, want)
	}
}

func TestStatusLabelsAndParse(t *testing.T) {
	labels := map[Status]string{StatusNeedsInfo: "needs info", StatusAwaitingApproval: "awaiting approval", StatusReceived: "received"}
	for s, want := range labels {
		if got := s.Label(); got != want {
			t.Errorf("%s.Label() = %q, want %q", s, got, want)
		}
	}
	for _, s := range allStatuses {
		for _, in := range []string{string(s), s.Label()} {
			got, err := ParseStatus(in)
			if err != nil || got != s {
				t.Errorf("ParseStatus(%q) = (%q, %v), want %s", in, got, err, s)
			}
		}
	}
	for _, in := range []string{"", "Received", "needs-info", "done"} {
		if _, err := ParseStatus(in); err == nil || !strings.Contains(err.Error(), "unknown status") {
			t.Errorf("ParseStatus(%q) = %v, want an unknown status error", in, err)
		}
	}
	if got := ActStartVerification.Label(); got != "start verification" {
		t.Errorf("ActStartVerification.Label() = %q", got)
	}
}
