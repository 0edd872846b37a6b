package model

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// Intake, child flags, residency, access scope and the two-per-12-months
// limit: the rules every way in holds a new request to.

// newRequest is a request as a door hands it to the controller.
func newRequest(mods ...func(*Request)) Request {
	r := Request{ID: "R-new", TenantID: "oakridge-ca", SubjectID: "S-1", Type: TypeDeletion, Channel: ChannelEmail,
		Status: StatusReceived, ReceivedAt: rbReceived, Requester: Person{Name: "Maria Garcia"}, LoggedBy: "sam"}
	for _, m := range mods {
		m(&r)
	}
	return r
}

func intakeFacts(r Request, sub *Subject, others ...Request) Facts {
	return Facts{Request: r, Tenant: rbTenant(), Actor: rbSupport, Now: rbNow, Subject: sub, Others: others}
}

func flagKinds(fs []Flag) []FlagKind {
	out := []FlagKind{}
	for _, f := range fs {
		out = append(out, f.Kind)
	}
	return out
}

func wantFlags(kinds ...FlagKind) func(*testing.T, *Request) {
	return func(t *testing.T, n *Request) {
		t.Helper()
		if got := flagKinds(n.Flags); !slices.Equal(got, append([]FlagKind{}, kinds...)) {
			t.Errorf("flags %v, want %v (%+v)", got, kinds, n.Flags)
		}
	}
}

// knowRequest is an earlier request to know of S-1, received days before
// the fixture's receipt.
func knowRequest(id string, daysBefore int, s Status, mods ...func(*Request)) Request {
	r := Request{ID: id, TenantID: "oakridge-ca", SubjectID: "S-1", Type: TypeAccess, ResidencyState: "CA", Status: s,
		ReceivedAt: rbReceived.AddDate(0, 0, -daysBefore)}
	for _, m := range mods {
		m(&r)
	}
	return r
}

