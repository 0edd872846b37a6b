// Package cli holds what custodian's subcommands print and write, so main
// only parses flags and the console can offer the same output.
package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// RecordSource is what an export reads from and reports to; *db.Store
// satisfies it.
type RecordSource interface {
	// RequestRecords streams the requests received in f's range, in order of receipt.
	RequestRecords(ctx context.Context, actor model.Actor, f model.RecordFilter, fn func(model.Request) error) error
	// RecordExport puts the export on the audit chain.
	RecordExport(ctx context.Context, actor model.Actor, f model.RecordFilter, count int, dest string) error
}

// Record is one line of the auditors' export: the record §7101 asks to keep
// of each request (date, type, channel, response date, outcome, reason for
// any denial), with the tenant and the request id to find it by. Times are
// RFC 3339 in UTC; a response not given yet is null.
type Record struct {
	RequestID    string     `json:"request_id"`
	TenantID     string     `json:"tenant_id"`
	Received     time.Time  `json:"received"`
	Type         string     `json:"type"`
	Channel      string     `json:"channel"`
	Status       string     `json:"status"`
	Acknowledged *time.Time `json:"acknowledged"`
	Responded    *time.Time `json:"responded"`
	Outcome      string     `json:"outcome"`
	DenialReason string     `json:"denial_reason"`
	// CustomerDecision is the data-owning Customer's answer ("approved",
	// "denied" or empty), with its reason when it denied.
	CustomerDecision     string     `json:"customer_decision"`
	CustomerDenialReason string     `json:"customer_denial_reason"`
	Extended             *time.Time `json:"extended"`
	ExtensionReason      string     `json:"extension_reason"`
	// Withheld is what a completed response kept back (retention rules,
	// legal holds, records outside the look-back) and why.
	Withheld []model.Withheld `json:"withheld"`
}

// RecordOf is r's export record.
func RecordOf(r model.Request) Record {
	utc := func(t *time.Time) *time.Time {
		if t == nil || t.IsZero() {
			return nil
		}
		u := t.UTC()
		return &u
	}
	rec := Record{
		RequestID: r.ID, TenantID: r.TenantID, Received: r.ReceivedAt.UTC(), Type: string(r.Type),
		Channel: string(r.Channel), Status: string(r.Status), Acknowledged: utc(r.AcknowledgedAt),
		Responded: utc(r.RespondedAt), Outcome: r.Outcome, DenialReason: r.DenialReason,
		Withheld: r.Withheld,
	}
	if rec.Withheld == nil {
		rec.Withheld = []model.Withheld{}
	}
	if d := r.Decision; d != nil {
		rec.CustomerDecision = string(d.Outcome)
		if d.Outcome == model.DecisionDenied {
			rec.CustomerDenialReason = d.Reason
		}
	}
	if e := r.Extension; e != nil {
		rec.Extended, rec.ExtensionReason = utc(&e.At), e.Reason
	}
	return rec
}

// MarshalLine encodes rec as one JSON line. Stored text is kept exactly —
// an auditor must see what was recorded — but nothing in the line can act
// on a terminal that prints it: encoding/json already writes C0 controls
// (ESC included), U+2028/9 and invalid UTF-8 as escapes, and this also
// escapes DEL, C1 controls (U+009B is a one-rune CSI), bidi overrides and
// isolates, and invisible format runes (model.UnsafeRune).
func MarshalLine(rec Record) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rec); err != nil {
		return nil, fmt.Errorf("encode record of %s: %w", model.CleanLine(rec.RequestID), err)
	}
	return model.EscapeJSON(b.Bytes()), nil
}

// WriteRecords writes the records f selects to w as JSON Lines and returns
// how many it wrote.
func WriteRecords(ctx context.Context, src RecordSource, actor model.Actor, f model.RecordFilter, w io.Writer) (int, error) {
	bw := bufio.NewWriter(w)
	n := 0
	err := src.RequestRecords(ctx, actor, f, func(r model.Request) error {
		line, err := MarshalLine(RecordOf(r))
		if err != nil {
			return err
		}
		if _, err := bw.Write(line); err != nil {
			return fmt.Errorf("write export: %w", err)
		}
		n++
		return nil
	})
	if err != nil {
		return n, err
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("write export: %w", err)
	}
	return n, nil
}

// ExportToWriter writes the records to w (stdout) and audits the export.
func ExportToWriter(ctx context.Context, src RecordSource, actor model.Actor, f model.RecordFilter, w io.Writer, dest string) (int, error) {
	n, err := WriteRecords(ctx, src, actor, f, w)
	if err != nil {
		return n, err
	}
	if err := src.RecordExport(ctx, actor, f, n, dest); err != nil {
		return n, fmt.Errorf("records written, but the export could not be audited: %w", err)
	}
	return n, nil
}

