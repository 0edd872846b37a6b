package present

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// HealthLine is one line of the on-call health view: a label, its value,
// and whether it needs attention (the console colours it, the CLI marks
// it with "!").
type HealthLine struct {
	Label, Value string
	Attention    bool
}

// staleClaimAge is when a pending claim stops looking like a write in
// flight and starts looking like one a crash left (DrainOutbox, db doctor).
const staleClaimAge = time.Minute

// HealthLines is the health view every door shows: the console's :health
// pane, `custodian health` and `ssh … health`. Times are UTC, named, with
// their age: the report spans tenants, so no one tenant's zone fits.
func HealthLines(h model.Health) []HealthLine {
	ago := func(t *time.Time) string {
		return Time(*t, time.UTC) + " (" + model.HumanAge(h.Age(t)) + " ago)"
	}
	out := []HealthLine{
		{Label: "database", Value: model.CleanLine(h.Kind)},
		{Label: "version", Value: OrNone(model.CleanLine(h.Version))},
		{Label: "round trip", Value: RoundTrip(h.RoundTrip)},
	}
	claims := HealthLine{Label: "claims pending", Value: "0"}
	if h.ClaimsPending > 0 {
		claims.Value = fmt.Sprintf("%d, oldest %s", h.ClaimsPending, ago(h.OldestClaim))
		claims.Attention = h.Age(h.OldestClaim) >= staleClaimAge
		if claims.Attention {
			claims.Value += ": custodian db doctor says what becomes of it"
		}
	}
	out = append(out, claims)
	failed := HealthLine{Label: "failed requests", Value: "0"}
	if n := len(h.Failed); n > 0 {
		f := h.Failed[0]
		failed = HealthLine{Label: "failed requests", Attention: true,
			Value: fmt.Sprintf("%d, newest %s %s: %s (:failed lists them)", n, model.CleanLine(f.ID), model.HumanAge(h.At.Sub(f.At))+" ago", model.CleanLine(f.Reason))}
	}
	out = append(out, failed)
	letters := HealthLine{Label: "letters", Value: "none failed, none stuck sending"}
	if l := h.Letters; l.Failed > 0 || l.Stuck > 0 {
		letters.Attention = true
		letters.Value = fmt.Sprintf("failed %d", l.Failed)
		if l.OldestFailed != nil {
			letters.Value += ", oldest queued " + ago(l.OldestFailed)
		}
		letters.Value += fmt.Sprintf("; stuck sending %d", l.Stuck)
		if l.Stuck > 0 {
			letters.Value += " (a worker stopped mid-send: check the mail server's log before sending again)"
		}
		letters.Value += " — custodian requests letters ID lists a request's"
	}
	out = append(out, letters)
	verify := HealthLine{Label: "last audit verify", Value: "never run (custodian audit verify)", Attention: true}
	if v := h.Verify; v != nil {
		verify = HealthLine{Label: "last audit verify", Value: ago(&v.At) + ": " + model.CleanLine(v.Line), Attention: !v.OK}
	}
	out = append(out, verify)
	cp := HealthLine{Label: "audit checkpoint", Value: "none here (no checkpoint file configured, or none written yet)"}
	if h.CheckpointAt != nil {
		cp.Value = fmt.Sprintf("seq %d, %s", h.CheckpointSeq, ago(h.CheckpointAt))
	}
	out = append(out, cp)
	sess := HealthLine{Label: "sessions open", Value: "0 (no serve running)"}
	if len(h.SessionReports) > 0 {
		sess.Value = fmt.Sprintf("%d over SSH, reported by %d serve process(es)", h.Sessions, len(h.SessionReports))
		for _, r := range h.SessionReports {
			sess.Value += fmt.Sprintf("; %s: %d as of %s", model.CleanLine(r.Server), r.Open, model.HumanAge(h.At.Sub(r.At))+" ago")
		}
	}
	return append(out, sess)
}

// RoundTrip shows a ping time to the tenth of a millisecond: "0.4 ms".
func RoundTrip(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

// FailureRow is one failed request as the :failed pane, `custodian failed`
// and `ssh … failed` list it, newest first.
type FailureRow struct {
	FailedAt, Age, ID, Tenant, Step, Reason string
}

// FailureHeader names FailureRow's columns.
var FailureHeader = FailureRow{FailedAt: "FAILED (UTC)", Age: "AGO", ID: "ID", Tenant: "TENANT", Step: "STEP", Reason: "REASON"}

// FailureRows shows failures, every text cleaned.
func FailureRows(fs []model.Failure, now time.Time) []FailureRow {
	out := make([]FailureRow, len(fs))
	for i, f := range fs {
		out[i] = FailureRow{FailedAt: Time(f.At, time.UTC), Age: model.HumanAge(now.Sub(f.At)), ID: model.CleanLine(f.ID),
			Tenant: model.CleanLine(f.TenantID), Step: OrNone(model.CleanLine(f.Step)), Reason: OrNone(model.CleanLine(f.Cause()))}
	}
	return out
}

// WriteHealth is the plain-text health report `custodian health` and
// `ssh … health` print; asJSON writes model.Health instead (UTC times, the
// round trip in nanoseconds), for scripts.
func WriteHealth(w io.Writer, h model.Health, asJSON bool) error {
	if asJSON {
		return writeJSON(w, h)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, l := range HealthLines(h) {
		mark := " "
		if l.Attention {
			mark = "!"
		}
		fmt.Fprintf(tw, "%s %s\t%s\n", mark, l.Label, l.Value)
	}
	return tw.Flush()
}

// WriteFailures is the plain-text failed list of `custodian failed` and
// `ssh … failed`; asJSON writes []model.Failure (UTC), for scripts.
func WriteFailures(w io.Writer, fs []model.Failure, now time.Time, asJSON bool) error {
	if asJSON {
		if fs == nil {
			fs = []model.Failure{}
		}
		return writeJSON(w, fs)
	}
	if len(fs) == 0 {
		_, err := fmt.Fprintln(w, "no failed requests in your scope")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range append([]FailureRow{FailureHeader}, FailureRows(fs, now)...) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.FailedAt, r.Age, r.ID, r.Tenant, r.Step, r.Reason)
	}
	return tw.Flush()
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
