package command

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// smtpURLEnv sets --smtp-url when the flag is not given; read when the
// command runs, so help never prints a URL with its password.
const smtpURLEnv = "CUSTODIAN_SMTP_URL"

// mailFromEnv sets the sender when --from is not given, and for the
// letters the controller queues by itself (sub-processor notices).
const mailFromEnv = "CUSTODIAN_MAIL_FROM"

// letterFromDefault is the sender when --from is not given.
func letterFromDefault() string { return cmp.Or(os.Getenv(mailFromEnv), model.DefaultLetterFrom) }

// letterCommands are the CLI door to correspondence: send one letter after
// a person has read it, and deliver what waits in the outbox.
func letterCommands() []Command {
	id := Arg{Name: "ID", What: "request id"}
	return []Command{
		{Path: "requests letter", Args: []Arg{id},
			Summary: "render a letter for a request with its Customer's template, show it, and send it once confirmed",
			Detail: "Asks y/N on a terminal unless --yes; without a terminal it refuses unless --yes. The message is\n" +
				"stored with the SHA-256 of its bytes on the audit chain, then delivered: to <data dir>/outbox/ as an\n" +
				".eml file, or by SMTP with --smtp-url (or CUSTODIAN_SMTP_URL). Sending the same letter again finds\n" +
				"the stored message instead of sending a second.",
			Bind: bindRequestsLetter},
		{Path: "requests letters", Args: []Arg{id},
			Summary: "the letters of a request: kind, status, attempts, last error, masked recipient, SHA-256 of the bytes",
			Bind:    bindRequestsLetters},
		{Path: "outbox send", Summary: "deliver the queued letters whose time has come (retries failed ones after their backoff)",
			Detail: "With --every it keeps running as the outbox worker, a pass each interval, until ctrl+c.",
			Bind:   bindOutboxSend},
	}
}

// mailFlags are the delivery flags both commands take.
type mailFlags struct{ smtpURL, from *string }

func bindMailFlags(fs *flag.FlagSet) mailFlags {
	return mailFlags{
		smtpURL: fs.String("smtp-url", "", "send by SMTP: `URL` smtp://user:password@host:587 (STARTTLS required) or smtps://…:465 (default $"+smtpURLEnv+"; none: .eml files in <data dir>/outbox)"),
		from:    fs.String("from", "", "the sender `ADDRESS` (default $"+mailFromEnv+", else "+model.DefaultLetterFrom+"); also of the sub-processor notices a run queues"),
	}
}

// useSender checks the sender address the flags give and makes it the
// store's too (g.letterFrom): the commands with mail flags call it before
// opening the store.
func (m mailFlags) useSender(g *Globals) error {
	from, err := model.SafeAddress(cmp.Or(*m.from, letterFromDefault()))
	if err != nil {
		return fmt.Errorf("%w: --from (or $%s): %w", db.ErrInvalid, mailFromEnv, err)
	}
	*m.from, g.letterFrom = from, from
	return nil
}

// deliverer is the outbox the flags choose, and a line saying where
// letters go (never the URL: it may carry a password).
func (m mailFlags) deliverer(dataDir string) (db.Deliverer, string, error) {
	raw := *m.smtpURL
	if raw == "" {
		raw = os.Getenv(smtpURLEnv)
	}
	if raw != "" {
		u, err := db.ParseSMTPURL(raw)
		if err != nil {
			return nil, "", fmt.Errorf("%w: %w", db.ErrInvalid, err)
		}
		return db.SMTPOutbox{URL: u}, "by SMTP through " + u.Hostname(), nil
	}
	if dataDir == "" {
		return nil, "", fmt.Errorf("%w: no data directory for the outbox: pass --data-dir or --smtp-url", db.ErrInvalid)
	}
	dir := filepath.Join(dataDir, "outbox")
	return db.EMLOutbox{Dir: dir}, "to " + dir, nil
}

