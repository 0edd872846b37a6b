// Command custodian is a terminal console for handling residents' privacy
// requests on behalf of the Customers whose data the vendor hosts. main.go
// only parses flags and wires the front ends under ui/ to the controller in
// db; it may import any package of ours, and none imports it.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/charmbracelet/x/term"
	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/demo"
	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/cli"
	"github.com/custodian-dev/custodian/ui/console"
	"github.com/custodian-dev/custodian/ui/opcli"
	"github.com/custodian-dev/custodian/ui/sshd"
)

// Exit codes: 1 for a failed check (audit verify), 2 for bad input or an
// unreachable database, so scripts can tell them apart.
const (
	exitFailed   = 1
	exitBadInput = 2
)

const usage = `custodian — privacy request console

Usage:
  custodian [flags]                 open the console (embedded database with demo data unless --mongo-uri)
  custodian db                      run the embedded database alone and print its socket's mongodb:// URI
                                    (only your OS user can connect; --listen ADDR for TCP is refused: no authentication)
  custodian db doctor [--drop CLAIM_ID]
                                    list writes left pending (claims) and what becomes of each; exit 1 when
                                    one can never be applied (--drop removes it, on the audit chain; admins)
  custodian seed [--subjects N] [--requests N]
                                    load the demo dataset (safe to repeat)
  custodian audit verify [--allow-missing-checkpoint] [--requests]
                                    check the audit chain, every MAC and every signed checkpoint
                                    (--requests: and that every request matches its events);
                                    a missing checkpoint or key fails unless allowed (then a warning)
  custodian requests import FILE.jsonl [--skip-invalid]
                                    log one request per JSON line (FILE "-" reads stdin); safe to repeat
  custodian requests show ID [--json]
                                    a request with its deadlines, flags, verification, decision and history
  custodian requests list [--status S,S] [--tenant ID] [--json]
                                    the queue, earliest due first (--status: open (default), all, or statuses)
  custodian requests plan ID [--new] [--json]
                                    an approved request's fulfilment plan (made now if it has none; --new replaces it)
  custodian requests sign-off ID --digest HEX
                                    sign off the plan with that digest (a privacy lead other than its builder)
  custodian requests run ID [--yes] run or resume the signed plan step by step (ctrl+c stops between steps);
                                    asks y/N first when it deletes, masks, corrects or opts out, unless --yes
  custodian requests VERB ID [flags]
                                    act on a request; the controller's rule book decides, as in the console:
      acknowledge | start-verification | info-received
      ask-info --what TEXT | note --text TEXT | withdraw --how TEXT | extend --reason TEXT
      verify --points email,phone [--level reasonable|high|none] [--method M] [--signed-declaration] [--agent-verified]
      deny-unverifiable --reason TEXT | refuse --reason TEXT | fee --amount 25.50 --reason TEXT
      approve --approver NAME --method email|ticket|… --evidence REF [--decided YYYY-MM-DD]
      deny (as approve) --reason TEXT | correct-decision (as deny; flags left out keep their value)
      assign [--to HANDLE|me|none] | remind --to CONTACT | link ID SUBJECT_ID
      disclose --field COLLECTION.FIELD --reason TEXT (another person's data in an access plan; plan again after)
  custodian serve [--listen ADDR] [--readonly] [--max-sessions N] [--idle-timeout D]
                                    serve the console over SSH to registered operator keys
                                    (default 127.0.0.1:2222; host key kept in the data directory)
  custodian operators list|add|disable|enable|add-key|remove-key|set-os-user …
                                    manage operators and their SSH keys (admins; see custodian operators help)
  custodian audit export --since DATE --until DATE [--tenant ID] [--out FILE]
                                    the record of each request received in the range, as JSON Lines
                                    (DATE: 2026-01-31 in UTC, --until's day included, or RFC 3339)
  custodian migrate [--check]       create missing collections and indexes and check existing ones
                                    (one line each: created, ok, missing, differs; nothing is dropped);
                                    --check only reports; exits 1 when an index differs or, with --check,
                                    is missing. The only command that builds indexes on a --mongo-uri server
  custodian version                 print the version

Flags (every command):
  --mongo-uri URI    MongoDB to use (env CUSTODIAN_MONGO_URI); empty: embedded FerretDB
  --data-dir DIR     embedded database, audit checkpoint and keys (default $XDG_DATA_HOME/custodian)
  --db NAME          database name (default custodian)
  --operator HANDLE  act as this demo operator (demo database only; elsewhere you are the
                     operator registered to your OS user: operators add --os-user)
  --keys FILE        key binding overrides (default $XDG_CONFIG_HOME/custodian/keys.toml)
  --audit-key FILE   the audit chain's MAC key, shared by every server (env CUSTODIAN_AUDIT_KEY;
                     default audit-mac.key in the data directory)
  --checkpoint-log FILE
                     also append every audit checkpoint to FILE (env CUSTODIAN_CHECKPOINT_LOG)
`

