package model

import (
	"fmt"
	"strings"
	"time"
)

// AuditRecord is one entry of the hash chain: the event plus its position
// (Seq, gap-free from 1) and the links that make the chain tamper-evident.
type AuditRecord struct {
	Seq  int64  `bson:"_id" json:"seq"`
	Prev string `bson:"prev" json:"prev"`
	Hash string `bson:"hash" json:"hash"`
	// MAC is HMAC-SHA256 over what Hash covers, under a key kept outside
	// the database; empty on entries written before the key existed.
	MAC        string `bson:"mac,omitempty" json:"mac,omitempty"`
	AuditEvent `bson:",inline"`
}

// VerifyResult is the outcome of walking the audit chain.
type VerifyResult struct {
	OK     bool
	Events int64  // entries checked and found good
	Head   string // hash of the last good entry
	// BadSeq is the first seq found wrong (0 when OK); Problem says how.
	BadSeq  int64
	Problem string
	// CheckpointSeq is the seq the signed checkpoint vouches for (0: none).
	CheckpointSeq int64
	// Checkpoints is how many signed checkpoints were checked against the chain.
	Checkpoints int
	// Legacy is the last seq of the entries written before the MAC key
	// existed (0: none): they are vouched for by hash links and checkpoints only.
	Legacy int64
	// RequestsChecked and RequestsLegacy count the requests reconciled with
	// the chain and those with unverifiable legacy history lines; Mismatches
	// name each request that differs and how (only when asked for).
	RequestsChecked, RequestsLegacy int
	Mismatches                      []string
	// Warning is set when the chain is fine but could not be fully vouched
	// for, e.g. no checkpoint was configured and the caller allowed that.
	Warning string
}

// Line is the one-line verdict `custodian audit verify` prints and the audit
// pane shows, so the two can never disagree. The problem text can quote
// stored values, so it is cleaned.
func (r VerifyResult) Line() string {
	if !r.OK {
		return fmt.Sprintf("FAILED at seq %d: %s", r.BadSeq, CleanLine(r.Problem))
	}
	legacy := ""
	if r.Legacy > 0 {
		legacy = fmt.Sprintf(" (seq 1-%d unsigned legacy entries)", r.Legacy)
	}
	// A warning means the chain could not be fully vouched for: never "ok".
	if r.Warning != "" {
		// No head hash: the warning must fit the audit pane's status line.
		return fmt.Sprintf("UNVOUCHED %d events%s: %s", r.Events, legacy, CleanLine(r.Warning))
	}
	reqs := ""
	if r.RequestsChecked > 0 {
		reqs = fmt.Sprintf("; %d requests match the chain (%d with unverifiable legacy history lines)", r.RequestsChecked, r.RequestsLegacy)
	}
	return fmt.Sprintf("ok %d events%s, head %s%s", r.Events, legacy, r.Head, reqs)
}

// AuditFilter selects audit entries. Every set field must match; the zero
// filter matches every entry in the actor's scope.
type AuditFilter struct {
	Actor    string // operator handle, exact
	Action   string // e.g. "approve", "read", "seed", exact
	TenantID string
	// Target is what the event is about, e.g. "request:R-2026-00042" or
	// "subject:S-000123", exact.
	Target string
	// Since and Until bound the event time: Since <= At < Until. Zero is open.
	Since, Until time.Time
}

// IsZero reports whether f matches everything.
func (f AuditFilter) IsZero() bool { return f == AuditFilter{} }

// Matches reports whether ev passes f; the controller's query and any
// in-memory filtering must agree with it.
func (f AuditFilter) Matches(ev AuditEvent) bool {
	switch {
	case f.Actor != "" && ev.Actor != f.Actor,
		f.Action != "" && ev.Action != f.Action,
		f.TenantID != "" && ev.TenantID != f.TenantID,
		f.Target != "" && ev.Target != f.Target,
		!f.Since.IsZero() && ev.At.Before(f.Since),
		!f.Until.IsZero() && !ev.At.Before(f.Until):
		return false
	}
	return true
}

// AuditPage is one newest-first page of audit entries.
type AuditPage struct {
	Records []AuditRecord
	// More is true when older matching entries exist; the next page starts
	// before the last record's Seq.
	More bool
}

// RecordFilter selects requests for the auditors' export (§7101 records):
// those received in [Since, Until), optionally of one tenant.
type RecordFilter struct {
	Since, Until time.Time
	TenantID     string
	// RequestID narrows the export to one request (the audit pane's req: term).
	RequestID string
}

// Validate checks the range: both ends set and Since not after Until.
func (f RecordFilter) Validate() error {
	switch {
	case f.Since.IsZero() || f.Until.IsZero():
		return fmt.Errorf("the export needs both a start and an end date")
	case f.Until.Before(f.Since):
		return fmt.Errorf("the start %s is after the end %s", f.Since.UTC().Format(time.RFC3339), f.Until.UTC().Format(time.RFC3339))
	}
	return nil
}

// ParseTimeBound reads a date range bound typed by an operator: a day
// (2026-11-01, read in UTC) or an RFC 3339 instant. A day as an upper bound
// (end) means the whole day is included, i.e. up to the next midnight.
func ParseTimeBound(s string, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date (2026-11-01) or an RFC 3339 time (2026-11-01T09:00:00Z)", CleanLine(s))
}

// UnsafeRune reports whether r is a control, bidi, invisible or
// default-ignorable rune that CleanLine drops (outside emoji sequences):
// output that must keep such text exactly (an export) escapes these instead.
func UnsafeRune(r rune) bool { return unsafeRune(r) || isIgnorable(r) }
