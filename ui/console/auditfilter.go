package console

import (
	"fmt"
	"strings"
	"time"

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
// Dates are days in UTC (until's day included) or RFC 3339 times. Any bad
// term is an error naming it, and the caller keeps its current filter.
func parseAuditFilter(s string) (model.AuditFilter, error) {
	var f model.AuditFilter
	seen := map[string]bool{}
	for _, term := range strings.Fields(s) {
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
			f.Action = v
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