type globalFlags struct {
	mongoURI string
	dataDir  string
	database string
	operator string
	keysPath string
	// mustExist: the command only inspects, so a data directory with no
	// database is a mistake to report, not one to create (db.Options.MustExist).
	mustExist bool
	// auditKey and checkpointLog: StoreOptions.AuditKeyPath, CheckpointLog.
	auditKey      string
	checkpointLog string
	// verifyOnly opens the store for audit verify: no key is created and
	// nothing is written, so a missing key is reported, not replaced.
	verifyOnly bool
	// storeLog receives the store's warnings (a pending write the drain
	// could not finish, a checkpoint that did not advance); nil discards
	// them, as the console must: a line on stderr would tear its screen.
	storeLog *slog.Logger
}

func main() {
	os.Exit(runIO(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	return runIO(args, os.Stdin, stdout, stderr)
}

func runIO(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	cmd, rest := "", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, rest = args[0], args[1:]
	}
	switch cmd {
	case "":
		return runConsole(ctx, rest, stderr)
	case "db":
		return runDB(ctx, rest, stdout, stderr)
	case "seed":
		return runSeed(ctx, rest, stdout, stderr)
	case "audit":
		switch {
		case len(rest) > 0 && rest[0] == "verify":
			return runAuditVerify(ctx, rest[1:], stdout, stderr)
		case len(rest) > 0 && rest[0] == "export":
			return runAuditExport(ctx, rest[1:], stdout, stderr)
		}
		fmt.Fprintln(stderr, "custodian audit: unknown or missing subcommand (use: custodian audit verify, custodian audit export)")
		return exitBadInput
	case "requests":
		return runRequests(ctx, rest, stdin, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, rest, stdout, stderr)
	case "serve":
		return runServe(ctx, rest, stdout, stderr)
	case "operators":
		return runOperators(ctx, rest, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "custodian", version())
		return 0
	case "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "custodian: unknown command %q\n\n%s", cmd, usage)
	return exitBadInput
}

// newFlagSet declares the flags every command shares.
func newFlagSet(name string, stderr io.Writer) (*flag.FlagSet, *globalFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	g := &globalFlags{}
	fs.StringVar(&g.mongoURI, "mongo-uri", os.Getenv("CUSTODIAN_MONGO_URI"), "")
	fs.StringVar(&g.dataDir, "data-dir", "", "")
	fs.StringVar(&g.database, "db", "custodian", "")
	fs.StringVar(&g.operator, "operator", "", "")
	fs.StringVar(&g.keysPath, "keys", "", "")
	fs.StringVar(&g.auditKey, "audit-key", os.Getenv("CUSTODIAN_AUDIT_KEY"), "")
	fs.StringVar(&g.checkpointLog, "checkpoint-log", os.Getenv("CUSTODIAN_CHECKPOINT_LOG"), "")
	return fs, g
}

// parse reports bad flags in one line with the usage, and -h as help.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) (ok bool, code int) {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stderr, usage)
		return false, 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "custodian %s: %s\n\n%s", fs.Name(), model.EscapeLine(err.Error()), usage)
		return false, exitBadInput
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "custodian %s: unexpected argument %q\n\n%s", fs.Name(), fs.Arg(0), usage)
		return false, exitBadInput
	}
	return true, 0
}

func (g *globalFlags) resolveDataDir() (string, error) {
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

func (b *backend) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = b.conn.Close(ctx)
}

