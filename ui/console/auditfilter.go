package console

import (
	"fmt"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/model"
)

// auditTermHelp lists the audit filter's keys for error messages.
const auditTermHelp = "actor:, action:, tenant:, req:, subject:, since:, until:"

// parseAuditFilter reads the audit pane's filter language: space-separated
// key:value terms, every one of which must match —
//
//	actor:lee action:approve tenant:oak req:R-2026-00042 subject:S-000123
//	since:2026-11-01 until:2026-11-30T12:00:00Z
//
// Dates are days in UTC (until's day included) or RFC 3339 times. action:
// takes the stored name or the label people read ("sign off", quoted, or
// "sign-off"). Any bad term is an error naming it, and the caller keeps its
// current filter.
func parseAuditFilter(s string) (model.AuditFilter, error) {
	var f model.AuditFilter
	seen := map[string]bool{}
	for _, term := range splitTerms(s) {
		k, v, ok := strings.Cut(term, ":")
		k = strings.ToLower(k)
		switch {
		case !ok:
			return model.AuditFilter{}, fmt.Errorf("%q is not a term: write key:value with one of %s", model.CleanLine(term), auditTermHelp)
		case v == "":
			return model.AuditFilter{}, fmt.Errorf("%q has no value", model.CleanLine(term))
		}
		if k == "request" {
			k = "req"
		}
		if seen[k] {
			return model.AuditFilter{}, fmt.Errorf("%s: is given twice; every term must match, so keep one", model.CleanLine(k))
		}
		seen[k] = true
		var err error
		switch k {
		case "actor":
			f.Actor = v
		case "action":
			f.Action = resolveAuditAction(v)
		case "tenant":
			f.TenantID = v
		case "req", "subject":
			if f.Target != "" {
				return model.AuditFilter{}, fmt.Errorf("req: and subject: both name what the event is about; keep one")
			}
			kind := "request"
			if k == "subject" {
				kind = "subject"
			}
			f.Target = kind + ":" + v
		case "since":
			if f.Since, err = model.ParseTimeBound(v, false); err != nil {
				return model.AuditFilter{}, fmt.Errorf("since: %w", err)
			}
		case "until":
			if f.Until, err = model.ParseTimeBound(v, true); err != nil {
				return model.AuditFilter{}, fmt.Errorf("until: %w", err)
			}
		default:
			return model.AuditFilter{}, fmt.Errorf("unknown term %q: use %s", model.CleanLine(term), auditTermHelp)
		}
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && f.Until.Before(f.Since) {
		return model.AuditFilter{}, fmt.Errorf("since: is after until:")
	}
	return f, nil
}

// formatAuditFilter writes f in the filter language; parsing the result
// gives f back.
func formatAuditFilter(f model.AuditFilter) string {
	var terms []string
	add := func(k, v string) {
		if v != "" {
			terms = append(terms, k+":"+v)
		}
	}
	add("actor", f.Actor)
	add("action", f.Action)
	add("tenant", f.TenantID)
	if kind, id, ok := strings.Cut(f.Target, ":"); ok {
		add(map[string]string{"request": "req", "subject": "subject"}[kind], id)
	}
	if !f.Since.IsZero() {
		add("since", f.Since.UTC().Format(time.RFC3339Nano))
	}
	if !f.Until.IsZero() {
		add("until", f.Until.UTC().Format(time.RFC3339Nano))
	}
	return strings.Join(terms, " ")
}

// splitTerms splits s at spaces outside double quotes and drops the
// quotes, so a label with a space (action:"sign off") is one term.
func splitTerms(s string) []string {
	var out []string
	var b strings.Builder
	quoted := false
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted && (r == ' ' || r == '\t'):
			flush()
		default:
			b.WriteRune(r)
		}
	}
	flush()
	return out
}

