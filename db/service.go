package db

// This file runs the embedded database as a shared background service
// (`custodian db`), and lets clients find it, start it when nobody runs it,
// and start it again when it went away.
//
// The service owns the data directory's lock, runs FerretDB on a private
// socket inside the SQLite directory and relays custodian.sock to it. The
// relay is what counts clients: FerretDB exposes no connection count, and
// the service stops by itself once no client has been connected for its
// idle period. A control socket answers `custodian db status` and `stop`.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

const (
	// ServiceLogName is the service's log in the data directory; a client
	// that starts the service sends its standard streams there too, so a
	// crash at start is recorded.
	ServiceLogName = "custodian-db.log"
	// controlSocketName answers one-line requests: "status" and "stop".
	controlSocketName = "custodian-db.ctl"
	// innerSocketName is where FerretDB itself listens, inside the private
	// SQLite directory; only the service's relay dials it.
	innerSocketName = "fdb"

	// DefaultServiceIdle is how long the service waits with no client
	// connected before it stops.
	DefaultServiceIdle = 10 * time.Minute

	// serviceStartTimeout bounds how long a client waits for a service it
	// started (or one that is starting) to answer.
	serviceStartTimeout = 20 * time.Second
	// serviceSelection is how long a client's operation waits for the
	// server during an outage: long enough for the service to be restarted
	// (a second to notice, a second to start FerretDB).
	serviceSelection = 15 * time.Second
	// respawnEvery rate-limits starting the service from one client.
	respawnEvery = 3 * time.Second
	// watchEvery is how often a client checks its connection.
	watchEvery = time.Second
	// maxServiceLog is the log size at which the service rotates it at
	// start, keeping one previous log.
	maxServiceLog = 10 << 20
)

// Service is the embedded database run as its own process (ServeService).
type Service struct {
	srv     *EmbeddedServer
	ln      net.Listener
	ctl     net.Listener
	sock    string
	started time.Time
	idle    time.Duration
	log     *slog.Logger

	mu      sync.Mutex
	clients map[net.Conn]struct{}
	lastUse time.Time

	stopOnce sync.Once
	stopWhy  string
	stopped  chan struct{} // closed when the service is asked to stop
	done     chan struct{} // closed once everything is released
}

// ServiceStatus is what `custodian db status` reports.
type ServiceStatus struct {
	Running bool      `json:"running"`
	PID     int       `json:"pid,omitempty"`
	Socket  string    `json:"socket"`
	URI     string    `json:"uri"`
	Log     string    `json:"log"`
	Started time.Time `json:"started,omitzero"`
	// Clients is the number of client connections (a process usually holds
	// several); -1 when the owner of the data directory is not a service
	// that can say (a process hosting the database in-process).
	Clients int           `json:"clients"`
	Idle    time.Duration `json:"idle_ns,omitempty"`
}

