package command

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"

	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/cli"
)

// requestID is the one positional argument of the commands on a request.
func requestID() []Arg { return []Arg{{Name: "ID", What: "request id"}} }

// requestCommands are `custodian requests …`: the work is in package ui/cli.
func requestCommands() []Command {
	cmds := []Command{
		{Path: "requests import", Args: []Arg{{Name: "FILE.jsonl", What: "file to import (FILE.jsonl, or - for standard input)"}},
			Summary: "log one request per JSON line (FILE - reads standard input); safe to repeat", Bind: bindRequestsImport},
		{Path: "requests show", Args: requestID(),
			Summary: "a request with its deadlines, flags, verification, decision and history", Bind: bindRequestsShow},
		{Path: "requests list", Summary: "the queue, earliest due first", Bind: bindRequestsList},
		{Path: "requests plan", Args: requestID(),
			Summary: "an approved request's fulfilment plan (made now if it has none; --new replaces it)", Bind: bindRequestsPlan},
		{Path: "requests sign-off", Args: requestID(),
			Summary: "sign off the plan with that digest (a privacy lead other than its builder)", Bind: bindRequestsSignOff},
		{Path: "requests run", Args: requestID(),
			Summary: "run or resume the signed plan step by step (ctrl+c stops between steps)",
			Detail:  "Asks y/N first when the plan deletes, masks, corrects or opts out, unless --yes;\nwithout a terminal it refuses instead of asking.",
			Bind:    bindRequestsRun},
	}
	// Each request verb acts through the controller, whose rule book
	// decides, as for the console's keys.
	for _, v := range cli.Verbs() {
		args := requestID()
		if v.Arg != "" {
			args = append(args, Arg{Name: v.Arg, What: v.Arg})
		}
		cmds = append(cmds, Command{Path: "requests " + v.Name, Args: args, Summary: v.Says, Bind: bindRequestsAct(v)})
	}
	return cmds
}

// bindRequestsAct runs `custodian requests <verb> ID …`: the verb's
// flags, then cli.Act asks the controller.
func bindRequestsAct(v cli.Verb) func(fs *flag.FlagSet) Run {
	return func(fs *flag.FlagSet) Run {
		flags := cli.BindActFlags(fs, v)
		return func(ctx context.Context, env Env, g *Globals, args []string) int {
			id, arg := args[0], ""
			if len(args) > 1 {
				arg = args[1]
			}
			if err := cli.CheckActFlags(v, flags); err != nil {
				return failRequests(env.Stderr, v.Name, id, err)
			}
			b, actor, code := openActor(ctx, g, "cli", env.Stderr)
			if b == nil {
				return code
			}
			defer b.close()
			if err := cli.Act(ctx, b.store, actor, v, id, arg, flags, time.Now(), env.Stdout); err != nil {
				return failRequests(env.Stderr, v.Name, id, err)
			}
			return 0
		}
	}
}

// failRequests reports a requests command's error on request id (empty
// for import and list) with what to do next, and returns its exit code.
func failRequests(stderr io.Writer, cmd, id string, err error) int {
	fmt.Fprintf(stderr, "custodian requests %s: %s\n", cmd, cli.Explain(err, id))
	return exitFor(err)
}

