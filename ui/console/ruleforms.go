package console

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// The forms whose live checks are the rule book's own functions: verify
// (level by request type, points on file, not the corrected data, the
// agent), a fee quote, a decision's correction and a link to a subject.
// Each check shows the model's sentence under the field as it is typed;
// the controller asks the same functions again on save.

func verifySpec() actionSpec {
	return actionSpec{act: model.ActVerify, verb: "verify", needsSubject: true,
		intro: func(c *Context, r model.Request, t model.Tenant) []string {
			need := model.RequiredLevel(r)
			out := []string{fmt.Sprintf("Record how the requester's identity was established (§7060–7062): this request (%s) needs a %s.", requestKind(r), need.Label())}
			if len(r.Corrections) > 0 {
				var fs []string
				for k := range r.Corrections {
					fs = append(fs, model.CleanLine(k))
				}
				slices.Sort(fs)
				out = append(out, "This correction changes "+strings.Join(fs, ", ")+": verify with other data.")
			}
			if r.Agent != nil {
				out = append(out, "Filed by an authorized agent: verify both the agent and the subject (§7063).")
			}
			return out
		},
		fields: func(c *Context, r model.Request, t model.Tenant, in formInput) []*formField {
			verification := func(f *form) (model.Verification, error) {
				pts, err := model.ParseDataPoints(f.value("points"))
				return model.Verification{Method: f.value("method"), DataPoints: pts, Level: model.VerificationLevel(f.value("level")),
					SignedDecl: f.value("signed") == "yes", AgentChecked: f.value("agent") == "yes"}, err
			}
			// Each field shows the part of the rule it can fix: the level
			// alone, then the points for that level, then the declaration.
			levelProblem := func(f *form) string {
				v, _ := verification(f)
				need, _ := model.PointsFor(v.Level)
				v.DataPoints, v.SignedDecl = make([]string, need), true
				return refusalReason(model.CheckVerificationLevel(r, v))
			}
			points := textField("points", "Matched data", "comma-separated: email, phone, date of birth…", func(f *form) string {
				v, err := verification(f)
				if err != nil {
					return err.Error()
				}
				if p := refusalReason(model.CheckPointsOnFile(in.subject, v.DataPoints)); p != "" {
					return p
				}
				if p := refusalReason(model.CheckPointsNotCorrected(r, v.DataPoints)); p != "" {
					return p
				}
				if levelProblem(f) != "" {
					return ""
				}
				v.SignedDecl = true
				return refusalReason(model.CheckVerificationLevel(r, v))
			})
			signed := choiceField("signed", "Signed declaration", []string{"no", "yes"}, nil)
			signed.check = func(f *form) string {
				v, _ := verification(f)
				if _, decl := model.PointsFor(v.Level); !decl || v.SignedDecl {
					return ""
				}
				need, _ := model.PointsFor(v.Level)
				v.DataPoints = make([]string, need)
				return refusalReason(model.CheckVerificationLevel(r, v))
			}
			agent := choiceField("agent", "Agent verified", []string{"no", "yes"}, nil)
			agent.show = func(*form) bool { return r.Agent != nil }
			agent.check = func(f *form) string {
				v, _ := verification(f)
				return refusalReason(model.CheckAgentVerified(r, v))
			}
			level := choiceField("level", "Level reached", levelOptions(r), levelLabels(r))
			level.sel = max(0, slices.Index(level.options, string(model.RequiredLevel(r))))
			level.check = levelProblem
			return []*formField{
				choiceField("method", "Method", []string{"data points", "account re-authentication"}, nil),
				points,
				level,
				signed,
				agent,
			}
		},
		apply: func(f *form, r model.Request, _ model.Tenant, _ time.Time) (string, func(*model.Request) error) {
			pts, _ := model.ParseDataPoints(f.value("points"))
			v := model.Verification{Method: f.value("method"), DataPoints: pts,
				Level: model.VerificationLevel(f.value("level")), SignedDecl: f.value("signed") == "yes", AgentChecked: f.value("agent") == "yes"}
			return "", func(x *model.Request) error { vc := v; x.Verification = &vc; return nil }
		}}
}

// levelOptions are the levels a verification may record for r: "none"
// only where the type needs none (an opt-out).
func levelOptions(r model.Request) []string {
	var out []string
	if model.RequiredLevel(r) == model.LevelNone {
		out = append(out, string(model.LevelNone))
	}
	return append(out, string(model.LevelReasonable), string(model.LevelHigh))
}