// ServeService runs the embedded database on dataDir as a shared service
// until ctx is cancelled, Stop is called, a `custodian db stop` arrives, no
// client has been connected for idle, or the data directory's socket is
// removed (the directory was deleted: nobody can reach the service again).
func ServeService(ctx context.Context, dataDir string, idle time.Duration, logger *slog.Logger) (*Service, error) {
	if idle <= 0 {
		return nil, fmt.Errorf("the idle period must be positive, got %s", idle)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	// FerretDB warns about every command it lacks (endSessions at each
	// client's exit): its errors are all the log needs.
	ferretLog := slog.New(minLevel{Handler: logger.Handler(), min: slog.LevelError})
	srv, err := startEmbeddedAt(ctx, context.WithoutCancel(ctx), dataDir, ferretLog, false, true)
	var held *dirHeldError
	if errors.As(err, &held) {
		reason := fmt.Sprintf("another custodian process%s already owns the data directory %s (lock file %s) and serves it at %s",
			held.pidText(), held.dir, held.lockPath(), socketURI(held.socketPath()))
		return nil, &ConnectError{Reason: reason, Hint: "`custodian db status` shows it; `custodian db stop` stops it", Err: held}
	}
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Service, error) {
		closeCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return nil, errors.Join(err, srv.Close(closeCtx))
	}
	s := &Service{srv: srv, sock: filepath.Join(srv.dataDir, socketFileName), started: time.Now(), idle: idle, log: logger,
		clients: map[net.Conn]struct{}{}, lastUse: time.Now(), stopped: make(chan struct{}), done: make(chan struct{})}
	// The stale socket was removed under the lock by startEmbeddedAt.
	if s.ln, err = listenPrivate(s.sock); err != nil {
		return fail(err)
	}
	ctl := filepath.Join(srv.dataDir, controlSocketName)
	if err := os.Remove(ctl); err != nil && !errors.Is(err, fs.ErrNotExist) {
		_ = s.ln.Close()
		return fail(fmt.Errorf("remove stale %s: %w", ctl, err))
	}
	// A data directory whose control path is too long still serves clients;
	// only status and stop go without it.
	if len(ctl) <= maxSocketPath {
		if s.ctl, err = listenPrivate(ctl); err != nil {
			_ = s.ln.Close()
			return fail(err)
		}
	}
	go s.relay()
	if s.ctl != nil {
		go s.control()
	}
	go s.watch(ctx)
	go func() {
		<-s.stopped
		_ = s.ln.Close()
		if s.ctl != nil {
			_ = s.ctl.Close()
		}
		// Clients reconnect to the next service; holding their connections
		// open would only delay FerretDB's shutdown by its grace period.
		s.mu.Lock()
		for c := range s.clients {
			_ = c.Close()
		}
		s.mu.Unlock()
		closeCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		// The listeners' Close removed both socket files while we still
		// held the lock: removing anything after srv.Close could delete
		// the next service's sockets.
		if err := srv.Close(closeCtx); err != nil {
			s.log.Error("stop embedded database", "err", err)
		}
		s.log.Warn("custodian db stopped", "reason", s.stopWhy)
		close(s.done)
	}()
	s.log.Warn("custodian db started", "pid", os.Getpid(), "socket", s.sock, "idle", idle.String())
	return s, nil
}

// minLevel drops records below min, whatever the handler's own level.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{Handler: h.Handler.WithAttrs(as), min: h.min}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{Handler: h.Handler.WithGroup(name), min: h.min}
}

// listenPrivate listens on a Unix socket only the owner may open: the data
// directory is 0700 already, the chmod is a second lock.
func listenPrivate(path string) (net.Listener, error) {
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("restrict socket %s: %w", path, err)
	}
	return ln, nil
}

// URI is the mongodb:// URI of the service's socket.
func (s *Service) URI() string { return socketURI(s.sock) }

// Done is closed once the service has stopped and released the data
// directory.
func (s *Service) Done() <-chan struct{} { return s.done }

// Reason says why the service stopped (empty while it runs).
func (s *Service) Reason() string {
	select {
	case <-s.done:
		return s.stopWhy
	default:
		return ""
	}
}

// Stop asks the service to stop and waits, at most until ctx is done, until
// it has released the data directory.
func (s *Service) Stop(ctx context.Context, why string) error {
	s.stop(why)
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop the database service in %s: %w", s.srv.dataDir, ctx.Err())
	}
}

func (s *Service) stop(why string) {
	s.stopOnce.Do(func() {
		s.stopWhy = why
		close(s.stopped)
	})
}

// Status is the service's own view of itself.
func (s *Service) Status() ServiceStatus {
	s.mu.Lock()
	n := len(s.clients)
	s.mu.Unlock()
	return ServiceStatus{Running: true, PID: os.Getpid(), Socket: s.sock, URI: s.URI(),
		Log: filepath.Join(s.srv.dataDir, ServiceLogName), Started: s.started, Clients: n, Idle: s.idle}
}

// relay accepts clients on custodian.sock and joins each to FerretDB.
func (s *Service) relay() {
	inner := filepath.Join(s.srv.dataDir, sqliteDirName, innerSocketName)
	for {
		c, err := s.ln.Accept()
		if err != nil {
			select {
			case <-s.stopped:
			default:
				s.log.Error("accept client", "err", err)
				s.stop("the client socket failed: " + err.Error())
			}
			return
		}
		up, err := net.Dial("unix", inner)
		if err != nil {
			s.log.Error("reach FerretDB", "err", err)
			_ = c.Close()
			continue
		}
		if !s.track(c, true) {
			_ = c.Close()
			_ = up.Close()
			continue
		}
		go func() {
			pipe(c, up)
			s.track(c, false)
		}()
	}
}

