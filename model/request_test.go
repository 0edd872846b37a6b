package model

import (
	"testing"
	"time"
)

func TestRequestApprovedAt(t *testing.T) {
	when := time.Date(2026, 3, 20, 17, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		d    *Decision
		ok   bool
	}{
		{"no decision", nil, false},
		{"approved", &Decision{Outcome: DecisionApproved, DecidedAt: when, RecordedAt: when.Add(48 * time.Hour)}, true},
		{"denied", &Decision{Outcome: DecisionDenied, DecidedAt: when}, false},
		{"outcome missing", &Decision{DecidedAt: when}, false},
	}
	for _, c := range cases {
		got, ok := Request{Decision: c.d}.ApprovedAt()
		if ok != c.ok || (ok && !got.Equal(when)) || (!ok && !got.IsZero()) {
			t.Errorf("%s: ApprovedAt = (%s, %v)", c.name, got, ok)
		}
	}
}

func TestRequestFlagsAndLabels(t *testing.T) {
	r := Request{Flags: []Flag{{Kind: FlagChild, Reason: "born 2013-04-02"}, {Kind: FlagAgent}}}
	for k, want := range map[FlagKind]bool{FlagChild: true, FlagAgent: true, FlagOverLimit: false, FlagExempt: false} {
		if got := r.HasFlag(k); got != want {
			t.Errorf("HasFlag(%s) = %v", k, got)
		}
	}
	shorts := map[FlagKind]string{FlagOverLimit: "LIMIT", FlagRepetitive: "REPEAT", FlagChild: "CHILD", FlagAgent: "AGENT", FlagExempt: "EXEMPT", "other": "other"}
	for k, want := range shorts {
		if got := k.Short(); got != want {
			t.Errorf("%s.Short() = %q", k, got)
		}
	}
	labels := map[RequestType]string{TypeAccess: "access", TypeDeletion: "deletion", TypeRectification: "correction", TypeOptOut: "opt-out", TypeChildDeletion: "child deletion"}
	if len(RequestTypes()) != len(labels) {
		t.Errorf("RequestTypes() = %v", RequestTypes())
	}
	for _, typ := range RequestTypes() {
		if got := typ.Label(); got != labels[typ] {
			t.Errorf("%s.Label() = %q, want %q", typ, got, labels[typ])
		}
	}
	if len(Channels()) != 4 {
		t.Errorf("Channels() = %v", Channels())
	}
}