func levelLabels(r model.Request) []string {
	var out []string
	for _, o := range levelOptions(r) {
		l := model.VerificationLevel(o)
		if l == model.LevelNone {
			out = append(out, "none (needed for an opt-out)")
			continue
		}
		out = append(out, string(l)+" — "+l.Label())
	}
	return out
}

// requestKind names what r asks for, with an access request's scope.
func requestKind(r model.Request) string {
	if r.Type == model.TypeAccess && r.AccessScope != "" {
		return r.Type.Label() + ", " + r.AccessScope.Label()
	}
	return r.Type.Label()
}

// refusalReason is a live check's message: the rule's own sentence.
func refusalReason(ref *model.Refusal) string {
	if ref == nil {
		return ""
	}
	return ref.Reason
}

func feeSpec() actionSpec {
	return actionSpec{act: model.ActChargeFee, verb: "quote a fee", needsLimit: true,
		intro: func(c *Context, r model.Request, t model.Tenant) []string {
			return []string{"Instead of refusing a baseless, repetitive or excessive request, quote the requester a reasonable fee.",
				"The fee and its reason are recorded and put on the audit chain; the response clock keeps running."}
		},
		fields: func(*Context, model.Request, model.Tenant, formInput) []*formField {
			return []*formField{
				textField("amount", "Fee (USD)", "e.g. 25 or 25.50", func(f *form) string {
					if _, err := model.ParseFee(f.value("amount")); err != nil {
						return err.Error()
					}
					return ""
				}),
				reasonField("Reason", "why it is baseless, repetitive or excessive", "the reason for the fee"),
			}
		},
		preview: func(c *Context, r model.Request, t model.Tenant, in formInput) func(*form) []string {
			ev := refusalEvidence(r, t, in.limit)
			return func(*form) []string { return ev }
		},
		// The evidence stays beside the question: it is what the fee is
		// answerable to.
		confirmWith: func(c *Context, r model.Request, t model.Tenant, in formInput) func(*form) []string {
			ev := refusalEvidence(r, t, in.limit)
			return func(f *form) []string {
				cents, _ := model.ParseFee(f.value("amount"))
				out := []string{fmt.Sprintf("Quote %s a fee of %s? The requester is told why; the clock keeps running.", model.CleanLine(r.ID), model.FormatCents(cents)), "",
					"   fee     " + model.FormatCents(cents),
					"   reason  " + model.CleanLine(f.value("reason")), ""}
				return append(out, ev...)
			}
		},
		apply: func(f *form, _ model.Request, _ model.Tenant, _ time.Time) (string, func(*model.Request) error) {
			cents, _ := model.ParseFee(f.value("amount"))
			return f.value("reason"), func(x *model.Request) error { x.Fee = &model.Fee{AmountCents: cents}; return nil }
		}}
}

func correctDecisionSpec() actionSpec {
	return actionSpec{act: model.ActCorrectDecision, verb: "correct the decision",
		intro: func(c *Context, r model.Request, t model.Tenant) []string {
			out := decisionIntro(c, r, t)
			return append(out, "Correct what was recorded wrongly about the Customer's decision; the outcome stays, the old record is kept beside the new one and the change is audited.")
		},
		fields: func(c *Context, r model.Request, t model.Tenant, _ formInput) []*formField {
			old := model.Decision{}
			if r.Decision != nil {
				old = *r.Decision
			}
			fields := decisionFields(c, r, t, old.Outcome == model.DecisionDenied)
			for _, fd := range fields {
				switch fd.key {
				case "approver":
					if i := slices.Index(fd.options, old.Approver); i >= 0 {
						fd.sel = i
					} else {
						fd.sel = slices.Index(fd.options, otherApprover)
					}
				case "approver_other":
					if !slices.ContainsFunc(t.Approvers, func(ct model.Contact) bool { return ct.Name == old.Approver }) {
						fd.input.SetValue(old.Approver)
					}
				case "method":
					fd.sel = max(0, slices.Index(fd.options, old.Method))
				case "evidence":
					fd.input.SetValue(old.Evidence)
				case "decided":
					fd.input.SetValue(day(old.DecidedAt, t.Location()))
				case "reason":
					fd.input.SetValue(old.Reason)
				}
			}
			return append(fields, textField("why", "Why corrected", "why the record was wrong", required("why", "why the record was wrong")))
		},
		confirm: func(c *Context, r model.Request, t model.Tenant) func(*form) []string {
			return func(f *form) []string {
				old, next := model.Decision{}, correctedDecision(f, r, t, c.Clock.Now())
				if r.Decision != nil {
					old = *r.Decision
				}
				out := []string{fmt.Sprintf("Correct the recorded %s of %s? The old record is kept.", outcomeNoun(old.Outcome), model.CleanLine(r.ID)), ""}
				loc := t.Location()
				for _, x := range [][3]string{
					{"decided by", old.Approver, next.Approver},
					{"how", old.Method, next.Method},
					{"evidence", old.Evidence, next.Evidence},
					{"decided on", day(old.DecidedAt, loc), day(next.DecidedAt, loc)},
					{"reason", old.Reason, next.Reason},
				} {
					if x[1] != x[2] {
						out = append(out, "   "+padRight(x[0], 12)+" "+model.CleanLine(x[1])+" → "+model.CleanLine(x[2]))
					}
				}
				if len(out) == 2 {
					out = append(out, "   nothing changed")
				}
				return append(out, "   "+padRight("why", 12)+" "+model.CleanLine(f.value("why")))
			}
		},
		apply: func(f *form, r model.Request, t model.Tenant, now time.Time) (string, func(*model.Request) error) {
			d := correctedDecision(f, r, t, now)
			return f.value("why"), func(x *model.Request) error { dc := d; x.Decision = &dc; return nil }
		}}
}

