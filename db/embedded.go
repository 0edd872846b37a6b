package db

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Files in the data directory.
const (
	// lockFileName is flocked by the process that runs FerretDB on the data
	// directory. FerretDB caches SQLite metadata in memory, so two servers on
	// the same files would silently diverge and corrupt them.
	lockFileName = "custodian.lock"
	// uriFileName holds the running server's URI so that a second custodian
	// process can join the first one's server instead of failing.
	uriFileName = "embedded.uri"
	// sqliteDirName keeps FerretDB's *.sqlite files apart from ours.
	sqliteDirName = "ferretdb"
)

// joinTimeout bounds how long a second process waits for the owner of the
// data directory to publish and serve its URI (the owner may be starting).
const joinTimeout = 5 * time.Second

// ferretNewMu serialises ferretdb.New. This is the one package-level mutable
// value in db, and it guards a third-party global rather than state of ours:
// every ferretdb.New writes version.Get().Package without synchronisation,
// so parallel tests that each start a server are reported by -race.
var ferretNewMu sync.Mutex

// EmbeddedServer is FerretDB running in this process on a data directory
// whose lock this process holds.
type EmbeddedServer struct {
	uri     string
	dataDir string
	stop    context.CancelFunc
	done    chan struct{}
}

// URI is the mongodb:// URI clients (mongosh, Compass, mongodump, another
// custodian with --mongo-uri) can use. There is no authentication, which is
// why the server only ever listens on loopback.
func (s *EmbeddedServer) URI() string { return s.uri }

// DataDir is the absolute data directory the server owns.
func (s *EmbeddedServer) DataDir() string { return s.dataDir }

// Wait blocks until the server has stopped (its context was cancelled or
// Close was called) and has released the data directory.
func (s *EmbeddedServer) Wait() error {
	<-s.done
	return nil
}

// Close stops the server and waits, at most until ctx is done, for it to
// close its SQLite files and release the data directory. Clients still
// connected delay this by up to 3 s (FerretDB's grace period).
func (s *EmbeddedServer) Close(ctx context.Context) error {
	s.stop()
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop embedded database in %s: %w", s.dataDir, ctx.Err())
	}
}

// ServeEmbedded runs the embedded database alone (`custodian db`) until ctx
// is cancelled or Close is called. listen is "host:port", ":port" or a bare
// port; an empty host means 127.0.0.1, and a non-loopback host is refused
// because FerretDB is started without authentication.
//
// A plain `custodian` started on the same data directory while this runs
// connects to this server.
func ServeEmbedded(ctx context.Context, dataDir, listen string, logger *slog.Logger) (*EmbeddedServer, error) {
	addr, err := loopbackAddr(listen)
	if err != nil {
		return nil, err
	}
	// Probe a fixed port first: when ferretdb.New cannot listen it returns
	// an unwrapped error string and leaves its SQLite backend open.
	if !strings.HasSuffix(addr, ":0") {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("embedded database cannot listen on %s: %w", addr, err)
		}
		_ = l.Close()
	}
	s, err := startEmbedded(ctx, ctx, dataDir, addr, logger, false)
	var held *dirHeldError
	if errors.As(err, &held) {
		reason := fmt.Sprintf("another custodian process%s already owns the data directory %s (lock file %s)",
			held.pidText(), held.dir, held.lockPath())
		if uri, uriErr := readOwnerURI(held.uriPath()); uriErr == nil {
			reason += " and serves it at " + uri
		}
		return nil, &ConnectError{Reason: reason, Hint: "stop that process, or connect to its URI", Err: held}
	}
	return s, err
}

func openEmbedded(ctx context.Context, o Options) (*Conn, error) {
	dbName := o.Database
	if dbName == "" {
		dbName = DefaultDatabase
	}
	if err := checkDatabaseName(dbName); err != nil {
		return nil, err
	}

	// The server outlives Open's context (which may carry a start-up
	// timeout); it stops in Conn.Close.
	srv, err := startEmbedded(ctx, context.WithoutCancel(ctx), o.DataDir, "127.0.0.1:0", o.Logger, o.NoSync)
	var held *dirHeldError
	if errors.As(err, &held) {
		return joinOwner(ctx, held, dbName)
	}
	if err != nil {
		return nil, err
	}

	client, err := newClient(ctx, srv.URI(), connectTimeout)
	if err != nil {
		stopCtx, cancel := context.WithTimeout(context.Background(), 2*connectTimeout)
		defer cancel()
		return nil, errors.Join(fmt.Errorf("open embedded database in %s: %w", srv.dataDir, err), srv.Close(stopCtx))
	}
	return &Conn{Client: client, DB: client.Database(dbName), URI: srv.URI(), Embedded: true, server: srv}, nil
}

