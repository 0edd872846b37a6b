package command

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/custodian-dev/custodian/model"
)

// Globals are the flags every command takes, before or after its name.
type Globals struct {
	mongoURI string
	dataDir  string
	database string
	operator string
	keysPath string
	// auditKey and checkpointLog: StoreOptions.AuditKeyPath, CheckpointLog.
	auditKey      string
	checkpointLog string

	// Set by the command, not by a flag.

	// mustExist: the command only inspects, so a data directory with no
	// database is a mistake to report, not one to create (db.Options.MustExist).
	mustExist bool
	// verifyOnly opens the store for audit verify: no key is created and
	// nothing is written but the verdict kept for `custodian health`, so a
	// missing key is reported, not replaced.
	verifyOnly bool
	// storeLog receives the store's warnings (a pending write the drain
	// could not finish, a checkpoint that did not advance); nil discards
	// them, as the console must: a line on stderr would tear its screen.
	storeLog *slog.Logger
	// letterFrom is the sender of the letters the controller queues by
	// itself (StoreOptions.LetterFrom): the --from of the commands that
	// have one, else $CUSTODIAN_MAIL_FROM (letterFromDefault).
	letterFrom string
}

// envDefaults are the global flags an environment variable sets when the
// flag is not given. They are applied after parsing, so the help shows
// fixed defaults and never a URI (with its password) from the environment.
func envDefaults(g *Globals) map[string]struct {
	env string
	dst *string
} {
	return map[string]struct {
		env string
		dst *string
	}{
		"mongo-uri":      {"CUSTODIAN_MONGO_URI", &g.mongoURI},
		"audit-key":      {"CUSTODIAN_AUDIT_KEY", &g.auditKey},
		"checkpoint-log": {"CUSTODIAN_CHECKPOINT_LOG", &g.checkpointLog},
	}
}

// bindGlobals declares the global flags on fs.
func bindGlobals(fs *flag.FlagSet, g *Globals) {
	fs.StringVar(&g.mongoURI, "mongo-uri", "", "use the MongoDB server at `URI` (env CUSTODIAN_MONGO_URI); empty: the embedded database (FerretDB)")
	fs.StringVar(&g.dataDir, "data-dir", "", "`DIR` holding the embedded database, the audit checkpoint and the keys (default $XDG_DATA_HOME/custodian)")
	fs.StringVar(&g.database, "db", "custodian", "the database's `NAME` on the server")
	fs.StringVar(&g.operator, "operator", "", "act as the demo operator `HANDLE` (demo database only: elsewhere you are the operator registered to your OS user)")
	fs.StringVar(&g.keysPath, "keys", "", "read key bindings from `FILE` (default $XDG_CONFIG_HOME/custodian/keys.toml)")
	fs.StringVar(&g.auditKey, "audit-key", "", "read the audit chain's MAC key from `FILE`, shared by every server (env CUSTODIAN_AUDIT_KEY; default audit-mac.key in the data directory)")
	fs.StringVar(&g.checkpointLog, "checkpoint-log", "", "also append every audit checkpoint to `FILE`, or \"syslog\" (env CUSTODIAN_CHECKPOINT_LOG)")
}

// applyEnv fills the global flags left out on fs from the environment.
func applyEnv(fs *flag.FlagSet, g *Globals) {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for name, d := range envDefaults(g) {
		if !given[name] {
			*d.dst = os.Getenv(d.env)
		}
	}
}

// newFlagSet is a flag set that reports nothing itself: parseLine says
// what went wrong in one line.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// isGlobal reports whether name is a global flag.
func isGlobal(name string) bool {
	fs := newFlagSet("")
	bindGlobals(fs, &Globals{})
	return fs.Lookup(name) != nil
}

// parseInterleaved parses flags given before, between or after the
// positional arguments and returns the positionals in order.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// After "--" everything is positional.
		if consumed := args[:len(args)-len(rest)]; len(consumed) > 0 && consumed[len(consumed)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

// checkArgs holds positionals to what c declares.
func checkArgs(c Command, pos []string) error {
	if c.FreeArgs {
		return nil
	}
	if len(pos) > len(c.Args) {
		return fmt.Errorf("unexpected argument %s", model.QuoteArg(pos[len(c.Args)]))
	}
	if len(pos) < len(c.Args) {
		return fmt.Errorf("give the %s", c.Args[len(pos)].What)
	}
	return nil
}

// badInput reports a command line that cannot run, in one line naming
// what to do, and returns ExitBadInput.
func badInput(stderr io.Writer, path string, err error) int {
	name := strings.TrimSpace("custodian " + path)
	fmt.Fprintf(stderr, "%s: %s (%s lists the flags)\n", name, model.EscapeLine(err.Error()), strings.TrimSpace("custodian help "+path))
	return ExitBadInput
}
