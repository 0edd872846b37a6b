package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/cli"
)

// runRequests dispatches `custodian requests import|show|list`; the work is
// in package ui/cli.
func runRequests(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "import":
		return runRequestsImport(ctx, args, stdin, stdout, stderr)
	case "show":
		return runRequestsShow(ctx, args, stdout, stderr)
	case "list":
		return runRequestsList(ctx, args, stdout, stderr)
	}
	fmt.Fprintf(stderr, "custodian requests: unknown or missing subcommand %q (use: custodian requests import FILE | show ID | list)\n", sub)
	return exitBadInput
}

// parseOneArg parses flags given before or after the one positional
// argument (FILE, ID) and returns it; what names it in the message.
func parseOneArg(fs *flag.FlagSet, args []string, what string, stderr io.Writer) (string, bool, int) {
	arg := ""
	for {
		if ok, code := parseFlags(fs, args, stderr); !ok {
			return "", false, code
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if arg != "" {
			fmt.Fprintf(stderr, "custodian %s: unexpected argument %q\n\n%s", fs.Name(), rest[0], usage)
			return "", false, exitBadInput
		}
		arg, args = rest[0], rest[1:]
	}
	if arg == "" {
		fmt.Fprintf(stderr, "custodian %s: give the %s\n\n%s", fs.Name(), what, usage)
		return "", false, exitBadInput
	}
	return arg, true, 0
}

// parseFlags is parse without its refusal of positional arguments.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) (bool, int) {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stderr, usage)
		return false, 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "custodian %s: %v\n\n%s", fs.Name(), err, usage)
		return false, exitBadInput
	}
	return true, 0
}

// openActor opens the database (seeding the embedded one on first use, as
// the console does) and resolves the operator the command acts as.
func openActor(ctx context.Context, g *globalFlags, origin string, stderr io.Writer) (*backend, model.Actor, int) {
	b, code := openBackend(ctx, g, stderr)
	if b == nil {
		return nil, model.Actor{}, code
	}
	if b.conn.Embedded {
		if code := seedIfEmpty(ctx, b, stderr); code != 0 {
			b.close()
			return nil, model.Actor{}, code
		}
	}
	actor, code := resolveActor(ctx, b.store, g.operator, stderr)
	if code != 0 {
		b.close()
		return nil, model.Actor{}, code
	}
	actor.Origin = origin
	return b, actor, 0
}

// exitFor maps a store error to the exit code: refusals, unknown ids and
// bad input are the caller's to fix (2); anything else failed (1).
func exitFor(err error) int {
	if errors.Is(err, db.ErrRefused) || errors.Is(err, db.ErrNotFound) || errors.Is(err, db.ErrInvalid) {
		return exitBadInput
	}
	return exitFailed
}

func runRequestsImport(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs, g := newFlagSet("requests import", stderr)
	skipInvalid := fs.Bool("skip-invalid", false, "")
	path, ok, code := parseOneArg(fs, args, "file to import (FILE.jsonl, or - for standard input)", stderr)
	if !ok {
		return code
	}
	in := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			fmt.Fprintf(stderr, "custodian requests import: %v\n", err)
			return exitBadInput
		}
		defer f.Close()
		in = f
	}
	b, actor, code := openActor(ctx, g, "import", stderr)
	if b == nil {
		return code
	}
	defer b.close()
	last := time.Time{}
	rep, err := cli.Import(ctx, b.store, actor, in, cli.ImportOptions{
		SkipInvalid: *skipInvalid,
		Clock:       model.SystemClock{},
		Progress: func(done, total int) {
			if time.Since(last) < 100*time.Millisecond && done != total {
				return
			}
			last = time.Now()
			fmt.Fprintf(stderr, "\r  importing %d/%d   ", done, total)
		},
	})
	if !last.IsZero() {
		fmt.Fprintln(stderr)
	}
	rep.WriteText(stdout)
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "custodian requests import: %v\n", err)
		return exitFor(err)
	case len(rep.Invalid) > 0:
		return exitBadInput
	case len(rep.Failed) > 0:
		return exitFailed
	}
	return 0
}

func runRequestsShow(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, g := newFlagSet("requests show", stderr)
	asJSON := fs.Bool("json", false, "")
	id, ok, code := parseOneArg(fs, args, "request id", stderr)
	if !ok {
		return code
	}
	b, actor, code := openActor(ctx, g, "cli", stderr)
	if b == nil {
		return code
	}
	defer b.close()
	if err := cli.Show(ctx, b.store, actor, id, *asJSON, time.Now(), stdout); err != nil {
		fmt.Fprintf(stderr, "custodian requests show: %v\n", err)
		return exitFor(err)
	}
	return 0
}

func runRequestsList(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, g := newFlagSet("requests list", stderr)
	asJSON := fs.Bool("json", false, "")
	status := fs.String("status", "open", "")
	tenant := fs.String("tenant", "", "")
	if ok, code := parse(fs, args, stderr); !ok {
		return code
	}
	statuses, err := cli.ParseStatuses(*status)
	if err != nil {
		fmt.Fprintf(stderr, "custodian requests list: %v\n", err)
		return exitBadInput
	}
	b, actor, code := openActor(ctx, g, "cli", stderr)
	if b == nil {
		return code
	}
	defer b.close()
	if err := cli.List(ctx, b.store, actor, cli.ListOptions{Statuses: statuses, TenantID: *tenant, JSON: *asJSON}, time.Now(), stdout); err != nil {
		fmt.Fprintf(stderr, "custodian requests list: %v\n", err)
		return exitFor(err)
	}
	return 0
}
