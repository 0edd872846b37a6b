package model

import (
	"slices"
	"strings"
	"time"
)

// Live screens. A console polls a change marker every few seconds and,
// when it moved, asks which requests, operators and tenants changed since
// the marker it last saw. The audit chain is that history already: every
// change appends its event after its document is written, so an entry on
// the chain means the change can be read.

// LivePollDefault is how often a console polls the change marker: often
// enough that an approval made elsewhere shows before the operator acts on
// the stale row, rare enough that 50 sessions cost the database little
// (BENCHMARKS.md, "live refresh").
const LivePollDefault = 3 * time.Second

// LiveMarkFor is how long a row changed by someone else stays marked.
const LiveMarkFor = 5 * time.Second

// ChangeMarker is where the change history stood when read. Any move
// means something may have changed; it is never used as a count.
type ChangeMarker struct {
	Seq int64
}

// Change is one change made since a marker: who changed what.
type Change struct {
	Seq      int64
	At       time.Time
	Actor    string
	Action   string
	Kind     string // "request", "operator", "tenant"
	ID       string
	TenantID string
}

// liveKinds are the targets the live screens follow.
var liveKinds = []string{"request", "operator", "tenant"}

// readOnlyActions are audited actions that change nothing the screens show.
var readOnlyActions = []string{"export", "login", "reveal"}

// ChangeOf says whether an audit event is a change the live screens
// follow, and what it changed. Refusals and failures changed nothing;
// session starts, reveals and exports are not changes to what is shown.
func ChangeOf(seq int64, ev AuditEvent) (Change, bool) {
	if ev.Outcome != OutcomeOK || slices.Contains(readOnlyActions, ev.Action) {
		return Change{}, false
	}
	kind, id, ok := strings.Cut(ev.Target, ":")
	if !ok || id == "" || !slices.Contains(liveKinds, kind) {
		return Change{}, false
	}
	return Change{Seq: seq, At: ev.At, Actor: ev.Actor, Action: ev.Action, Kind: kind, ID: id, TenantID: ev.TenantID}, true
}
