package command

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"time"

	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/console"
	"github.com/custodian-dev/custodian/ui/sshd"
)

// bindServe is `custodian serve`: the console over SSH.
func bindServe(fs *flag.FlagSet) Run {
	listen := fs.String("listen", sshd.DefaultListen, "listen on `ADDR` (host:port); demo operator keys work only on a loopback address")
	readOnly := fs.Bool("readonly", false, "make every session read-only")
	maxSessions := fs.Int("max-sessions", sshd.DefaultMaxSessions, "allow at most `N` sessions at once; the next one is told and closed")
	idle := fs.Duration("idle-timeout", sshd.DefaultIdleTimeout, "close a session after `D` (e.g. 15m) without a key press")
	mf := bindMailFlags(fs)
	every := fs.Duration("outbox-every", outboxEveryDefault, "deliver queued letters every `INTERVAL` while serving")
	return func(ctx context.Context, env Env, g *Globals, _ []string) int {
		stdout := env.Stdout
		stderr := env.Stderr
		if *maxSessions < 1 || *idle < time.Second {
			fmt.Fprintln(stderr, "custodian serve: --max-sessions must be at least 1 and --idle-timeout at least 1s (e.g. 15m)")
			return ExitBadInput
		}
		if _, _, err := net.SplitHostPort(*listen); err != nil {
			fmt.Fprintf(stderr, "custodian serve: --listen %q: want host:port, e.g. 127.0.0.1:2222\n", *listen)
			return ExitBadInput
		}
		keys, code := loadKeys(g, stderr)
		if code != 0 {
			return code
		}
		// serve has no screen of its own: what goes wrong in the background
		// (a drain that fails, a checkpoint that cannot advance) is logged.
		g.storeLog = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		if err := mf.useSender(g); err != nil {
			fmt.Fprintf(stderr, "custodian serve: %s\n", model.EscapeLine(err.Error()))
			return exitFor(err)
		}
		b, code := openSeeded(ctx, g, stderr)
		if b == nil {
			return code
		}
		defer b.close()
		defer b.startDrainer(ctx)()
		hk, err := sshd.LoadOrCreateHostKey(filepath.Join(b.dataDir, "ssh_host_ed25519_key"))
		if err != nil {
			fmt.Fprintf(stderr, "custodian serve: %v\n", err)
			return ExitFailed
		}
		ln, err := net.Listen("tcp", *listen)
		if err != nil {
			fmt.Fprintf(stderr, "custodian serve: listen on %s: %v (is another server using the port? choose one with --listen)\n", *listen, err)
			return ExitBadInput
		}
		loopback := isLoopback(ln.Addr())
		outboxLog := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		outbox, where, err := mf.startOutbox(ctx, b, *every, func(err error) { outboxLog.Warn("outbox", "err", err) })
		if err != nil {
			_ = ln.Close()
			fmt.Fprintf(stderr, "custodian serve: %s\n", model.EscapeLine(err.Error()))
			return exitFor(err)
		}
		defer outbox.stop()
		app := consoleConfig(b, keys)
		app.LetterFrom, app.LetterQueued = *mf.from, outbox.wake
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
			return ExitFailed
		}
		made := "reused"
		if hk.Created {
			made = "created"
		}
		fmt.Fprintf(stdout, "custodian serve: listening on %s\nhost key %s (%s %s)\n", ln.Addr(), hk.Fingerprint, made, hk.Path)
		fmt.Fprintf(stdout, "letters are delivered %s\n", where)
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
			return ExitFailed
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
}

func isLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}