// joinOwner connects to the server run by the process that holds the data
// directory's lock. It retries for a while because that process may be
// between taking the lock and publishing its URI, or a crashed owner's URI
// file may still be there.
func joinOwner(ctx context.Context, held *dirHeldError, dbName string) (*Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, joinTimeout)
	defer cancel()

	var lastErr error
	var uri string
	for {
		var err error
		if uri, err = readOwnerURI(held.uriPath()); err == nil {
			var client *mongo.Client
			if client, err = newClient(ctx, uri, time.Second); err == nil {
				return &Conn{Client: client, DB: client.Database(dbName), URI: uri, Embedded: true}, nil
			}
		}
		lastErr = err
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.Canceled) {
				return nil, fmt.Errorf("join embedded database in %s: %w", held.dir, ctx.Err())
			}
			at := ""
			if uri != "" {
				at = " at " + hostOf(uri)
			}
			return nil, &ConnectError{
				Reason: fmt.Sprintf("another custodian process%s owns the data directory %s (lock file %s) and its database%s did not answer",
					held.pidText(), held.dir, held.lockPath(), at),
				Hint: "stop that process; to share one database between consoles, run `custodian db` and start them with --mongo-uri set to the URI it prints",
				Err:  lastErr,
			}
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func startEmbedded(ctx, life context.Context, dataDir, addr string, logger *slog.Logger, noSync bool) (*EmbeddedServer, error) {
	dir, err := resolveDataDir(dataDir)
	if err != nil {
		return nil, err
	}
	sqliteDir := filepath.Join(dir, sqliteDirName)
	// FerretDB 1.24 decodes its SQLite URL and then hands the decoded path
	// back to SQLite as a URI, so '#' and '?' cut the path short and '%'
	// is decoded twice: the database files would land elsewhere.
	if strings.ContainsAny(sqliteDir, "#?%") {
		return nil, fmt.Errorf("the embedded database cannot use the data directory %q: its path contains '#', '?' or '%%', which FerretDB mishandles; choose another directory", dir)
	}
	if err := os.MkdirAll(sqliteDir, 0o700); err != nil {
		return nil, fmt.Errorf("create embedded database directory: %w", err)
	}
	// FerretDB creates its SQLite files 0644 and they hold personal data;
	// a private directory keeps other local users out whatever the data
	// directory's own mode.
	if err := os.Chmod(sqliteDir, 0o700); err != nil {
		return nil, fmt.Errorf("restrict embedded database directory: %w", err)
	}

	lock, err := lockDataDir(dir)
	if err != nil {
		return nil, err
	}
	uriPath := filepath.Join(dir, uriFileName)
	// Left behind by a crashed owner, it would point clients at a dead port.
	if err := os.Remove(uriPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		_ = lock.Close()
		return nil, fmt.Errorf("remove stale %s: %w", uriPath, err)
	}
	if err := ctx.Err(); err != nil {
		_ = lock.Close()
		return nil, fmt.Errorf("start embedded database in %s: %w", dir, err)
	}

	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	// Built from parts so that characters such as spaces are escaped.
	sqliteURL := &url.URL{Scheme: "file", Path: filepath.ToSlash(sqliteDir) + "/"}
	if noSync {
		// FerretDB adds its own pragmas (WAL, busy timeout) after ours.
		sqliteURL.RawQuery = url.Values{"_pragma": {"synchronous(OFF)"}}.Encode()
	}

	ferretNewMu.Lock()
	fdb, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: addr},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: sqliteURL.String(),
	})
	ferretNewMu.Unlock()
	if err != nil {
		_ = lock.Close()
		return nil, fmt.Errorf("start embedded database in %s on %s: %w", dir, addr, err)
	}

	runCtx, stop := context.WithCancel(life)
	s := &EmbeddedServer{dataDir: dir, stop: stop, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		// Run returns only after the listener, every connection and the
		// SQLite backend are closed; only then may another process take over.
		_ = fdb.Run(runCtx)
		_ = os.Remove(uriPath)
		_ = lock.Close()
	}()

	// MongoDBURI blocks until the listener exists. In v1.24 ferretdb.New
	// already opened it, but the documented contract is "after Run", and
	// Run is now underway.
	s.uri = fdb.MongoDBURI()

	if err := writeFileAtomic(uriPath, []byte(s.uri+"\n")); err != nil {
		stop()
		<-s.done
		return nil, fmt.Errorf("publish embedded database URI: %w", err)
	}
	return s, nil
}

