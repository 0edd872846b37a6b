package db

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// tempDataDir is a fresh directory for an embedded database. t.TempDir is
// not used because subtest names can put '#' in it, which the embedded
// database refuses (see TestEmbeddedRefusesSpecialPath).
func tempDataDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "custodian-db-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

func openEmbeddedT(t *testing.T, dir string) *Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Open(ctx, Options{DataDir: dir, NoSync: true})
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	t.Cleanup(func() { closeT(t, c) })
	return c
}

func closeT(t *testing.T, c *Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}
}

type note struct {
	ID   string `bson:"_id"`
	Text string `bson:"text"`
}

func insertNote(t *testing.T, c *Conn, id, text string) {
	t.Helper()
	if _, err := c.DB.Collection("notes").InsertOne(context.Background(), note{ID: id, Text: text}); err != nil {
		t.Fatalf("insert %s: %v", id, err)
	}
}

func findNote(t *testing.T, c *Conn, id string) note {
	t.Helper()
	var n note
	if err := c.DB.Collection("notes").FindOne(context.Background(), bson.D{{Key: "_id", Value: id}}).Decode(&n); err != nil {
		t.Fatalf("find %s: %v", id, err)
	}
	return n
}

func TestOpenEmbeddedRoundTrip(t *testing.T) {
	dir := filepath.Join(tempDataDir(t), "data") // Open must create it
	c := openEmbeddedT(t, dir)

	if !c.Embedded || c.server == nil {
		t.Fatalf("Embedded = %v, own server = %v; want both", c.Embedded, c.server != nil)
	}
	if !strings.HasPrefix(c.URI, "mongodb://127.0.0.1:") {
		t.Errorf("URI = %q, want a loopback mongodb:// URI", c.URI)
	}
	if c.DB.Name() != DefaultDatabase {
		t.Errorf("database = %q, want %q", c.DB.Name(), DefaultDatabase)
	}

	insertNote(t, c, "n1", "héllo")
	if got := findNote(t, c, "n1"); got.Text != "héllo" {
		t.Errorf("round trip: got %+v", got)
	}

	assertMode(t, dir, 0o700)
	assertMode(t, filepath.Join(dir, sqliteDirName), 0o700)
	assertMode(t, filepath.Join(dir, uriFileName), 0o600)
	assertMode(t, filepath.Join(dir, lockFileName), 0o600)
	if b, err := os.ReadFile(filepath.Join(dir, uriFileName)); err != nil || strings.TrimSpace(string(b)) != c.URI {
		t.Errorf("%s = %q, %v; want %q", uriFileName, b, err, c.URI)
	}
	if _, err := os.Stat(filepath.Join(dir, sqliteDirName, "custodian.sqlite")); err != nil {
		t.Errorf("SQLite file not in the %s subdirectory: %v", sqliteDirName, err)
	}

	closeT(t, c)
	if err := c.Close(context.Background()); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, uriFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s still there after Close: %v", uriFileName, err)
	}

	// The data survives a restart.
	c2 := openEmbeddedT(t, dir)
	if got := findNote(t, c2, "n1"); got.Text != "héllo" {
		t.Errorf("after reopen: got %+v", got)
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Errorf("stat %s: %v", path, err)
		return
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s mode = %v, want %v", filepath.Base(path), got, want)
	}
}

func TestSecondOpenJoinsOwner(t *testing.T) {
	dir := tempDataDir(t)
	first := openEmbeddedT(t, dir)
	insertNote(t, first, "from-first", "1")

	second := openEmbeddedT(t, dir)
	if !second.Embedded {
		t.Error("second.Embedded = false; it talks to FerretDB")
	}
	if second.server != nil {
		t.Fatal("second Open started its own server on a locked data directory")
	}
	if second.URI != first.URI {
		t.Errorf("second.URI = %q, want the owner's %q", second.URI, first.URI)
	}
	if got := findNote(t, second, "from-first"); got.Text != "1" {
		t.Errorf("second sees %+v", got)
	}
	insertNote(t, second, "from-second", "2")
	if got := findNote(t, first, "from-second"); got.Text != "2" {
		t.Errorf("first sees %+v", got)
	}

	// Closing a client leaves the owner's server running.
	closeT(t, second)
	insertNote(t, first, "after-second-closed", "3")

	// Once the owner has gone, the next Open owns the directory.
	closeT(t, first)
	third := openEmbeddedT(t, dir)
	if third.server == nil {
		t.Fatal("third Open did not take over the released data directory")
	}
	for _, id := range []string{"from-first", "from-second", "after-second-closed"} {
		findNote(t, third, id)
	}
}