func intakeRuleCases() []ruleCase {
	agent := func(evidence string) func(*Request) {
		return func(r *Request) { r.Agent = &Agent{Person: Person{Name: "Ann Agent"}, PermissionEvidence: evidence} }
	}
	child := &Subject{ID: "S-1", TenantID: "oakridge-ca", Name: "Ava Child", BirthDate: "2015-06-01"}
	adult := rbSubject()
	residency := func(stated string, sub *Subject, state, from string) ruleCase {
		return ruleCase{name: "residency " + from, rule: "intake.residency", cite: CitePolicyLimit, action: ActLog,
			facts: intakeFacts(newRequest(func(r *Request) { r.ResidencyState = stated }), sub),
			after: func(t *testing.T, n *Request) {
				if n.ResidencyState != state || n.ResidencyFrom != from {
					t.Errorf("residency %q from %q, want %q from %q", n.ResidencyState, n.ResidencyFrom, state, from)
				}
			}}
	}
	return []ruleCase{
		{name: "an agent with written permission", rule: "intake.agent_permission", cite: CitePolicyAgent, action: ActLog,
			facts: intakeFacts(newRequest(agent("signed letter, file ref 1187")), adult), after: wantFlags(FlagAgent)},
		{name: "an agent without written permission", rule: "intake.agent_permission", cite: CitePolicyAgent, action: ActLog,
			facts: intakeFacts(newRequest(agent(" ")), adult), refused: true, input: true},

		{name: "a correction naming its fields", rule: "intake.corrections", cite: CiteCorrectionData, action: ActLog,
			facts: intakeFacts(newRequest(withType(TypeRectification), func(r *Request) { r.Corrections = map[string]string{"address": "1 Main St"} }), adult)},
		{name: "a correction naming nothing", rule: "intake.corrections", cite: CiteCorrectionData, action: ActLog,
			facts: intakeFacts(newRequest(withType(TypeRectification)), adult), refused: true, input: true},
		{name: "corrections on an access request", rule: "intake.corrections", cite: CiteCorrectionData, action: ActLog,
			facts:   intakeFacts(newRequest(withType(TypeAccess), func(r *Request) { r.Corrections = map[string]string{"email": "x@y"} }), adult),
			refused: true, input: true},

		{name: "a request to know defaults to categories", rule: "intake.access_scope", cite: CiteVerifyLevels, action: ActLog,
			facts: intakeFacts(newRequest(withType(TypeAccess)), adult),
			after: func(t *testing.T, n *Request) {
				if n.AccessScope != AccessCategories || RequiredLevel(*n) != LevelReasonable {
					t.Errorf("scope %q, level %q", n.AccessScope, RequiredLevel(*n))
				}
			}},
		{name: "a request for specific pieces", rule: "intake.access_scope", cite: CiteVerifyLevels, action: ActLog,
			facts: intakeFacts(newRequest(withType(TypeAccess), func(r *Request) { r.AccessScope = AccessSpecific }), adult),
			after: func(t *testing.T, n *Request) {
				if n.AccessScope != AccessSpecific || RequiredLevel(*n) != LevelHigh {
					t.Errorf("scope %q, level %q", n.AccessScope, RequiredLevel(*n))
				}
			}},
		{name: "a deletion with an access scope", rule: "intake.access_scope", cite: CiteVerifyLevels, action: ActLog,
			facts: intakeFacts(newRequest(func(r *Request) { r.AccessScope = AccessSpecific }), adult), refused: true, input: true},
		{name: "an unknown access scope", rule: "intake.access_scope", cite: CiteVerifyLevels, action: ActLog,
			facts: intakeFacts(newRequest(withType(TypeAccess), func(r *Request) { r.AccessScope = "everything" }), adult), refused: true, input: true},

		residency(" or ", adult, "OR", ResidencyStated),
		residency("", &Subject{ID: "S-1", TenantID: "oakridge-ca", ResidencyState: "nv"}, "NV", ResidencySubject),
		residency("", &Subject{ID: "S-1", TenantID: "oakridge-ca"}, "CA", ResidencyTenant),
		residency("", nil, "CA", ResidencyTenant),

		{name: "a child's deletion", rule: "intake.child", cite: CitePolicyChildren, action: ActLog,
			facts: intakeFacts(newRequest(), child), after: wantFlags(FlagChild)},
		{name: "an adult's deletion", rule: "intake.child", cite: CitePolicyChildren, action: ActLog,
			facts: intakeFacts(newRequest(), adult), after: wantFlags()},

		{name: "a third request to know in 12 months", rule: "intake.know_limit", cite: CitePolicyLimit, action: ActLog,
			facts: intakeFacts(newRequest(withType(TypeAccess)), adult, knowRequest("R-a", 200, StatusCompleted), knowRequest("R-b", 20, StatusVerifying)),
			after: wantFlags(FlagOverLimit)},
		{name: "a third request after a withdrawn one", rule: "intake.know_limit", cite: CitePolicyLimit, action: ActLog,
			facts: intakeFacts(newRequest(withType(TypeAccess)), adult, knowRequest("R-a", 200, StatusWithdrawn), knowRequest("R-b", 20, StatusVerifying)),
			after: wantFlags()},
	}
}

