// Package cli holds what custodian's subcommands print and write, so main
// only parses flags and the console can offer the same output.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/records"
)

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
	records.RecordSource
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
		n, err := records.ExportToWriter(ctx, src, actor, p.Filter, stdout, "stdout")
		return n, "stdout", err
	}
	n, err := records.ExportToFile(ctx, src, actor, p.Filter, p.Out)
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
