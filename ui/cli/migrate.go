package cli

import (
	"fmt"
	"io"
	"slices"

	"github.com/custodian-dev/custodian/db"
)

// WriteMigrateReport prints one line per index and a summary, then what to
// do when the schema needs attention. It reports whether it does.
func WriteMigrateReport(stdout, stderr io.Writer, uri string, check bool, reports []db.IndexReport) (failed bool) {
	for _, r := range reports {
		fmt.Fprintln(stdout, r)
	}
	counts := map[db.IndexState]int{}
	for _, r := range reports {
		counts[r.State]++
		failed = failed || r.Failed()
	}
	fmt.Fprintf(stdout, "%s: %d ok, %d created, %d missing, %d differ, %d unsupported, %d undeclared\n",
		uri, counts[db.IndexOK], counts[db.IndexCreated], counts[db.IndexMissing], counts[db.IndexDiffers],
		counts[db.IndexUnsupported], counts[db.IndexUndeclared])
	if !failed {
		return false
	}
	if check && counts[db.IndexDiffers] == 0 {
		fmt.Fprintln(stderr, "custodian migrate: the schema is incomplete; run `custodian migrate` to create what is missing")
	} else {
		fmt.Fprintln(stderr, "custodian migrate: an index differs from its declaration; nothing was dropped: compare it, drop it by hand if it is wrong, then run `custodian migrate` again")
	}
	return true
}

// WriteRemoteSchemaWarnings is what a command prints at start against a
// server it did not start: a warning for each index that is missing or
// differs, with the mongosh command that creates it. Reads still work
// without an index, only slower, so the command carries on.
func WriteRemoteSchemaWarnings(stderr io.Writer, dbName, uri string, reports []db.IndexReport) {
	// A database with none of custodian's schema (a new cluster, a wrong
	// --db) gets one line, not one per index.
	if !slices.ContainsFunc(reports, func(r db.IndexReport) bool { return r.State != db.IndexMissing }) {
		fmt.Fprintf(stderr, "custodian: warning: database %s at %s has no custodian collections or indexes; check --db, or run `custodian migrate` to create them\n",
			dbName, uri)
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
		fmt.Fprintf(stderr, "custodian: warning: %d schema problem(s) at %s; or run `custodian migrate` (see `custodian migrate --check`)\n", n, uri)
	}
}
