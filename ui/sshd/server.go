// Package sshd serves the console over SSH (`custodian serve`): public-key
// logins for registered, enabled operators only, one Bubble Tea program per
// session with the client's terminal, and a few plain commands for sessions
// without one. It keeps no state of its own beyond memory, so several
// servers can share one database. It may import the console, db and model;
// nothing imports it but the CLI's serve command.
package sshd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"charm.land/ssh"
	"charm.land/wish/v2"
	gossh "golang.org/x/crypto/ssh"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/ui/console"
)

// Every console session reads and writes through the store itself.
var _ console.Backend = (*db.Store)(nil)
var _ console.Live = (*db.Store)(nil)
var _ console.Notices = (*db.Store)(nil)
var _ console.Deliveries = (*db.Store)(nil)

// Defaults for Config's zero values.
const (
	DefaultListen           = "127.0.0.1:2222"
	DefaultMaxSessions      = 64
	DefaultIdleTimeout      = 15 * time.Minute
	DefaultHandshakeTimeout = 20 * time.Second
	DefaultMaxAuthTries     = 6
	defaultLookupTimeout    = 10 * time.Second
)

// Config is what a Server needs.
type Config struct {
	// Store is what every session reads and writes through. Shutdown
	// stops its writes for good (db.Store.StopWrites).
	Store *db.Store
	// App is the console every session starts from (keys, clock, page
	// sizes); Backend, Actor, ReadOnly and NoColor are set per session.
	App     console.Config
	HostKey HostKey
	// ReadOnly makes every session read-only (serve --readonly).
	ReadOnly bool
	// AllowDemoKeys accepts the demo operators' keys, whose private halves
	// anyone can derive; main allows them only on a loopback listener.
	AllowDemoKeys bool
	// MaxSessions caps concurrent sessions; the next one is told so and closed.
	MaxSessions int
	// IdleTimeout ends a console session nobody has typed in for this long.
	// Only key presses and pastes count: the UI redrawing does not.
	IdleTimeout      time.Duration
	HandshakeTimeout time.Duration
	// MaxAuthTries is the authentication attempts one connection gets.
	MaxAuthTries int
	// MaxUnauthenticated caps connections still authenticating; the next
	// is closed before its handshake and counted as refused.
	MaxUnauthenticated int
	// RefusalInterval is how long refused logins from one address are
	// gathered into one audit entry (also written at Shutdown).
	RefusalInterval time.Duration
	LookupTimeout   time.Duration
	// Logger gets one line per login, session and refusal: handles,
	// addresses and fingerprints, never request or subject data.
	Logger *slog.Logger
	// Now is the limiter's clock; nil is time.Now.
	Now func() time.Time
}

// Server is an SSH server for the console.
type Server struct {
	cfg     Config
	srv     *ssh.Server
	log     *slog.Logger
	limiter *failureLimiter
	refused refusals
	// strangers gathers refused logins until the next flush; pending holds
	// the connections still authenticating.
	strangers refusalLog
	pending   *preauth
	flushing  sync.Once
	stopOnce  sync.Once
	stopFlush chan struct{}
	flushDone chan struct{}

	// shared is the store the consoles use, their live polls shared.
	shared *sharedLive

	mu       sync.Mutex
	live     map[*session]struct{}
	closing  bool
	handlers sync.WaitGroup

	// reportMu serialises the open-session reports for the health view
	// (sessioncount.go); reportDone is set once Shutdown withdrew them.
	reportMu   sync.Mutex
	reportDone bool
	reportName string
}

// New configures a server; Serve starts it.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("ssh server: no store")
	}
	if cfg.HostKey.Signer == nil {
		return nil, errors.New("ssh server: no host key")
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.HandshakeTimeout <= 0 {
		cfg.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if cfg.MaxAuthTries <= 0 {
		cfg.MaxAuthTries = DefaultMaxAuthTries
	}
	if cfg.LookupTimeout <= 0 {
		cfg.LookupTimeout = defaultLookupTimeout
	}
	if cfg.MaxUnauthenticated <= 0 {
		cfg.MaxUnauthenticated = DefaultMaxUnauthenticated
	}
	if cfg.RefusalInterval <= 0 {
		cfg.RefusalInterval = DefaultRefusalInterval
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg, log: cfg.Logger, limiter: newFailureLimiter(cfg.Now), live: map[*session]struct{}{},
		pending: newPreauth(cfg.MaxUnauthenticated), stopFlush: make(chan struct{}), flushDone: make(chan struct{}),
		reportName: reporterName(), shared: newSharedLive(cfg.Store, time.Now)}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	srv, err := wish.NewServer(
		func(srv *ssh.Server) error {
			srv.AddHostKey(cfg.HostKey.Signer)
			srv.HandshakeTimeout = cfg.HandshakeTimeout
			srv.ServerConfigCallback = func(ssh.Context) *gossh.ServerConfig {
				return &gossh.ServerConfig{MaxAuthTries: cfg.MaxAuthTries, AuthLogCallback: s.authAttempted}
			}
			srv.ConnCallback = s.connectionOpened
			srv.ConnectionFailedCallback = s.connectionFailed
			srv.ConnectionCloseCallback = s.connectionClosed
			return nil
		},
		wish.WithVersion("custodian"),
		// Public keys only: with no password or keyboard-interactive
		// handler x/crypto offers neither, and "none" always fails.
		wish.WithPublicKeyAuth(s.checkKey),
		// Every session goes through s.handle, which runs the console
		// through wish's Bubble Tea middleware (session.go).
		wish.WithMiddleware(func(ssh.Handler) ssh.Handler { return s.handle }),
		// No wish idle timeout: the connection is never idle while the UI
		// redraws, so it could not end a forgotten session; the
		// keyboard-idle timer does.
	)
	if err != nil {
		return nil, fmt.Errorf("ssh server: %w", err)
	}
	s.srv = srv
	return s, nil
}

// Serve accepts connections on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	s.startFlushing()
	err := s.srv.Serve(ln)
	if errors.Is(err, ssh.ErrServerClosed) {
		return nil
	}
	return err
}