func openBackend(ctx context.Context, g *globalFlags, stderr io.Writer) (*backend, int) {
	dataDir, err := g.resolveDataDir()
	if err != nil {
		fmt.Fprintf(stderr, "custodian: data directory: %v (set --data-dir)\n", err)
		return nil, exitBadInput
	}
	conn, err := db.Open(ctx, db.Options{URI: g.mongoURI, DataDir: dataDir, Database: g.database, Logger: quietLogger(), MustExist: g.mustExist})
	if err != nil {
		fmt.Fprintf(stderr, "custodian: %v\n", err)
		var noDB *db.NoDatabaseError
		if db.IsConnectError(err) || errors.As(err, &noDB) {
			return nil, exitBadInput
		}
		return nil, exitFailed
	}
	b := &backend{conn: conn, dataDir: dataDir}
	// Only the embedded database is ours to change at start: against a
	// remote server an index build is `custodian migrate`'s, run on
	// purpose, never a side effect of a laptop opening the console.
	if conn.Embedded {
		if err := db.EnsureSchema(ctx, conn.DB); err != nil {
			b.close()
			fmt.Fprintf(stderr, "custodian: prepare database: %v\n", err)
			return nil, exitFailed
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
		ExportDir: filepath.Join(dataDir, "exports"),
		Logger:    g.storeLog,
	})
	if err != nil {
		b.close()
		fmt.Fprintf(stderr, "custodian: %v\n", err)
		return nil, exitFailed
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

func runConsole(ctx context.Context, args []string, stderr io.Writer) int {
	fs, g := newFlagSet("console", stderr)
	if ok, code := parse(fs, args, stderr); !ok {
		return code
	}
	keys, code := loadKeys(g, stderr)
	if code != 0 {
		return code
	}
	b, code := openSeeded(ctx, g, stderr)
	if b == nil {
		return code
	}
	defer b.close()
	defer b.startDrainer(ctx)()
	actor, code := resolveActor(ctx, b.store, g.operator, stderr)
	if code != 0 {
		return code
	}
	cfg := consoleConfig(b, keys)
	cfg.Actor = actor
	cfg.NoColor = os.Getenv("NO_COLOR") != ""
	app := console.New(cfg)
	if _, err := tea.NewProgram(app, tea.WithContext(ctx)).Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		fmt.Fprintf(stderr, "custodian: %v\n", err)
		return exitFailed
	}
	return 0
}

// openSeeded is openBackend for commands that act on the data: the
// embedded database gets the demo data on first use, so `go run .` and the
// other commands have something to work on.
func openSeeded(ctx context.Context, g *globalFlags, stderr io.Writer) (*backend, int) {
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

// loadKeys reads the key bindings (--keys, else the user's keys.toml).
func loadKeys(g *globalFlags, stderr io.Writer) (keymap.KeyMap, int) {
	keysPath := g.keysPath
	if keysPath == "" {
		keysPath = keymap.DefaultPath()
	} else if _, err := os.Stat(keysPath); err != nil {
		// Only the default file may be absent: a --keys nobody can read
		// is a typo, and silently using the default bindings hides it.
		why := err.Error()
		var pe *fs.PathError
		if errors.As(err, &pe) {
			why = pe.Err.Error() // the path is quoted already
		}
		fmt.Fprintf(stderr, "custodian: --keys %s: %s: give an existing key bindings file, or leave --keys out for the defaults\n",
			model.QuoteArg(g.keysPath), model.EscapeLine(why))
		return keymap.KeyMap{}, exitBadInput
	}
	keys, err := keymap.Load(keysPath)
	if err != nil {
		fmt.Fprintf(stderr, "custodian: %s\n", model.EscapeLine(err.Error()))
		return keymap.KeyMap{}, exitBadInput
	}
	return keys, 0
}

// consoleConfig is the console both the local terminal and every SSH
// session run; each sets its own actor and colour.
func consoleConfig(b *backend, keys keymap.KeyMap) console.Config {
	return console.Config{
		Backend: b.store,
		Keys:    keys,
		Clock:   model.SystemClock{},
		// The audit pane's exports: beside the database and the checkpoint.
		ExportDir: filepath.Join(b.dataDir, "exports"),
	}
}

// localHandle decides which operator a command run on this machine acts
// as. The OS account running it is the identity: the operator registered
// to it (operators add --os-user). --operator picks anyone, so it is only
// for the demo database, whose operators are fictional; elsewhere it would
// let one person type two names and be both sides of a four-eyes check.
// On the demo, an account registered to nobody gets the demo's local admin
// (named after the account), as the seed made it.
func localHandle(ctx context.Context, store *db.Store, flagHandle string) (string, error) {
	isDemo, err := store.IsDemo(ctx)
	if err != nil {
		return "", err
	}
	osUser, accountErr := osAccount()
	if flagHandle != "" {
		if isDemo {
			return flagHandle, nil
		}
		if accountErr != nil {
			return "", &operatorFlagError{msg: fmt.Sprintf("--operator is only for the demo database, and on this one the OS account running custodian decides, but %v", accountErr)}
		}
		mine := "no operator is registered to it yet (an admin runs `custodian operators set-os-user HANDLE " + model.CleanLine(osUser) + "`)"
		if op, err := store.OperatorByOSUser(ctx, osUser); err == nil {
			mine = op.Handle
		} else if !errors.Is(err, db.ErrNotFound) {
			return "", err
		}
		return "", &operatorFlagError{msg: fmt.Sprintf("--operator is only for the demo database; on this database you are the operator registered to OS user %s: %s. Run the command without --operator",
			model.CleanLine(osUser), mine)}
	}
	if accountErr != nil {
		if !isDemo {
			return "", &operatorFlagError{msg: fmt.Sprintf("cannot tell who you are: %v", accountErr)}
		}
		osUser = localUser()
	} else {
		op, err := store.OperatorByOSUser(ctx, osUser)
		if err == nil {
			return op.Handle, nil
		}
		if !errors.Is(err, db.ErrNotFound) {
			return "", err
		}
	}
	if isDemo {
		h, err := demo.LocalHandle(osUser)
		if err != nil {
			return "", &operatorFlagError{msg: fmt.Sprintf("%v (choose a demo operator with --operator)", err)}
		}
		return h, nil
	}
	return "", &operatorFlagError{msg: fmt.Sprintf("no operator is registered to OS user %s: ask an admin to run `custodian operators set-os-user HANDLE %s` (or `operators add HANDLE --role ROLE --os-user %s`)",
		model.CleanLine(osUser), model.CleanLine(osUser), model.CleanLine(osUser))}
}

// operatorFlagError is a refusal to act as someone: the user's to fix (exit 2).
type operatorFlagError struct{ msg string }

func (e *operatorFlagError) Error() string { return e.msg }

// resolveActor finds the registered operator the console acts as.
func resolveActor(ctx context.Context, store *db.Store, flagHandle string, stderr io.Writer) (model.Actor, int) {
	handle, err := localHandle(ctx, store, flagHandle)
	if err != nil {
		fmt.Fprintf(stderr, "custodian: %v\n", err)
		var ofe *operatorFlagError
		if errors.As(err, &ofe) {
			return model.Actor{}, exitBadInput
		}
		return model.Actor{}, exitFailed
	}
	op, err := store.Operator(ctx, handle)
	if errors.Is(err, db.ErrNotFound) {
		fmt.Fprintf(stderr, "custodian: no registered operator %q: choose one with --operator, or on an empty database run `custodian seed` for the demo operators\n", model.CleanLine(handle))
		return model.Actor{}, exitBadInput
	}
	if err != nil {
		fmt.Fprintf(stderr, "custodian: operator %q: %v\n", handle, err)
		return model.Actor{}, exitFailed
	}
	if op.Disabled {
		fmt.Fprintf(stderr, "custodian: operator %q is disabled; ask an admin to enable it\n", handle)
		return model.Actor{}, exitBadInput
	}
	return model.Actor{Operator: op, Origin: "local"}, 0
}

func seedIfEmpty(ctx context.Context, b *backend, stderr io.Writer) int {
	seeded, err := db.Seeded(ctx, b.conn)
	if err != nil {
		fmt.Fprintf(stderr, "custodian: %v\n", err)
		return exitFailed
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
		return exitFailed
	}
	fmt.Fprintln(stderr)
	return 0
}

func seedOptions(subjects, requests int, stderr io.Writer) db.SeedOptions {
	last := time.Time{}
	return db.SeedOptions{
		Subjects:  subjects,
		Requests:  requests,
		LocalUser: localUser(),
		Clock:     model.SystemClock{},
		Progress: func(stage string, done, total int) {
			if time.Since(last) < 100*time.Millisecond && done != total {
				return
			}
			last = time.Now()
			fmt.Fprintf(stderr, "\r  %-12s %d/%d   ", stage, done, total)
		},
	}
}

func runSeed(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, g := newFlagSet("seed", stderr)
	subjects := fs.Int("subjects", 0, "")
	requests := fs.Int("requests", 0, "")
	if ok, code := parse(fs, args, stderr); !ok {
		return code
	}
	if *subjects < 0 || *requests < 0 {
		fmt.Fprintln(stderr, "custodian seed: --subjects and --requests must be zero (the default size) or positive")
		return exitBadInput
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
		return exitFailed
	}
	if rep.Skipped {
		fmt.Fprintln(stdout, "demo data already present; nothing changed")
		return 0
	}
	fmt.Fprintf(stdout, "seeded %d tenants, %d subjects, %d records, %d requests, %d operators\n",
		rep.Tenants, rep.Subjects, rep.Records, rep.Requests, rep.Operators)
	return 0
}

func runAuditVerify(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, g := newFlagSet("audit verify", stderr)
	var o db.VerifyOptions
	fs.BoolVar(&o.AllowMissingCheckpoint, "allow-missing-checkpoint", false, "")
	fs.BoolVar(&o.Requests, "requests", false, "")
	if ok, code := parse(fs, args, stderr); !ok {
		return code
	}
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
		return exitFailed
	}
	fmt.Fprintln(stdout, res.Line())
	for _, m := range res.Mismatches {
		fmt.Fprintln(stdout, "  "+model.CleanLine(m))
	}
	if !res.OK {
		return exitFailed
	}
	return 0
}

func runAuditExport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, g := newFlagSet("audit export", stderr)
	var fl cli.ExportFlags
	fs.StringVar(&fl.Since, "since", "", "")
	fs.StringVar(&fl.Until, "until", "", "")
	fs.StringVar(&fl.Tenant, "tenant", "", "")
	fs.StringVar(&fl.Out, "out", "", "")
	if ok, code := parse(fs, args, stderr); !ok {
		return code
	}
	plan, err := cli.ParseExportFlags(fl)
	if err != nil {
		fmt.Fprintf(stderr, "custodian audit export: %v\n", err)
		return exitBadInput
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
			return exitBadInput
		}
		return exitFailed
	}
	fmt.Fprintf(stderr, "exported %d request records to %s\n", n, model.CleanLine(dest))
	return 0
}