// correctedDecision is the decision as the correction form has it: the
// recorded outcome with the fields as typed.
func correctedDecision(f *form, r model.Request, t model.Tenant, now time.Time) model.Decision {
	d := model.Decision{Approver: approverName(f)}
	if r.Decision != nil {
		d.Outcome = r.Decision.Outcome
	}
	ev, _ := model.ParseEvidence(f.value("method"), f.value("evidence"))
	d.SetEvidence(ev)
	d.DecidedAt, _ = model.ParseDate(f.value("decided"), t.Location(), now)
	if d.Outcome == model.DecisionDenied {
		d.Reason = f.value("reason")
	}
	return d
}

// linkSpec finds an unmatched request's subject: the requester's likely
// matches first, and a search over the tenant's subjects with the Lookup
// pane's engine.
func linkSpec() actionSpec {
	return actionSpec{act: model.ActLink, verb: "link to a subject", needsCandidates: true,
		intro: func(c *Context, r model.Request, t model.Tenant) []string {
			return []string{"Link " + model.CleanLine(r.ID) + " to the subject it is about, so it can be verified against what is on file, planned and fulfilled.",
				"Type to search " + model.CleanLine(t.Name) + "'s subjects (name, email, phone, account or subject id); blank lists the requester's likely matches. ←/→ picks."}
		},
		fields: func(c *Context, r model.Request, t model.Tenant, in formInput) []*formField {
			find := textField("find", "Search", "name, email, phone, account or subject id", nil)
			pick := choiceField("subject", "Subject", nil, nil)
			pick.optionsFrom = func(f *form) ([]string, []string) { return subjectChoices(in, f.value("find")) }
			pick.check = func(f *form) string {
				if f.value("subject") == "" {
					return "pick the subject: no subject matches the search"
				}
				return ""
			}
			return []*formField{find, pick}
		},
		confirm: func(c *Context, r model.Request, t model.Tenant) func(*form) []string {
			return func(f *form) []string {
				label := f.field("subject").display(f.field("subject").sel)
				return []string{fmt.Sprintf("Link %s to %s?", model.CleanLine(r.ID), label), "",
					"   The subject's residency and birth date then decide the request's flags; the link is audited and cannot be replaced."}
			}
		},
		apply: func(f *form, _ model.Request, _ model.Tenant, _ time.Time) (string, func(*model.Request) error) {
			id := f.value("subject")
			return "", func(x *model.Request) error { x.SubjectID = id; return nil }
		}}
}

// subjectChoices are the link picker's options for query: the candidates
// when it is blank, else the directory's best hits; masked names only.
func subjectChoices(in formInput, query string) ([]string, []string) {
	var ids, labels []string
	add := func(id, name, account string) {
		if slices.Contains(ids, id) {
			return
		}
		l := model.CleanLine(model.Mask(model.KindName, model.CleanLine(name))) + "  (" + model.CleanLine(id)
		if account != "" {
			l += ", account " + model.CleanLine(account)
		}
		ids, labels = append(ids, id), append(labels, l+")")
	}
	if strings.TrimSpace(query) == "" {
		for _, s := range in.candidates {
			add(s.ID, s.Name, s.AccountID)
		}
	} else if in.directory != nil {
		res, _, err := in.directory.Search(context.Background(), query, nil, 20)
		if err == nil {
			for _, h := range res.Hits {
				add(h.ID, h.Name, h.AccountID)
			}
		}
	}
	if len(ids) == 0 {
		return []string{""}, []string{"no subject matches — type to search"}
	}
	return ids, labels
}
