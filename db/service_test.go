//go:build linux

package db

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// serviceEnv makes the test binary, started by a client as the database
// service, run ServeService on the --data-dir it is given (see TestMain).
const serviceEnv = "CUSTODIAN_TEST_SERVICE"

func runServiceChild(args []string) int {
	fs := flag.NewFlagSet("service", flag.ContinueOnError)
	dir := fs.String("data-dir", "", "")
	if err := fs.Parse(args); err != nil || *dir == "" {
		return 2
	}
	s, err := ServeService(context.Background(), *dir, time.Minute, nil)
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		return 1
	}
	<-s.Done()
	return 0
}

// serveT runs the service in this process on a fresh directory.
func serveT(t *testing.T, idle time.Duration) (*Service, string) {
	t.Helper()
	embeddedOnly(t)
	dir := filepath.Join(tempDataDir(t), "data")
	s, err := ServeService(context.Background(), dir, idle, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := s.Stop(ctx, "test over"); err != nil {
			t.Error(err)
		}
	})
	return s, dir
}

func remoteT(t *testing.T, uri string) *Conn {
	t.Helper()
	c, err := Open(context.Background(), Options{URI: uri})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The service stops by itself once no client has been connected for its
// idle period, and not while one is.
func TestServiceStopsWhenIdle(t *testing.T) {
	const idle = 400 * time.Millisecond
	s, dir := serveT(t, idle)
	c := remoteT(t, s.URI())
	if _, err := c.DB.Collection("t").InsertOne(context.Background(), bson.M{"_id": "a"}); err != nil {
		t.Fatal(err)
	}
	// Several idle periods with the client connected: still serving.
	time.Sleep(4 * idle)
	if r := s.Reason(); r != "" {
		t.Fatalf("the service stopped with a client connected: %s", r)
	}
	if st, _ := StatusOf(context.Background(), dir); st.Clients < 1 {
		t.Errorf("status counts %d clients with one connected", st.Clients)
	}
	closeT(t, c)
	select {
	case <-s.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("the service did not stop with no client")
	}
	if !strings.Contains(s.Reason(), "no client") {
		t.Errorf("stopped because %q, want the idle period", s.Reason())
	}
	if free, _, _ := lockFree(dir); !free {
		t.Error("the data directory is still locked after the idle stop")
	}
}

// `db status` reports the running service; `db stop` stops it and waits
// for the data directory to be released; a second stop says nothing runs.
func TestServiceStatusAndStop(t *testing.T) {
	s, dir := serveT(t, time.Minute)
	ctx := context.Background()
	st, err := StatusOf(ctx, dir)
	if err != nil || !st.Running || st.PID != os.Getpid() || st.URI != s.URI() ||
		st.Log != filepath.Join(dir, ServiceLogName) || st.Started.IsZero() || st.Clients != 0 || st.Idle != time.Minute {
		t.Fatalf("status of a fresh service: %+v %v", st, err)
	}
	if _, err := StopService(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if free, _, _ := lockFree(dir); !free {
		t.Fatal("StopService returned with the data directory still locked")
	}
	if !strings.Contains(s.Reason(), "custodian db stop") {
		t.Errorf("stopped because %q", s.Reason())
	}
	if st, err := StatusOf(ctx, dir); err != nil || st.Running {
		t.Fatalf("status after stop: %+v %v", st, err)
	}
	if _, err := StopService(ctx, dir); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("second stop: %v, want ErrNotRunning", err)
	}
	// A second service on a directory the first still holds is refused.
	s2, err := ServeService(ctx, dir, time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Stop(ctx, "test over")
	if _, err := ServeService(ctx, dir, time.Minute, nil); err == nil || !strings.Contains(err.Error(), "already owns") {
		t.Fatalf("a second service on one directory: %v", err)
	}
}

// A process hosting the database itself is not a service: stop refuses
// rather than take that process's work down.
func TestStopLeavesAnInProcessOwner(t *testing.T) {
	embeddedOnly(t)
	dir := filepath.Join(tempDataDir(t), "data")
	c := openEmbeddedT(t, dir)
	ctx := context.Background()
	st, err := StatusOf(ctx, dir)
	if err != nil || !st.Running || st.Clients != -1 {
		t.Fatalf("status with an in-process owner: %+v %v", st, err)
	}
	if _, err := StopService(ctx, dir); err == nil || !strings.Contains(err.Error(), "does not answer as a database service") {
		t.Fatalf("stop of an in-process owner: %v", err)
	}
	if err := c.Client.Ping(ctx, nil); err != nil {
		t.Fatalf("the owner stopped serving: %v", err)
	}
}

// A client with Options.Service starts the service detached when nobody
// runs it; when the service dies (SIGKILL) the client says the connection
// is lost, starts it again, says it is back, and its data is all there.
func TestClientStartsAndRestartsTheService(t *testing.T) {
	embeddedOnly(t)
	if testing.Short() {
		t.Skip("starts the service as a child process, twice")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(serviceEnv, "1")
	dir := filepath.Join(tempDataDir(t), "data")
	ctx := context.Background()
	c, err := Open(ctx, Options{DataDir: dir, Service: []string{self}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		closeT(t, c)
		sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if _, err := StopService(sctx, dir); err != nil {
			t.Errorf("stop the service: %v", err)
		}
	})
	first, err := StatusOf(ctx, dir)
	if err != nil || !first.Running || first.PID == os.Getpid() || first.PID == 0 {
		t.Fatalf("no service in a process of its own: %+v %v", first, err)
	}
	coll := c.DB.Collection("t")
	if _, err := coll.InsertOne(ctx, bson.M{"_id": "before"}); err != nil {
		t.Fatal(err)
	}
	state, changed := c.State()
	if state != ConnUp || changed == nil {
		t.Fatalf("state %v, channel %v", state, changed)
	}

	if err := syscall.Kill(first.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitState := func(want ConnState) {
		t.Helper()
		deadline := time.After(60 * time.Second)
		for {
			s, ch := c.State()
			if s == want {
				return
			}
			select {
			case <-ch:
			case <-deadline:
				t.Fatalf("the connection stayed %v, want %v", s, want)
			}
		}
	}
	waitState(ConnLost)
	waitState(ConnRestored)

	// Through the same client, with no reconnect of ours.
	if _, err := coll.InsertOne(ctx, bson.M{"_id": "after"}); err != nil {
		t.Fatal(err)
	}
	n, err := coll.CountDocuments(ctx, bson.M{})
	if err != nil || n != 2 {
		t.Fatalf("%d documents after the restart (%v), want 2", n, err)
	}
	second, err := StatusOf(ctx, dir)
	if err != nil || !second.Running || second.PID == first.PID {
		t.Fatalf("after the kill: %+v %v, first pid %d", second, err, first.PID)
	}
	// The client's own exit does not stop the service.
	closeT(t, c)
	if st, _ := StatusOf(ctx, dir); !st.Running {
		t.Fatal("closing the client stopped the service")
	}
}

// A service that cannot start is reported at once with its reason from the
// log, not after the client has waited out its timeout.
func TestClientReportsAServiceThatCannotStart(t *testing.T) {
	embeddedOnly(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(serviceEnv, "1")
	dir := filepath.Join(tempDataDir(t), "data")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	// The SQLite directory's name taken by a file: FerretDB has nowhere to go.
	if err := os.WriteFile(filepath.Join(dir, sqliteDirName), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Open(context.Background(), Options{DataDir: dir, Service: []string{self}})
	if !IsConnectError(err) || !strings.Contains(err.Error(), "could not start") || !strings.Contains(err.Error(), "not a directory") ||
		!strings.Contains(err.Error(), ServiceLogName) {
		t.Fatalf("got %v, want the service's own reason and the log's path", err)
	}
}
