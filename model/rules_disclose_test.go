package model

import (
	"testing"
	"time"
)

// accessPlan is an unsigned access plan of one recreation registration
// with a guardian's phone (another person's) and a medical note (never
// disclosed), built by builder.
func accessPlan(builder string) *Plan {
	p := &Plan{ID: "R-1/plan-1", Type: TypeAccess, SubjectID: "S-1", BuiltBy: builder, BuiltAt: rbNow.Add(-time.Hour),
		Docs: []PlanDoc{{Collection: "rec_registrations", Product: "Rec", RecordID: "REC-1", Op: DocExport, Before: "f1", After: "f1",
			Fields: []PlanField{
				{Field: "participant_name", Category: CatIdentifying, Kind: KindName, Op: FieldExport},
				{Field: "guardian_phone", Category: CatIdentifying, Kind: KindPhone, Op: FieldWithhold, ThirdParty: "guardian", Reason: ThirdPartyReason("guardian")},
				{Field: "medical_notes", Category: CatSensitive, Kind: KindText, Op: FieldWithhold, Class: ClassHealthID, Reason: ClassHealthID.WithholdReason()},
			}}},
		Steps: []PlanStep{{Kind: StepExport, Label: "write the access package (1 record)"}}}
	p.Digest = p.ComputeDigest()
	return p
}

// discloseRuleCases: a lead's decision to disclose another person's data
// in an access response (CiteThirdParty).
func discloseRuleCases() []ruleCase {
	access := func(st Status, p *Plan, mods ...func(*Request)) Request {
		return rbRequest(st, append([]func(*Request){withType(TypeAccess), verifiedBy("sam"), decided(approvedDecision()), withPlan(p)}, mods...)...)
	}
	disclose := func(coll, field string) func(*Request) {
		return func(n *Request) { n.Disclosures = append(n.Disclosures, Disclosure{Collection: coll, Field: field}) }
	}
	signed := accessPlan("lee")
	signed.SignedBy, signed.SignedAt = "ann", rbNow.Add(-time.Minute)
	already := func(r *Request) {
		r.Disclosures = []Disclosure{{Collection: "rec_registrations", Field: "guardian_phone", By: "ann", At: rbNow.Add(-time.Minute), Reason: "the guardian asked"}}
	}
	why := "the requester is the guardian"
	return []ruleCase{
		{name: "a guardian's phone disclosed", rule: "disclose.access_plan", cite: CiteThirdParty, action: ActDisclose,
			facts: rbFacts(rbLead, access(StatusApproved, accessPlan("lee"))), edit: disclose("rec_registrations", "guardian_phone"), reason: why,
			detail: "disclose rec_registrations.guardian_phone (guardian); plan R-1/plan-1 must be made again",
			after: func(t *testing.T, n *Request) {
				d := n.Disclosures[0]
				if d.By != rbLead.Handle() || !d.At.Equal(rbNow) || d.Reason != why {
					t.Errorf("disclosure stamped %+v", d)
				}
			}},
		{name: "a deletion discloses nothing", rule: "disclose.access_plan", cite: CiteThirdParty, action: ActDisclose,
			facts: rbFacts(rbLead, rbRequest(StatusApproved, withPlan(rbPlan("lee")))), edit: disclose("payments", "x"), reason: why, refused: true},
		{name: "no plan to decide on", rule: "disclose.access_plan", cite: CiteThirdParty, action: ActDisclose,
			facts: rbFacts(rbLead, access(StatusApproved, nil)), edit: disclose("rec_registrations", "guardian_phone"), reason: why, refused: true, remedy: ActPlan},
		{name: "a signed plan is not changed", rule: "disclose.access_plan", cite: CiteThirdParty, action: ActDisclose,
			facts: rbFacts(rbLead, access(StatusFulfilling, signed)), edit: disclose("rec_registrations", "guardian_phone"), reason: why, refused: true},
		{name: "a third-party field of the plan", rule: "disclose.third_party_field", cite: CiteThirdParty, action: ActDisclose,
			facts: rbFacts(rbLead2, access(StatusFailed, accessPlan("lee"))), edit: disclose("rec_registrations", "guardian_phone"), reason: why},
		{name: "a never-disclose field", rule: "disclose.third_party_field", cite: CiteThirdParty, action: ActDisclose,
			facts: rbFacts(rbLead, access(StatusApproved, accessPlan("lee"))), edit: disclose("rec_registrations", "medical_notes"), reason: why, refused: true, input: true},
		{name: "the subject's own field", rule: "disclose.third_party_field", cite: CiteThirdParty, action: ActDisclose,
			facts: rbFacts(rbLead, access(StatusApproved, accessPlan("lee"))), edit: disclose("rec_registrations", "participant_name"), reason: why, refused: true, input: true},
		{name: "a field the plan does not have", rule: "disclose.third_party_field", cite: CiteThirdParty, action: ActDisclose,
			facts: rbFacts(rbLead, access(StatusApproved, accessPlan("lee"))), edit: disclose("payments", "guardian_phone"), reason: why, refused: true, input: true},
		{name: "disclosed twice", rule: "disclose.third_party_field", cite: CiteThirdParty, action: ActDisclose,
			facts: rbFacts(rbLead, access(StatusApproved, accessPlan("lee"), already)), edit: disclose("rec_registrations", "guardian_phone"), reason: why, refused: true, input: true},
		{name: "a bare decision names no field", rule: "disclose.third_party_field", cite: CiteThirdParty, action: ActDisclose,
			facts: rbFacts(rbLead, access(StatusApproved, accessPlan("lee"))), reason: why, refused: true, input: true},
		{name: "a decision with a reason", rule: "disclose.reason", cite: CiteThirdParty, action: ActDisclose,
			facts: rbFacts(rbLead, access(StatusApproved, accessPlan("lee"))), edit: disclose("rec_registrations", "guardian_phone"), reason: why},
		{name: "a decision without a reason", rule: "disclose.reason", cite: CiteThirdParty, action: ActDisclose,
			facts: rbFacts(rbLead, access(StatusApproved, accessPlan("lee"))), edit: disclose("rec_registrations", "guardian_phone"), refused: true, input: true},
		{name: "a plan made before a disclosure", rule: "sign_off.plan", cite: CiteFulfilment, action: ActSignOff,
			facts: rbFacts(rbLead2, access(StatusApproved, accessPlan("lee"), already)), refused: true, remedy: ActPlan},
	}
}