// TestRuleIntakeChildOnTheTenantLocalReceiptDay: the subject turns 14 on
// 2026-11-03. A request received at 23:30 on the 2nd in Los Angeles — the
// 3rd in UTC — is a child's, on every type; one received half an hour
// after local midnight is not (CitePolicyChildren).
func TestRuleIntakeChildOnTheTenantLocalReceiptDay(t *testing.T) {
	sub := &Subject{ID: "S-1", TenantID: "oakridge-ca", Name: "Ava Child", BirthDate: "2012-11-03"}
	eveBefore := time.Date(2026, 11, 3, 7, 30, 0, 0, time.UTC) // 2026-11-02 23:30 PST
	birthday := time.Date(2026, 11, 3, 8, 30, 0, 0, time.UTC)  // 2026-11-03 00:30 PST
	for _, typ := range RequestTypes() {
		for _, c := range []struct {
			at   time.Time
			want []FlagKind
		}{
			{eveBefore, []FlagKind{FlagChild}},
			{birthday, nil},
		} {
			if c.at.Equal(birthday) && typ == TypeChildDeletion {
				c.want = []FlagKind{FlagAgeCheck}
			}
			t.Run(string(typ)+" "+c.at.Format(time.RFC3339), func(t *testing.T) {
				r := newRequest(withType(typ), func(r *Request) {
					r.ReceivedAt = c.at
					if typ == TypeRectification {
						r.Corrections = map[string]string{"address": "1 Main St"}
					}
				})
				if ref := Intake(intakeFacts(r, sub), &r); ref != nil {
					t.Fatalf("Intake refused: %s", ref.Reason)
				}
				wantFlags(c.want...)(t, &r)
				if c.at.Equal(eveBefore) {
					reason := r.Flags[0].Reason
					if !strings.Contains(reason, "was 13 on 2026-11-02") {
						t.Errorf("reason %q does not name the age on the local day of receipt", reason)
					}
					expedite := typ == TypeDeletion || typ == TypeChildDeletion
					if strings.Contains(reason, "as soon as reasonably practicable") != expedite || r.ChildDeletion() != expedite {
						t.Errorf("%s: reason %q, ChildDeletion %v", typ, reason, r.ChildDeletion())
					}
				}
				if age, ok := AgeOnReceipt(r, sub, rbTenant()); !ok || age != map[bool]int{true: 13, false: 14}[c.at.Equal(eveBefore)] {
					t.Errorf("AgeOnReceipt = %d, %v", age, ok)
				}
			})
		}
	}
}

// TestRuleIntakeChildDeletionOfAnOlderSubject: a child deletion for a
// subject known to be 14 or older is flagged AGE? for a lead and not
// expedited; an unknown age says so and is handled as a child's.
func TestRuleIntakeChildDeletionOfAnOlderSubject(t *testing.T) {
	tenant := rbTenant()
	cases := []struct {
		name       string
		typ        RequestType
		sub        *Subject
		flag       FlagKind // "": none
		reason     string
		childDel   bool
		expediteBy string // the expedited due date, "" when none
	}{
		{"child deletion, subject 20", TypeChildDeletion, &Subject{ID: "S-1", BirthDate: "2006-01-01"}, FlagAgeCheck,
			"the subject was 20 on 2026-11-02", false, ""},
		{"child deletion, subject 14 today", TypeChildDeletion, &Subject{ID: "S-1", BirthDate: "2012-11-02"}, FlagAgeCheck,
			"the subject was 14 on 2026-11-02", false, ""},
		{"child deletion, subject 13", TypeChildDeletion, &Subject{ID: "S-1", BirthDate: "2012-11-03"}, FlagChild,
			"the subject was 13 on 2026-11-02", true, "2026-11-09"},
		{"child deletion, not linked", TypeChildDeletion, nil, FlagChild,
			"age unknown (not linked to a subject yet)", true, "2026-11-09"},
		{"child deletion, no birth date", TypeChildDeletion, &Subject{ID: "S-1"}, FlagChild,
			"age unknown (no birth date on file)", true, "2026-11-09"},
		{"child deletion, malformed birth date", TypeChildDeletion, &Subject{ID: "S-1", BirthDate: "11/03/2012"}, FlagChild,
			"age unknown (no birth date on file)", true, "2026-11-09"},
		{"deletion flagged as a child's", TypeDeletion, &Subject{ID: "S-1", BirthDate: "2016-03-01"}, FlagChild,
			"the subject was 10 on 2026-11-02", true, "2026-11-09"},
		{"deletion, age unknown", TypeDeletion, &Subject{ID: "S-1"}, "", "", false, ""},
		{"access, age unknown", TypeAccess, nil, "", "", false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRequest(withType(c.typ), func(r *Request) {
				// A flag of another kind survives; a stale child flag does not.
				r.Flags = []Flag{{Kind: FlagRepetitive, Reason: "same as R-7"}, {Kind: FlagChild, Reason: "stale"}}
			})
			r.Flags = IntakeFlags(r, c.sub, tenant)
			want := []FlagKind{FlagRepetitive}
			if c.flag != "" {
				want = append(want, c.flag)
			}
			wantFlags(want...)(t, &r)
			if c.flag != "" && !strings.Contains(r.Flags[1].Reason, c.reason) {
				t.Errorf("reason %q, want %q", r.Flags[1].Reason, c.reason)
			}
			if c.flag == FlagAgeCheck && (!strings.Contains(r.Flags[1].Reason, "not expedited") || c.flag.Short() != "AGE?") {
				t.Errorf("AGE? flag %q (%s)", r.Flags[1].Reason, c.flag.Short())
			}
			if r.ChildDeletion() != c.childDel {
				t.Errorf("ChildDeletion = %v, want %v", r.ChildDeletion(), c.childDel)
			}
			d := ComputeDeadlines(r, tenant)
			got := ""
			if !d.Expedited.IsZero() {
				got = d.Expedited.In(tenant.Location()).Format(time.DateOnly)
			}
			if got != c.expediteBy {
				t.Errorf("expedited due %q, want %q", got, c.expediteBy)
			}
			if c.expediteBy != "" && d.ResponseKind != DueExpedited {
				t.Errorf("response deadline is the %s one, want the expedited", d.ResponseKind)
			}
		})
	}
}

