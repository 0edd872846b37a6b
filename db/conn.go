package db

// This file opens the connection: to a real MongoDB deployment when a URI is
// given, otherwise to FerretDB embedded on SQLite in the user's data
// directory (see embedded.go).

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readconcern"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/auth"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"
)

// DefaultDatabase is used when neither Options.Database nor the URI names one.
const DefaultDatabase = "custodian"

const (
	// connectTimeout bounds dialling and the first ping's server selection.
	// The driver's 30 s default makes a typo in a host name look like a hung
	// console.
	connectTimeout = 3 * time.Second
	// selectionTimeout is the server selection timeout of every operation
	// after the first ping: a replica set election takes 10–12 s, and an
	// operation that gives up sooner fails writes (and leaves claims) at
	// every maintenance step-down.
	selectionTimeout = 30 * time.Second

	appName = "custodian"

	uriForm = "expected mongodb://[user:password@]host[:port][,host2[:port]...][/database][?options]" +
		" or mongodb+srv://[user:password@]host[/database][?options]"

	remoteHint = "check the host and port, or unset --mongo-uri / CUSTODIAN_MONGO_URI to use the embedded database"
)

// ErrInvalidURI is wrapped by the ConnectError returned for a malformed
// --mongo-uri, so callers can tell "fix your flag" from "the server is down".
var ErrInvalidURI = errors.New("invalid MongoDB URI")

// Options says which database to open.
type Options struct {
	// URI of a MongoDB deployment (--mongo-uri / CUSTODIAN_MONGO_URI).
	// Empty means the embedded FerretDB in DataDir.
	URI string
	// DataDir holds the embedded database. Empty means DefaultDataDir().
	DataDir string
	// Database name. Empty means the database named in the URI path, else
	// DefaultDatabase.
	Database string
	// Logger receives FerretDB's logs. Nil discards them: FerretDB logs every
	// connection, and a line on stderr would tear the terminal UI.
	Logger *slog.Logger
	// NoSync makes the embedded database commit without fsync. Meant for
	// tests (dbtest sets it) and throwaway demos: an OS crash or power loss
	// can lose recent writes or corrupt the database. Ignored for a real
	// MongoDB, and when another process already serves DataDir.
	NoSync bool
	// MustExist refuses (with *NoDatabaseError) to open an embedded
	// database that does not exist yet instead of creating it: for commands
	// that only inspect, where a mistyped --data-dir must not look like an
	// empty, healthy database. Ignored with a URI.
	MustExist bool
	// Service, when set, is the command line (program and arguments, to
	// which "--data-dir DIR" is appended) that runs the embedded database
	// as a shared background service: Open connects to the service on
	// DataDir and starts it detached if nobody runs it, and the connection
	// starts it again if it goes away (see service.go). Nil hosts the
	// database in this process, as tests and benchmarks do. Ignored with a
	// URI.
	Service []string
}

// Conn is an open database connection.
type Conn struct {
	Client *mongo.Client
	DB     *mongo.Database
	// URI is what the connection uses, fit for display: for the embedded
	// database the URI of FerretDB's Unix socket (usable by mongosh as is,
	// by the data directory's OS user only), for a real deployment the given URI with the password replaced
	// by *** and the query options (which can carry tokens) elided.
	URI string
	// Embedded is true when the server is FerretDB, whether this process runs
	// it or another custodian process owning the same data directory does.
	// FerretDB ignores write/read concerns and never retries writes, so the
	// controller layer must lean on idempotent writes instead.
	Embedded bool
	// Transactions is true when the server runs multi-document
	// transactions: a replica set member or a mongos, told apart from a
	// standalone mongod and from FerretDB (which has none) by hello and
	// buildInfo once after the first ping. Writes then use one transaction
	// (txn.go) instead of the claim protocol.
	Transactions bool
	// Topology says what the server is, for status output: "FerretDB",
	// "replica set NAME", "sharded cluster (mongos)" or "standalone".
	Topology string

	server *EmbeddedServer // nil unless this process runs FerretDB
	watch  *connWatch      // nil unless connected to the database service

	closeOnce sync.Once
	closeErr  error
}