func runDB(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "doctor" {
		return runDBDoctor(ctx, args[1:], stdout, stderr)
	}
	fs, g := newFlagSet("db", stderr)
	// No default: the database listens on its socket only, and any TCP
	// address is refused with the reason (db.TCPRefusedError).
	listen := fs.String("listen", "", "")
	if ok, code := parse(fs, args, stderr); !ok {
		return code
	}
	if g.mongoURI != "" {
		fmt.Fprintln(stderr, "custodian db: runs the embedded database; --mongo-uri makes no sense here")
		return exitBadInput
	}
	dataDir, err := g.resolveDataDir()
	if err != nil {
		fmt.Fprintf(stderr, "custodian db: data directory: %v (set --data-dir)\n", err)
		return exitBadInput
	}
	srv, err := db.ServeEmbedded(ctx, dataDir, *listen, quietLogger())
	if err != nil {
		fmt.Fprintf(stderr, "custodian db: %v\n", err)
		return exitBadInput
	}
	fmt.Fprintln(stdout, srv.URI())
	fmt.Fprintf(stderr, "embedded database on its socket, for your OS user only: mongosh %q (data in %s); ctrl+c stops it\n", srv.URI(), dataDir)
	<-ctx.Done()
	closeCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Close(closeCtx); err != nil {
		fmt.Fprintf(stderr, "custodian db: stopping: %v\n", err)
		return exitFailed
	}
	return 0
}

