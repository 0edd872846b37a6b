package command

import (
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/custodian-dev/custodian/model"
)

// invocation is a command line resolved against the table: the command,
// its parsed flags and its positional arguments.
type invocation struct {
	cmd     Command
	globals *Globals
	args    []string
	run     Run
	fs      *flag.FlagSet
}

// parseLine resolves args against table. When done, the line was answered
// (help) or refused (with the message written) and code is the exit code.
//
// The command's name is read word by word; global flags may come before
// it or between its words ("--data-dir D requests list"). Once the words
// name a command, everything after them — the command's own flags, the
// global ones, positional arguments — is parsed together, in any order.
func parseLine(table []Command, args []string, env Env) (inv invocation, code int, done bool) {
	var path []string
	var globalsBefore []string
	rest := args
	for {
		joined := strings.Join(path, " ")
		if c, ok := find(table, joined); ok && joined != "" {
			// A command: a following word may still name a longer one
			// ("db" then "doctor"); anything else is its own to parse.
			if len(rest) > 0 && isPrefix(table, joined+" "+rest[0]) {
				path, rest = append(path, rest[0]), rest[1:]
				continue
			}
			return parseCommand(c, append(globalsBefore, rest...), env)
		}
		// The root or a group ("requests"): global flags, then a word.
		fs := newFlagSet(strings.TrimSpace("custodian " + joined))
		bindGlobals(fs, &Globals{})
		err := fs.Parse(rest)
		if errors.Is(err, flag.ErrHelp) {
			return invocation{}, writeHelp(env.Stdout, table, path), true
		}
		if err != nil {
			return invocation{}, badInput(env.Stderr, joined, err), true
		}
		globalsBefore = append(globalsBefore, rest[:len(rest)-fs.NArg()]...)
		rest = fs.Args()
		if len(rest) > 0 && rest[0] != "--" && isPrefix(table, strings.TrimSpace(joined+" "+rest[0])) {
			path, rest = append(path, rest[0]), rest[1:]
			continue
		}
		if len(path) == 0 && len(rest) == 0 {
			c, _ := find(table, "")
			return parseCommand(c, globalsBefore, env)
		}
		if len(path) == 0 {
			fmt.Fprintf(env.Stderr, "custodian: unknown command %s%s (custodian help lists the commands)\n",
				model.QuoteArg(rest[0]), didYouMean(table, nil, rest[0]))
			return invocation{}, ExitBadInput, true
		}
		if len(rest) > 0 && rest[0] == "help" {
			return invocation{}, writeHelp(env.Stdout, table, path), true
		}
		return invocation{}, unknownSub(env, table, path, rest), true
	}
}

// unknownSub refuses a group's missing or unknown subcommand, naming its
// subcommands and the nearest one to what was typed.
func unknownSub(env Env, table []Command, path, rest []string) int {
	joined := strings.Join(path, " ")
	what := "unknown or missing subcommand"
	if len(rest) > 0 {
		what = "unknown subcommand " + model.QuoteArg(rest[0]) + didYouMean(table, path, rest[0])
	}
	// A few are named in full; a long list by its words alone.
	var subs []string
	kids := children(table, joined)
	for _, c := range kids {
		if len(kids) <= 4 {
			subs = append(subs, "custodian "+c.Path)
		} else {
			subs = append(subs, strings.TrimPrefix(c.Path, joined+" "))
		}
	}
	use := strings.Join(subs, ", ")
	if len(kids) > 4 {
		use = "custodian " + joined + " " + strings.Join(subs, "|")
	}
	fmt.Fprintf(env.Stderr, "custodian %s: %s (use: %s; custodian help %s describes each)\n", joined, what, use, joined)
	return ExitBadInput
}

// parseCommand parses c's flags (its own and the global ones) and
// positional arguments from args.
func parseCommand(c Command, args []string, env Env) (invocation, int, bool) {
	fs, g, run := flagSetFor(c)
	pos, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return invocation{}, writeCommandHelp(env.Stdout, c), true
	}
	if err == nil {
		err = checkArgs(c, pos)
	}
	if err != nil {
		return invocation{}, badInput(env.Stderr, c.Path, err), true
	}
	applyEnv(fs, g)
	return invocation{cmd: c, globals: g, args: pos, run: run, fs: fs}, 0, false
}

// flagSetFor is c's flag set: the global flags and c's own.
func flagSetFor(c Command) (*flag.FlagSet, *Globals, Run) {
	fs := newFlagSet(strings.TrimSpace("custodian " + c.Path))
	g := &Globals{}
	bindGlobals(fs, g)
	return fs, g, c.Bind(fs)
}

// find is the command named path.
func find(table []Command, path string) (Command, bool) {
	i := slices.IndexFunc(table, func(c Command) bool { return c.Path == path })
	if i < 0 {
		return Command{}, false
	}
	return table[i], true
}

// isPrefix reports whether path names a command or a group of them.
func isPrefix(table []Command, path string) bool {
	return slices.ContainsFunc(table, func(c Command) bool {
		return c.Path == path || strings.HasPrefix(c.Path, path+" ")
	})
}

// children are the commands one word below group ("requests" → "requests list").
func children(table []Command, group string) []Command {
	var out []Command
	for _, c := range table {
		rest, ok := strings.CutPrefix(c.Path, group+" ")
		if group == "" {
			rest, ok = c.Path, c.Path != ""
		}
		if ok && !strings.Contains(rest, " ") {
			out = append(out, c)
		}
	}
	return out
}
