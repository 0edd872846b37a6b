package command

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// processorCommands are the CLI door to a request's sub-processor notices
// (11 CCR §7022(b)(3), §7023(c)): list them, record a processor's
// confirmation, or a lead's exception. The last one settled completes the
// request when a privacy lead records it.
func processorCommands() []Command {
	id := Arg{Name: "ID", What: "request id"}
	return []Command{
		{Path: "requests processors", Args: []Arg{id},
			Summary: "the sub-processors a deletion or correction was passed on to: notice, reminders, confirmation or exception",
			Bind:    bindRequestsProcessors},
		{Path: "requests confirm-processor", Args: []Arg{id},
			Summary: "record a sub-processor's confirmation that it deleted or corrected (--processor, --reference, --date)",
			Detail: "Support or a privacy lead. When it is the last notice outstanding, a privacy lead's confirmation\n" +
				"completes the request; after a support operator's, a lead completes it with `custodian requests run`.",
			Bind: bindConfirmProcessor},
		{Path: "requests except-processor", Args: []Arg{id},
			Summary: "record that a sub-processor's confirmation is not needed, and why (privacy leads; --reason of 10 characters or more)",
			Bind:    bindExceptProcessor},
	}
}

func bindRequestsProcessors(fs *flag.FlagSet) Run {
	asJSON := fs.Bool("json", false, "print JSON for scripts")
	return func(ctx context.Context, env Env, g *Globals, args []string) int {
		b, actor, code := openActor(ctx, g, "cli", env.Stderr)
		if b == nil {
			return code
		}
		defer b.close()
		ns, err := b.store.ProcessorNotices(ctx, actor, args[0])
		if err != nil {
			return failRequests(env.Stderr, "processors", args[0], err)
		}
		if *asJSON {
			return writeJSON(env, ns)
		}
		if len(ns) == 0 {
			fmt.Fprintf(env.Stdout, "%s has no sub-processor to notify\n", model.CleanLine(args[0]))
			return 0
		}
		w := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(w, "PROCESSOR\tCONTACT\tSENT (UTC)\tREMINDERS\tMESSAGE\tSTATE")
		for _, n := range ns {
			sent := "-"
			if !n.SentAt.IsZero() {
				sent = n.SentAt.UTC().Format(time.DateTime)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%s\n", model.CleanLine(n.Processor), orDash(model.CleanLine(n.Contact)), sent,
				len(n.Reminders), orDash(n.MessageID), model.CleanLine(n.State))
		}
		w.Flush()
		return 0
	}
}

func bindConfirmProcessor(fs *flag.FlagSet) Run {
	proc := fs.String("processor", "", "the sub-processor's `NAME`, as `custodian requests processors ID` lists it")
	ref := fs.String("reference", "", "the processor's `REFERENCE` for its confirmation (ticket, letter)")
	date := fs.String("date", "", "the `DATE` (YYYY-MM-DD) it confirmed; default today")
	return func(ctx context.Context, env Env, g *Globals, args []string) int {
		var at time.Time
		if *date != "" {
			d, err := time.Parse(time.DateOnly, *date)
			if err != nil {
				return failRequests(env.Stderr, "confirm-processor", args[0], fmt.Errorf("%w: --date %q: use YYYY-MM-DD", db.ErrInvalid, model.CleanLine(*date)))
			}
			at = d
		}
		if strings.TrimSpace(*proc) == "" {
			return failRequests(env.Stderr, "confirm-processor", args[0], fmt.Errorf("%w: --processor is required: `custodian requests processors %s` lists them", db.ErrInvalid, model.CleanLine(args[0])))
		}
		b, actor, code := openActor(ctx, g, "cli", env.Stderr)
		if b == nil {
			return code
		}
		defer b.close()
		r, err := b.store.ConfirmProcessor(ctx, actor, args[0], *proc, at, *ref)
		if err != nil {
			return failRequests(env.Stderr, "confirm-processor", args[0], err)
		}
		reportSettled(env, r, *proc, "confirmation")
		return 0
	}
}

func bindExceptProcessor(fs *flag.FlagSet) Run {
	proc := fs.String("processor", "", "the sub-processor's `NAME`, as `custodian requests processors ID` lists it")
	reason := fs.String("reason", "", "why no confirmation is needed (`TEXT`, 10 characters or more)")
	return func(ctx context.Context, env Env, g *Globals, args []string) int {
		if strings.TrimSpace(*proc) == "" {
			return failRequests(env.Stderr, "except-processor", args[0], fmt.Errorf("%w: --processor is required: `custodian requests processors %s` lists them", db.ErrInvalid, model.CleanLine(args[0])))
		}
		b, actor, code := openActor(ctx, g, "cli", env.Stderr)
		if b == nil {
			return code
		}
		defer b.close()
		r, err := b.store.ExceptProcessor(ctx, actor, args[0], *proc, *reason)
		if err != nil {
			return failRequests(env.Stderr, "except-processor", args[0], err)
		}
		reportSettled(env, r, *proc, "exception")
		return 0
	}
}

// reportSettled says what recording a notice left the request as.
func reportSettled(env Env, r model.Request, proc, what string) {
	fmt.Fprintf(env.Stdout, "%s: %s recorded for %s; on the audit chain\n", model.CleanLine(r.ID), what, model.CleanLine(proc))
	switch pending := model.ProcessorsPending(r); {
	case r.Status == model.StatusCompleted:
		fmt.Fprintf(env.Stdout, "%s is completed: %s\n", model.CleanLine(r.ID), model.CleanLine(r.Outcome))
	case len(pending) > 0:
		fmt.Fprintf(env.Stdout, "still %s: %s\n", model.WaitingLabel, model.CleanLine(strings.Join(pending, ", ")))
	default:
		fmt.Fprintf(env.Stdout, "every processor is settled: a privacy lead completes it with `custodian requests run %s`\n", model.CleanLine(r.ID))
	}
}