// runDBDoctor lists the writes left pending in the database (after the
// drain every command runs at start) and says what becomes of each; with
// --drop it removes one that no drain can resolve (admins). It exits 1 when
// a claim needs attention.
func runDBDoctor(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, g := newFlagSet("db doctor", stderr)
	drop := fs.String("drop", "", "")
	if ok, code := parse(fs, args, stderr); !ok {
		return code
	}
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
		return exitFailed
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
		return exitFailed
	}
	return 0
}

// quietLogger keeps FerretDB's chatter off the terminal: anything written to
// stderr would corrupt the full-screen UI, and its logs can echo queries.
func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))
}

// osAccount is the name of the OS account running this process, as the
// system's user database has it: the identity of a local operator. Without
// cgo, os/user.Current falls back to $USER when the database has no entry
// for our uid, and an environment variable anyone can set is no identity,
// so the name must look up to our own uid.
func osAccount() (string, error) {
	u, err := user.Current()
	if err != nil {
		return "", fmt.Errorf("the OS account running custodian cannot be looked up: %w", err)
	}
	byName, err := user.Lookup(u.Username)
	sameUID := err == nil && byName.Uid == u.Uid && (runtime.GOOS == "windows" || u.Uid == strconv.Itoa(os.Getuid()))
	if !sameUID {
		return "", fmt.Errorf("the system's user database has no account for uid %d (so $USER cannot be trusted); add one, or use SSH", os.Getuid())
	}
	return u.Username, nil
}

func localUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return os.Getenv("USER")
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, g := newFlagSet("serve", stderr)
	listen := fs.String("listen", sshd.DefaultListen, "")
	readOnly := fs.Bool("readonly", false, "")
	maxSessions := fs.Int("max-sessions", sshd.DefaultMaxSessions, "")
	idle := fs.Duration("idle-timeout", sshd.DefaultIdleTimeout, "")
	if ok, code := parse(fs, args, stderr); !ok {
		return code
	}
	if *maxSessions < 1 || *idle < time.Second {
		fmt.Fprintln(stderr, "custodian serve: --max-sessions must be at least 1 and --idle-timeout at least 1s (e.g. 15m)")
		return exitBadInput
	}
	if _, _, err := net.SplitHostPort(*listen); err != nil {
		fmt.Fprintf(stderr, "custodian serve: --listen %q: want host:port, e.g. 127.0.0.1:2222\n", *listen)
		return exitBadInput
	}
	keys, code := loadKeys(g, stderr)
	if code != 0 {
		return code
	}
	// serve has no screen of its own: what goes wrong in the background
	// (a drain that fails, a checkpoint that cannot advance) is logged.
	g.storeLog = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	b, code := openSeeded(ctx, g, stderr)
	if b == nil {
		return code
	}
	defer b.close()
	defer b.startDrainer(ctx)()
	hk, err := sshd.LoadOrCreateHostKey(filepath.Join(b.dataDir, "ssh_host_ed25519_key"))
	if err != nil {
		fmt.Fprintf(stderr, "custodian serve: %v\n", err)
		return exitFailed
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "custodian serve: listen on %s: %v (is another server using the port? choose one with --listen)\n", *listen, err)
		return exitBadInput
	}
	loopback := isLoopback(ln.Addr())
	app := consoleConfig(b, keys)
	// One subject directory for every session, searched within each
	// operator's scope: per-session copies cost ≈ 280 B a subject each.
	app.SharedLookup = console.NewSharedLookup(ctx, b.store, model.SystemActor("lookup"), app.Clock, app.LookupPoll, app.Timeout)
	srv, err := sshd.New(sshd.Config{
		Store: b.store, App: app, HostKey: hk, ReadOnly: *readOnly,
		AllowDemoKeys: loopback, MaxSessions: *maxSessions, IdleTimeout: *idle,
		Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo})),
	})
	if err != nil {
		_ = ln.Close()
		fmt.Fprintf(stderr, "custodian serve: %v\n", err)
		return exitFailed
	}
	made := "reused"
	if hk.Created {
		made = "created"
	}
	fmt.Fprintf(stdout, "custodian serve: listening on %s\nhost key %s (%s %s)\n", ln.Addr(), hk.Fingerprint, made, hk.Path)
	if *readOnly {
		fmt.Fprintln(stdout, "every session is read-only")
	}
	if !loopback {
		fmt.Fprintln(stdout, "demo operator keys are refused: this listener is reachable beyond this machine")
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		fmt.Fprintf(stderr, "custodian serve: %v\n", err)
		return exitFailed
	case <-ctx.Done():
	}
	fmt.Fprintln(stderr, "custodian serve: shutting down (sessions are told; writes in flight finish)")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		fmt.Fprintf(stderr, "custodian serve: %v\n", err)
	}
	return 0
}

func isLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

func runOperators(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
		fmt.Fprint(stdout, opcli.Usage)
		return 0
	}
	fs, g := newFlagSet("operators", stderr)
	cmd := opcli.Bind(fs)
	if err := opcli.Parse(fs, cmd, args); err != nil {
		fmt.Fprintf(stderr, "custodian operators: %s\n\n%s", model.EscapeLine(err.Error()), opcli.Usage)
		return exitBadInput
	}
	b, code := openSeeded(ctx, g, stderr)
	if b == nil {
		return code
	}
	defer b.close()
	handle, err := localHandle(ctx, b.store, g.operator)
	var ofe *operatorFlagError
	if errors.As(err, &ofe) && g.operator == "" {
		// Nobody registered to this account: only on a database with no
		// operators at all may it go on, for ResolveActor to let it add the
		// first admin. Anywhere else a handle that happens to equal the
		// account's name must not stand in for a registration.
		all, lerr := b.store.Operators(ctx, model.SystemActor("cli"))
		if lerr != nil {
			err = lerr
		} else if len(all) == 0 {
			handle, err = demo.LocalHandle(localUser())
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "custodian operators: %v\n", err)
		if errors.As(err, &ofe) {
			return exitBadInput
		}
		return exitFailed
	}
	cmd.LocalOSUser, _ = osAccount() // none: the first admin gets no OS account
	actor, err := opcli.ResolveActor(ctx, b.store, cmd, handle)
	if err != nil {
		fmt.Fprintf(stderr, "custodian operators: %v\n", err)
		return exitBadInput
	}
	return opcli.Run(ctx, b.store, actor, cmd, stdout, stderr)
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "devel"
}

// runRequests dispatches `custodian requests import|show|list`; the work is
// in package ui/cli.
func runRequests(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "import":
		return runRequestsImport(ctx, args, stdin, stdout, stderr)
	case "show":
		return runRequestsShow(ctx, args, stdout, stderr)
	case "list":
		return runRequestsList(ctx, args, stdout, stderr)
	case "plan":
		return runRequestsPlan(ctx, args, stdout, stderr)
	case "sign-off":
		return runRequestsSignOff(ctx, args, stdout, stderr)
	case "run":
		return runRequestsRun(ctx, args, stdin, stdout, stderr)
	}
	if v, ok := cli.VerbNamed(sub); ok {
		return runRequestsAct(ctx, v, args, stdout, stderr)
	}
	fmt.Fprintf(stderr, "custodian requests: unknown or missing subcommand %q (use: custodian requests import FILE | show ID | list | plan ID | sign-off ID | run ID, or an action such as acknowledge ID; custodian help lists them)\n", sub)
	return exitBadInput
}