// ExportToFile writes the records to path through a temporary file in the
// same directory, renamed into place only once complete and audited, so a
// failed or cancelled export leaves no partial file and never replaces an
// earlier one. The file is 0600: it is the Customer's business record.
func ExportToFile(ctx context.Context, src RecordSource, actor model.Actor, f model.RecordFilter, path string) (n int, err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".partial-*")
	if err != nil {
		return 0, fmt.Errorf("export to %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return 0, fmt.Errorf("export to %s: %w", path, err)
	}
	if n, err = WriteRecords(ctx, src, actor, f, tmp); err != nil {
		return n, err
	}
	if err := tmp.Sync(); err != nil {
		return n, fmt.Errorf("export to %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return n, fmt.Errorf("export to %s: %w", path, err)
	}
	if err := src.RecordExport(ctx, actor, f, n, path); err != nil {
		return n, fmt.Errorf("export to %s: could not audit the export, so it was not kept: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return n, fmt.Errorf("export to %s: %w", path, err)
	}
	return n, nil
}

// ExportFlags are the flags of `custodian audit export` as typed.
type ExportFlags struct {
	Since, Until, Tenant, Out string
}

// InputError is a mistake in what the operator typed (exit code 2).
type InputError struct{ msg string }

func (e *InputError) Error() string { return e.msg }

// IsInputError reports whether err is the operator's to fix.
func IsInputError(err error) bool {
	var ie *InputError
	return errors.As(err, &ie)
}

func inputf(format string, args ...any) error { return &InputError{msg: fmt.Sprintf(format, args...)} }

// ExportPlan is a checked `audit export`: what to export and where
// (Out empty: standard output).
type ExportPlan struct {
	Filter model.RecordFilter
	Out    string
}

// ParseExportFlags checks the flags before anything is opened: both dates
// are required, each a day (UTC; --until's day is included) or an RFC 3339
// time, --since may not be after --until, and --out must name a file in an
// existing directory.
func ParseExportFlags(fl ExportFlags) (ExportPlan, error) {
	f, err := parseRange(fl)
	if err != nil {
		return ExportPlan{}, err
	}
	out := strings.TrimSpace(fl.Out)
	if out != "" && out != "-" {
		if st, err := os.Stat(out); err == nil && st.IsDir() {
			return ExportPlan{}, inputf("--out %s is a directory; name a file in it", model.CleanLine(out))
		}
		dir := filepath.Dir(out)
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return ExportPlan{}, inputf("--out: directory %s does not exist", model.CleanLine(dir))
		}
	} else {
		out = ""
	}
	return ExportPlan{Filter: f, Out: out}, nil
}

// TenantChecker finds a tenant in the actor's scope; *db.Store satisfies it.
type TenantChecker interface {
	Tenant(ctx context.Context, actor model.Actor, id string) (model.Tenant, error)
}

// ExportSource is what `audit export` needs from the database.
type ExportSource interface {
	RecordSource
	TenantChecker
}

// RunExport carries out a checked plan: the tenant must exist in the
// actor's scope (else an InputError), then the records go to the file or
// to stdout. It returns how many were written and where.
func RunExport(ctx context.Context, src ExportSource, actor model.Actor, p ExportPlan, stdout io.Writer) (int, string, error) {
	if id := p.Filter.TenantID; id != "" {
		if _, err := src.Tenant(ctx, actor, id); err != nil {
			return 0, "", inputf("--tenant %s: no such tenant in your scope (%v)", model.CleanLine(id), model.CleanLine(err.Error()))
		}
	}
	if p.Out == "" {
		n, err := ExportToWriter(ctx, src, actor, p.Filter, stdout, "stdout")
		return n, "stdout", err
	}
	n, err := ExportToFile(ctx, src, actor, p.Filter, p.Out)
	return n, p.Out, err
}

func parseRange(fl ExportFlags) (model.RecordFilter, error) {
	var f model.RecordFilter
	if strings.TrimSpace(fl.Since) == "" || strings.TrimSpace(fl.Until) == "" {
		return f, inputf("--since and --until are both required, e.g. --since 2026-01-01 --until 2026-06-30")
	}
	var err error
	if f.Since, err = model.ParseTimeBound(fl.Since, false); err != nil {
		return f, inputf("--since: %v", err)
	}
	if f.Until, err = model.ParseTimeBound(fl.Until, true); err != nil {
		return f, inputf("--until: %v", err)
	}
	if f.Until.Before(f.Since) {
		return f, inputf("--since %s is after --until %s", model.CleanLine(fl.Since), model.CleanLine(fl.Until))
	}
	f.TenantID = strings.TrimSpace(fl.Tenant)
	return f, nil
}
