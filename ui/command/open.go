package command

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/cli"
)

// resolveDataDir is --data-dir made absolute, or the default.
func (g *Globals) resolveDataDir() (string, error) {
	dir, err := db.DefaultDataDir()
	if g.dataDir != "" {
		dir, err = filepath.Abs(g.dataDir)
	}
	if err != nil {
		return "", err
	}
	// Refused before anything is created in it.
	if err := model.CheckPlainPath("--data-dir", dir); err != nil {
		return "", err
	}
	return dir, nil
}

// backend is everything a command needs from the database.
type backend struct {
	conn    *db.Conn
	store   *db.Store
	dataDir string
}

// startDrainer finishes pending writes (ours or other processes') every
// db.DefaultDrainEvery while a long-running command is up; the returned
// function stops it, before the connection closes.
func (b *backend) startDrainer(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	wait := b.store.StartDrainer(ctx, db.DefaultDrainEvery)
	return func() { cancel(); wait() }
}

// close disconnects, within a bound of its own: ctx may be cancelled by now.
func (b *backend) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = b.conn.Close(ctx)
}

// openBackend opens the database the global flags name and the store on
// it, and finishes what a crashed process left (pending writes, the queue
// projection). A nil backend comes with the exit code, the reason written.
func openBackend(ctx context.Context, g *Globals, stderr io.Writer) (*backend, int) {
	dataDir, err := g.resolveDataDir()
	if err != nil {
		fmt.Fprintf(stderr, "custodian: data directory: %v (set --data-dir)\n", err)
		return nil, ExitBadInput
	}
	conn, err := db.Open(ctx, db.Options{URI: g.mongoURI, DataDir: dataDir, Database: g.database, Logger: quietLogger(), Service: serviceCommand(), MustExist: g.mustExist})
	if err != nil {
		fmt.Fprintf(stderr, "custodian: %v\n", err)
		var noDB *db.NoDatabaseError
		if db.IsConnectError(err) || errors.As(err, &noDB) {
			return nil, ExitBadInput
		}
		return nil, ExitFailed
	}
	b := &backend{conn: conn, dataDir: dataDir}
	// Only the embedded database is ours to change at start: against a
	// remote server an index build is `custodian migrate`'s, run on
	// purpose, never a side effect of a laptop opening the console.
	if conn.Embedded {
		if err := db.EnsureSchema(ctx, conn.DB); err != nil {
			b.close()
			fmt.Fprintf(stderr, "custodian: prepare database: %v\n", err)
			return nil, ExitFailed
		}
	} else {
		checkRemoteSchema(ctx, conn, stderr)
	}
	store, err := db.NewStore(conn, db.StoreOptions{
		Clock:             model.SystemClock{},
		CheckpointPath:    filepath.Join(dataDir, "audit-checkpoint.json"),
		CheckpointKeyPath: filepath.Join(dataDir, "audit-checkpoint.key"),
		AuditKeyPath:      g.auditKey,
		CheckpointLog:     g.checkpointLog,
		VerifyOnly:        g.verifyOnly,
		// Access packages go beside the audit pane's exports, one
		// directory per request.
		ExportDir:  filepath.Join(dataDir, "exports"),
		Logger:     g.storeLog,
		LetterFrom: cmp.Or(g.letterFrom, letterFromDefault()),
	})
	if err != nil {
		b.close()
		fmt.Fprintf(stderr, "custodian: %v\n", err)
		return nil, ExitFailed
	}
	b.store = store
	if g.verifyOnly {
		return b, 0
	}
	// Events left in outboxes by a crashed process reach the chain first.
	if _, err := store.DrainOutbox(ctx); err != nil {
		fmt.Fprintf(stderr, "custodian: warning: finishing pending writes: %v (custodian db doctor lists them)\n", err)
	}
	// A database from before the open-queue projection (or one whose
	// projection missed an update) gets it rebuilt; otherwise one read.
	if err := store.EnsureQueue(ctx); err != nil {
		fmt.Fprintf(stderr, "custodian: warning: the request queue may be incomplete until the next start: %v\n", err)
	}
	return b, 0
}

// openSeeded is openBackend for commands that act on the data: the
// embedded database gets the demo data on first use, so `go run .` and the
// other commands have something to work on.
func openSeeded(ctx context.Context, g *Globals, stderr io.Writer) (*backend, int) {
	b, code := openBackend(ctx, g, stderr)
	if b == nil {
		return nil, code
	}
	if b.conn.Embedded {
		if code := seedIfEmpty(ctx, b, stderr); code != 0 {
			b.close()
			return nil, code
		}
	}
	return b, 0
}

// openActor opens the database (seeding the embedded one on first use, as
// the console does) and resolves the operator the command acts as.
func openActor(ctx context.Context, g *Globals, origin string, stderr io.Writer) (*backend, model.Actor, int) {
	b, code := openSeeded(ctx, g, stderr)
	if b == nil {
		return nil, model.Actor{}, code
	}
	actor, code := resolveActor(ctx, b.store, g.operator, stderr)
	if code != 0 {
		b.close()
		return nil, model.Actor{}, code
	}
	actor.Origin = origin
	return b, actor, 0
}

func seedIfEmpty(ctx context.Context, b *backend, stderr io.Writer) int {
	seeded, err := db.Seeded(ctx, b.conn)
	if err != nil {
		fmt.Fprintf(stderr, "custodian: %v\n", err)
		return ExitFailed
	}
	if seeded {
		return 0
	}
	// Said once the seed has started writing: a database that already holds
	// real data (Seed refuses it with ErrNotEmpty) is used as it is, and is
	// not a demo database.
	opts := seedOptions(0, 0, stderr)
	started, progress := false, opts.Progress
	opts.Progress = func(stage string, done, total int) {
		if !started {
			started = true
			fmt.Fprintln(stderr, "custodian: first run — loading the demo dataset (ctrl+c cancels)")
		}
		progress(stage, done, total)
	}
	if _, err := db.Seed(ctx, b.store, opts); err != nil {
		if errors.Is(err, db.ErrNotEmpty) {
			return 0
		}
		fmt.Fprintf(stderr, "\ncustodian: seeding: %v\n", err)
		return ExitFailed
	}
	fmt.Fprintln(stderr)
	return 0
}

func seedOptions(subjects, requests int, stderr io.Writer) db.SeedOptions {
	last := time.Time{}
	line := &progressLine{w: stderr}
	return db.SeedOptions{
		Subjects:  subjects,
		Requests:  requests,
		LocalUser: LocalUser(),
		Clock:     model.SystemClock{},
		// The demo shows the seed policy's sub-processors on its data map.
		Processors: true,
		Progress: func(stage string, done, total int) {
			if time.Since(last) < 100*time.Millisecond && done != total {
				return
			}
			last = time.Now()
			line.show("  %-12s %d/%d", stage, done, total)
		},
	}
}

// quietLogger keeps FerretDB's chatter off the terminal: anything written to
// stderr would corrupt the full-screen UI, and its logs can echo queries.
func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))
}

// exitFor maps a store error to the exit code: refusals, unknown ids and
// bad input are the caller's to fix (2); anything else failed (1).
func exitFor(err error) int {
	if cli.UsersToFix(err) {
		return ExitBadInput
	}
	return ExitFailed
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
	cli.WriteRemoteSchemaWarnings(stderr, conn.DB.Name(), conn.URI, reports)
}
