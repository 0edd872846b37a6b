package command

import (
	"context"
	"flag"
	"fmt"

	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/cli"
	"github.com/custodian-dev/custodian/ui/present"
)

// healthCommands are the on-call view from the shell: the same report and
// list the console's :health and :failed panes and `ssh … health|failed`
// show (ui/present renders all of them).
func healthCommands() []Command {
	return []Command{
		{Path: "health", Summary: "on-call view: database, round trip, claims pending, failed requests, last audit verify, sessions",
			Detail: "For engineers, privacy leads and admins. Lines marked ! need attention; --json for scripts (UTC).",
			Bind:   bindHealth},
		{Path: "failed", Summary: "the failed requests in your scope, newest failure first, with the step and the reason",
			Bind: bindFailed},
	}
}

func bindHealth(fs *flag.FlagSet) Run {
	asJSON := fs.Bool("json", false, "print the report as JSON (times in UTC, round_trip_ns in nanoseconds)")
	return func(ctx context.Context, env Env, g *Globals, _ []string) int {
		b, actor, code := openActor(ctx, g, "cli", env.Stderr)
		if b == nil {
			return code
		}
		defer b.close()
		h, err := b.store.Health(ctx, actor)
		if err != nil {
			fmt.Fprintf(env.Stderr, "custodian health: %s\n", cli.Explain(err, ""))
			return exitFor(err)
		}
		if err := present.WriteHealth(env.Stdout, h, *asJSON); err != nil {
			fmt.Fprintf(env.Stderr, "custodian health: %v\n", err)
			return ExitFailed
		}
		return 0
	}
}

func bindFailed(fs *flag.FlagSet) Run {
	asJSON := fs.Bool("json", false, "print the list as JSON (times in UTC)")
	return func(ctx context.Context, env Env, g *Globals, _ []string) int {
		b, actor, code := openActor(ctx, g, "cli", env.Stderr)
		if b == nil {
			return code
		}
		defer b.close()
		list, err := b.store.Failed(ctx, actor)
		if err != nil {
			fmt.Fprintf(env.Stderr, "custodian failed: %s\n", cli.Explain(err, ""))
			return exitFor(err)
		}
		if err := present.WriteFailures(env.Stdout, list, model.SystemClock{}.Now(), *asJSON); err != nil {
			fmt.Fprintf(env.Stderr, "custodian failed: %v\n", err)
			return ExitFailed
		}
		return 0
	}
}