// systemAuditActions are the actions the controller audits that are not
// request actions of the lifecycle: sign-ins, reveals, exports, operator
// changes and the housekeeping the doctor and the limits check record.
var systemAuditActions = []string{
	"claim_dropped", "export", "limit_flag", "passphrase_sent", "put_operator", "read", "reveal", "seed", "set_delivery", "ssh_login",
}

// auditActionNames are the action names the chain holds, sorted: every
// request action (model's lifecycle and the events around it), the
// system's, and any other names in seen (loaded entries), so an action
// this list does not know yet still completes.
func auditActionNames(seen ...string) []string {
	names := slices.Clone(systemAuditActions)
	for _, t := range model.Transitions() {
		names = append(names, string(t.Action))
	}
	for _, a := range []model.Action{model.ActLog, model.ActPlan, model.ActSignOff, model.ActFulfilStep,
		model.ActChargeFee, model.ActCorrectDecision, model.ActLink, model.ActDisclose, model.ActRemind,
		model.ActNote, model.ActAssign, model.ActExtend} {
		names = append(names, string(a))
	}
	for _, s := range seen {
		if s != "" {
			names = append(names, model.CleanLine(s))
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// actionKey folds a name or label to one spelling: "Sign off", "sign-off"
// and "sign_off" are the same action.
func actionKey(s string) string {
	return strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(strings.TrimSpace(s)))
}

// resolveAuditAction is the stored name v means: a known action's label
// or name in any spelling is that name; anything else is kept as typed,
// as the chain may hold names this console does not know.
func resolveAuditAction(v string) string {
	k := actionKey(v)
	for _, n := range auditActionNames() {
		if actionKey(n) == k {
			return n
		}
	}
	return v
}

// completeAuditAction completes the action: term at the end of input. It
// returns the input with the action's name filled in as far as the
// candidates agree, and the candidates themselves (none when the input
// does not end in an action: term or nothing starts that way).
func completeAuditAction(input string, names []string) (string, []string) {
	i := strings.LastIndex(input, " ") + 1
	last := input[i:]
	k, v, ok := strings.Cut(last, ":")
	if !ok || strings.ToLower(k) != "action" {
		return input, nil
	}
	want := actionKey(strings.Trim(v, `"`))
	var cands []string
	for _, n := range names {
		if strings.HasPrefix(n, want) {
			cands = append(cands, n)
		}
	}
	if len(cands) == 0 {
		return input, nil
	}
	common := cands[0]
	for _, c := range cands[1:] {
		for !strings.HasPrefix(c, common) {
			common = common[:len(common)-1]
		}
	}
	out := input[:i] + k + ":" + common
	if len(cands) == 1 {
		out += " "
	}
	return out, cands
}

// tabCompleter is a pane whose text box wants tab for itself at the
// moment (to complete a word) rather than to move between panes.
type tabCompleter interface {
	completesTab(msg tea.KeyPressMsg) bool
}

// completesTab: tab completes an action name while the filter being typed
// ends in an action: term; elsewhere tab keeps moving between panes.
func (p *auditPane) completesTab(msg tea.KeyPressMsg) bool {
	if !p.input.Focused() || msg.String() != "tab" {
		return false
	}
	v := p.input.Value()
	last := strings.ToLower(v[strings.LastIndex(v, " ")+1:])
	return strings.HasPrefix(last, "action:")
}

// completeAction fills in the action name as far as it is certain and,
// when several names remain, lists them on the status line.
func (p *auditPane) completeAction() tea.Cmd {
	var seen []string
	for _, r := range p.rows {
		seen = append(seen, r.rec.Action)
	}
	out, cands := completeAuditAction(p.input.Value(), auditActionNames(seen...))
	p.input.SetValue(out)
	p.input.CursorEnd()
	switch len(cands) {
	case 0:
		return p.ctx.Error("no action name starts that way — erase back to action: and press tab for the names")
	case 1:
		return nil
	}
	return p.ctx.Info("actions: " + strings.Join(cands, " · "))
}
