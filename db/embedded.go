package db

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// Files in the data directory.
const (
	// lockFileName is flocked by the process that runs FerretDB on the data
	// directory. FerretDB caches SQLite metadata in memory, so two servers on
	// the same files would silently diverge and corrupt them.
	lockFileName = "custodian.lock"
	// socketFileName is the Unix domain socket FerretDB listens on. Only the
	// data directory's owner can open it: the directory is 0700 and the
	// socket 0600, and FerretDB on SQLite has no authentication of its own,
	// so file permissions are the database's only lock. The name must end
	// in "sock": that is how the Go driver and mongosh tell a socket path
	// from a host name.
	socketFileName = "custodian.sock"
	// legacyURIFileName is where earlier versions published a loopback TCP
	// URI; a stale one is removed so nothing points clients at a dead port.
	legacyURIFileName = "embedded.uri"
	// sqliteDirName keeps FerretDB's *.sqlite files apart from ours.
	sqliteDirName = "ferretdb"
)

// joinTimeout bounds how long a second process waits for the owner of the
// data directory to serve its socket (the owner may be starting).
const joinTimeout = 5 * time.Second

// maxSocketPath is the longest socket path every Unix accepts: sun_path is
// 104 bytes on macOS and the BSDs (108 on Linux), including the final NUL.
const maxSocketPath = 103

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

// URI is the mongodb:// URI of the server's Unix socket, which clients run
// by the data directory's OS user (mongosh, Compass, mongodump, another
// custodian with --mongo-uri) can use. There is no authentication: the
// socket's file permissions are what keep everyone else out.
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
// is cancelled or Close is called. It listens only on the Unix socket in the
// data directory. A TCP address (listen non-empty) is refused: FerretDB 1.24
// offers no authentication on SQLite (its SCRAM support is internal and
// test-only), so a TCP port would hand every local user — or the network —
// the whole database.
//
// A plain `custodian` started on the same data directory while this runs
// connects to this server.
func ServeEmbedded(ctx context.Context, dataDir, listen string, logger *slog.Logger) (*EmbeddedServer, error) {
	if listen != "" {
		return nil, &TCPRefusedError{Addr: listen}
	}
	s, err := startEmbedded(ctx, ctx, dataDir, logger, false)
	var held *dirHeldError
	if errors.As(err, &held) {
		reason := fmt.Sprintf("another custodian process%s already owns the data directory %s (lock file %s) and serves it at %s",
			held.pidText(), held.dir, held.lockPath(), socketURI(held.socketPath()))
		return nil, &ConnectError{Reason: reason, Hint: "stop that process, or connect to its URI", Err: held}
	}
	return s, err
}

// TCPRefusedError is `custodian db --listen`: refused, because the embedded
// database cannot authenticate clients.
type TCPRefusedError struct{ Addr string }

func (e *TCPRefusedError) Error() string {
	return fmt.Sprintf("refusing to listen on TCP %s: the embedded database (FerretDB on SQLite) has no authentication, "+
		"so anyone who can reach the port — every local user on 127.0.0.1, anyone on the network otherwise — could read "+
		"residents' data and rewrite operators, requests and the audit chain. Use the socket URI `custodian db` prints "+
		"(only your OS user can open it), or run MongoDB with authentication and pass --mongo-uri", oneLine(e.Addr))
}

// NoDatabaseError is Open with MustExist on a data directory that holds no
// custodian database: most likely a mistyped --data-dir.
type NoDatabaseError struct{ Dir string }

func (e *NoDatabaseError) Error() string {
	return fmt.Sprintf("no custodian database in %s: check --data-dir", oneLine(e.Dir))
}

func openEmbedded(ctx context.Context, o Options) (*Conn, error) {
	dbName := o.Database
	if dbName == "" {
		dbName = DefaultDatabase
	}
	if err := checkDatabaseName(dbName); err != nil {
		return nil, err
	}

	if o.MustExist {
		dir, err := resolveDataDir(o.DataDir)
		if err != nil {
			return nil, err
		}
		// Checked before anything is created: the SQLite file FerretDB
		// keeps for the database is there whether or not a server runs.
		if _, err := os.Stat(filepath.Join(dir, sqliteDirName, dbName+".sqlite")); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, &NoDatabaseError{Dir: dir}
			}
			return nil, fmt.Errorf("look for the database in %s: %w", dir, err)
		}
	}

	if o.Service != nil {
		return openService(ctx, o, dbName)
	}
	// The server outlives Open's context (which may carry a start-up
	// timeout); it stops in Conn.Close.
	srv, err := startEmbedded(ctx, context.WithoutCancel(ctx), o.DataDir, o.Logger, o.NoSync)
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
	return &Conn{Client: client, DB: client.Database(dbName), URI: srv.URI(), Embedded: true, Topology: "FerretDB", server: srv}, nil
}

// joinOwner connects to the server run by the process that holds the data
// directory's lock, through its socket. It retries for a while because that
// process may be between taking the lock and listening, or a crashed owner's
// socket file may still be there.
func joinOwner(ctx context.Context, held *dirHeldError, dbName string) (*Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, joinTimeout)
	defer cancel()

	uri := socketURI(held.socketPath())
	var lastErr error
	for {
		client, err := newClient(ctx, uri, time.Second)
		if err == nil {
			return &Conn{Client: client, DB: client.Database(dbName), URI: uri, Embedded: true, Topology: "FerretDB"}, nil
		}
		lastErr = err
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.Canceled) {
				return nil, fmt.Errorf("join embedded database in %s: %w", held.dir, ctx.Err())
			}
			return nil, &ConnectError{
				Reason: fmt.Sprintf("another custodian process%s owns the data directory %s (lock file %s) and its database at %s did not answer",
					held.pidText(), held.dir, held.lockPath(), held.socketPath()),
				Hint: "stop that process; to share one database between consoles, run `custodian db` and start them with --mongo-uri set to the URI it prints",
				Err:  lastErr,
			}
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func startEmbedded(ctx, life context.Context, dataDir string, logger *slog.Logger, noSync bool) (*EmbeddedServer, error) {
	return startEmbeddedAt(ctx, life, dataDir, logger, noSync, false)
}

