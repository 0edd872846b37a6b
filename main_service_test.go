package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/custodian-dev/custodian/db/dbtest"
	"github.com/custodian-dev/custodian/db/demo"
	"github.com/custodian-dev/custodian/ui/cli"
)

// TestDatabaseServiceOutlivesItsClients is the shared-desk set-up: three
// clients of the real binary import requests into one data directory while
// `serve` admits an operator over SSH again and again. The first client
// starts the database service; mid-import the service and that client are
// killed (SIGKILL). The other two clients start the service again and
// finish their imports — every line of theirs imported exactly once — and
// `serve` admits the registered key before, during and after the outage,
// never refusing it.
func TestDatabaseServiceOutlivesItsClients(t *testing.T) {
	if testing.Short() {
		t.Skip("builds custodian and runs the database service")
	}
	if dbtest.External() {
		t.Skip("tests the embedded database service; CUSTODIAN_TEST_MONGO_URI is set")
	}
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	dir := t.TempDir()
	bin := buildCustodian(t, dir)
	data := filepath.Join(dir, "data")
	cust := func(args ...string) (int, string, string) {
		t.Helper()
		cmd := exec.Command(bin, append(args, "--data-dir", data)...)
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), out.String(), errb.String()
		} else if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return 0, out.String(), errb.String()
	}
	status := func() (st struct {
		Running bool `json:"running"`
		PID     int  `json:"pid"`
		Clients int  `json:"clients"`
	}) {
		t.Helper()
		_, out, _ := cust("db", "status", "--json")
		if err := json.Unmarshal([]byte(out), &st); err != nil {
			t.Fatalf("db status --json: %v %q", err, out)
		}
		return st
	}
	// Whatever happens, no service outlives the test.
	t.Cleanup(func() { _, _, _ = cust("db", "stop") })

	if code, _, stderr := cust("seed", "--subjects", "60", "--requests", "10", "--operator", "ada"); code != 0 {
		t.Fatalf("seed: exit %d: %s", code, stderr)
	}
	// The seed started the service; it outlived the seed.
	if st := status(); !st.Running {
		t.Fatalf("after the seed: %+v, want a running service", st)
	}
	if code, out, stderr := cust("db", "stop"); code != 0 || !strings.Contains(out, "stopped") {
		t.Fatalf("db stop: exit %d %q %q", code, out, stderr)
	}
	if st := status(); st.Running {
		t.Fatalf("after db stop: %+v", st)
	}

	// Each client imports a file of its own.
	const lines = 150
	files, ids := make([]string, 3), make([][]string, 3)
	for c := range files {
		var b strings.Builder
		for i := range lines {
			ref := fmt.Sprintf("svc-%d-%d", c, i)
			ids[c] = append(ids[c], cli.ImportRequestID(ref))
			fmt.Fprintf(&b, `{"external_ref": %q, "tenant": "oakridge-ca", "type": "opt_out", "channel": "web", "received": "today", "requester": {"name": "Client %d Line %d", "email": "svc.%d.%d@example.org"}}`+"\n", ref, c, i, c, i)
		}
		files[c] = filepath.Join(dir, fmt.Sprintf("client%d.jsonl", c))
		if err := os.WriteFile(files[c], []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	type client struct {
		cmd    *exec.Cmd
		out    bytes.Buffer
		stderr lockedBuffer
		done   chan error
	}
	startImport := func(c int) *client {
		cl := &client{done: make(chan error, 1)}
		cl.cmd = exec.Command(bin, "requests", "import", files[c], "--data-dir", data, "--operator", "sam")
		cl.cmd.Env = append(os.Environ(), "CUSTODIAN_MONGO_URI=")
		cl.cmd.Stdout, cl.cmd.Stderr = &cl.out, &cl.stderr
		if err := cl.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { cl.done <- cl.cmd.Wait() }()
		// Killing a process that has ended is a harmless error; reading
		// ProcessState here would race with the Wait above.
		t.Cleanup(func() { _ = cl.cmd.Process.Kill() })
		return cl
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(2 * time.Minute)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	// The first client alone starts the service.
	first := startImport(0)
	waitFor("the first client to start the service", func() bool { return status().Running })
	svc := status()

	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	startServe(t, bin, data, addr)
	signer, err := gossh.NewSignerFromKey(demo.PrivateKey("lee"))
	if err != nil {
		t.Fatal(err)
	}
	login := func() error {
		c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: "lee", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
			HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 30 * time.Second})
		if err != nil {
			return fmt.Errorf("login: %w", err)
		}
		defer c.Close()
		s, err := c.NewSession()
		if err != nil {
			return err
		}
		defer s.Close()
		out, err := s.CombinedOutput("whoami")
		if err != nil || !strings.HasPrefix(string(out), "lee ") {
			return fmt.Errorf("whoami: %v %q", err, out)
		}
		return nil
	}
	if err := login(); err != nil {
		t.Fatalf("before the outage: %v", err)
	}
	// Logins keep coming through the outage, one after another.
	stopLogins := make(chan struct{})
	var loginErrs []error
	logins := 0
	var lw sync.WaitGroup
	lw.Add(1)
	go func() {
		defer lw.Done()
		for {
			select {
			case <-stopLogins:
				return
			default:
			}
			if err := login(); err != nil {
				loginErrs = append(loginErrs, err)
			}
			logins++
		}
	}()

	others := []*client{startImport(1), startImport(2)}
	progress := regexp.MustCompile(`importing [1-9]\d*/`)
	waitFor("the other clients to be importing", func() bool {
		return progress.MatchString(others[0].stderr.String()) && progress.MatchString(others[1].stderr.String())
	})
	select {
	case <-first.done:
		t.Fatal("the first client finished before the kill: make its file longer")
	default:
	}
	if err := syscall.Kill(svc.PID, syscall.SIGKILL); err != nil {
		t.Fatalf("kill the database service (pid %d): %v", svc.PID, err)
	}
	_ = first.cmd.Process.Kill()
	<-first.done
	t.Logf("killed the database service (pid %d) and the client that started it", svc.PID)

	// The survivors finish on their own: a line whose write was on the wire
	// at the kill is written again once the service answers (imports are
	// idempotent per line, so nothing lands twice).
	for i, cl := range others {
		c := i + 1
		if err := <-cl.done; err != nil {
			t.Fatalf("client %d did not finish its import: %v\n%s%s", c, err, cl.out.String(), cl.stderr.String())
		}
		if !strings.Contains(cl.out.String(), "0 invalid") {
			t.Errorf("client %d: %q", c, cl.out.String())
		}
	}
	close(stopLogins)
	lw.Wait()
	if err := login(); err != nil {
		t.Fatalf("after the outage: %v", err)
	}
	if len(loginErrs) > 0 {
		t.Errorf("%d of %d logins during the outage failed; first: %v", len(loginErrs), logins, loginErrs[0])
	}
	after := status()
	if !after.Running || after.PID == svc.PID {
		t.Fatalf("after the kill: %+v (killed pid %d)", after, svc.PID)
	}

	code, out, stderr := cust("requests", "list", "--status", "all", "--json", "--operator", "lee")
	var rows []cli.ListRow
	if code != 0 || json.Unmarshal([]byte(out), &rows) != nil {
		t.Fatalf("list: exit %d %s", code, stderr)
	}
	seen := map[string]int{}
	for _, r := range rows {
		seen[r.ID]++
	}
	for c, list := range ids {
		for _, id := range list {
			if n := seen[id]; n > 1 || c > 0 && n != 1 {
				t.Errorf("client %d's request %s is listed %d times", c, id, n)
			}
		}
	}
	if code, out, stderr := cust("audit", "verify", "--operator", "lee"); code != 0 || !strings.Contains(out, "ok") {
		t.Fatalf("audit verify: exit %d\n%s%s", code, out, stderr)
	}
}

// lockedBuffer is a buffer a process writes while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
