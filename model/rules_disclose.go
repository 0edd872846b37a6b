package model

import (
	"fmt"
	"time"
)

// Rules of disclosing another person's data in an access response. A field
// the data map marks as a third party's (a guardian's phone, dependants'
// names) is withheld by the plan; a privacy lead may decide, per field and
// with a reason, that the response discloses it. The decision is recorded
// on the request and the audit chain; the plan built before it no longer
// reflects the decisions and must be made again before a sign-off
// (sign_off.plan refuses it).

// CiteThirdParty is the source of the third-party rule.
const CiteThirdParty = "CCPA §1798.145(k): the rights of a consumer shall not adversely affect the rights and freedoms of other consumers; 11 CCR §7024(d)"

func ruleDiscloseAccess() Rule {
	return Rule{ID: "disclose.access_plan", Cite: CiteThirdParty,
		Says: "Another person's data is disclosed only in an access request's plan that is not signed off yet.",
		Pre: func(f Facts) *Refusal {
			p := f.Request.Plan
			switch {
			case f.Request.Type != TypeAccess:
				return refuse(ruleDiscloseAccess(), "only a request to know discloses data; this is a %s request", f.Request.Type.Label())
			case p == nil:
				return refuse(ruleDiscloseAccess(), "there is no plan to decide on: make one first").withRemedy(ActPlan)
			case p.SignedBy != "" && f.planIntact(p):
				return refuse(ruleDiscloseAccess(), "plan %s is signed off: a disclosure decision would change what was signed", p.ID)
			}
			return nil
		}}
}

func ruleDiscloseField() Rule {
	return Rule{ID: "disclose.third_party_field", Cite: CiteThirdParty,
		Says: "A decision adds one disclosure, of a field the plan withholds as another person's data; never a field of a never-disclose class.",
		Input: func(f Facts, next *Request) *Refusal {
			before := f.Request.Disclosures
			if len(next.Disclosures) != len(before)+1 || !sameJSON(next.Disclosures[:len(before)], before) {
				return badInput(ruleDiscloseField(), "a decision adds exactly one disclosure and keeps the earlier ones")
			}
			d := next.Disclosures[len(before)]
			where := d.Collection + "." + d.Field
			for _, e := range before {
				if e.Collection == d.Collection && e.Field == d.Field {
					return badInput(ruleDiscloseField(), "%s is already disclosed (by %s)", where, e.By)
				}
			}
			pf, ok := planField(f.Request.Plan, d.Collection, d.Field)
			switch {
			case !ok:
				return badInput(ruleDiscloseField(), "plan %s has no field %s: name one as collection.field from the plan", f.Request.Plan.ID, where)
			case pf.Class.NeverDisclose():
				return badInput(ruleDiscloseField(), "%s holds %s data, which §7024(d) forbids disclosing: no decision can release it", where, pf.Class)
			case pf.ThirdParty == "":
				return badInput(ruleDiscloseField(), "%s is the subject's own data, disclosed anyway: only a field holding another person's data needs a decision", where)
			}
			return nil
		}}
}

func ruleDiscloseReason() Rule {
	return reasonRule("disclose.reason", CiteThirdParty,
		"A disclosure of another person's data states why it does not adversely affect that person.",
		"why disclosing the other person's data does not harm them (e.g. the guardian is the requester)")
}

// planField finds the first planned field collection.field in p.
func planField(p *Plan, collection, field string) (PlanField, bool) {
	if p == nil {
		return PlanField{}, false
	}
	for _, d := range p.Docs {
		if d.Collection != collection {
			continue
		}
		for _, pf := range d.Fields {
			if pf.Field == field {
				return pf, true
			}
		}
	}
	return PlanField{}, false
}

func recordDisclose(f Facts, next *Request) string {
	d := &next.Disclosures[len(next.Disclosures)-1]
	d.By, d.At, d.Reason = f.Actor.Handle(), f.Now.UTC().Truncate(time.Millisecond), f.reasonText
	who := ""
	if pf, ok := planField(f.Request.Plan, d.Collection, d.Field); ok {
		who = " (" + pf.ThirdParty + ")"
	}
	return fmt.Sprintf("disclose %s.%s%s; plan %s must be made again", d.Collection, d.Field, who, f.Request.Plan.ID)
}

// DisclosuresCurrent reports whether p was built with every disclosure
// decision recorded on r.
func DisclosuresCurrent(r Request, p *Plan) bool {
	if p == nil || r.Type != TypeAccess {
		return true
	}
	return sameJSON(p.Disclosures, r.Disclosures)
}