// Open connects to MongoDB (o.URI set) or to the embedded FerretDB, and
// pings it: the driver's Connect checks nothing, so without the ping a wrong
// URI would only surface on the first query, deep inside the UI.
//
// Connection failures the user must fix (bad URI, unreachable host, failed
// authentication, data directory owned by a process that does not answer)
// are *ConnectError.
func Open(ctx context.Context, o Options) (*Conn, error) {
	if o.URI != "" {
		return openRemote(ctx, o)
	}
	return openEmbedded(ctx, o)
}

// Close disconnects and, if this process runs the embedded server, stops it
// and releases the data directory. Safe to call more than once.
func (c *Conn) Close(ctx context.Context) error {
	c.closeOnce.Do(func() {
		var errs []error
		if c.watch != nil {
			close(c.watch.stop)
			<-c.watch.done
		}
		// Disconnect first: FerretDB gives connected clients a 3 s grace
		// period when it stops, so open connections would delay shutdown.
		if err := c.Client.Disconnect(ctx); err != nil {
			errs = append(errs, fmt.Errorf("disconnect from %s: %w", c.describe(), err))
		}
		if c.server != nil {
			if err := c.server.Close(ctx); err != nil {
				errs = append(errs, err)
			}
		}
		c.closeErr = errors.Join(errs...)
	})
	return c.closeErr
}

func (c *Conn) describe() string {
	if c.Embedded {
		return "embedded database"
	}
	return "MongoDB"
}

// DefaultDataDir is $XDG_DATA_HOME/custodian, or ~/.local/share/custodian
// when XDG_DATA_HOME is unset or relative (the XDG spec says to ignore
// relative values).
func DefaultDataDir() (string, error) {
	if x := os.Getenv("XDG_DATA_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "custodian"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("locate data directory (set XDG_DATA_HOME): %w", err)
	}
	return filepath.Join(home, ".local", "share", "custodian"), nil
}

// ConnectError is a failure to reach or open the database that the user has
// to fix; main maps it to exit code 2. Error() is one line and never contains
// a password.
type ConnectError struct {
	Host   string // host[:port] list as given, never user info; empty for a malformed URI
	Reason string // what went wrong
	Hint   string // what to do about it
	Err    error  // underlying cause, for errors.Is / errors.As
}

func (e *ConnectError) Error() string {
	var b strings.Builder
	if e.Host != "" {
		b.WriteString("cannot reach MongoDB at ")
		b.WriteString(e.Host)
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	if e.Hint != "" {
		b.WriteString(" — ")
		b.WriteString(e.Hint)
	}
	return oneLine(b.String())
}

func (e *ConnectError) Unwrap() error { return e.Err }

// IsConnectError reports whether err (or anything it wraps) is a *ConnectError.
func IsConnectError(err error) bool {
	var ce *ConnectError
	return errors.As(err, &ce)
}

func openRemote(ctx context.Context, o Options) (*Conn, error) {
	raw := strings.TrimSpace(o.URI)
	hosts, problem := checkURI(raw)
	if problem != "" {
		return nil, invalidURI(raw, problem, nil)
	}

	co, err := applyURI(ctx, raw, hosts)
	if err != nil {
		return nil, err
	}

	dbName := o.Database
	if dbName == "" {
		dbName = uriDatabase(raw)
	}
	if dbName == "" {
		dbName = DefaultDatabase
	}
	if err := checkDatabaseName(dbName); err != nil {
		return nil, err
	}

	// Explicit timeouts in the URI are the user's choice, for the first
	// ping too. Otherwise the first ping gives up after connectTimeout (a
	// wrong host is reported at once) and later operations wait out an
	// election.
	pingSelection, pingLimit := connectTimeout, connectTimeout
	if co.ConnectTimeout == nil {
		co.SetConnectTimeout(connectTimeout)
	}
	if co.ServerSelectionTimeout == nil {
		co.SetServerSelectionTimeout(selectionTimeout)
	} else {
		pingSelection = *co.ServerSelectionTimeout
		pingLimit = pingSelection + *co.ConnectTimeout
	}
	if co.AppName == nil {
		co.SetAppName(appName)
	}
	// A decision or an audit event acknowledged to an operator must survive
	// a primary failover, and reads must not show writes that may roll back.
	// This overrides any w= in the URI on purpose.
	journal := true
	co.SetWriteConcern(&writeconcern.WriteConcern{W: writeconcern.WCMajority, Journal: &journal})
	co.SetReadConcern(readconcern.Majority())

	client, err := mongo.Connect(co)
	if err != nil {
		return nil, classifyConnectErr(err, hosts, pingSelection, remoteHint)
	}
	if err := ping(ctx, client, pingLimit); err != nil {
		disconnect(client)
		return nil, classifyConnectErr(err, hosts, pingSelection, remoteHint)
	}
	// Every read goes to the primary whatever the URI's readPreference
	// says: custodian's reads decide its writes (versions, claims, scope,
	// the records a fulfilment step changes), and a secondary may lag.
	primary := options.Database().SetReadPreference(readpref.Primary())
	c := &Conn{Client: client, DB: client.Database(dbName, primary), URI: redactURI(raw)}
	if err := c.detect(ctx, pingLimit); err != nil {
		disconnect(client)
		return nil, classifyConnectErr(err, hosts, pingSelection, remoteHint)
	}
	return c, nil
}

// detect asks the server once what it is (hello, buildInfo) and sets
// Transactions and Topology.
func (c *Conn) detect(ctx context.Context, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	admin := c.Client.Database("admin")
	var hello, build bson.M
	if err := admin.RunCommand(ctx, bson.D{{Key: "hello", Value: 1}}).Decode(&hello); err != nil {
		return fmt.Errorf("hello: %w", err)
	}
	// buildInfo is what FerretDB marks itself in; a server that refuses it
	// is still told apart by hello alone.
	_ = admin.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&build)
	c.Topology, c.Transactions = serverKind(hello, build)
	return nil
}

