// Package records writes the §7101 request records: the JSON Lines an
// auditor exports, to a writer or atomically to a file. It reads through
// RecordSource and imports only model, so the console and the CLI share it.
package records

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
	// DenialBasis is why a denied request was denied, as the §7102 metrics
	// count it (model.DenialBasis: unverifiable, excessive, customer,
	// exempt); absent for a request not denied.
	DenialBasis string `json:"denial_basis,omitempty"`
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
		Responded: utc(r.RespondedAt), Outcome: r.Outcome, DenialReason: r.DenialReason, DenialBasis: string(r.DenialBasis),
		Withheld: r.Withheld,
	}
	if rec.DenialBasis == "" {
		// A request read whole (not through the store's export) still
		// knows its basis from its history.
		rec.DenialBasis = string(model.DenialBasisOf(r))
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
