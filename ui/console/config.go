package console

// What main hands the console, its defaults, and the Context built from it.

import (
	"cmp"
	"time"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// Config is what the console needs from main.
type Config struct {
	Backend Backend
	Actor   model.Actor
	// Keys are the bindings; the zero KeyMap means keymap.Default().
	Keys keymap.KeyMap
	// Clock is "now" for deadlines; nil means the system clock.
	Clock model.Clock
	// ReadOnly marks a session that may change nothing (serve --readonly).
	// The actor's own ReadOnly and a role that cannot triage also show the badge.
	ReadOnly bool
	// NoColor draws with attributes only (main sets it from NO_COLOR).
	NoColor bool
	// Light starts with the light theme until the terminal reports its
	// background; without a report the dark theme is kept.
	Light bool
	// Scope is the tenant id to start narrowed to; "" is every tenant.
	Scope string
	// PageSize is the keyset page the queue asks for (default 500, at most 1000).
	PageSize int
	// QueueCap is the most rows the queue loads (default 10,000); the footer
	// says when more exist.
	QueueCap int
	// Timeout bounds each backend call (default 30s).
	Timeout time.Duration
	// ExportDir is where the audit pane writes request-record exports
	// (main: <data dir>/exports); empty disables exports from the console.
	ExportDir string
	// Lookup
	// RevealFor is how long a revealed value stays on screen (default 20s).
	RevealFor time.Duration
	// LookupPoll is how often the Lookup pane asks for subjects changed
	// since its directory was built (default 30s); ctrl+r asks at once.
	LookupPoll time.Duration
	// SharedLookup, when set, is the process's one subject directory: the
	// Lookup pane searches it within the session's scope instead of
	// building its own, and leaves polling to it (serve shares one among
	// all its SSH sessions).
	SharedLookup *SharedLookup
	// Conn, when set, reports the database connection's state; the status
	// line says when it is lost and when it is back.
	Conn ConnWatch
	// LivePoll is how often the console polls for changes made elsewhere
	// (live.go): 0 is model.LivePollDefault (3 s), negative turns live
	// refresh off. It needs a backend that implements Live.
	LivePoll time.Duration
	// Letters
	// LetterFrom is the sender address of the letters queued from the
	// console (the --from of console and serve); "" is "privacy@localhost".
	LetterFrom string
	// LetterQueued, when set, is called after a letter is queued from the
	// console: the process's outbox worker runs a pass at once instead of
	// at its next tick. It must not block.
	LetterQueued func()
	// LetterAfterAction opens the letter pane after an action that calls
	// for a letter (A: the acknowledgement, E: the extension notices, M:
	// the reminder, …). The console and serve turn it on; tests that drive
	// actions for other reasons leave it off.
	LetterAfterAction bool
}

// maxPageSize is the largest keyset page the queue asks for.
const maxPageSize = 1000

// withDefaults fills in what the caller left zero.
func (cfg Config) withDefaults() Config {
	if len(cfg.Keys.All()) == 0 {
		cfg.Keys = keymap.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = model.SystemClock{}
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 500
	}
	// A backend may serve fewer rows than asked for (the store caps pages);
	// a short page reads as "no more", so never ask for more than any serves.
	cfg.PageSize = min(cfg.PageSize, maxPageSize)
	if cfg.QueueCap <= 0 {
		cfg.QueueCap = 10_000
	}
	if cfg.LivePoll == 0 {
		cfg.LivePoll = model.LivePollDefault
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.ReadOnly {
		// The session's read-only flag rides on the actor, so the
		// controller refuses writes too, not only the keys.
		cfg.Actor.ReadOnly = true
	}
	return cfg
}

// newContext is the session state every pane shares, built from cfg.
func newContext(cfg Config) *Context {
	return &Context{
		Theme:    NewTheme(!cfg.Light, cfg.NoColor),
		Keys:     cfg.Keys,
		Actor:    cfg.Actor,
		Clock:    cfg.Clock,
		Backend:  cfg.Backend,
		ReadOnly: cfg.ReadOnly || cfg.Actor.ReadOnly || !cfg.Actor.Can(model.PermTriage),
		NoColor:  cfg.NoColor,
		PageSize: cfg.PageSize,
		QueueCap: cfg.QueueCap,
		Timeout:  cfg.Timeout,
		Scope:    cfg.Scope,
		// Audit
		ExportDir: cfg.ExportDir,
		// Letters
		LetterFrom:        cmp.Or(cfg.LetterFrom, "privacy@localhost"),
		letterQueued:      cfg.LetterQueued,
		letterAfterAction: cfg.LetterAfterAction,
	}
}