// serverKind reads the server's kind from its hello and buildInfo answers.
// Transactions need sessions (logicalSessionTimeoutMinutes) and a replica
// set (MongoDB 4.0, wire version 7) or a mongos (4.2, wire version 8);
// FerretDB, which reports ferretdbVersion, has none, nor has a standalone
// mongod.
func serverKind(hello, build bson.M) (topology string, transactions bool) {
	wire := asInt(hello["maxWireVersion"])
	_, sessions := hello["logicalSessionTimeoutMinutes"]
	_, ferret := build["ferretdbVersion"]
	if !ferret {
		_, ferret = hello["ferretdbVersion"]
	}
	setName, _ := hello["setName"].(string)
	msg, _ := hello["msg"].(string)
	switch {
	case ferret:
		return "FerretDB", false
	case msg == "isdbgrid":
		return "sharded cluster (mongos)", sessions && wire >= 8
	case setName != "":
		return "replica set " + setName, sessions && wire >= 7
	}
	return "standalone", false
}

func asInt(v any) int64 {
	switch n := v.(type) {
	case int32:
		return int64(n)
	case int64:
		return n
	case float64:
		return int64(n)
	}
	return 0
}

// applyURI parses the URI with the driver. For mongodb+srv the driver looks
// up SRV and TXT records while parsing, with no context, so the lookup runs
// aside and is abandoned when ctx or connectTimeout expires.
func applyURI(ctx context.Context, raw, hosts string) (*options.ClientOptions, error) {
	type result struct {
		co  *options.ClientOptions
		err error
	}
	parse := func() result {
		co := options.Client().ApplyURI(raw)
		return result{co, co.Validate()}
	}

	var r result
	if strings.HasPrefix(raw, "mongodb+srv://") {
		ch := make(chan result, 1)
		go func() { ch <- parse() }()
		t := time.NewTimer(connectTimeout)
		defer t.Stop()
		select {
		case r = <-ch:
		case <-t.C:
			return nil, &ConnectError{Host: hosts, Reason: fmt.Sprintf("DNS lookup of the SRV record timed out after %s", connectTimeout),
				Hint: "check the cluster host name and your DNS", Err: context.DeadlineExceeded}
		case <-ctx.Done():
			return nil, fmt.Errorf("resolve MongoDB SRV record for %s: %w", hosts, ctx.Err())
		}
	} else {
		r = parse()
	}
	if r.err == nil {
		return r.co, nil
	}

	var dnsErr *net.DNSError
	if errors.As(r.err, &dnsErr) {
		reason := "DNS lookup of the SRV record failed"
		if dnsErr.IsNotFound {
			reason = "no SRV record found for this host name"
		}
		return nil, &ConnectError{Host: hosts, Reason: reason,
			Hint: "check the cluster host name, or use mongodb:// with explicit hosts", Err: r.err}
	}
	msg := r.err.Error()
	for _, p := range []string{"error parsing uri: ", "error validating uri: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	// The driver quotes the offending escape sequence from the password
	// (`invalid URL escape "%re"`), which would print part of a secret.
	if strings.Contains(msg, "password") || strings.Contains(msg, "username") {
		return nil, invalidURI(raw, "the user name or password is not correctly percent-encoded (encode : / ? # [ ] @ and % as %XX)", nil)
	}
	return nil, invalidURI(raw, msg, r.err)
}

func invalidURI(raw, problem string, cause error) *ConnectError {
	err := ErrInvalidURI
	if cause != nil {
		err = fmt.Errorf("%w: %w", ErrInvalidURI, cause)
	}
	return &ConnectError{
		Reason: fmt.Sprintf("invalid MongoDB URI %q: %s", redactURI(raw), problem),
		Hint:   uriForm,
		Err:    err,
	}
}

// checkURI catches the mistakes people actually make, with messages that
// name them; the driver's own messages for these are cryptic (`invalid host
// "": port must be an integer`) or absent (it accepts an empty host name).
// It returns the host list for messages, and the problem if any.
func checkURI(raw string) (hosts, problem string) {
	if raw == "" {
		return "", "the URI is empty"
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return "", "it has no scheme"
	}
	srv := false
	switch scheme {
	case "mongodb":
	case "mongodb+srv":
		srv = true
	default:
		return "", fmt.Sprintf("scheme %q is not supported", scheme)
	}
	// Same split as the driver: user info ends at the first @.
	if i := strings.Index(rest, "@"); i >= 0 {
		rest = rest[i+1:]
	}
	hosts = rest
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		hosts = rest[:i]
	}
	// Checked before the hosts are quoted in any message: whatever precedes
	// a second @ is the tail of the password.
	if strings.Contains(hosts, "@") {
		return "", "the user name or password contains an unescaped @ (write it as %40)"
	}
	if hosts == "" {
		return "", "no host given"
	}
	list := strings.Split(hosts, ",")
	if srv && len(list) > 1 {
		return hosts, "mongodb+srv:// takes exactly one host name"
	}
	for _, h := range list {
		if p := checkHost(h, srv); p != "" {
			return hosts, p
		}
	}
	return hosts, ""
}