// runRequestsAct runs `custodian requests <verb> ID …`: the verb's flags,
// then cli.Act asks the controller.
func runRequestsAct(ctx context.Context, v cli.Verb, args []string, stdout, stderr io.Writer) int {
	fs, g := newFlagSet("requests "+v.Name, stderr)
	flags := cli.BindActFlags(fs, v)
	whats := []string{"request id"}
	if v.Arg != "" {
		whats = append(whats, v.Arg)
	}
	pos, ok, code := parseArgs(fs, args, whats, stderr)
	if !ok {
		return code
	}
	id, arg := pos[0], ""
	if len(pos) > 1 {
		arg = pos[1]
	}
	if err := cli.CheckActFlags(v, flags); err != nil {
		return failRequests(stderr, v.Name, id, err)
	}
	b, actor, code := openActor(ctx, g, "cli", stderr)
	if b == nil {
		return code
	}
	defer b.close()
	if err := cli.Act(ctx, b.store, actor, v, id, arg, flags, time.Now(), stdout); err != nil {
		return failRequests(stderr, v.Name, id, err)
	}
	return 0
}

// parseOneArg parses flags given before or after the one positional
// argument (FILE, ID) and returns it; what names it in the message.
func parseOneArg(fs *flag.FlagSet, args []string, what string, stderr io.Writer) (string, bool, int) {
	pos, ok, code := parseArgs(fs, args, []string{what}, stderr)
	if !ok {
		return "", false, code
	}
	return pos[0], true, 0
}

// parseArgs parses flags given before, between or after the positional
// arguments whats names (ID, SUBJECT_ID) and returns them, all present.
func parseArgs(fs *flag.FlagSet, args []string, whats []string, stderr io.Writer) ([]string, bool, int) {
	var pos []string
	for {
		if ok, code := parseFlags(fs, args, stderr); !ok {
			return nil, false, code
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if len(pos) == len(whats) {
			fmt.Fprintf(stderr, "custodian %s: unexpected argument %q\n\n%s", fs.Name(), rest[0], usage)
			return nil, false, exitBadInput
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	if len(pos) < len(whats) {
		fmt.Fprintf(stderr, "custodian %s: give the %s\n\n%s", fs.Name(), whats[len(pos)], usage)
		return nil, false, exitBadInput
	}
	return pos, true, 0
}

// parseFlags is parse without its refusal of positional arguments.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) (bool, int) {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stderr, usage)
		return false, 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "custodian %s: %s\n\n%s", fs.Name(), model.EscapeLine(err.Error()), usage)
		return false, exitBadInput
	}
	return true, 0
}

// openActor opens the database (seeding the embedded one on first use, as
// the console does) and resolves the operator the command acts as.
func openActor(ctx context.Context, g *globalFlags, origin string, stderr io.Writer) (*backend, model.Actor, int) {
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

// exitFor maps a store error to the exit code: refusals, unknown ids and
// bad input are the caller's to fix (2); anything else failed (1).
func exitFor(err error) int {
	if cli.UsersToFix(err) {
		return exitBadInput
	}
	return exitFailed
}

// failRequests reports a requests command's error on request id (empty
// for import and list) with what to do next, and returns its exit code.
func failRequests(stderr io.Writer, cmd, id string, err error) int {
	fmt.Fprintf(stderr, "custodian requests %s: %s\n", cmd, cli.Explain(err, id))
	return exitFor(err)
}

func runRequestsImport(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs, g := newFlagSet("requests import", stderr)
	skipInvalid := fs.Bool("skip-invalid", false, "")
	path, ok, code := parseOneArg(fs, args, "file to import (FILE.jsonl, or - for standard input)", stderr)
	if !ok {
		return code
	}
	in := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			fmt.Fprintf(stderr, "custodian requests import: %s\n", model.EscapeLine(err.Error()))
			return exitBadInput
		}
		defer f.Close()
		in = f
	}
	b, actor, code := openActor(ctx, g, "import", stderr)
	if b == nil {
		return code
	}
	defer b.close()
	last := time.Time{}
	rep, err := cli.Import(ctx, b.store, actor, in, cli.ImportOptions{
		SkipInvalid: *skipInvalid,
		Clock:       model.SystemClock{},
		Progress: func(done, total int) {
			if time.Since(last) < 100*time.Millisecond && done != total {
				return
			}
			last = time.Now()
			fmt.Fprintf(stderr, "\r  importing %d/%d   ", done, total)
		},
	})
	if !last.IsZero() {
		fmt.Fprintln(stderr)
	}
	// A refusal before any line was read (the operator may not log
	// requests) has no counts worth printing; anything else reports them.
	if err == nil || rep.Imported+rep.Present+len(rep.Invalid)+len(rep.Failed) > 0 {
		rep.WriteText(stdout)
	}
	switch {
	case err != nil:
		return failRequests(stderr, "import", "", err)
	case len(rep.Invalid) > 0:
		return exitBadInput
	case len(rep.Failed) > 0:
		return exitFailed
	}
	return 0
}

