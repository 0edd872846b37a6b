package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/present"
)

// Fulfiller is what the fulfilment commands need of the controller;
// *db.Store satisfies it.
type Fulfiller interface {
	Request(ctx context.Context, actor model.Actor, id string) (model.Request, error)
	// Tenant is the request's tenant, whose zone the plan's times are
	// shown in.
	Tenant(ctx context.Context, actor model.Actor, id string) (model.Tenant, error)
	PlanFulfilment(ctx context.Context, actor model.Actor, id string, version int64) (model.Request, error)
	SignOffPlan(ctx context.Context, actor model.Actor, id string, version int64, digest string) (model.Request, error)
	RunFulfilment(ctx context.Context, actor model.Actor, id string, progress func(model.StepProgress)) (model.Request, error)
	// ExportDir is where access packages are written, to print their path.
	ExportDir() string
}

// minDigestPrefix is how much of a plan's digest a sign-off must quote:
// enough that it names the plan the lead read, short enough to type.
const minDigestPrefix = 12

// PlanOptions says whether `requests plan` builds a new plan and how it prints.
type PlanOptions struct {
	// New replaces the stored plan (unsigned or stale) with a fresh one.
	New  bool
	JSON bool
}

// Plan prints the request's fulfilment plan, building one first when the
// request has none (or o.New asks for a fresh one).
func Plan(ctx context.Context, f Fulfiller, actor model.Actor, id string, o PlanOptions, w io.Writer) error {
	r, err := f.Request(ctx, actor, id)
	if err != nil {
		return fmt.Errorf("plan %s: %w", model.CleanLine(id), err)
	}
	var t model.Tenant
	if !o.JSON {
		// Read before a plan is made, so a tenant that cannot be read
		// leaves the request as it was.
		if t, err = f.Tenant(ctx, actor, r.TenantID); err != nil {
			return fmt.Errorf("plan %s: tenant: %w", r.ID, err)
		}
	}
	if r.Plan == nil || o.New {
		if r, err = f.PlanFulfilment(ctx, actor, r.ID, r.Version); err != nil {
			return err
		}
	}
	if o.JSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r.Plan)
	}
	v, ok := present.PlanOf(r, t)
	if !ok {
		return fmt.Errorf("plan %s: the controller returned no plan", r.ID)
	}
	WritePlanText(w, v)
	return nil
}

// SignOff records actor's sign-off of the plan whose digest starts with
// digest (at least minDigestPrefix hex characters, as `requests plan` shows).
func SignOff(ctx context.Context, f Fulfiller, actor model.Actor, id, digest string, w io.Writer) error {
	digest = strings.ToLower(strings.TrimSpace(digest))
	if len(digest) < minDigestPrefix {
		return fmt.Errorf("sign off %s: give at least the first %d characters of the plan's digest (custodian requests plan %s shows it): %w",
			model.CleanLine(id), minDigestPrefix, model.CleanLine(id), db.ErrInvalid)
	}
	r, err := f.Request(ctx, actor, id)
	if err != nil {
		return fmt.Errorf("sign off %s: %w", model.CleanLine(id), err)
	}
	if r.Plan == nil {
		return fmt.Errorf("sign off %s: the request has no plan yet; custodian requests plan %s makes one: %w", r.ID, r.ID, db.ErrInvalid)
	}
	if !strings.HasPrefix(r.Plan.Digest, digest) {
		return fmt.Errorf("sign off %s: digest %s is not the stored plan's (%s…): the plan was replaced; read it again with custodian requests plan %s: %w",
			r.ID, model.CleanLine(digest), model.CleanLine(prefix(r.Plan.Digest, minDigestPrefix)), r.ID, db.ErrInvalid)
	}
	r, err = f.SignOffPlan(ctx, actor, r.ID, r.Version, r.Plan.Digest)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s: plan %s signed off by %s\n", r.ID, model.CleanLine(r.Plan.ID), model.CleanLine(r.Plan.SignedBy))
	return nil
}

// RunOptions says whether `requests run` asks before changing data.
type RunOptions struct {
	// Yes runs without asking (--yes).
	Yes bool
	// Ask puts the question to the operator and reports a yes; nil when no
	// one can answer (standard input is not a terminal).
	Ask func(question string) (bool, error)
}

