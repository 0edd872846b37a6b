package present

// One audit chain entry as shown to a person: the audit pane's rows and its
// full view of an entry both render this.

import (
	"strings"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// AuditEntry is one audit record as shown to a person. Every text is
// cleaned, because an operator's typed reason, an SSH origin or a tampered
// document is as untrusted as a requester's text; an empty text stays
// empty, so each front end chooses how to show it.
type AuditEntry struct {
	Seq int64
	// Time is the entry's instant in its tenant's zone with the zone named,
	// or in UTC named "UTC" when it belongs to no tenant the front end knows:
	// the chain spans tenants, so only a named zone keeps rows comparable.
	Time string
	// Instant is the exact instant in UTC (RFC 3339, fractions kept): what
	// the audit filter's days are counted in and what a log elsewhere is
	// matched against.
	Instant string
	Actor   string
	// Role is the actor's role as a person reads it ("privacy lead").
	Role string
	// Origin is where the actor acted from: "local", "ssh 203.0.113.9:51234".
	Origin string
	// Action is the action's stored name ("approve"), which is what the
	// filter's action: term matches, so it is shown as stored.
	Action string
	// Target is what the entry is about, whole ("request:R-2026-00042");
	// ShortTarget abbreviates its kind for a narrow column ("req R-2026-00042").
	Target, ShortTarget string
	// RequestID is the request the entry is about, "" when it is about
	// something else: the front ends offer to open it.
	RequestID string
	Tenant    string
	Outcome   string
	// Alarm is set for an entry that was refused or failed, which a list
	// draws in a warning colour.
	Alarm bool
	// Reason is what the actor typed; Detail a short machine summary such as
	// "verifying→awaiting_approval"; Note the two together, for a one-line
	// row.
	Reason, Detail, Note string
	EventID              string
	// Prev and Hash are the chain links, whole: the full view is where one
	// checks them against `custodian audit verify`.
	Prev, Hash string
}

// AuditEntryOf shows rec with its time in loc: the zone of the tenant the
// entry belongs to, or UTC (also when loc is nil) for an entry of no tenant
// or of one the front end does not know.
func AuditEntryOf(rec model.AuditRecord, loc *time.Location) AuditEntry {
	if loc == nil {
		loc = time.UTC
	}
	clean := model.CleanLine
	e := AuditEntry{
		Seq:         rec.Seq,
		Time:        Time(rec.At, loc),
		Instant:     None,
		Actor:       clean(rec.Actor),
		Role:        auditRoleLabel(rec.Role),
		Origin:      clean(rec.Origin),
		Action:      clean(rec.Action),
		Target:      clean(rec.Target),
		ShortTarget: clean(AuditShortTarget(rec.Target)),
		Tenant:      clean(rec.TenantID),
		Outcome:     clean(rec.Outcome),
		Alarm:       rec.Outcome == model.OutcomeRefused || rec.Outcome == model.OutcomeFailed,
		Reason:      clean(rec.Reason),
		Detail:      clean(rec.Detail),
		Note:        clean(strings.TrimSpace(rec.Reason + " " + rec.Detail)),
		EventID:     clean(rec.ID),
		Prev:        clean(rec.Prev),
		Hash:        clean(rec.Hash),
	}
	if !rec.At.IsZero() {
		e.Instant = rec.At.UTC().Format(time.RFC3339Nano)
	}
	if id, ok := strings.CutPrefix(rec.Target, "request:"); ok && id != "" {
		e.RequestID = clean(id)
	}
	return e
}

// AuditShortTarget abbreviates a target's kind so an 80-column row has room
// for the id ("req R-2026-00042"); the full view shows it whole. The result
// is not cleaned.
func AuditShortTarget(t string) string {
	for _, k := range [][2]string{{"request:", "req "}, {"subject:", "subj "}, {"operator:", "op "}} {
		if id, ok := strings.CutPrefix(t, k[0]); ok {
			return k[1] + id
		}
	}
	return t
}

// auditRoleLabel names a role as a person reads it; a stored role is text
// like any other, so an unknown one is shown cleaned.
func auditRoleLabel(r model.Role) string {
	if r == model.RoleLead {
		return "privacy lead"
	}
	return model.CleanLine(string(r))
}