// track adds or removes a client; it refuses to add one once stopping.
func (s *Service) track(c net.Conn, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		select {
		case <-s.stopped:
			return false
		default:
		}
		s.clients[c] = struct{}{}
	} else {
		delete(s.clients, c)
	}
	s.lastUse = time.Now()
	return true
}

// pipe copies both ways until either side closes, then closes both.
func pipe(a, b net.Conn) {
	var wg sync.WaitGroup
	wg.Add(2)
	cp := func(dst, src net.Conn) {
		defer wg.Done()
		_, _ = io.Copy(dst, src)
		_ = dst.Close()
		_ = src.Close()
	}
	go cp(a, b)
	go cp(b, a)
	wg.Wait()
}

// watch stops the service when ctx ends, when it has been idle long enough,
// or when its socket file is gone.
func (s *Service) watch(ctx context.Context) {
	t := time.NewTicker(max(10*time.Millisecond, min(time.Second, s.idle/4)))
	defer t.Stop()
	for {
		select {
		case <-s.stopped:
			return
		case <-ctx.Done():
			s.stop("signalled")
			return
		case <-t.C:
		}
		if _, err := os.Stat(s.sock); err != nil {
			s.stop("its socket " + s.sock + " was removed")
			return
		}
		s.mu.Lock()
		quiet := len(s.clients) == 0 && time.Since(s.lastUse) >= s.idle
		s.mu.Unlock()
		if quiet {
			s.stop(fmt.Sprintf("no client for %s", s.idle))
			return
		}
	}
}

// control answers `custodian db status` and `custodian db stop`.
func (s *Service) control() {
	for {
		c, err := s.ctl.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			line, err := bufio.NewReader(io.LimitReader(c, 64)).ReadString('\n')
			if err != nil {
				return
			}
			switch line {
			case "status\n":
				_ = json.NewEncoder(c).Encode(s.Status())
			case "stop\n":
				_, _ = io.WriteString(c, "stopping\n")
				s.stop("custodian db stop")
			default:
				_, _ = io.WriteString(c, "unknown request\n")
			}
		}()
	}
}

// askService sends one control request to the service on dir.
func askService(ctx context.Context, dir, req string) ([]byte, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", filepath.Join(dir, controlSocketName))
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	if _, err := io.WriteString(c, req+"\n"); err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(c, 4096))
}

// StatusOf reports whether a database service runs on dataDir, and what it
// says about itself.
func StatusOf(ctx context.Context, dataDir string) (ServiceStatus, error) {
	dir, err := resolveDataDir(dataDir)
	if err != nil {
		return ServiceStatus{}, err
	}
	st := ServiceStatus{Socket: filepath.Join(dir, socketFileName), Log: filepath.Join(dir, ServiceLogName), Clients: -1}
	st.URI = socketURI(st.Socket)
	free, pid, err := lockFree(dir)
	if err != nil {
		return st, err
	}
	if free {
		return st, nil
	}
	st.Running, st.PID = true, pid
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	b, err := askService(ctx, dir, "status")
	if err != nil {
		return st, nil // an in-process owner, or a service too busy to say
	}
	var got ServiceStatus
	if json.Unmarshal(b, &got) != nil {
		return st, nil
	}
	return got, nil
}

// ErrNotRunning is StopService on a data directory no service runs on.
var ErrNotRunning = errors.New("no database service is running")