// startFlushing starts the periodic audit of refused logins, once.
func (s *Server) startFlushing() {
	s.flushing.Do(func() { go s.flushEvery(s.cfg.RefusalInterval, s.stopFlush, s.flushDone) })
}

// Sessions is the number of sessions open now.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.live)
}

// LiveSessions lists the sessions open now that have an operator.
func (s *Server) LiveSessions() []SessionInfo {
	s.mu.Lock()
	live := make([]*session, 0, len(s.live))
	for ls := range s.live {
		live = append(live, ls)
	}
	s.mu.Unlock()
	var out []SessionInfo
	for _, ls := range live {
		ls.mu.Lock()
		if ls.info.ID != "" {
			out = append(out, ls.info)
		}
		ls.mu.Unlock()
	}
	return out
}

// Shutdown stops accepting connections, tells every console session it is
// closing, waits for the sessions, drops what is left, writes the refused
// logins it gathered, and then stops the store's writes: the ones already
// running (a write half way through its claim, a fulfilment step) finish,
// later ones are refused (db.ErrShuttingDown), so the caller can close the
// connection. ctx bounds the waits. The Store is this server's alone: it
// takes no writes after Shutdown.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	live := make([]*session, 0, len(s.live))
	for ls := range s.live {
		live = append(live, ls)
	}
	s.mu.Unlock()

	// Shutdown with an ended context closes the listeners and returns.
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	_ = s.srv.Shutdown(stopped)

	for _, ls := range live {
		ls.end(endShutdown)
	}
	done := make(chan struct{})
	go func() { s.handlers.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("ssh server: sessions still open at shutdown: %w", ctx.Err())
	}
	if cerr := s.srv.Close(); cerr != nil && err == nil && !errors.Is(cerr, net.ErrClosed) {
		err = cerr
	}
	if ferr := s.flushStrangers(ctx); ferr != nil && err == nil {
		err = ferr
	}
	s.withdrawSessions(ctx)
	// Last: the refusals above are writes too, and a console's command may
	// still be running after its session ended.
	if serr := s.cfg.Store.StopWrites(ctx); serr != nil && err == nil {
		err = fmt.Errorf("ssh server: database writes still running at shutdown: %w", serr)
	}
	return err
}

// flushStrangers ends the connections still authenticating (counting their
// refusals), stops the periodic flush and writes what is left, so every
// refusal counted reaches the audit chain.
func (s *Server) flushStrangers(ctx context.Context) error {
	s.pending.closeAll()
	werr := s.pending.wait(ctx)
	s.startFlushing() // a server never served still has a flusher to stop
	s.stopOnce.Do(func() { close(s.stopFlush) })
	<-s.flushDone
	if err := s.flushRefusals(ctx); err != nil {
		return fmt.Errorf("ssh server: %w", err)
	}
	if werr != nil {
		return fmt.Errorf("ssh server: connections still authenticating at shutdown: %w", werr)
	}
	return nil
}

// admit registers a new session unless the server is closing or full.
func (s *Server) admit() (*session, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return nil, "the server is shutting down; try again in a moment"
	}
	if len(s.live) >= s.cfg.MaxSessions {
		return nil, fmt.Sprintf("the server already has its limit of %d sessions open; try again later", s.cfg.MaxSessions)
	}
	ls := &session{}
	s.live[ls] = struct{}{}
	s.handlers.Add(1)
	return ls, ""
}

func (s *Server) release(ls *session) {
	s.mu.Lock()
	delete(s.live, ls)
	s.mu.Unlock()
	s.reportSessions() // before Done: Shutdown's withdrawal comes after every report
	s.handlers.Done()
}
