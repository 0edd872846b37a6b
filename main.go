// Command custodian is a terminal console for handling residents' privacy
// requests on behalf of the Customers whose data the vendor hosts.
//
// main only wires the process to the command line: the subcommands, their
// flags and help, and what each one does live in package ui/command. It may
// import any package of ours, and none imports it.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/custodian-dev/custodian/ui/command"
)

func main() {
	os.Exit(runIO(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	return runIO(args, os.Stdin, stdout, stderr)
}

// runIO runs one command line with the given streams; ctrl+c and SIGTERM
// cancel the command's context, so it stops cleanly.
func runIO(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return command.Main(ctx, args, command.Env{Stdin: stdin, Stdout: stdout, Stderr: stderr})
}