func bindRequestsLetter(fs *flag.FlagSet) Run {
	kind := fs.String("kind", "", "the letter `KIND` (custodian templates list TENANT shows them)")
	yes := fs.Bool("yes", false, "send without asking")
	mf := bindMailFlags(fs)
	return func(ctx context.Context, env Env, g *Globals, args []string) int {
		k, err := model.ParseLetterKind(*kind)
		if err != nil {
			return failLetter(env.Stderr, "letter", fmt.Errorf("%w: --kind: %w", db.ErrInvalid, err))
		}
		if err := mf.useSender(g); err != nil {
			return failLetter(env.Stderr, "letter", err)
		}
		b, actor, code := openActor(ctx, g, "cli", env.Stderr)
		if b == nil {
			return code
		}
		defer b.close()
		out, where, err := mf.deliverer(b.dataDir)
		if err != nil {
			return failLetter(env.Stderr, "letter", err)
		}
		l, err := b.store.PreviewLetter(ctx, actor, args[0], k)
		if err != nil {
			return failRequests(env.Stderr, "letter", args[0], err)
		}
		writeLetter(env.Stdout, l)
		if !*yes {
			ask := terminalAsk(env.Stdin, env.Stderr)
			if ask == nil {
				fmt.Fprintln(env.Stderr, "custodian requests letter: not sent: no terminal to confirm on; read the letter above and pass --yes to send it")
				return ExitBadInput
			}
			if ok, err := ask("Send this letter?"); err != nil || !ok {
				fmt.Fprintln(env.Stderr, "custodian requests letter: not sent")
				return ExitFailed
			}
		}
		m, err := b.store.QueueLetter(ctx, actor, args[0], k, *mf.from)
		if err != nil {
			return failRequests(env.Stderr, "letter", args[0], err)
		}
		if m.Status == db.MsgSent {
			fmt.Fprintf(env.Stdout, "already sent as %s (sha256 %s); not sent again\n", m.ID, m.SHA256)
			return 0
		}
		fmt.Fprintf(env.Stdout, "queued %s (sha256 %s)\n", m.ID, m.SHA256)
		if code := deliverNow(ctx, env, b.store, out, where, *mf.from); code != 0 {
			return code
		}
		msgs, err := b.store.Messages(ctx, actor, args[0])
		if err != nil {
			return failRequests(env.Stderr, "letter", args[0], err)
		}
		for _, x := range msgs {
			if x.ID == m.ID && x.Status != db.MsgSent {
				fmt.Fprintf(env.Stderr, "custodian requests letter: %s is %s, not delivered: %s; `custodian outbox send` tries again after its backoff\n",
					m.ID, x.Status, model.EscapeLine(x.LastError))
				return ExitFailed
			}
		}
		return 0
	}
}

func bindOutboxSend(fs *flag.FlagSet) Run {
	mf := bindMailFlags(fs)
	every := fs.Duration("every", 0, "keep running, a delivery pass every `INTERVAL` (e.g. 30s), until interrupted")
	return func(ctx context.Context, env Env, g *Globals, _ []string) int {
		if *every < 0 {
			return failLetter(env.Stderr, "send", fmt.Errorf("%w: --every must be positive, e.g. 30s", db.ErrInvalid))
		}
		if err := mf.useSender(g); err != nil {
			return failLetter(env.Stderr, "send", err)
		}
		b, _, code := openActor(ctx, g, "cli", env.Stderr)
		if b == nil {
			return code
		}
		defer b.close()
		out, where, err := mf.deliverer(b.dataDir)
		if err != nil {
			return failLetter(env.Stderr, "send", err)
		}
		if *every == 0 {
			if code := remindProcessorsNow(ctx, env, b.store); code != 0 {
				return code
			}
			return deliverNow(ctx, env, b.store, out, where, *mf.from)
		}
		// The worker: a pass, then a wait; a pass that fails (the database
		// restarting) is reported and the next one tries again.
		t := time.NewTicker(*every)
		defer t.Stop()
		for {
			remindProcessorsNow(ctx, env, b.store)
			deliverNow(ctx, env, b.store, out, where, *mf.from)
			select {
			case <-ctx.Done():
				return 0
			case <-t.C:
			}
		}
	}
}