func TestOpenOwnerNotAnswering(t *testing.T) {
	dir := tempDataDir(t)
	// Hold the lock as a hung owner would, with a URI nobody answers on.
	lock, err := lockDataDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := os.WriteFile(filepath.Join(dir, uriFileName), []byte("mongodb://127.0.0.1:1/\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	c, err := Open(ctx, Options{DataDir: dir})
	if err == nil {
		_ = c.Close(context.Background())
		t.Fatal("Open succeeded against an owner that does not answer")
	}
	msg := err.Error()
	t.Log(msg)
	if !IsConnectError(err) {
		t.Errorf("not a ConnectError: %v", err)
	}
	for _, want := range []string{"another custodian process", filepath.Join(dir, lockFileName), "custodian db", "--mongo-uri"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q", want)
		}
	}
	if strings.ContainsAny(msg, "\r\n") {
		t.Error("message is not one line")
	}
}

func TestOpenCancelledReleasesDataDir(t *testing.T) {
	dir := tempDataDir(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if c, err := Open(ctx, Options{DataDir: dir}); err == nil {
		_ = c.Close(context.Background())
		t.Fatal("Open with a cancelled context succeeded")
	}
	c := openEmbeddedT(t, dir)
	if c.server == nil {
		t.Error("a failed Open left the data directory locked")
	}
}

func TestServeEmbedded(t *testing.T) {
	dir := tempDataDir(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := ServeEmbedded(ctx, dir, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(srv.URI(), "mongodb://127.0.0.1:") {
		t.Errorf("URI = %q", srv.URI())
	}

	// A console started on the same directory uses the running server.
	c := openEmbeddedT(t, dir)
	if c.server != nil || c.URI != srv.URI() {
		t.Errorf("Open did not join the served database: own server %v, URI %q", c.server != nil, c.URI)
	}
	insertNote(t, c, "n", "x")

	// A second `custodian db` on the same directory is refused.
	_, err = ServeEmbedded(ctx, dir, "", nil)
	if !IsConnectError(err) || !strings.Contains(err.Error(), srv.URI()) || !strings.Contains(err.Error(), lockFileName) {
		t.Errorf("second ServeEmbedded: %v; want a ConnectError naming the lock file and the running URI", err)
	}
	closeT(t, c)

	cancel()
	waited := make(chan error, 1)
	go func() { waited <- srv.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Errorf("Wait: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop after its context was cancelled")
	}
	if _, err := os.Stat(filepath.Join(dir, uriFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s left behind: %v", uriFileName, err)
	}
	srv2, err := ServeEmbedded(context.Background(), dir, "127.0.0.1:0", nil)
	if err != nil {
		t.Fatalf("data directory not released: %v", err)
	}
	if err := srv2.Close(context.Background()); err != nil {
		t.Error(err)
	}
}

func TestServeEmbeddedPortInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	dir := tempDataDir(t)
	srv, err := ServeEmbedded(context.Background(), dir, l.Addr().String(), nil)
	if err == nil {
		_ = srv.Close(context.Background())
		t.Fatal("ServeEmbedded on a busy port succeeded")
	}
	if !strings.Contains(err.Error(), l.Addr().String()) || !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("error does not say the port is busy: %v", err)
	}
	// The data directory is free for the next attempt.
	openEmbeddedT(t, dir)
}

func TestLoopbackAddr(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{in: "", want: "127.0.0.1:0"},
		{in: "27017", want: "127.0.0.1:27017"},
		{in: ":27017", want: "127.0.0.1:27017"},
		{in: "localhost:0", want: "127.0.0.1:0"},
		{in: "[::1]:27017", want: "[::1]:27017"},
		{in: "0.0.0.0:27017", err: "loopback"},
		{in: "[::]:27017", err: "loopback"},
		{in: "192.0.2.1:27017", err: "loopback"},
		{in: "db.example:27017", err: "loopback"},
		{in: "127.0.0.1:99999", err: "port"},
		{in: "nonsense", err: "host:port"},
	} {
		got, err := loopbackAddr(tc.in)
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("loopbackAddr(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("loopbackAddr(%q) = %q, %v; want an error about %q", tc.in, got, err, tc.err)
		}
	}
}

func TestReadOwnerURI(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ content, want string }{
		{content: "mongodb://127.0.0.1:4242/\n", want: "mongodb://127.0.0.1:4242/"},
		{content: "mongodb://[::1]:4242/", want: "mongodb://[::1]:4242/"},
		{content: "mongodb://db.example:27017/"},
		{content: "mongodb://192.0.2.1:27017/"},
		{content: "mongodb://u:p@127.0.0.1:4242/"},
		{content: "mongodb://127.0.0.1:4242/?tls=false"},
		{content: "mongodb://127.0.0.1:0/"},
		{content: "http://127.0.0.1:4242/"},
		{content: "\x1b]0;pwned\x07"},
	} {
		path := filepath.Join(dir, uriFileName)
		if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := readOwnerURI(path)
		if tc.want == "" && err == nil {
			t.Errorf("readOwnerURI(%q) = %q, want an error", tc.content, got)
		}
		if tc.want != "" && (err != nil || got != tc.want) {
			t.Errorf("readOwnerURI(%q) = %q, %v; want %q", tc.content, got, err, tc.want)
		}
	}
}

func TestEmbeddedRefusesSpecialPath(t *testing.T) {
	parent := tempDataDir(t)
	for _, name := range []string{"a#b", "a%41b"} {
		dir := filepath.Join(parent, name)
		c, err := Open(context.Background(), Options{DataDir: dir})
		if err == nil {
			_ = c.Close(context.Background())
			t.Errorf("Open(%q) succeeded; FerretDB would have put its files elsewhere", dir)
			continue
		}
		if !strings.Contains(err.Error(), "choose another directory") {
			t.Errorf("Open(%q): %v", dir, err)
		}
	}
	// Nothing may have been written beside the data directory.
	entries, _ := os.ReadDir(parent)
	if len(entries) != 0 {
		t.Errorf("stray files next to the data directory: %v", entries)
	}
}

func TestEmbeddedPathWithSpaces(t *testing.T) {
	dir := filepath.Join(tempDataDir(t), "My Data (custodian)")
	c := openEmbeddedT(t, dir)
	insertNote(t, c, "n", "x")
	if _, err := os.Stat(filepath.Join(dir, sqliteDirName, "custodian.sqlite")); err != nil {
		t.Errorf("SQLite file not where expected: %v", err)
	}
}

// TestEmbeddedParallel starts several servers at once; under -race it checks
// that nothing global in FerretDB is written unsynchronised.
func TestEmbeddedParallel(t *testing.T) {
	for i := range 4 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			c := openEmbeddedT(t, tempDataDir(t))
			insertNote(t, c, "n", fmt.Sprint(i))
			if got := findNote(t, c, "n"); got.Text != fmt.Sprint(i) {
				t.Errorf("got %+v", got)
			}
		})
	}
}

func TestOpenRejectsBadDatabaseName(t *testing.T) {
	dir := tempDataDir(t)
	_, err := Open(context.Background(), Options{DataDir: dir, Database: "cust.odian"})
	if err == nil || !strings.Contains(err.Error(), "database name") {
		t.Fatalf("Open with a bad database name: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, lockFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Error("a rejected Open touched the data directory")
	}
}