// TestRuleResolveResidency: stated, else the subject's, else the tenant's
// (CitePolicyLimit).
func TestRuleResolveResidency(t *testing.T) {
	tenant := Tenant{State: "ca"}
	cases := []struct {
		stated     string
		sub        *Subject
		state, src string
	}{
		{"nv", &Subject{ResidencyState: "OR"}, "NV", ResidencyStated},
		{" ", &Subject{ResidencyState: " or "}, "OR", ResidencySubject},
		{"", &Subject{}, "CA", ResidencyTenant},
		{"", nil, "CA", ResidencyTenant},
	}
	for _, c := range cases {
		state, src := ResolveResidency(c.stated, c.sub, tenant)
		if state != c.state || src != c.src {
			t.Errorf("ResolveResidency(%q, %+v) = %s, %s; want %s, %s", c.stated, c.sub, state, src, c.state, c.src)
		}
	}
}

// TestRuleParseAccessScope: a scope by name or label (CiteVerifyLevels).
func TestRuleParseAccessScope(t *testing.T) {
	for in, want := range map[string]AccessScope{"categories": AccessCategories, " Specific ": AccessSpecific, "specific pieces of PI": AccessSpecific, "categories of pi": AccessCategories} {
		if got, err := ParseAccessScope(in); err != nil || got != want {
			t.Errorf("ParseAccessScope(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseAccessScope("everything"); err == nil || !strings.Contains(err.Error(), "categories") {
		t.Errorf("an unknown scope: %v", err)
	}
}

// TestRuleIntakeEveryType: every type of request passes intake with what
// it needs, and intake stops at the first refusal.
func TestRuleIntakeEveryType(t *testing.T) {
	for _, typ := range RequestTypes() {
		r := newRequest(withType(typ))
		if typ == TypeRectification {
			r.Corrections = map[string]string{"name": "Maria García"}
		}
		if ref := Intake(intakeFacts(r, rbSubject()), &r); ref != nil {
			t.Errorf("%s refused: %s", typ, ref.Reason)
		}
		if r.ResidencyState != "CA" || r.ResidencyFrom != ResidencySubject {
			t.Errorf("%s: residency %s from %s", typ, r.ResidencyState, r.ResidencyFrom)
		}
	}
	r := newRequest(withType(TypeRectification), func(r *Request) { r.Agent = &Agent{} })
	if ref := Intake(intakeFacts(r, rbSubject()), &r); ref == nil || ref.Rule != "intake.agent_permission" {
		t.Errorf("first refusal %v, want intake.agent_permission", ref)
	}
}

// TestRuleCountsTowardLimit: requests answered or being answered count;
// withdrawn, unverifiable-denied and refused ones do not; a Customer's
// denial was an answer and counts (CitePolicyLimit).
func TestRuleCountsTowardLimit(t *testing.T) {
	customerDenied := &Decision{Outcome: DecisionDenied}
	cases := []struct {
		name string
		r    Request
		want bool
	}{
		{"received", Request{Status: StatusReceived}, true},
		{"verifying", Request{Status: StatusVerifying}, true},
		{"awaiting approval", Request{Status: StatusAwaitingApproval}, true},
		{"completed", Request{Status: StatusCompleted}, true},
		{"failed", Request{Status: StatusFailed}, true},
		{"withdrawn", Request{Status: StatusWithdrawn}, false},
		{"denied as unverifiable", Request{Status: StatusDenied, DenialReason: "no reply"}, false},
		{"refused as excessive", Request{Status: StatusDenied, DenialReason: "excessive"}, false},
		{"denied by the Customer", Request{Status: StatusDenied, Decision: customerDenied}, true},
	}
	for _, c := range cases {
		if got := CountsTowardLimit(c.r); got != c.want {
			t.Errorf("%s: CountsTowardLimit = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestRuleLimitFlagChanges: the flag is evaluated over all of a subject's
// requests, so importing an earlier request flags the later one, and a
// withdrawal clears it again.
func TestRuleLimitFlagChanges(t *testing.T) {
	r2 := knowRequest("R-2", 100, StatusCompleted)
	r3 := knowRequest("R-3", 10, StatusVerifying)
	if ch := LimitFlagChanges([]Request{r2, r3}); len(ch) != 0 {
		t.Fatalf("two requests: changes %v", ch)
	}
	imported := knowRequest("R-1", 200, StatusCompleted)
	ch := LimitFlagChanges([]Request{r3, imported, r2})
	if len(ch) != 1 || !slices.Equal(flagKinds(ch["R-3"]), []FlagKind{FlagOverLimit}) {
		t.Fatalf("after importing an earlier request: changes %v, want R-3 flagged", ch)
	}
	if reason := ch["R-3"][0].Reason; !strings.Contains(reason, "R-1") || !strings.Contains(reason, "R-2") {
		t.Errorf("LIMIT reason %q does not name the earlier requests", reason)
	}
	r3.Flags = ch["R-3"]
	if ch := LimitFlagChanges([]Request{imported, r2, r3}); len(ch) != 0 {
		t.Errorf("flags already right: changes %v", ch)
	}
	imported.Status = StatusWithdrawn
	ch = LimitFlagChanges([]Request{imported, r2, r3})
	if got, ok := ch["R-3"]; !ok || len(got) != 0 || len(ch) != 1 {
		t.Errorf("after a withdrawal: changes %v, want R-3's LIMIT flag removed", ch)
	}
	// Denied as unverifiable does not count; denied by the Customer does.
	imported.Status, imported.Decision = StatusDenied, nil
	if ch := LimitFlagChanges([]Request{imported, r2, r3}); len(ch["R-3"]) != 0 {
		t.Errorf("an unverifiable denial counted: %v", ch)
	}
	imported.Decision = &Decision{Outcome: DecisionDenied}
	r3.Flags = nil
	if ch := LimitFlagChanges([]Request{imported, r2, r3}); !slices.Equal(flagKinds(ch["R-3"]), []FlagKind{FlagOverLimit}) {
		t.Errorf("a Customer denial did not count: %v", ch)
	}
	// Other flags survive the re-evaluation.
	r3.Flags = []Flag{{Kind: FlagAgent, Reason: "agent"}, {Kind: FlagOverLimit, Reason: "old"}}
	got := WithLimitFlag(r3, nil)
	if !slices.Equal(flagKinds(got), []FlagKind{FlagAgent}) {
		t.Errorf("WithLimitFlag kept %v", got)
	}
}