// remindProcessorsNow queues the sub-processor reminders due (their
// schedule is model.ProcessorReminderDue), so the pass that follows
// delivers them.
func remindProcessorsNow(ctx context.Context, env Env, s *db.Store) int {
	n, err := s.RemindProcessors(ctx, time.Now())
	if err != nil {
		fmt.Fprintf(env.Stderr, "custodian outbox: %s\n", model.EscapeLine(err.Error()))
		return exitFor(err)
	}
	if n > 0 {
		fmt.Fprintf(env.Stdout, "queued %d sub-processor reminders\n", n)
	}
	return 0
}

// deliverNow runs one pass of the outbox: every due message, each claimed
// before it is sent.
func deliverNow(ctx context.Context, env Env, s *db.Store, out db.Deliverer, where, from string) int {
	n, err := s.DeliverDue(ctx, out, from, 100)
	if err != nil {
		fmt.Fprintf(env.Stderr, "custodian outbox: %s\n", model.EscapeLine(err.Error()))
		return exitFor(err)
	}
	fmt.Fprintf(env.Stdout, "delivered %d %s\n", n, where)
	return 0
}

func failLetter(stderr io.Writer, verb string, err error) int {
	fmt.Fprintf(stderr, "custodian requests %s: %s\n", verb, model.EscapeLine(err.Error()))
	return exitFor(err)
}

func bindRequestsLetters(fs *flag.FlagSet) Run {
	asJSON := fs.Bool("json", false, "print JSON for scripts")
	return func(ctx context.Context, env Env, g *Globals, args []string) int {
		b, actor, code := openActor(ctx, g, "cli", env.Stderr)
		if b == nil {
			return code
		}
		defer b.close()
		msgs, err := b.store.Messages(ctx, actor, args[0])
		if err != nil {
			return failRequests(env.Stderr, "letters", args[0], err)
		}
		if *asJSON {
			return writeJSON(env, msgs)
		}
		w := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(w, "KIND\tSTATUS\tATTEMPTS\tTO\tQUEUED (UTC)\tSHA-256\tLAST ERROR")
		for _, m := range msgs {
			fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", m.Kind, m.Status, m.Attempts, model.CleanLine(m.To.Email),
				m.CreatedAt.UTC().Format(time.DateTime), m.SHA256[:12], orDash(model.CleanLine(m.LastError)))
		}
		w.Flush()
		return 0
	}
}

// outboxEveryDefault is how often the outbox worker of the console and
// serve delivers what is due; a letter queued from the console also wakes
// it at once.
const outboxEveryDefault = 10 * time.Second

// outboxWorker is the delivery the flags choose, run in the background of
// a long-running process (the console, serve) until stop is called; wake
// asks for a pass now (never blocks). report hears each pass's error.
type outboxWorker struct {
	wake func()
	stop func()
}

// startOutbox checks the mail flags and starts the worker; a bad --from or
// --smtp-url is an error for the caller to report before anything opens.
func (m mailFlags) startOutbox(ctx context.Context, b *backend, every time.Duration, report func(error)) (outboxWorker, string, error) {
	if every <= 0 {
		return outboxWorker{}, "", fmt.Errorf("%w: --outbox-every must be positive, e.g. 10s", db.ErrInvalid)
	}
	from, err := model.SafeAddress(cmp.Or(*m.from, letterFromDefault()))
	if err != nil {
		return outboxWorker{}, "", fmt.Errorf("%w: --from (or $%s): %w", db.ErrInvalid, mailFromEnv, err)
	}
	out, where, err := m.deliverer(b.dataDir)
	if err != nil {
		return outboxWorker{}, "", err
	}
	ctx, cancel := context.WithCancel(ctx)
	wake := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		db.RunOutboxWake(ctx, b.store, out, from, every, wake, func(_ int, err error) {
			if err != nil && report != nil {
				report(err)
			}
		})
	}()
	return outboxWorker{
		wake: func() {
			select {
			case wake <- struct{}{}:
			default: // a pass is already asked for
			}
		},
		stop: func() { cancel(); <-done },
	}, where, nil
}
