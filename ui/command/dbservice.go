package command

// This file is `custodian db`, the embedded database as a shared background
// service, with `db status` and `db stop`, and the command line every other
// command hands to db.Open to start that service when nobody runs it.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/db"
)

// serviceCommand is how a client starts the database service: this very
// binary, detached (db.Open appends --data-dir). A test binary cannot run
// `db` (it would run the tests), and without an executable to point at
// there is nothing to start: then the process hosts the database itself,
// as tests run in-process expect; tests of the service build the real
// binary.
func serviceCommand() []string {
	if testing.Testing() {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil
	}
	return []string{exe, "db"}
}

func bindDB(fs *flag.FlagSet) Run {
	// No default: the database listens on its socket only, and any TCP
	// address is refused with the reason (db.TCPRefusedError).
	listen := fs.String("listen", "", "a TCP `ADDR` to listen on: always refused, since the database has no authentication (the socket is for your OS user only)")
	idle := fs.Duration("idle", db.DefaultServiceIdle, "stop after this `DURATION` with no client connected")
	return func(ctx context.Context, env Env, g *Globals, _ []string) int {
		stderr := env.Stderr
		if g.mongoURI != "" {
			fmt.Fprintln(stderr, "custodian db: runs the embedded database; --mongo-uri makes no sense here")
			return ExitBadInput
		}
		if *listen != "" {
			fmt.Fprintf(stderr, "custodian db: %v\n", &db.TCPRefusedError{Addr: *listen})
			return ExitBadInput
		}
		if *idle <= 0 {
			fmt.Fprintf(stderr, "custodian db: --idle must be a positive duration such as 10m, got %s\n", *idle)
			return ExitBadInput
		}
		dataDir, err := g.resolveDataDir()
		if err != nil {
			fmt.Fprintf(stderr, "custodian db: data directory: %v (set --data-dir)\n", err)
			return ExitBadInput
		}
		logf, err := db.OpenServiceLog(dataDir)
		if err != nil {
			fmt.Fprintf(stderr, "custodian db: %v\n", err)
			return ExitBadInput
		}
		defer logf.Close()
		// Warnings and errors only: start, stop and why, and what failed.
		// FerretDB logs every connection below that level.
		logger := slog.New(slog.NewTextHandler(logf, &slog.HandlerOptions{Level: slog.LevelWarn}))
		svc, err := db.ServeService(ctx, dataDir, *idle, logger)
		if err != nil {
			fmt.Fprintf(stderr, "custodian db: %v\n", err)
			return ExitBadInput
		}
		fmt.Fprintln(env.Stdout, svc.URI())
		fmt.Fprintf(stderr, "embedded database on its socket, for your OS user only: mongosh %q (data in %s, log %s); "+
			"it stops after %s with no client, on ctrl+c or `custodian db stop`\n", svc.URI(), dataDir, svc.Status().Log, *idle)
		<-svc.Done()
		fmt.Fprintf(stderr, "custodian db: stopped (%s)\n", svc.Reason())
		return 0
	}
}

func bindDBStatus(fs *flag.FlagSet) Run {
	asJSON := fs.Bool("json", false, "print the status as JSON")
	return func(ctx context.Context, env Env, g *Globals, _ []string) int {
		if g.mongoURI != "" {
			fmt.Fprintln(env.Stderr, "custodian db status: reports the embedded database service; --mongo-uri makes no sense here")
			return ExitBadInput
		}
		dataDir, err := g.resolveDataDir()
		if err != nil {
			fmt.Fprintf(env.Stderr, "custodian db status: data directory: %v (set --data-dir)\n", err)
			return ExitBadInput
		}
		st, err := db.StatusOf(ctx, dataDir)
		if err != nil {
			fmt.Fprintf(env.Stderr, "custodian db status: %v\n", err)
			return ExitFailed
		}
		if *asJSON {
			enc := json.NewEncoder(env.Stdout)
			enc.SetIndent("", "  ")
			_ = enc.Encode(st)
		} else {
			writeDBStatus(env, st)
		}
		if !st.Running {
			return ExitFailed
		}
		return 0
	}
}

func writeDBStatus(env Env, st db.ServiceStatus) {
	out := env.Stdout
	if !st.Running {
		fmt.Fprintf(out, "not running (the next custodian command on this data directory starts it)\nsocket   %s\nlog      %s\n", st.Socket, st.Log)
		return
	}
	if st.Clients < 0 {
		fmt.Fprintf(out, "running in another custodian process (pid %d), not as a service\nsocket   %s\n", st.PID, st.Socket)
		return
	}
	fmt.Fprintf(out, "running\npid      %d\nsocket   %s\nuri      %s\nuptime   %s\nclients  %d connection(s)\nidle     stops after %s with no client\nlog      %s\n",
		st.PID, st.Socket, st.URI, time.Since(st.Started).Round(time.Second), st.Clients, st.Idle, st.Log)
}

func bindDBStop(*flag.FlagSet) Run {
	return func(ctx context.Context, env Env, g *Globals, _ []string) int {
		if g.mongoURI != "" {
			fmt.Fprintln(env.Stderr, "custodian db stop: stops the embedded database service; --mongo-uri makes no sense here")
			return ExitBadInput
		}
		dataDir, err := g.resolveDataDir()
		if err != nil {
			fmt.Fprintf(env.Stderr, "custodian db stop: data directory: %v (set --data-dir)\n", err)
			return ExitBadInput
		}
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		st, err := db.StopService(ctx, dataDir)
		switch {
		case errors.Is(err, db.ErrNotRunning):
			fmt.Fprintf(env.Stdout, "not running: %v\n", err)
			return 0
		case err != nil:
			fmt.Fprintf(env.Stderr, "custodian db stop: %v\n", err)
			return ExitFailed
		}
		fmt.Fprintf(env.Stdout, "stopped the database service (pid %d); clients still open start it again when they next need it\n", st.PID)
		return 0
	}
}