func runRequestsShow(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, g := newFlagSet("requests show", stderr)
	asJSON := fs.Bool("json", false, "")
	return onRequest(ctx, fs, g, args, stderr, func(b *backend, actor model.Actor, id string) error {
		return cli.Show(ctx, b.store, actor, id, *asJSON, time.Now(), stdout)
	})
}

func runRequestsList(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, g := newFlagSet("requests list", stderr)
	asJSON := fs.Bool("json", false, "")
	status := fs.String("status", "open", "")
	tenant := fs.String("tenant", "", "")
	if ok, code := parse(fs, args, stderr); !ok {
		return code
	}
	statuses, err := cli.ParseStatuses(*status)
	if err != nil {
		fmt.Fprintf(stderr, "custodian requests list: %v\n", err)
		return exitBadInput
	}
	b, actor, code := openActor(ctx, g, "cli", stderr)
	if b == nil {
		return code
	}
	defer b.close()
	if err := cli.List(ctx, b.store, actor, cli.ListOptions{Statuses: statuses, TenantID: *tenant, JSON: *asJSON}, time.Now(), stdout); err != nil {
		return failRequests(stderr, "list", "", err)
	}
	return 0
}

func runRequestsPlan(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, g := newFlagSet("requests plan", stderr)
	asJSON := fs.Bool("json", false, "")
	fresh := fs.Bool("new", false, "")
	return onRequest(ctx, fs, g, args, stderr, func(b *backend, actor model.Actor, id string) error {
		return cli.Plan(ctx, b.store, actor, id, cli.PlanOptions{New: *fresh, JSON: *asJSON}, stdout)
	})
}

func runRequestsSignOff(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, g := newFlagSet("requests sign-off", stderr)
	digest := fs.String("digest", "", "")
	return onRequest(ctx, fs, g, args, stderr, func(b *backend, actor model.Actor, id string) error {
		return cli.SignOff(ctx, b.store, actor, id, *digest, stdout)
	})
}

func runRequestsRun(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs, g := newFlagSet("requests run", stderr)
	yes := fs.Bool("yes", false, "")
	// One line per step on stderr, so a wrapper (or a test) sees each step
	// land; ctrl+c cancels ctx, which stops the run between steps and the
	// error says how to resume.
	progress := func(p model.StepProgress) {
		fmt.Fprintf(stderr, "step %d/%d %s\n", p.Done, p.Total, model.CleanLine(p.Label))
	}
	return onRequest(ctx, fs, g, args, stderr, func(b *backend, actor model.Actor, id string) error {
		return cli.Run(ctx, b.store, actor, id, cli.RunOptions{Yes: *yes, Ask: terminalAsk(stdin, stderr)}, progress, stdout)
	})
}

// terminalAsk asks a yes/no question on a terminal (no unless the answer
// starts with y); nil when stdin is not a terminal, so a script that did
// not say --yes is refused rather than left waiting.
func terminalAsk(stdin io.Reader, stderr io.Writer) func(string) (bool, error) {
	f, ok := stdin.(*os.File)
	if !ok {
		return nil
	}
	if !term.IsTerminal(f.Fd()) {
		return nil
	}
	return func(q string) (bool, error) {
		fmt.Fprintf(stderr, "%s [y/N] ", q)
		line, err := bufio.NewReader(f).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return false, err
		}
		a := strings.ToLower(strings.TrimSpace(line))
		return a == "y" || a == "yes", nil
	}
}

// onRequest is the shape of the commands that act on one request: the flags
// around its id, the database opened as --operator, the act, its failure
// reported with what to do next.
func onRequest(ctx context.Context, fs *flag.FlagSet, g *globalFlags, args []string, stderr io.Writer, act func(b *backend, actor model.Actor, id string) error) int {
	id, ok, code := parseOneArg(fs, args, "request id", stderr)
	if !ok {
		return code
	}
	b, actor, code := openActor(ctx, g, "cli", stderr)
	if b == nil {
		return code
	}
	defer b.close()
	if err := act(b, actor, id); err != nil {
		return failRequests(stderr, strings.TrimPrefix(fs.Name(), "requests "), id, err)
	}
	return 0
}

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
	if err != nil {
		for _, r := range reports {
			fmt.Fprintln(stdout, r)
		}
		fmt.Fprintf(stderr, "custodian migrate: %v\n", err)
		return exitFailed
	}
	if cli.WriteMigrateReport(stdout, stderr, conn.URI, *check, reports) {
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
	cli.WriteRemoteSchemaWarnings(stderr, conn.DB.Name(), conn.URI, reports)
}
