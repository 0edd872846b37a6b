package command

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/console"
)

func bindConsole(fs *flag.FlagSet) Run {
	mf := bindMailFlags(fs)
	every := fs.Duration("outbox-every", outboxEveryDefault, "deliver queued letters every `INTERVAL` while the console runs")
	return func(ctx context.Context, env Env, g *Globals, _ []string) int {
		stderr := env.Stderr
		keys, code := loadKeys(g, stderr)
		if code != 0 {
			return code
		}
		if err := mf.useSender(g); err != nil {
			fmt.Fprintf(stderr, "custodian console: %s\n", model.EscapeLine(err.Error()))
			return exitFor(err)
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
		// The outbox worker: letters queued from the console leave while it
		// runs. A failed pass shows on the request and in :health; the
		// terminal belongs to the console, so nothing is printed.
		outbox, _, err := mf.startOutbox(ctx, b, *every, nil)
		if err != nil {
			fmt.Fprintf(stderr, "custodian console: %s\n", model.EscapeLine(err.Error()))
			return exitFor(err)
		}
		defer outbox.stop()
		cfg := consoleConfig(b, keys)
		cfg.Actor = actor
		cfg.LetterFrom, cfg.LetterQueued = *mf.from, outbox.wake
		cfg.NoColor = os.Getenv("NO_COLOR") != ""
		app := console.New(cfg)
		if _, err := tea.NewProgram(app, tea.WithContext(ctx)).Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) {
			fmt.Fprintf(stderr, "custodian: %v\n", err)
			return ExitFailed
		}
		if why := app.Ended(); why != "" {
			// The console closed itself (its operator was disabled).
			fmt.Fprintf(stderr, "custodian: %s\n", model.EscapeLine(why))
			return ExitFailed
		}
		return 0
	}
}

// loadKeys reads the key bindings (--keys, else the user's keys.toml).
func loadKeys(g *Globals, stderr io.Writer) (keymap.KeyMap, int) {
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
		return keymap.KeyMap{}, ExitBadInput
	}
	keys, err := keymap.Load(keysPath)
	if err != nil {
		fmt.Fprintf(stderr, "custodian: %s\n", model.EscapeLine(err.Error()))
		return keymap.KeyMap{}, ExitBadInput
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
		Conn:      b.conn,
		// Letters: an action that calls for a letter opens it to send.
		LetterAfterAction: true,
	}
}
