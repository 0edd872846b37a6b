package command

import (
	"context"
	"flag"
	"fmt"
	"runtime/debug"
	"strings"
)

// Table is every subcommand, in the order the help lists them. The help,
// the unknown-command message and the dispatch all come from it.
func Table() []Command {
	cmds := []Command{
		{Path: "", Summary: "open the console (the embedded database, with demo data on first use, unless --mongo-uri)", Bind: bindConsole},
		{Path: "db", Summary: "run the embedded database as the shared background service and print its socket's mongodb:// URI (for your OS user only)",
			Detail: "Every command starts it (detached, logging to custodian-db.log in the data directory) when nobody runs it;\nit stops after --idle with no client connected, on SIGTERM or with `custodian db stop`.", Bind: bindDB},
		{Path: "db status", Summary: "say whether the database service runs: pid, socket, uptime, clients, log; exit 1 when it does not", Bind: bindDBStatus},
		{Path: "db stop", Summary: "stop the database service; clients still open start it again when they next need it", Bind: bindDBStop},
		{Path: "db doctor", Summary: "list writes left pending (claims) and what becomes of each; exit 1 when one can never be applied",
			Bind: bindDBDoctor},
		{Path: "migrate", Summary: "create missing collections and indexes and check existing ones; nothing is dropped",
			Detail: "One line each: created, ok, missing, differs. Exits 1 when an index differs or, with --check,\nis missing. The only command that builds indexes on a --mongo-uri server.",
			Bind:   bindMigrate},
		{Path: "seed", Summary: "load the demo dataset (safe to repeat)", Bind: bindSeed},
		{Path: "audit verify", Summary: "check the audit chain, every MAC and every signed checkpoint; exit 1 on the first bad entry",
			Detail: "A missing checkpoint or key fails unless --allow-missing-checkpoint (then a warning).", Bind: bindAuditVerify},
		{Path: "audit export", Summary: "the record of each request received in the range, as JSON Lines (§7101)", Bind: bindAuditExport},
	}
	cmds = append(cmds, requestCommands()...)
	cmds = append(cmds, deliveryCommands()...)
	cmds = append(cmds, reportCommands()...)
	cmds = append(cmds,
		Command{Path: "serve", Summary: "serve the console over SSH to registered operator keys (host key kept in the data directory)",
			Bind: bindServe})
	cmds = append(cmds, operatorCommands()...)
	cmds = append(cmds, healthCommands()...)
	cmds = append(cmds, tenantCommands()...)
	cmds = append(cmds, dataMapCommands()...)
	cmds = append(cmds, templateCommands()...)
	cmds = append(cmds, letterCommands()...)
	cmds = append(cmds, processorCommands()...)
	return append(cmds,
		Command{Path: "version", Summary: "print the version", Bind: func(*flag.FlagSet) Run { return runVersion }},
		Command{Path: "help", Args: []Arg{{Name: "[COMMAND]"}}, FreeArgs: true,
			Summary: "list the commands, or show one command's usage and flags", Bind: func(*flag.FlagSet) Run { return runHelp }},
	)
}

func runVersion(_ context.Context, env Env, _ *Globals, _ []string) int {
	version := "devel"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		version = bi.Main.Version
	}
	fmt.Fprintln(env.Stdout, "custodian", version)
	return 0
}

// runHelp is `custodian help [COMMAND…]`.
func runHelp(_ context.Context, env Env, _ *Globals, args []string) int {
	table := Table()
	if joined := strings.Join(args, " "); joined != "" && !isPrefix(table, joined) {
		fmt.Fprintf(env.Stderr, "custodian help: no command %q%s (custodian help lists them)\n", joined, didYouMean(table, args[:len(args)-1], args[len(args)-1]))
		return ExitBadInput
	}
	return writeHelp(env.Stdout, table, args)
}