func resolveDataDir(dataDir string) (string, error) {
	if dataDir == "" {
		d, err := DefaultDataDir()
		if err != nil {
			return "", err
		}
		dataDir = d
	}
	dir, err := filepath.Abs(dataDir)
	if err != nil {
		return "", fmt.Errorf("resolve data directory %q: %w", dataDir, err)
	}
	return dir, nil
}

// dirHeldError reports that another open file description (another process,
// or another Open in this one) holds the data directory's lock.
type dirHeldError struct {
	dir string
	pid int // 0 if the owner's pid could not be read
}

func (e *dirHeldError) Error() string {
	return fmt.Sprintf("data directory %s is locked by another process%s", e.dir, e.pidText())
}

func (e *dirHeldError) lockPath() string { return filepath.Join(e.dir, lockFileName) }
func (e *dirHeldError) uriPath() string  { return filepath.Join(e.dir, uriFileName) }

func (e *dirHeldError) pidText() string {
	if e.pid == 0 {
		return ""
	}
	return fmt.Sprintf(" (pid %d)", e.pid)
}

// lockDataDir takes the data directory's exclusive lock and records our pid
// in it for the other side's error message. The lock file is never removed:
// deleting a flocked file lets a third process lock a fresh inode while the
// second still holds the old one.
func lockDataDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	ok, err := tryLockExclusive(f)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !ok {
		_ = f.Close()
		return nil, &dirHeldError{dir: dir, pid: readPID(path)}
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}

func readPID(path string) int {
	b, err := os.ReadFile(path)
	if err != nil || len(b) > 32 {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// readOwnerURI reads and checks the URI published by the data directory's
// owner. The file is outside our control, so nothing from it is used except
// a loopback IP and a port, re-assembled here.
func readOwnerURI(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read embedded database URI: %w", err)
	}
	bad := fmt.Errorf("%s does not hold a loopback mongodb:// URI", path)
	if len(b) > 256 {
		return "", bad
	}
	rest, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "mongodb://")
	if !ok {
		return "", bad
	}
	host, port, err := net.SplitHostPort(strings.TrimSuffix(rest, "/"))
	if err != nil {
		return "", bad
	}
	ip := net.ParseIP(host)
	n, err := strconv.Atoi(port)
	if ip == nil || !ip.IsLoopback() || err != nil || n < 1 || n > 65535 {
		return "", bad
	}
	return "mongodb://" + net.JoinHostPort(ip.String(), strconv.Itoa(n)) + "/", nil
}

func hostOf(uri string) string {
	return strings.TrimSuffix(strings.TrimPrefix(uri, "mongodb://"), "/")
}

// loopbackAddr normalises the `custodian db` listen address.
func loopbackAddr(listen string) (string, error) {
	if listen == "" {
		return "127.0.0.1:0", nil
	}
	if _, err := strconv.Atoi(listen); err == nil {
		listen = ":" + listen
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("listen address %q: want host:port or a port number", listen)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "", fmt.Errorf("listen address %q: port must be a number from 0 to 65535", listen)
	}
	if host == "" || host == "localhost" {
		host = "127.0.0.1"
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return "", fmt.Errorf("listen address %q: the embedded database has no authentication, so it listens only on a loopback address (127.0.0.1 or ::1)", listen)
	}
	return net.JoinHostPort(host, port), nil
}

// writeFileAtomic writes via rename so that a reader never sees a partial URI.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
