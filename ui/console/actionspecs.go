package console

// The action specs: for each request action the form it shows, how a
// submit becomes one Backend.Apply, and what it asks before saving.

import (
	"fmt"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// approverChoice is the Customer contact who decided or is reminded.
func approverChoice(key, label string, t model.Tenant, other bool) *formField {
	var opts, labels []string
	for _, ct := range t.Approvers {
		opts = append(opts, ct.Name)
		l := model.CleanLine(ct.Name)
		if ct.Title != "" {
			l += " (" + model.CleanLine(ct.Title) + ")"
		}
		labels = append(labels, l)
	}
	if other || len(opts) == 0 {
		opts = append(opts, otherApprover)
		labels = append(labels, "someone else…")
	}
	return choiceField(key, label, opts, labels)
}

const otherApprover = "\x00other"

// approverName is the chosen contact, or the name typed for someone else.
func approverName(f *form) string {
	if v := f.value("approver"); v != otherApprover {
		return v
	}
	return f.value("approver_other")
}

func decisionFields(c *Context, r model.Request, t model.Tenant, deny bool) []*formField {
	today := c.Clock.Now().In(t.Location()).Format(time.DateOnly)
	other := textField("approver_other", "  their name", "who at the Customer decided", func(f *form) string {
		if f.value("approver") == otherApprover && f.value("approver_other") == "" {
			return "name who at the Customer decided"
		}
		return ""
	})
	other.show = func(f *form) bool { return f.value("approver") == otherApprover }
	evidence := textField("evidence", "Evidence ref", "message id, ticket number, letter file ref", func(f *form) string {
		if _, err := model.ParseEvidence(f.value("method"), f.value("evidence")); err != nil {
			return err.Error()
		}
		return ""
	})
	decided := textField("decided", "Decided on", "YYYY-MM-DD, today or yesterday", func(f *form) string {
		at, err := model.ParseDate(f.value("decided"), t.Location(), c.Clock.Now())
		if err != nil {
			return err.Error()
		}
		if ref := model.CheckDecisionDate(at, r, t, c.Clock.Now()); ref != nil {
			return ref.Reason
		}
		return ""
	})
	var methods []string
	for _, m := range model.EvidenceMethods() {
		methods = append(methods, string(m))
	}
	decided.input.SetValue(today)
	fields := []*formField{
		approverChoice("approver", "Decided by", t, true),
		other,
		choiceField("method", "How", methods, nil),
		evidence,
		decided,
	}
	if deny {
		fields = append(fields, textField("reason", "Customer's reason", "why the Customer denied it",
			required("reason", "the Customer's reason")))
	}
	return fields
}

func decisionApply(outcome model.DecisionOutcome) func(f *form, r model.Request, t model.Tenant, now time.Time) (string, func(*model.Request) error) {
	return func(f *form, r model.Request, t model.Tenant, now time.Time) (string, func(*model.Request) error) {
		d := model.Decision{Outcome: outcome, Approver: approverName(f)}
		ev, _ := model.ParseEvidence(f.value("method"), f.value("evidence"))
		d.SetEvidence(ev)
		d.DecidedAt, _ = model.ParseDate(f.value("decided"), t.Location(), now)
		reason := f.value("reason")
		if outcome == model.DecisionDenied {
			d.Reason = reason
		}
		return reason, func(x *model.Request) error { dc := d; x.Decision = &dc; return nil }
	}
}

func decisionConfirm(outcome model.DecisionOutcome) func(c *Context, r model.Request, t model.Tenant) func(*form) []string {
	return func(c *Context, r model.Request, t model.Tenant) func(*form) []string {
		return func(f *form) []string {
			out := []string{
				fmt.Sprintf("Record %s's %s of %s (%s, %s)?", model.CleanLine(t.Name), outcomeNoun(outcome), model.CleanLine(r.ID), r.Type.Label(), model.CleanLine(r.SubjectLabel)),
				"",
			}
			return append(out, decisionSummary(c, f, outcome)...)
		}
	}
}

func outcomeNoun(o model.DecisionOutcome) string {
	if o == model.DecisionDenied {
		return "denial"
	}
	return "approval"
}

// decisionSummary is exactly what a decision form will record.
func decisionSummary(c *Context, f *form, outcome model.DecisionOutcome) []string {
	kv := func(k, v string) string { return "   " + padRight(k, 14) + " " + model.CleanLine(v) }
	out := []string{
		kv("outcome", string(outcome)),
		kv("decided by", approverName(f)),
		kv("how", f.value("method")),
		kv("evidence", f.value("evidence")),
		kv("decided on", f.value("decided")),
	}
	if outcome == model.DecisionDenied {
		out = append(out, kv("reason", f.value("reason")))
	}
	return append(out, kv("recorded by", c.Actor.Handle()))
}

func reasonField(label, placeholder, what string) *formField {
	return textField("reason", label, placeholder, required("reason", what))
}

func reasonOnly(f *form, _ model.Request, _ model.Tenant, _ time.Time) (string, func(*model.Request) error) {
	return f.value("reason"), nil
}

func noValues(*form, model.Request, model.Tenant, time.Time) (string, func(*model.Request) error) {
	return "", nil
}

// specFor is the form of every request action.
func specFor(a model.Action) actionSpec {
	switch a {
	case model.ActAcknowledge:
		return actionSpec{act: a, verb: "acknowledge", apply: noValues,
			intro: func(c *Context, r model.Request, t model.Tenant) []string {
				return []string{"Record that receipt of " + model.CleanLine(r.ID) + " was confirmed to the requester today (§7021(a): within 10 business days).",
					"enter saves · esc cancels"}
			}}
	case model.ActStartVerification:
		return actionSpec{act: a, verb: "start verification", apply: noValues,
			intro: func(c *Context, r model.Request, t model.Tenant) []string {
				return []string{"Start verifying the requester's identity for " + model.CleanLine(r.ID) + ".", "enter saves · esc cancels"}
			}}
	case model.ActInfoReceived:
		return actionSpec{act: a, verb: "info received", apply: noValues,
			intro: func(c *Context, r model.Request, t model.Tenant) []string {
				return []string{"The requester answered: " + orDash(model.CleanLine(r.InfoRequested)), "Verification resumes. enter saves · esc cancels"}
			}}
	case model.ActRequestInfo:
		return actionSpec{act: a, verb: "ask for information", apply: reasonOnly,
			fields: func(*Context, model.Request, model.Tenant, formInput) []*formField {
				return []*formField{reasonField("What was asked", "e.g. a copy of a utility bill showing the address", "what the requester was asked for")}
			}}
	case model.ActNote:
		return actionSpec{act: a, verb: "add note", apply: reasonOnly,
			fields: func(*Context, model.Request, model.Tenant, formInput) []*formField {
				return []*formField{reasonField("Note", "what happened, for the next person", "the note's text")}
			}}
	case model.ActVerify:
		return verifySpec()
	case model.ActDenyUnverifiable:
		return actionSpec{act: a, verb: "deny as unverifiable", apply: reasonOnly,
			fields: func(*Context, model.Request, model.Tenant, formInput) []*formField {
				return []*formField{reasonField("Why", "what could not be verified", "why identity could not be verified")}
			},
			confirm: func(c *Context, r model.Request, t model.Tenant) func(*form) []string {
				return func(f *form) []string {
					return []string{"Deny " + model.CleanLine(r.ID) + " because the requester's identity could not be verified?", "", "   reason  " + model.CleanLine(f.value("reason"))}
				}
			}}
	case model.ActRefuseExcessive:
		return refuseSpec()
	case model.ActApprove:
		return actionSpec{act: a, verb: "approve", apply: decisionApply(model.DecisionApproved), confirm: decisionConfirm(model.DecisionApproved),
			fields: func(c *Context, r model.Request, t model.Tenant, _ formInput) []*formField {
				return decisionFields(c, r, t, false)
			},
			intro: decisionIntro}
	case model.ActDeny:
		return actionSpec{act: a, verb: "deny", apply: decisionApply(model.DecisionDenied), confirm: decisionConfirm(model.DecisionDenied),
			fields: func(c *Context, r model.Request, t model.Tenant, _ formInput) []*formField {
				return decisionFields(c, r, t, true)
			},
			intro: decisionIntro}
	case model.ActWithdraw:
		return actionSpec{act: a, verb: "withdraw", apply: reasonOnly,
			fields: func(*Context, model.Request, model.Tenant, formInput) []*formField {
				return []*formField{reasonField("How withdrawn", "e.g. requester's email of 2026-11-02", "how the requester withdrew")}
			},
			confirm: func(c *Context, r model.Request, t model.Tenant) func(*form) []string {
				return func(f *form) []string {
					return []string{"Close " + model.CleanLine(r.ID) + " as withdrawn by the requester?", "", "   how  " + model.CleanLine(f.value("reason"))}
				}
			}}
	case model.ActExtend:
		return extendSpec()
	case model.ActAssign:
		return assignSpec()
	case model.ActRetry:
		return actionSpec{act: a, verb: "retry fulfilment", apply: noValues,
			intro: func(c *Context, r model.Request, t model.Tenant) []string {
				return []string{"Run the failed fulfilment of " + model.CleanLine(r.ID) + " again: its pending steps run at once, with progress.", "Last failure: " + orDash(model.CleanLine(r.FailureReason))}
			},
			// Fulfilment — a retry is the start of a run. Its question names
			// what the run changes, so the run view does not ask again.
			after: func(r model.Request) tea.Cmd {
				return func() tea.Msg { return fulfilOpenMsg{action: keymap.Fulfil, id: r.ID, confirmed: true} }
			},
			confirm: func(c *Context, r model.Request, t model.Tenant) func(*form) []string {
				return func(*form) []string {
					out := []string{"Retry the fulfilment of " + model.CleanLine(r.ID) + "?"}
					if q := planQuestion(r); q != "" {
						out = append(out, "", q)
					}
					return out
				}
			}}
	case model.ActRemind:
		return remindSpec()
	case model.ActSignOff:
		return signOffSpec()
	case model.ActChargeFee:
		return feeSpec()
	case model.ActCorrectDecision:
		return correctDecisionSpec()
	case model.ActLink:
		return linkSpec()
	case model.ActDisclose:
		return discloseSpec()
	}
	return actionSpec{act: a, verb: a.Label(), apply: noValues}
}

func decisionIntro(c *Context, r model.Request, t model.Tenant) []string {
	out := []string{fmt.Sprintf("%s · %s · %s · waiting on %s", model.CleanLine(r.ID), r.Type.Label(), model.CleanLine(r.SubjectLabel), model.CleanLine(t.Name))}
	if v := r.Verification; v != nil {
		out = append(out, fmt.Sprintf("verified by %s: %s (%s)", model.CleanLine(v.By), model.CleanLine(string(v.Level)), model.CleanLine(strings.Join(v.DataPoints, ", "))))
	}
	return out
}

func refuseSpec() actionSpec {
	return actionSpec{act: model.ActRefuseExcessive, verb: "refuse as excessive", apply: reasonOnly, needsLimit: true,
		fields: func(*Context, model.Request, model.Tenant, formInput) []*formField {
			return []*formField{reasonField("Reason", "why it is baseless, repetitive or excessive", "the reason for refusing")}
		},
		preview: func(c *Context, r model.Request, t model.Tenant, in formInput) func(*form) []string {
			ev := refusalEvidence(r, t, in.limit)
			return func(*form) []string { return ev }
		},
		confirm: func(c *Context, r model.Request, t model.Tenant) func(*form) []string {
			return func(f *form) []string {
				return []string{"Refuse " + model.CleanLine(r.ID) + " as baseless, repetitive or excessive? The requester is told why.", "",
					"   reason  " + model.CleanLine(f.value("reason"))}
			}
		}}
}

// refusalEvidence is what supports a refusal: the limit and repeat flags and
// the earlier requests they count.
func refusalEvidence(r model.Request, t model.Tenant, lim *model.LimitResult) []string {
	out := []string{"Evidence:"}
	for _, f := range r.Flags {
		if f.Kind == model.FlagOverLimit || f.Kind == model.FlagRepetitive {
			out = append(out, "   "+f.Kind.Short()+"  "+model.CleanLine(f.Reason))
		}
	}
	if lim != nil && lim.Applies {
		out = append(out, fmt.Sprintf("   %d earlier request(s) to know since %s:", len(lim.Earlier), day(lim.From, t.Location())))
		for _, e := range lim.Earlier {
			out = append(out, fmt.Sprintf("     %s  %s  %s", model.CleanLine(e.ID), day(e.ReceivedAt, t.Location()), e.Status.Label()))
		}
	}
	if len(out) == 1 {
		out = append(out, "   none recorded: no limit or repeat flag — say in the reason why it is excessive")
	}
	return out
}

func extendSpec() actionSpec {
	return actionSpec{act: model.ActExtend, verb: "extend the deadline", apply: reasonOnly,
		fields: func(*Context, model.Request, model.Tenant, formInput) []*formField {
			return []*formField{reasonField("Reason", "the requester is told why", "the reason (the requester is told)")}
		},
		preview: func(c *Context, r model.Request, t model.Tenant, _ formInput) func(*form) []string {
			line := extensionLine(r, t)
			return func(*form) []string {
				return []string{line, "Only one extension is allowed, inside the first 45 days."}
			}
		},
		confirm: func(c *Context, r model.Request, t model.Tenant) func(*form) []string {
			line := extensionLine(r, t)
			return func(f *form) []string {
				return []string{"Extend " + model.CleanLine(r.ID) + "? This is the only extension it can get.", "", "   " + line, "   reason  " + model.CleanLine(f.value("reason"))}
			}
		}}
}

// extensionLine says where the response deadline moves.
func extensionLine(r model.Request, t model.Tenant) string {
	loc := t.Location()
	before := model.ComputeDeadlines(r, t)
	x := r
	x.Extension = &model.Extension{}
	after := model.ComputeDeadlines(x, t)
	return fmt.Sprintf("legal response due %s → new due date %s", day(before.Legal, loc), day(after.Legal, loc))
}

func assignSpec() actionSpec {
	return actionSpec{act: model.ActAssign, verb: "assign", needsOperators: true,
		fields: func(c *Context, r model.Request, t model.Tenant, in formInput) []*formField {
			me := c.Actor.Handle()
			opts := []string{me}
			labels := []string{"me (" + model.CleanLine(me) + ")"}
			for _, o := range in.ops {
				if o.Handle == me || o.Disabled || !o.InScope(r.TenantID) || !o.Role.Can(model.PermTriage) {
					continue
				}
				opts = append(opts, o.Handle)
				labels = append(labels, model.CleanLine(o.Handle)+" ("+model.CleanLine(o.Name)+", "+roleLabel(o.Role)+")")
			}
			opts = append(opts, "")
			labels = append(labels, "nobody (unassign)")
			fd := choiceField("to", "Assign to", opts, labels)
			fd.check = func(f *form) string {
				if f.value("to") == r.AssignedTo {
					if r.AssignedTo == "" {
						return "it is not assigned to anyone"
					}
					return "it is already assigned to " + model.CleanLine(r.AssignedTo)
				}
				return ""
			}
			return []*formField{fd}
		},
		intro: func(c *Context, r model.Request, t model.Tenant) []string {
			return []string{"Now assigned to " + orDash(model.CleanLine(r.AssignedTo)) + "."}
		},
		apply: func(f *form, _ model.Request, _ model.Tenant, _ time.Time) (string, func(*model.Request) error) {
			to := f.value("to")
			return "", func(x *model.Request) error { x.AssignedTo = to; return nil }
		}}
}

func remindSpec() actionSpec {
	return actionSpec{act: model.ActRemind, verb: "remind the Customer",
		fields: func(c *Context, r model.Request, t model.Tenant, _ formInput) []*formField {
			return []*formField{approverChoice("to", "Reminded", t, false)}
		},
		intro: func(c *Context, r model.Request, t model.Tenant) []string {
			out := []string{"Record that you reminded " + model.CleanLine(t.Name) + " that " + model.CleanLine(r.ID) + " waits on its decision."}
			out = append(out, reminderSummary(r, t.Location()))
			if len(t.Approvers) == 0 {
				out = append(out, "This tenant lists no approver contacts: add them before reminding.")
			}
			return out
		},
		preview: func(c *Context, r model.Request, t model.Tenant, _ formInput) func(*form) []string {
			return func(f *form) []string {
				for _, ct := range t.Approvers {
					if ct.Name == f.value("to") {
						return []string{"   " + model.CleanLine(ct.Name) + " · " + orDash(model.CleanLine(ct.Title)) + " · " + orDash(model.CleanLine(ct.Email)) + " · " + orDash(model.CleanLine(ct.Phone))}
					}
				}
				return nil
			}
		},
		apply: func(f *form, _ model.Request, _ model.Tenant, _ time.Time) (string, func(*model.Request) error) {
			to := f.value("to")
			return "", func(x *model.Request) error {
				x.Reminders = append(x.Reminders, model.Reminder{To: to})
				return nil
			}
		}}
}

// reminderSummary is "2 reminders, last 2026-11-01 by sam to Dana".
func reminderSummary(r model.Request, loc *time.Location) string {
	last, ok := r.LastReminder()
	if !ok {
		return "No reminders sent yet."
	}
	return fmt.Sprintf("%d reminder(s) sent, last %s by %s to %s.", len(r.Reminders), stamp(last.At, loc), model.CleanLine(last.By), model.CleanLine(last.To))
}

// discloseSpec offers the fields an access plan withholds as another
// person's data; the rule book decides the rest (disclose.*).
func discloseSpec() actionSpec {
	return actionSpec{act: model.ActDisclose, verb: "disclose another person's data",
		fields: func(c *Context, r model.Request, t model.Tenant, in formInput) []*formField {
			var opts, labels []string
			if r.Plan != nil {
				for _, d := range r.Plan.Docs {
					for _, pf := range d.Fields {
						key := d.Collection + "." + pf.Field
						if pf.ThirdParty == "" || pf.Op != model.FieldWithhold || slices.Contains(opts, key) {
							continue
						}
						opts = append(opts, key)
						labels = append(labels, model.CleanLine(key+" ("+pf.ThirdParty+")"))
					}
				}
			}
			field := choiceField("field", "Field", opts, labels)
			if i := slices.Index(opts, in.discloseField); i >= 0 {
				field.sel = i
			}
			return []*formField{field,
				reasonField("Why", "e.g. the requester is the guardian named", "why disclosing it does not harm the other person")}
		},
		intro: func(c *Context, r model.Request, t model.Tenant) []string {
			return []string{"Disclose, in " + model.CleanLine(r.ID) + "'s access package, a field holding another person's data.",
				"The plan must then be made again (" + c.keyFor(keymap.Replan) + " in the plan view) before it is signed off."}
		},
		apply: func(f *form, _ model.Request, _ model.Tenant, _ time.Time) (string, func(*model.Request) error) {
			coll, field, _ := strings.Cut(f.value("field"), ".")
			return f.value("reason"), func(x *model.Request) error {
				x.Disclosures = append(x.Disclosures, model.Disclosure{Collection: coll, Field: field})
				return nil
			}
		}}
}
