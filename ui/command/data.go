package command

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/cli"
)

// runDBDoctor lists the writes left pending in the database (after the
// drain every command runs at start) and says what becomes of each; with
// --drop it removes one that no drain can resolve (admins). It exits 1 when
// a claim needs attention.
func bindDBDoctor(fs *flag.FlagSet) Run {
	drop := fs.String("drop", "", "remove the pending write `CLAIM_ID` that can never be applied, on the audit chain (admins)")
	return func(ctx context.Context, env Env, g *Globals, _ []string) int {
		stdout := env.Stdout
		stderr := env.Stderr
		// A doctor inspects: a mistyped --data-dir must not create a database.
		g.mustExist = true
		if *drop != "" {
			b, actor, code := openActor(ctx, g, "cli", stderr)
			if b == nil {
				return code
			}
			defer b.close()
			if err := b.store.DropClaim(ctx, actor, *drop); err != nil {
				fmt.Fprintf(stderr, "custodian db doctor: %s\n", model.CleanLine(err.Error()))
				return exitFor(err)
			}
			fmt.Fprintf(stdout, "claim %s dropped; the audit chain records it\n", model.CleanLine(*drop))
			return 0
		}
		b, code := openBackend(ctx, g, stderr)
		if b == nil {
			return code
		}
		defer b.close()
		writes := "claims (no multi-document transactions)"
		if b.conn.Transactions {
			writes = "transactions"
		}
		fmt.Fprintf(stdout, "database: %s at %s; writes use %s\n", b.conn.Topology, b.conn.URI, writes)
		claims, err := b.store.Claims(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "custodian db doctor: %s\n", model.CleanLine(err.Error()))
			return ExitFailed
		}
		if len(claims) == 0 {
			fmt.Fprintln(stdout, "no pending writes")
			return 0
		}
		attention := 0
		for _, c := range claims {
			line := fmt.Sprintf("%s  %s %s  age %s  by %s  writes version %d, document at %d  %s",
				c.ID, c.Coll, c.DocID, c.Age.Round(time.Second), c.By, c.Version, c.DocVersion, c.State)
			switch c.State {
			case db.ClaimCannotApply:
				line += ": it can never be written; resolve: custodian db doctor --drop " + c.ID
			case db.ClaimUndecided:
				line += ": the document moved on without recording whether this write made it; check the document and its audit history, then: custodian db doctor --drop " + c.ID
			case db.ClaimInFlight:
				line += ": its writer is probably still at work"
			default:
				line += ": the next drain (any custodian command, or a running console within 30 s) resolves it"
			}
			fmt.Fprintln(stdout, model.CleanLine(line))
			if c.State.NeedsAttention() {
				attention++
			}
		}
		fmt.Fprintf(stdout, "%d pending write(s), %d need attention\n", len(claims), attention)
		if attention > 0 {
			return ExitFailed
		}
		return 0
	}
}

// runMigrate creates missing collections and indexes, or with --check only
// reports them. It is the one command that builds indexes on a remote
// server: an index build on a large production collection is an operator's
// decision, so no other command starts one there.
func bindMigrate(fs *flag.FlagSet) Run {
	check := fs.Bool("check", false, "only report; exit 1 when an index is missing or differs")
	return func(ctx context.Context, env Env, g *Globals, _ []string) int {
		stdout := env.Stdout
		stderr := env.Stderr
		dataDir, err := g.resolveDataDir()
		if err != nil {
			fmt.Fprintf(stderr, "custodian migrate: data directory: %v (set --data-dir)\n", err)
			return ExitBadInput
		}
		// Not openBackend: it would ensure the embedded schema before there
		// is anything to report. A check of a data directory with no
		// database is a mistyped --data-dir, not an empty schema.
		conn, err := db.Open(ctx, db.Options{URI: g.mongoURI, DataDir: dataDir, Database: g.database, Logger: quietLogger(), Service: serviceCommand(), MustExist: *check})
		if err != nil {
			fmt.Fprintf(stderr, "custodian migrate: %v\n", err)
			var noDB *db.NoDatabaseError
			if db.IsConnectError(err) || errors.As(err, &noDB) {
				return ExitBadInput
			}
			return ExitFailed
		}
		defer (&backend{conn: conn}).close()

		reports, err := db.Migrate(ctx, conn.DB, !*check)
		if err != nil {
			for _, r := range reports {
				fmt.Fprintln(stdout, r)
			}
			fmt.Fprintf(stderr, "custodian migrate: %v\n", err)
			return ExitFailed
		}
		if cli.WriteMigrateReport(stdout, stderr, conn.URI, *check, reports) {
			return ExitFailed
		}
		return 0
	}
}

