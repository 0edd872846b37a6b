package command

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/custodian-dev/custodian/db/demo"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/opcli"
)

// operatorCommands are `custodian operators …`, one per opcli verb.
func operatorCommands() []Command {
	var cmds []Command
	for _, v := range opcli.Verbs() {
		var args []Arg
		for i, a := range v.Args {
			if i >= len(v.Args)-v.Optional {
				a = "[" + a + "]"
			}
			args = append(args, Arg{Name: a})
		}
		cmds = append(cmds, Command{Path: "operators " + v.Name, Args: args, FreeArgs: true,
			Summary: v.Says + " (admins)", Bind: bindOperators(v.Name)})
	}
	return cmds
}

// bindOperators runs one `custodian operators` verb as the admin running it.
func bindOperators(verb string) func(fs *flag.FlagSet) Run {
	return func(fs *flag.FlagSet) Run {
		cmd := opcli.BindVerb(fs, verb)
		return func(ctx context.Context, env Env, g *Globals, args []string) int {
			stdout, stderr := env.Stdout, env.Stderr
			if err := cmd.SetArgs(args); err != nil {
				return badInput(stderr, "operators "+verb, err)
			}
			b, code := openSeeded(ctx, g, stderr)
			if b == nil {
				return code
			}
			defer b.close()
			handle, err := localHandle(ctx, b.store, g.operator)
			var ofe *operatorFlagError
			if errors.As(err, &ofe) && g.operator == "" {
				// Nobody registered to this account: only on a database with no
				// operators at all may it go on, for ResolveActor to let it add the
				// first admin. Anywhere else a handle that happens to equal the
				// account's name must not stand in for a registration.
				all, lerr := b.store.Operators(ctx, model.SystemActor("cli"))
				if lerr != nil {
					err = lerr
				} else if len(all) == 0 {
					handle, err = demo.LocalHandle(LocalUser())
				}
			}
			if err != nil {
				fmt.Fprintf(stderr, "custodian operators: %v\n", err)
				if errors.As(err, &ofe) {
					return ExitBadInput
				}
				return ExitFailed
			}
			cmd.LocalOSUser, _ = OSAccount() // none: the first admin gets no OS account
			actor, err := opcli.ResolveActor(ctx, b.store, cmd, handle)
			if err != nil {
				fmt.Fprintf(stderr, "custodian operators: %v\n", err)
				return ExitBadInput
			}
			return opcli.Run(ctx, b.store, actor, cmd, stdout, stderr)
		}
	}
}