// ErrDeclined: the operator answered no at the run's question.
var ErrDeclined = errors.New("not run: you answered no, nothing changed")

// Run starts or resumes the signed plan, telling progress what runs; a
// cancelled ctx stops it between steps, and running again resumes. A plan
// whose pending steps change stored data asks the console's question
// first (model.PlanConfirmLine) unless o.Yes; with no one to ask it
// refuses, changing nothing. A request the controller will refuse to run
// is not asked about: the refusal says what to do instead.
func Run(ctx context.Context, f Fulfiller, actor model.Actor, id string, o RunOptions, progress func(model.StepProgress), w io.Writer) error {
	if !o.Yes {
		r, err := f.Request(ctx, actor, id)
		if err != nil {
			return fmt.Errorf("run %s: %w", model.CleanLine(id), err)
		}
		if q := runQuestion(r); q != "" {
			if o.Ask == nil {
				return fmt.Errorf("run %s: %s Standard input is not a terminal, so no one can answer: add --yes to run without asking: %w",
					r.ID, q, db.ErrInvalid)
			}
			yes, err := o.Ask(q)
			if err != nil {
				return fmt.Errorf("run %s: read the answer: %w", r.ID, err)
			}
			if !yes {
				return fmt.Errorf("run %s: %w", r.ID, ErrDeclined)
			}
		}
	}
	r, err := f.RunFulfilment(ctx, actor, id, progress)
	if r.ID != "" {
		writeRunResult(w, r, f.ExportDir())
	}
	return err
}

// runQuestion is what a run of r asks first: only a signed plan of an
// approved or fulfilling request runs at all.
func runQuestion(r model.Request) string {
	if r.Plan == nil || !r.Plan.Signed() || (r.Status != model.StatusApproved && r.Status != model.StatusFulfilling) {
		return ""
	}
	return model.PlanConfirmLine(*r.Plan)
}

func writeRunResult(w io.Writer, r model.Request, exportDir string) {
	done, total := 0, 0
	if r.Plan != nil {
		total = len(r.Plan.Steps)
		done = total - len(r.Plan.Pending())
	}
	fmt.Fprintf(w, "%s  %s  %d/%d steps done\n", r.ID, r.Status.Label(), done, total)
	if r.FailureReason != "" {
		fmt.Fprintf(w, "  failed: %s\n", model.CleanLine(r.FailureReason))
	}
	if r.Outcome != "" {
		fmt.Fprintf(w, "  outcome: %s\n", model.CleanLine(r.Outcome))
	}
	if model.WaitingOnProcessors(r) {
		fmt.Fprintf(w, "  %s: %s\n", model.WaitingLabel, model.CleanLine(strings.Join(model.ProcessorsPending(r), ", ")))
	}
	writeExport(w, r.Export, exportDir)
	writeWithheld(w, r.Withheld)
}

// writeExport lists an access package's files; exportDir (may be empty)
// turns the package's directory into the path to open.
func writeExport(w io.Writer, e *model.AccessExport, exportDir string) {
	if e == nil {
		return
	}
	dir := model.CleanLine(e.Dir)
	if exportDir != "" {
		dir = filepath.Join(exportDir, dir)
	}
	fmt.Fprintf(w, "  export: %s (%s)\n", dir, model.Count(e.Records, "record"))
	for _, f := range e.Files {
		fmt.Fprintf(w, "    %-14s sha256 %s  %d bytes\n", model.CleanLine(f.Name), model.CleanLine(f.SHA256), f.Bytes)
	}
	if f := e.Sealed; f != nil {
		fmt.Fprintf(w, "    sealed: %s sha256 %s  %d bytes (the files above, encrypted; no plain copy is kept)\n", model.CleanLine(f.Name), model.CleanLine(f.SHA256), f.Bytes)
	}
}

// writeDelivery says how the access package is delivered.
func writeDelivery(w io.Writer, d *model.AccessDelivery, loc *time.Location) {
	if d == nil {
		return
	}
	for _, l := range d.Describe(loc) {
		fmt.Fprintf(w, "  delivery: %s\n", model.CleanLine(l))
	}
}

// writeWithheld lists what a response withholds, cleaned as a plan's
// list is.
func writeWithheld(w io.Writer, ws []model.Withheld) { writeWithheldView(w, present.WithheldOf(ws)) }

