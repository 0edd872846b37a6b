// Command ferretpg runs FerretDB on its PostgreSQL handler as a separate
// server process, for running the tests against an external server
// (CUSTODIAN_TEST_MONGO_URI). It is test tooling, not part of custodian.
//
// FerretDB's own cmd/ferretdb panics at start when installed with
// `go install` (its module has no version.txt), so this embeds the ferretdb
// package that custodian already depends on: no extra module is needed.
//
// It prints the mongodb:// URI on stdout once the listener is up, logs only
// warnings (FerretDB logs every connection at info level) and runs until
// SIGINT or SIGTERM. It imports FerretDB only, nothing of ours.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	pgURL := flag.String("postgresql-url", "", "PostgreSQL connection string, e.g. postgres://user@127.0.0.1:5432/ferretdb")
	listen := flag.String("listen", "127.0.0.1:27018", "TCP address to listen on (loopback only: there is no authentication)")
	verbose := flag.Bool("v", false, "log at info level (every connection)")
	flag.Parse()
	if *pgURL == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: ferretpg -postgresql-url postgres://... [-listen 127.0.0.1:27018] [-v]")
		os.Exit(2)
	}
	if err := run(*pgURL, *listen, *verbose); err != nil {
		fmt.Fprintf(os.Stderr, "ferretpg: %v\n", err)
		os.Exit(1)
	}
}

func run(pgURL, listen string, verbose bool) error {
	level := slog.LevelWarn
	if verbose {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	fdb, err := ferretdb.New(&ferretdb.Config{
		Listener:      ferretdb.ListenerConfig{TCP: listen},
		Logger:        logger,
		Handler:       "postgresql",
		PostgreSQLURL: pgURL,
	})
	if err != nil {
		return fmt.Errorf("start FerretDB on %s: %w", listen, err)
	}
	done := make(chan error, 1)
	go func() { done <- fdb.Run(ctx) }()

	// MongoDBURI blocks until Run has bound the listener; a dial confirms
	// that it accepts connections before the URI is announced.
	uri := fdb.MongoDBURI()
	if err := waitListening(ctx, listen); err != nil {
		stop()
		<-done
		return err
	}
	fmt.Println(uri)
	return <-done
}

func waitListening(ctx context.Context, addr string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("FerretDB does not accept connections on %s: %w", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
