package model

import (
	"slices"
	"strings"
	"testing"
)

// TestNeverDisclose: 11 CCR §7024(d) names SSNs, driver's licence and other
// government ID numbers, financial account numbers, health-insurance or
// medical ID numbers, account passwords, security questions and answers,
// and unique biometric data (CiteNeverDisclose); each class of it is never
// disclosed and has words for what the response holds instead.
func TestNeverDisclose(t *testing.T) {
	cases := []struct {
		class FieldClass
		never bool
		held  string
	}{
		{ClassNone, false, ""},
		{ClassSSN, true, "Social Security number"},
		{ClassGovernmentID, true, "government-issued identification"},
		{ClassFinancialAccount, true, "financial account number"},
		{ClassPaymentToken, true, "token"},
		{ClassHealthID, true, "medical"},
		{ClassPassword, true, "password"},
		{ClassSecurityAnswer, true, "Security questions and answers"},
		{ClassBiometric, true, "biometric"},
		{FieldClass("favourite_colour"), false, ""},
	}
	for _, c := range cases {
		if got := c.class.NeverDisclose(); got != c.never {
			t.Errorf("%q.NeverDisclose() = %v, want %v", c.class, got, c.never)
		}
		if got := c.class.Held(); (c.held == "") != (got == "") || !strings.Contains(got, c.held) {
			t.Errorf("%q.Held() = %q, want it to say %q", c.class, got, c.held)
		}
	}
	for _, k := range FieldClasses() {
		if !k.NeverDisclose() {
			t.Errorf("listed class %s may be disclosed", k)
		}
	}
	if !strings.Contains(CiteNeverDisclose, "§7024(d)") {
		t.Errorf("the rule cites %q", CiteNeverDisclose)
	}
}

// TestAccessPlanWithholds: an access plan never exports a field of a
// never-disclose class (§7024(d)), even after a lead's decision, and
// withholds another person's data until a lead decides to disclose it;
// the decision is listed on the plan and covered by its digest.
func TestAccessPlanWithholds(t *testing.T) {
	in := testInput(TypeAccess)
	for i, cm := range in.DataMap {
		if cm.Collection != "hr" {
			continue
		}
		for j := range cm.Fields {
			switch cm.Fields[j].Field {
			case "ssn":
				in.DataMap[i].Fields[j].Class = ClassSSN
			case "dependants":
				in.DataMap[i].Fields[j].ThirdParty = "dependants"
			}
		}
	}
	fieldOp := func(p Plan, field string) PlanField {
		for _, d := range p.Docs {
			if d.Collection == "hr" {
				for _, f := range d.Fields {
					if f.Field == field {
						return f
					}
				}
			}
		}
		t.Fatalf("no hr.%s in the plan", field)
		return PlanField{}
	}
	p, err := BuildPlan(in)
	if err != nil {
		t.Fatal(err)
	}
	if f := fieldOp(p, "ssn"); f.Op != FieldWithhold || f.Label() != "withhold (§7024(d))" || !strings.Contains(f.Reason, "§7024(d)") {
		t.Errorf("ssn planned %+v (%s)", f, f.Label())
	}
	if f := fieldOp(p, "dependants"); f.Op != FieldWithhold || !strings.Contains(f.Reason, "another person") {
		t.Errorf("dependants planned %+v", f)
	}
	if f := fieldOp(p, "home_address"); f.Op != FieldExport {
		t.Errorf("the subject's own address planned %+v", f)
	}
	var where []string
	for _, w := range p.Withheld {
		where = append(where, w.Where...)
	}
	if !slices.Contains(where, "hr.ssn") || !slices.Contains(where, "hr.dependants") {
		t.Errorf("withheld lists %v", where)
	}

	in.Request.Disclosures = []Disclosure{
		{Collection: "hr", Field: "dependants", By: "lou", At: planNow, Reason: "the dependants are the requester's children under 13"},
		{Collection: "hr", Field: "ssn", By: "lou", At: planNow, Reason: "the requester insists"},
	}
	q, err := BuildPlan(in)
	if err != nil {
		t.Fatal(err)
	}
	if f := fieldOp(q, "dependants"); f.Op != FieldExport || !strings.Contains(f.Reason, "disclosed by lou") {
		t.Errorf("disclosed dependants planned %+v", f)
	}
	if f := fieldOp(q, "ssn"); f.Op != FieldWithhold {
		t.Errorf("a decision released an SSN: %+v", f)
	}
	if len(q.Disclosures) != 2 || q.Digest == p.Digest {
		t.Errorf("the plan lists %d disclosures, digest %s (was %s)", len(q.Disclosures), q.Digest, p.Digest)
	}
	q.Disclosures = q.Disclosures[:1]
	if q.Digest == q.ComputeDigest() {
		t.Errorf("the digest does not cover the disclosures")
	}
}