func checkHost(h string, srv bool) string {
	if h == "" {
		return "the host list has an empty entry"
	}
	if strings.HasPrefix(strings.ToLower(h), "%2f") {
		return "" // percent-encoded Unix socket path
	}
	name, port, hasPort := h, "", false
	if strings.HasPrefix(h, "[") {
		end := strings.Index(h, "]")
		if end < 0 {
			return fmt.Sprintf("IPv6 address %q has no closing ]", h)
		}
		name = h[1:end]
		after := h[end+1:]
		if after != "" {
			if after[0] != ':' {
				return fmt.Sprintf("unexpected %q after IPv6 address", after)
			}
			port, hasPort = after[1:], true
		}
	} else {
		name, port, hasPort = strings.Cut(h, ":")
	}
	if name == "" {
		return fmt.Sprintf("host name is empty in %q", h)
	}
	if !hasPort {
		return ""
	}
	if srv {
		return "mongodb+srv:// must not have a port (the SRV record supplies it)"
	}
	if port == "" {
		return fmt.Sprintf("port is empty in %q", h)
	}
	n, err := strconv.Atoi(port)
	if err != nil || strings.ContainsAny(port, "+-") {
		return fmt.Sprintf("port %q is not a number", port)
	}
	if n < 1 || n > 65535 {
		return fmt.Sprintf("port %d is out of range 1-65535", n)
	}
	return ""
}

// redactURI keeps what helps the user spot a typo (scheme, user, hosts,
// database) and drops what may be secret: the password, and every query
// value (authMechanismProperties and tls* options can carry tokens).
func redactURI(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		if len(raw) > 64 {
			raw = raw[:64] + "…"
		}
		return raw
	}
	var user string
	// The last @ rather than the driver's first: an unescaped @ in a
	// password must not leave the password's tail in the message.
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		user, rest = rest[:i], rest[i+1:]
		if u, _, hasPass := strings.Cut(user, ":"); hasPass {
			user = u + ":***"
		}
		user += "@"
	}
	if i := strings.Index(rest, "?"); i >= 0 {
		rest = rest[:i] + "?…"
	}
	return scheme + "://" + user + rest
}