// StopService asks the service on dataDir to stop and waits until it has
// released the data directory. A process hosting the database in-process
// (not a service) is not stopped: it would take its own work down with it.
func StopService(ctx context.Context, dataDir string) (ServiceStatus, error) {
	st, err := StatusOf(ctx, dataDir)
	if err != nil {
		return st, err
	}
	if !st.Running {
		return st, fmt.Errorf("%w on %s", ErrNotRunning, filepath.Dir(st.Socket))
	}
	actx, cancel := context.WithTimeout(ctx, 3*time.Second)
	_, err = askService(actx, filepath.Dir(st.Socket), "stop")
	cancel()
	if err != nil {
		pid := ""
		if st.PID > 0 {
			pid = fmt.Sprintf(" (pid %d)", st.PID)
		}
		return st, fmt.Errorf("the process%s holding %s does not answer as a database service: it may be a console hosting the database itself; quit it there", pid, filepath.Dir(st.Socket))
	}
	for {
		free, _, err := lockFree(filepath.Dir(st.Socket))
		if err != nil {
			return st, err
		}
		if free {
			return st, nil
		}
		select {
		case <-ctx.Done():
			return st, fmt.Errorf("the database service on %s did not stop: %w", filepath.Dir(st.Socket), ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// lockFree reports whether nobody holds dir's lock (taking and releasing it
// to find out), else the holder's pid if it could be read. A directory or
// lock file that does not exist is free, and is not created.
func lockFree(dir string) (bool, int, error) {
	f, err := lockDataDirNoPID(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return true, 0, nil
	}
	if err != nil {
		var held *dirHeldError
		if errors.As(err, &held) {
			return false, held.pid, nil
		}
		return false, 0, err
	}
	_ = f.Close()
	return true, 0, nil
}

// lockDataDirNoPID takes an existing lock file's lock without writing our
// pid into it.
func lockDataDirNoPID(dir string) (*os.File, error) {
	return lockFileIn(dir, os.O_RDWR)
}

// OpenServiceLog opens the service's log for appending, rotating it first
// when it has grown past maxServiceLog.
func OpenServiceLog(dataDir string) (*os.File, error) {
	dir, err := resolveDataDir(dataDir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, ServiceLogName)
	if fi, err := os.Stat(path); err == nil && fi.Size() > maxServiceLog {
		_ = os.Rename(path, path+".1")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the database service log: %w", err)
	}
	return f, nil
}

// spawnService starts the service for dir as a detached process: its own
// session, no terminal, its streams in the log, and nobody waiting for it
// to end, so no client's exit or ctrl+c reaches it.
//
// The returned channel gets the process's exit, should it end.
func spawnService(argv []string, dir string) (<-chan error, error) {
	if len(argv) == 0 {
		return nil, errors.New("no command to start the database service")
	}
	logf, err := OpenServiceLog(dir)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(argv[0], append(append([]string{}, argv[1:]...), "--data-dir", dir)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = dir
	cmd.SysProcAttr = detachedAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the database service %s: %w", argv[0], err)
	}
	// Reaped if it ends while we run, so it never lingers as a zombie.
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	return exited, nil
}

// lastLogLine is the service log's last line that says what went wrong
// (the service writes "custodian db: …" when it cannot start), else its
// last line.
func lastLogLine(dir string) string {
	f, err := os.Open(filepath.Join(dir, ServiceLogName))
	if err != nil {
		return ""
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > 4096 {
		_, _ = f.Seek(-4096, io.SeekEnd)
	}
	b, _ := io.ReadAll(f)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], "custodian db: ") {
			return oneLine(strings.TrimPrefix(lines[i], "custodian db: "))
		}
	}
	return oneLine(lines[len(lines)-1])
}

// openService connects to the database service on the data directory,
// starting it if nobody runs it, and keeps watching the connection.
func openService(ctx context.Context, o Options, dbName string) (*Conn, error) {
	dir, err := resolveDataDir(o.DataDir)
	if err != nil {
		return nil, err
	}
	if err := checkSocketDir(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", dir, err)
	}
	uri := socketURI(filepath.Join(dir, socketFileName))
	co := options.Client().ApplyURI(uri).
		SetServerSelectionTimeout(serviceSelection).
		SetConnectTimeout(connectTimeout).
		SetAppName(appName)
	client, err := mongo.Connect(co)
	if err != nil {
		return nil, fmt.Errorf("connect to the database service at %s: %w", uri, err)
	}
	w := &connWatch{dir: dir, argv: o.Service, changed: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	deadline := time.Now().Add(serviceStartTimeout)
	var lastErr error
	for {
		if lastErr = ping(ctx, client, 700*time.Millisecond); lastErr == nil {
			break
		}
		if err := w.ensure(); err != nil {
			disconnect(client)
			return nil, err
		}
		// A service that ended at once, with nobody else serving, will
		// not answer: say why instead of waiting out the timeout. (One
		// that lost the race to another client's service ends too.)
		select {
		case err := <-w.exited:
			w.exited = nil
			if free, _, _ := lockFree(dir); err != nil && free {
				disconnect(client)
				return nil, &ConnectError{Reason: "the database service could not start: " + lastLogLine(dir),
					Hint: "see " + filepath.Join(dir, ServiceLogName), Err: err}
			}
		default:
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			disconnect(client)
			if errors.Is(ctx.Err(), context.Canceled) {
				return nil, fmt.Errorf("connect to the database service in %s: %w", dir, ctx.Err())
			}
			return nil, &ConnectError{
				Reason: fmt.Sprintf("the database service for %s did not answer within %s", dir, serviceStartTimeout),
				Hint:   "see " + filepath.Join(dir, ServiceLogName) + " and `custodian db status`",
				Err:    lastErr,
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	c := &Conn{Client: client, DB: client.Database(dbName), URI: uri, Embedded: true, Topology: "FerretDB", watch: w}
	go w.run(client)
	return c, nil
}

// ConnState is what a client knows about its connection to the database
// service.
type ConnState int

const (
	// ConnUp: the service answers.
	ConnUp ConnState = iota
	// ConnLost: the service stopped answering; the client is starting it
	// again (if nobody else is) and waiting for it.
	ConnLost
	// ConnRestored: it answers again after an outage.
	ConnRestored
)

func (s ConnState) String() string {
	switch s {
	case ConnLost:
		return "database connection lost — reconnecting…"
	case ConnRestored:
		return "database reconnected"
	}
	return "database connected"
}

// connWatch pings the service and restarts it when it is gone.
type connWatch struct {
	dir       string
	argv      []string
	lastSpawn time.Time
	exited    <-chan error // the last service this client started ends

	mu      sync.Mutex
	state   ConnState
	changed chan struct{} // closed and replaced at every change of state

	stop chan struct{}
	done chan struct{}
}

// ensure starts the service when nobody holds the data directory (at most
// once every respawnEvery). Two clients may both start one: the second
// finds the lock taken and exits.
func (w *connWatch) ensure() error {
	if time.Since(w.lastSpawn) < respawnEvery {
		return nil
	}
	free, _, err := lockFree(w.dir)
	if err != nil || !free {
		return err
	}
	w.lastSpawn = time.Now()
	exited, err := spawnService(w.argv, w.dir)
	w.exited = exited
	return err
}

func (w *connWatch) set(s ConnState) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.state == s {
		return
	}
	w.state = s
	close(w.changed)
	w.changed = make(chan struct{})
}

func (w *connWatch) run(client *mongo.Client) {
	defer close(w.done)
	t := time.NewTicker(watchEvery)
	defer t.Stop()
	fails := 0
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), watchEvery)
		err := ping(ctx, client, watchEvery)
		cancel()
		if err == nil {
			fails = 0
			w.mu.Lock()
			lost := w.state == ConnLost
			w.mu.Unlock()
			if lost {
				w.set(ConnRestored)
			}
			continue
		}
		// One slow ping under load is not an outage; a free lock is.
		fails++
		free, _, _ := lockFree(w.dir)
		if fails >= 2 || free {
			w.set(ConnLost)
		}
		if free {
			_ = w.ensure()
		}
	}
}

// State is the connection's state and a channel closed when it next
// changes. A connection to MongoDB or to a database hosted in this process
// is always ConnUp, with a nil channel (it never changes).
func (c *Conn) State() (ConnState, <-chan struct{}) {
	if c.watch == nil {
		return ConnUp, nil
	}
	c.watch.mu.Lock()
	defer c.watch.mu.Unlock()
	return c.watch.state, c.watch.changed
}

// ConnLost reports whether the connection to the database service is lost
// now, and a channel closed when that next changes (nil when it never
// does: MongoDB, or a database hosted in this process).
func (c *Conn) ConnLost() (bool, <-chan struct{}) {
	s, ch := c.State()
	return s == ConnLost, ch
}