func bindSeed(fs *flag.FlagSet) Run {
	subjects := fs.Int("subjects", 0, "how many demo subjects (`N`; 0: the default size)")
	requests := fs.Int("requests", 0, "how many demo requests (`N`; 0: the default size)")
	return func(ctx context.Context, env Env, g *Globals, _ []string) int {
		stdout := env.Stdout
		stderr := env.Stderr
		if *subjects < 0 || *requests < 0 {
			fmt.Fprintln(stderr, "custodian seed: --subjects and --requests must be zero (the default size) or positive")
			return ExitBadInput
		}
		b, code := openBackend(ctx, g, stderr)
		if b == nil {
			return code
		}
		defer b.close()
		rep, err := db.Seed(ctx, b.store, seedOptions(*subjects, *requests, stderr))
		fmt.Fprintln(stderr)
		if err != nil {
			fmt.Fprintf(stderr, "custodian seed: %v\n", err)
			return ExitFailed
		}
		if rep.Skipped {
			fmt.Fprintln(stdout, "demo data already present; nothing changed")
			return 0
		}
		fmt.Fprintf(stdout, "seeded %d tenants, %d subjects, %d records, %d requests, %d operators\n",
			rep.Tenants, rep.Subjects, rep.Records, rep.Requests, rep.Operators)
		return 0
	}
}

func bindAuditVerify(fs *flag.FlagSet) Run {
	var o db.VerifyOptions
	fs.BoolVar(&o.AllowMissingCheckpoint, "allow-missing-checkpoint", false, "a missing checkpoint or key is a warning, not a failure")
	fs.BoolVar(&o.Requests, "requests", false, "also check that every request matches its audit events")
	return func(ctx context.Context, env Env, g *Globals, _ []string) int {
		stdout := env.Stdout
		stderr := env.Stderr
		g.mustExist = true
		g.verifyOnly = true
		b, code := openBackend(ctx, g, stderr)
		if b == nil {
			return code
		}
		defer b.close()
		res, err := b.store.VerifyAuditWith(ctx, o, func(done, total int64) {
			fmt.Fprintf(stderr, "\r  verifying %d/%d", done, total)
		})
		fmt.Fprint(stderr, "\r\033[K")
		if err != nil {
			fmt.Fprintf(stderr, "custodian audit verify: %v\n", err)
			return ExitFailed
		}
		fmt.Fprintln(stdout, res.Line())
		for _, m := range res.Mismatches {
			fmt.Fprintln(stdout, "  "+model.CleanLine(m))
		}
		if !res.OK {
			return ExitFailed
		}
		return 0
	}
}

func bindAuditExport(fs *flag.FlagSet) Run {
	var fl cli.ExportFlags
	fs.StringVar(&fl.Since, "since", "", "the first `DATE` received: 2026-01-31 (a day in UTC) or RFC 3339")
	fs.StringVar(&fl.Until, "until", "", "the last `DATE` received, its day included: 2026-06-30 (UTC) or RFC 3339")
	fs.StringVar(&fl.Tenant, "tenant", "", "export only the tenant with this `ID`")
	fs.StringVar(&fl.Out, "out", "", "write to `FILE` (mode 0600, complete or not at all) instead of standard output")
	return func(ctx context.Context, env Env, g *Globals, _ []string) int {
		stdout := env.Stdout
		stderr := env.Stderr
		plan, err := cli.ParseExportFlags(fl)
		if err != nil {
			fmt.Fprintf(stderr, "custodian audit export: %v\n", err)
			return ExitBadInput
		}
		b, code := openBackend(ctx, g, stderr)
		if b == nil {
			return code
		}
		defer b.close()
		actor, code := resolveActor(ctx, b.store, g.operator, stderr)
		if code != 0 {
			return code
		}
		actor.Origin = "cli"
		n, dest, err := cli.RunExport(ctx, b.store, actor, plan, stdout)
		if err != nil {
			fmt.Fprintf(stderr, "custodian audit export: %s\n", model.CleanLine(err.Error()))
			if cli.IsInputError(err) {
				return ExitBadInput
			}
			return ExitFailed
		}
		fmt.Fprintf(stderr, "exported %d request records to %s\n", n, model.CleanLine(dest))
		return 0
	}
}
