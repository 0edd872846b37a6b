package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/custodian-dev/custodian/db"
)

// runMigrate creates missing collections and indexes, or with --check only
// reports them. It is the one command that builds indexes on a remote
// server: an index build on a large production collection is an operator's
// decision, so no other command starts one there.
func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, g := newFlagSet("migrate", stderr)
	check := fs.Bool("check", false, "")
	if ok, code := parse(fs, args, stderr); !ok {
		return code
	}
	dataDir, err := g.resolveDataDir()
	if err != nil {
		fmt.Fprintf(stderr, "custodian migrate: data directory: %v (set --data-dir)\n", err)
		return exitBadInput
	}
	// Not openBackend: it would ensure the embedded schema before there
	// is anything to report. A check of a data directory with no
	// database is a mistyped --data-dir, not an empty schema.
	conn, err := db.Open(ctx, db.Options{URI: g.mongoURI, DataDir: dataDir, Database: g.database, Logger: quietLogger(), MustExist: *check})
	if err != nil {
		fmt.Fprintf(stderr, "custodian migrate: %v\n", err)
		var noDB *db.NoDatabaseError
		if db.IsConnectError(err) || errors.As(err, &noDB) {
			return exitBadInput
		}
		return exitFailed
	}
	defer (&backend{conn: conn}).close()

	reports, err := db.Migrate(ctx, conn.DB, !*check)
	for _, r := range reports {
		fmt.Fprintln(stdout, r)
	}
	if err != nil {
		fmt.Fprintf(stderr, "custodian migrate: %v\n", err)
		return exitFailed
	}
	counts := map[db.IndexState]int{}
	failed := false
	for _, r := range reports {
		counts[r.State]++
		failed = failed || r.Failed()
	}
	fmt.Fprintf(stdout, "%s: %d ok, %d created, %d missing, %d differ, %d unsupported, %d undeclared\n",
		conn.URI, counts[db.IndexOK], counts[db.IndexCreated], counts[db.IndexMissing], counts[db.IndexDiffers],
		counts[db.IndexUnsupported], counts[db.IndexUndeclared])
	if failed {
		if *check && counts[db.IndexDiffers] == 0 {
			fmt.Fprintln(stderr, "custodian migrate: the schema is incomplete; run `custodian migrate` to create what is missing")
		} else {
			fmt.Fprintln(stderr, "custodian migrate: an index differs from its declaration; nothing was dropped: compare it, drop it by hand if it is wrong, then run `custodian migrate` again")
		}
		return exitFailed
	}
	return 0
}

// checkRemoteSchema is what a command does at start against a server it
// did not start: read the schema (listIndexes per collection, no build) and
// warn about each index that is missing or differs, with the mongosh
// command that creates it. Reads still work without an index, only slower,
// so the command carries on.
func checkRemoteSchema(ctx context.Context, conn *db.Conn, stderr io.Writer) {
	reports, err := db.Migrate(ctx, conn.DB, false)
	if err != nil {
		fmt.Fprintf(stderr, "custodian: warning: could not check the schema: %v\n", err)
		return
	}
	// A database with none of custodian's schema (a new cluster, a wrong
	// --db) gets one line, not one per index.
	if !slices.ContainsFunc(reports, func(r db.IndexReport) bool { return r.State != db.IndexMissing }) {
		fmt.Fprintf(stderr, "custodian: warning: database %s at %s has no custodian collections or indexes; check --db, or run `custodian migrate` to create them\n",
			conn.DB.Name(), conn.URI)
		return
	}
	n := 0
	for _, r := range reports {
		risk := ""
		if r.Unique {
			risk = " (a unique index: until it is right, duplicates are not refused)"
		}
		switch r.State {
		case db.IndexMissing:
			fmt.Fprintf(stderr, "custodian: warning: %s.%s is missing%s; create it with `%s`\n", r.Collection, r.Index, risk, r.Create)
			n++
		case db.IndexDiffers:
			fmt.Fprintf(stderr, "custodian: warning: index %s.%s differs from custodian's%s: %s\n", r.Collection, r.Index, risk, r.Detail)
			n++
		}
	}
	if n > 0 {
		fmt.Fprintf(stderr, "custodian: warning: %d schema problem(s) at %s; or run `custodian migrate` (see `custodian migrate --check`)\n", n, conn.URI)
	}
}