// checkSocketDir refuses a data directory whose socket clients could not
// dial, or whose path FerretDB would mangle: checked by clients too, so
// they refuse at once instead of waiting for a service that cannot start.
func checkSocketDir(dir string) error {
	sock := filepath.Join(dir, socketFileName)
	// The Go driver reads a ':' in a socket path as a port separator, even
	// percent-encoded, so clients could never dial the socket.
	if strings.Contains(sock, ":") {
		return fmt.Errorf("the embedded database cannot use the data directory %q: its path contains ':', which the MongoDB driver cannot dial as a socket path; choose another directory", dir)
	}
	if len(sock) > maxSocketPath {
		return fmt.Errorf("the embedded database cannot use the data directory %s: its socket path %s is %d bytes, and Unix allows at most %d; choose a shorter --data-dir",
			dir, socketFileName, len(sock), maxSocketPath)
	}
	// FerretDB 1.24 decodes its SQLite URL and then hands the decoded path
	// back to SQLite as a URI, so '#' and '?' cut the path short and '%'
	// is decoded twice: the database files would land elsewhere.
	if strings.ContainsAny(filepath.Join(dir, sqliteDirName), "#?%") {
		return fmt.Errorf("the embedded database cannot use the data directory %q: its path contains '#', '?' or '%%', which FerretDB mishandles; choose another directory", dir)
	}
	return nil
}

// startEmbeddedAt starts FerretDB holding dataDir's lock: on custodian.sock,
// or with inner set on the service's private socket in the SQLite directory
// (the service relays custodian.sock to it, see service.go).
func startEmbeddedAt(ctx, life context.Context, dataDir string, logger *slog.Logger, noSync, inner bool) (*EmbeddedServer, error) {
	dir, err := resolveDataDir(dataDir)
	if err != nil {
		return nil, err
	}
	if err := checkSocketDir(dir); err != nil {
		return nil, err
	}
	sock := filepath.Join(dir, socketFileName)
	public := sock
	sqliteDir := filepath.Join(dir, sqliteDirName)
	if err := os.MkdirAll(sqliteDir, 0o700); err != nil {
		return nil, fmt.Errorf("create embedded database directory: %w", err)
	}
	// The socket is created with the process umask and only then narrowed
	// to 0600; a private directory leaves nobody else a window to connect
	// in between. It also holds the audit keys and access packages.
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("restrict data directory %s: %w", dir, err)
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
	// Left behind by a crashed owner (or an earlier version), they would
	// make the listen fail or point clients at a dead port. Holding the
	// lock, we are the only one who may remove them.
	if inner {
		// Shorter than custodian.sock, so the length check above holds.
		sock = filepath.Join(sqliteDir, innerSocketName)
	}
	for _, stale := range []string{public, sock, filepath.Join(dir, legacyURIFileName)} {
		if err := os.Remove(stale); err != nil && !errors.Is(err, fs.ErrNotExist) {
			_ = lock.Close()
			return nil, fmt.Errorf("remove stale %s: %w", stale, err)
		}
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
		Listener:  ferretdb.ListenerConfig{Unix: sock},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: sqliteURL.String(),
	})
	ferretNewMu.Unlock()
	if err != nil {
		_ = lock.Close()
		return nil, fmt.Errorf("start embedded database in %s on %s: %w", dir, sock, err)
	}

	runCtx, stop := context.WithCancel(life)
	s := &EmbeddedServer{dataDir: dir, stop: stop, done: make(chan struct{}), uri: socketURI(public)}
	go func() {
		defer close(s.done)
		// Run returns only after the listener, every connection and the
		// SQLite backend are closed; only then may another process take over.
		_ = fdb.Run(runCtx)
		_ = os.Remove(sock)
		_ = lock.Close()
	}()
	// ferretdb.New bound the socket with the umask's mode, and the kernel
	// queues connections from then on; until this chmod only the 0700 data
	// directory keeps other users from connecting.
	if err := os.Chmod(sock, 0o600); err != nil {
		stop()
		<-s.done
		return nil, fmt.Errorf("restrict embedded database socket %s: %w", sock, err)
	}
	return s, nil
}

// socketURI is the mongodb:// URI of a Unix socket: the path percent-encoded
// whole in the host part, the form both the Go driver and mongosh read.
func socketURI(path string) string {
	var b strings.Builder
	b.WriteString("mongodb://")
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(path); i++ {
		c := path[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	b.WriteString("/")
	return b.String()
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

func (e *dirHeldError) lockPath() string   { return filepath.Join(e.dir, lockFileName) }
func (e *dirHeldError) socketPath() string { return filepath.Join(e.dir, socketFileName) }

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
	f, err := lockFileIn(dir, os.O_RDWR|os.O_CREATE)
	if err != nil {
		return nil, err
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

// lockFileIn opens dir's lock file with flag and takes its exclusive lock;
// held by another process, the error names its pid.
func lockFileIn(dir string, flag int) (*os.File, error) {
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, flag, 0o600)
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
	return f, nil
}