func writeWithheldView(w io.Writer, ws []present.Withheld) {
	if len(ws) == 0 {
		return
	}
	fmt.Fprintln(w, "  withheld:")
	for _, x := range ws {
		fmt.Fprintf(w, "    %s (%s): %s\n", x.Category, strings.Join(x.Where, ", "), x.Reason)
	}
}

// WritePlanText prints a plan as a lead reviews it: who built and signed
// it, counts per collection, then every document and field, what is
// withheld and the steps. Times are the tenant's, zone named.
func WritePlanText(w io.Writer, v present.Plan) {
	fmt.Fprintf(w, "%s  %s  %s\n", v.RequestID, v.Type, v.Status)
	fmt.Fprintf(w, "  plan        %s\n", v.ID)
	fmt.Fprintf(w, "  digest      %s\n", v.Digest)
	fmt.Fprintf(w, "  built       %s by %s\n", v.Time(v.BuiltAt), v.BuiltBy)
	if v.DataMapVersion > 0 {
		fmt.Fprintf(w, "  data map    version %d\n", v.DataMapVersion)
	}
	if v.Signed() {
		fmt.Fprintf(w, "  signed off  %s by %s\n", v.Time(v.SignedAt), v.SignedBy)
	} else {
		fmt.Fprintf(w, "  signed off  not yet: a privacy lead other than %s signs it off\n", v.BuiltBy)
	}
	if v.Stale != "" {
		fmt.Fprintf(w, "  stale       %s\n", StaleText(v.RequestID, v.Stale))
	}
	if !v.Since.IsZero() {
		fmt.Fprintf(w, "  look-back   records collected since %s\n", v.Date(v.Since))
	}
	ops := model.DocOps()
	fmt.Fprintf(w, "\n  %-22s", "collection")
	for _, op := range ops {
		fmt.Fprintf(w, " %*s", max(8, len(op.Label())), op.Label())
	}
	fmt.Fprintln(w)
	for _, pc := range v.Counts {
		if pc.Record {
			continue // the subject's record is listed with the documents
		}
		fmt.Fprintf(w, "  %-22s", pc.Collection)
		for _, op := range ops {
			n := ""
			if pc.Ops[op] > 0 {
				n = fmt.Sprint(pc.Ops[op])
			}
			fmt.Fprintf(w, " %*s", max(8, len(op.Label())), n)
		}
		fmt.Fprintln(w)
	}
	docs := v.Docs
	if v.Record != nil {
		docs = append(docs[:len(docs):len(docs)], *v.Record)
	}
	fmt.Fprintln(w)
	for _, d := range docs {
		line := fmt.Sprintf("  %s/%s  %s", d.Collection, d.RecordID, d.Op)
		if !d.CollectedAt.IsZero() {
			line += "  collected " + v.Date(d.CollectedAt)
		}
		if d.Reason != "" {
			line += "  (" + d.Reason + ")"
		}
		fmt.Fprintln(w, line)
		for _, f := range d.Fields {
			val := f.Current
			if res := f.Result(); res != "" {
				val += " → " + res
			}
			line := fmt.Sprintf("      %-26s %-12s %-8s %s", f.Field, f.Category, f.Op, val)
			if f.Reason != "" {
				line += "  (" + f.Reason + ")"
			}
			fmt.Fprintln(w, strings.TrimRight(line, " "))
		}
	}
	if len(v.Withheld) > 0 {
		fmt.Fprintln(w)
		writeWithheldView(w, v.Withheld)
	}
	fmt.Fprintf(w, "\n  steps (%d)\n", len(v.Steps))
	for i, s := range v.Steps {
		mark := "[ ]"
		if s.Done {
			mark = "[x]"
		}
		line := fmt.Sprintf("    %s %2d. %s", mark, i+1, s.Label)
		if s.Result != "" {
			line += "  — " + s.Result
		}
		fmt.Fprintln(w, line)
	}
}

// StaleText marks a stale plan as the shell phrases it: what to run for
// a new one, then why (model.PlanStale).
func StaleText(id, why string) string {
	return "stale: the request changed since this plan (replan with custodian requests plan " + orID(id) + " --new): " + model.CleanLine(why)
}

func prefix(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
