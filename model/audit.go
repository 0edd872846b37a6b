package model

import "time"

// Outcome of an audited action.
const (
	OutcomeOK      = "ok"
	OutcomeRefused = "refused"
	OutcomeFailed  = "failed"
)

// AuditEvent is one entry of the audit history. It never carries raw PI:
// targets are ids, reasons are the operator's words about the decision.
type AuditEvent struct {
	ID       string    `bson:"event_id" json:"event_id"` // client-generated; a retry of the same event is recognised by it
	At       time.Time `bson:"at" json:"at"`
	Actor    string    `bson:"actor" json:"actor"`
	Role     Role      `bson:"role" json:"role"`
	Origin   string    `bson:"origin" json:"origin"` // "local", "ssh 203.0.113.9:51234", "cli", "import"
	Action   string    `bson:"action" json:"action"`
	Target   string    `bson:"target" json:"target"` // e.g. "request:R-2026-00042", "operator:ana"
	TenantID string    `bson:"tenant_id,omitempty" json:"tenant_id,omitempty"`
	Outcome  string    `bson:"outcome" json:"outcome"`
	Reason   string    `bson:"reason,omitempty" json:"reason,omitempty"`
	// Detail is a short machine-readable summary such as "verifying→awaiting_approval".
	Detail string `bson:"detail,omitempty" json:"detail,omitempty"`
}

// Actor is who is acting and from where; every controller call takes one so
// permissions and tenant scope are checked where the data is.
type Actor struct {
	Operator Operator
	Origin   string
	// ReadOnly is set for sessions that may change nothing (e.g. `serve --readonly`).
	ReadOnly bool
}

// Handle is the acting operator's handle.
func (a Actor) Handle() string { return a.Operator.Handle }

// Can reports whether the actor's role holds perm and the session is writable
// (reading is always allowed).
func (a Actor) Can(perm Permission) bool {
	if a.Operator.Disabled {
		return false
	}
	if a.ReadOnly && perm != PermRead {
		return false
	}
	return a.Operator.Role.Can(perm)
}

// Refusal explains why Can(perm) is false for this actor, naming what it
// tried (a verb phrase) and what would allow it.
func (a Actor) Refusal(perm Permission, what string) string {
	switch {
	case a.Operator.Disabled:
		return "operator " + a.Operator.Handle + " is disabled"
	case a.ReadOnly && perm != PermRead && a.Operator.Role.Can(perm):
		return "this session is read-only: cannot " + what
	}
	return RoleRefusal(a.Operator.Role, what, perm)
}

// SystemActor is the console itself (seeding, moving outbox events).
func SystemActor(origin string) Actor {
	return Actor{Operator: Operator{Handle: "custodian", Name: "custodian", Role: RoleSystem}, Origin: origin}
}
