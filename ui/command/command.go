// Package command is custodian's command line: the one table of
// subcommands (Table), the parsing that lets global flags come before or
// after a subcommand, the help and the unknown-command message made from
// that table, and each command's body, which opens the database and hands
// over to the front end that does the work (ui/console, ui/sshd, ui/cli,
// ui/opcli).
//
// It sits apart from ui/cli because it wires everything: it may import db,
// model, keymap and every ui/ package; no ui/ package may import it, and
// main imports only this.
package command

import (
	"context"
	"flag"
	"io"
	"strings"
)

// Exit codes: 1 for a failed check (audit verify), 2 for bad input or an
// unreachable database, so scripts can tell them apart.
const (
	ExitFailed   = 1
	ExitBadInput = 2
)

// Command is one row of the table: a subcommand with its arguments, its
// summary, and its flags.
type Command struct {
	// Path is the words after `custodian` that name it ("requests list");
	// the empty path is the console.
	Path string
	// Args are the positional arguments, in order, all required; flags may
	// come before, between or after them.
	Args []Arg
	// FreeArgs: the run function checks the positional arguments itself
	// (any number reach it); Args then only name them for the usage line.
	FreeArgs bool
	// Summary is one line for the command list.
	Summary string
	// Detail, if any, follows the usage line in the command's own help.
	Detail string
	// Bind declares the command's own flags (the global ones are already
	// on fs) with their help text, and returns what runs the command with
	// them. A backquoted word in a flag's help names its value.
	Bind func(fs *flag.FlagSet) Run
}

// Arg is one positional argument: Name for the usage line, What for the
// message when it is missing ("give the request id").
type Arg struct{ Name, What string }

// Run carries out a command once its flags are parsed: g holds the global
// flags, args the positional ones.
type Run func(ctx context.Context, env Env, g *Globals, args []string) int

// Env is the process's standard streams.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// Usage is the command's usage line.
func (c Command) Usage() string {
	parts := []string{"custodian"}
	if c.Path != "" {
		parts = append(parts, c.Path)
	}
	for _, a := range c.Args {
		parts = append(parts, a.Name)
	}
	return strings.Join(append(parts, "[flags]"), " ")
}

// Main runs the command line args (without the program name) and returns
// the exit code.
func Main(ctx context.Context, args []string, env Env) int {
	inv, code, done := parseLine(Table(), args, env)
	if done {
		return code
	}
	return inv.run(ctx, env, inv.globals, inv.args)
}