func bindRequestsImport(fs *flag.FlagSet) Run {
	skipInvalid := fs.Bool("skip-invalid", false, "import the good lines of a file with bad ones (each bad line is still reported)")
	return func(ctx context.Context, env Env, g *Globals, args []string) int {
		stdin, stdout, stderr := env.Stdin, env.Stdout, env.Stderr
		path := args[0]
		in := stdin
		if path != "-" {
			f, err := os.Open(path)
			if err != nil {
				fmt.Fprintf(stderr, "custodian requests import: %s\n", model.EscapeLine(err.Error()))
				return ExitBadInput
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
		line := &progressLine{w: stderr}
		rep, err := cli.Import(ctx, b.store, actor, in, cli.ImportOptions{
			SkipInvalid: *skipInvalid,
			Clock:       model.SystemClock{},
			Progress: func(done, total int) {
				if time.Since(last) < 100*time.Millisecond && done != total {
					return
				}
				last = time.Now()
				line.show("  importing %d/%d", done, total)
			},
		})
		line.done()
		// A refusal before any line was read (the operator may not log
		// requests) has no counts worth printing; anything else reports them.
		if err == nil || rep.Imported+rep.Present+len(rep.Invalid)+len(rep.Failed) > 0 {
			rep.WriteText(stdout)
		}
		switch {
		case err != nil:
			return failRequests(stderr, "import", "", err)
		case len(rep.Invalid) > 0 && *skipInvalid && rep.Imported+rep.Present > 0 && len(rep.Failed) == 0:
			// The operator asked for the good lines and got them: that is
			// success, and the skipped lines were each reported above.
			fmt.Fprintf(stdout, "skipped %s (--skip-invalid); the rest are in\n", model.Count(len(rep.Invalid), "invalid line"))
			return 0
		case len(rep.Invalid) > 0:
			return ExitBadInput
		case len(rep.Failed) > 0:
			return ExitFailed
		}
		return 0
	}
}

func bindRequestsShow(fs *flag.FlagSet) Run {
	asJSON := fs.Bool("json", false, "print JSON for scripts")
	return onRequest("show", func(ctx context.Context, env Env, b *backend, actor model.Actor, id string) error {
		return cli.Show(ctx, b.store, actor, id, *asJSON, time.Now(), env.Stdout)
	})
}

func bindRequestsList(fs *flag.FlagSet) Run {
	asJSON := fs.Bool("json", false, "print JSON for scripts")
	status := fs.String("status", "open", "the `STATUSES` to list: open, all, or a comma-separated list such as completed,denied")
	tenant := fs.String("tenant", "", "list only the tenant with this `ID`")
	return func(ctx context.Context, env Env, g *Globals, _ []string) int {
		stdout, stderr := env.Stdout, env.Stderr
		statuses, err := cli.ParseStatuses(*status)
		if err != nil {
			fmt.Fprintf(stderr, "custodian requests list: %v\n", err)
			return ExitBadInput
		}
		b, actor, code := openActor(ctx, g, "cli", stderr)
		if b == nil {
			return code
		}
		defer b.close()
		if err := cli.List(ctx, b.store, actor, cli.ListOptions{Statuses: statuses, TenantID: *tenant, JSON: *asJSON}, time.Now(), stdout); err != nil {
			return failRequests(stderr, "list", "", err)
		}
		return 0
	}
}

func bindRequestsPlan(fs *flag.FlagSet) Run {
	asJSON := fs.Bool("json", false, "print JSON for scripts")
	fresh := fs.Bool("new", false, "make a new plan replacing the stored one (a signed plan loses its sign-off)")
	return onRequest("plan", func(ctx context.Context, env Env, b *backend, actor model.Actor, id string) error {
		return cli.Plan(ctx, b.store, actor, id, cli.PlanOptions{New: *fresh, JSON: *asJSON}, env.Stdout)
	})
}

func bindRequestsSignOff(fs *flag.FlagSet) Run {
	digest := fs.String("digest", "", "the plan's digest (`HEX`, as requests plan prints it): what you checked is what you sign")
	return onRequest("sign-off", func(ctx context.Context, env Env, b *backend, actor model.Actor, id string) error {
		return cli.SignOff(ctx, b.store, actor, id, *digest, env.Stdout)
	})
}

func bindRequestsRun(fs *flag.FlagSet) Run {
	yes := fs.Bool("yes", false, "run without asking, even when the plan changes data")
	return onRequest("run", func(ctx context.Context, env Env, b *backend, actor model.Actor, id string) error {
		// One line per step on stderr, so a wrapper (or a test) sees each
		// step land; ctrl+c cancels ctx, which stops the run between steps
		// and the error says how to resume.
		progress := func(p model.StepProgress) {
			if p.Passphrase != "" {
				showPassphrase(env.Stderr, p)
				return
			}
			fmt.Fprintf(env.Stderr, "step %d/%d %s\n", p.Done, p.Total, model.CleanLine(p.Label))
		}
		return cli.Run(ctx, b.store, actor, id, cli.RunOptions{Yes: *yes, Ask: terminalAsk(env.Stdin, env.Stderr)}, progress, env.Stdout)
	})
}

// terminalAsk asks a yes/no question on a terminal (no unless the answer
// starts with y); nil when stdin is not a terminal, so a script that did
// not say --yes is refused rather than left waiting.
func terminalAsk(stdin io.Reader, stderr io.Writer) func(string) (bool, error) {
	f, ok := stdin.(*os.File)
	if !ok {
		return nil
	}
	if !term.IsTerminal(f.Fd()) {
		return nil
	}
	return func(q string) (bool, error) {
		fmt.Fprintf(stderr, "%s [y/N] ", q)
		line, err := bufio.NewReader(f).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return false, err
		}
		a := strings.ToLower(strings.TrimSpace(line))
		return a == "y" || a == "yes", nil
	}
}

// onRequest is the shape of the commands that act on one request: the
// database opened as --operator, the act, its failure reported with what
// to do next.
func onRequest(name string, act func(ctx context.Context, env Env, b *backend, actor model.Actor, id string) error) Run {
	return func(ctx context.Context, env Env, g *Globals, args []string) int {
		id := args[0]
		b, actor, code := openActor(ctx, g, "cli", env.Stderr)
		if b == nil {
			return code
		}
		defer b.close()
		if err := act(ctx, env, b, actor, id); err != nil {
			return failRequests(env.Stderr, name, id, err)
		}
		return 0
	}
}
