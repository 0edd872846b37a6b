package model

import "testing"

// TestChangeOf: the live screens follow writes to requests, operators and
// tenants, and nothing that changed no record (refusals, reveals, exports,
// session events).
func TestChangeOf(t *testing.T) {
	for _, tc := range []struct {
		name string
		ev   AuditEvent
		want string // kind:id, "" for not a change
	}{
		{"approval", AuditEvent{Action: "approve", Target: "request:R-1", Outcome: OutcomeOK}, "request:R-1"},
		{"refused approval", AuditEvent{Action: "approve", Target: "request:R-1", Outcome: OutcomeRefused}, ""},
		{"failed step", AuditEvent{Action: "run", Target: "request:R-1", Outcome: OutcomeFailed}, ""},
		{"operator disabled", AuditEvent{Action: "put_operator", Target: "operator:sam", Outcome: OutcomeOK}, "operator:sam"},
		{"tenant", AuditEvent{Action: "put_tenant", Target: "tenant:t1", Outcome: OutcomeOK}, "tenant:t1"},
		{"export of a request", AuditEvent{Action: "export", Target: "request:R-1", Outcome: OutcomeOK}, ""},
		{"reveal", AuditEvent{Action: "reveal", Target: "subject:S-1", Outcome: OutcomeOK}, ""},
		{"ssh session", AuditEvent{Action: "ssh_session_start", Target: "session:abc", Outcome: OutcomeOK}, ""},
		{"no id", AuditEvent{Action: "note", Target: "request:", Outcome: OutcomeOK}, ""},
		{"no kind", AuditEvent{Action: "seed", Target: "database", Outcome: OutcomeOK}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := ChangeOf(7, tc.ev)
			got := ""
			if ok {
				got = c.Kind + ":" + c.ID
				if c.Seq != 7 || c.Action != tc.ev.Action {
					t.Fatalf("change %+v does not carry seq 7 and action %s", c, tc.ev.Action)
				}
			}
			if got != tc.want {
				t.Fatalf("ChangeOf(%+v) = %q, want %q", tc.ev, got, tc.want)
			}
		})
	}
}