// uriDatabase returns the database named in the URI path. Strictly it is the
// default authentication database, but mongosh and most tools also use it as
// the working database, and users expect the same here.
func uriDatabase(raw string) string {
	_, rest, _ := strings.Cut(raw, "://")
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		rest = rest[i+1:]
	}
	i := strings.Index(rest, "/")
	if i < 0 {
		return ""
	}
	name, _, _ := strings.Cut(rest[i+1:], "?")
	return name
}

// checkDatabaseName rejects names MongoDB refuses, and FerretDB's SQLite
// backend turns into file names.
func checkDatabaseName(name string) error {
	if len(name) > 63 {
		return fmt.Errorf("database name %q is longer than 63 bytes", name)
	}
	if i := strings.IndexAny(name, "/\\. \"$*<>:|?\x00"); i >= 0 {
		return fmt.Errorf("database name %q must not contain %q", name, name[i])
	}
	return nil
}

// newClient connects to the embedded FerretDB's socket (ours or another
// process's).
// FerretDB ignores read and write concerns, so none are set.
func newClient(ctx context.Context, uri string, sst time.Duration) (*mongo.Client, error) {
	co := options.Client().ApplyURI(uri).
		SetServerSelectionTimeout(sst).
		SetConnectTimeout(connectTimeout).
		SetAppName(appName)
	client, err := mongo.Connect(co)
	if err != nil {
		return nil, fmt.Errorf("connect to embedded database at %s: %w", uri, err)
	}
	if err := ping(ctx, client, sst+connectTimeout); err != nil {
		disconnect(client)
		return nil, fmt.Errorf("ping embedded database at %s: %w", uri, err)
	}
	return client, nil
}

func ping(ctx context.Context, client *mongo.Client, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	return client.Ping(ctx, readpref.Primary())
}

// disconnect cleans up after a failed open; the open's own context may be the
// reason it failed, so it cannot be reused here.
func disconnect(client *mongo.Client) {
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	_ = client.Disconnect(ctx)
}

// classifyConnectErr turns a driver error into a ConnectError whose one line
// names the actual cause (refused, unknown host, bad credentials) instead of
// the driver's multi-kilobyte topology dump.
func classifyConnectErr(err error, hosts string, sst time.Duration, hint string) error {
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("connect to MongoDB at %s: %w", hosts, err)
	}
	var authErr *auth.Error
	if errors.As(err, &authErr) {
		return &ConnectError{Host: hosts, Reason: "authentication failed",
			Hint: "check the user name, password and authSource in the URI", Err: err}
	}
	var sse topology.ServerSelectionError
	if errors.As(err, &sse) {
		var last error
		for _, s := range sse.Desc.Servers {
			if s.LastError != nil {
				last = s.LastError
				break
			}
		}
		if errors.As(last, &authErr) {
			return &ConnectError{Host: hosts, Reason: "authentication failed",
				Hint: "check the user name, password and authSource in the URI", Err: err}
		}
		reason := fmt.Sprintf("server selection timed out after %s", sst)
		if last != nil {
			reason += " (" + describeNetErr(last) + ")"
		}
		return &ConnectError{Host: hosts, Reason: reason, Hint: hint, Err: err}
	}
	if mongo.IsTimeout(err) {
		return &ConnectError{Host: hosts, Reason: "timed out", Hint: hint, Err: err}
	}
	return &ConnectError{Host: hosts, Reason: describeNetErr(err), Hint: hint, Err: err}
}

func describeNetErr(err error) string {
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.As(err, &dnsErr):
		if dnsErr.IsNotFound {
			return "unknown host " + dnsErr.Name
		}
		return "DNS lookup of " + dnsErr.Name + " failed"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "host unreachable"
	case mongo.IsTimeout(err):
		return "no answer"
	}
	msg := err.Error()
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	return msg
}

// oneLine keeps an error on one terminal line and free of control and
// bidi-override runes, since parts of it come from user input and servers.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case !unicode.IsPrint(r) && r != ' ':
			return '?'
		}
		return r
	}, s)
}
