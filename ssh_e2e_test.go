package main

import (
	"bufio"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
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

	"github.com/custodian-dev/custodian/db/demo"
)

// TestServeWithOpenSSHInTmux is the end-to-end check a person would make:
// build custodian, run `custodian serve` on a fresh data directory, log in
// with the OpenSSH client inside tmux, read the screen with capture-pane,
// drive the console with send-keys, then stop the server with SIGTERM.
func TestServeWithOpenSSHInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("builds custodian and seeds an embedded database")
	}
	for _, tool := range []string{"ssh", "tmux"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (apt-get install openssh-client tmux; .ci/run installs them): skipping the OpenSSH end-to-end check", tool)
		}
	}
	dir := t.TempDir()
	bin := buildCustodian(t, dir)
	data := filepath.Join(dir, "data")
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)

	srv, fingerprint := startServe(t, bin, data, addr)
	hostKey := filepath.Join(data, "ssh_host_ed25519_key")
	if fi, err := os.Stat(hostKey); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key %s: %v, mode %v; want 0600", hostKey, err, fi.Mode().Perm())
	}

	leeKey := writeDemoKey(t, dir, "lee")
	known := filepath.Join(dir, "known_hosts")
	sshArgs := func(key string, extra ...string) []string {
		return append([]string{"-F", "/dev/null", "-i", key, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
			"-o", "PasswordAuthentication=no", "-o", "StrictHostKeyChecking=accept-new", "-o", "UserKnownHostsFile=" + known,
			"-p", fmt.Sprint(port)}, extra...)
	}

	// A session without a terminal runs a command and exits.
	out, err := exec.Command("ssh", sshArgs(leeKey, "lee@127.0.0.1", "whoami")...).Output()
	if err != nil || !strings.HasPrefix(string(out), "lee (Lee Chen)") {
		t.Fatalf("ssh whoami: %v %q", err, out)
	}
	// The host key the client pinned is the one the server printed.
	pinned, err := os.ReadFile(known)
	if err != nil {
		t.Fatal(err)
	}
	if fp := knownHostFingerprint(t, pinned); fp != fingerprint {
		t.Errorf("client pinned %s, server printed %s", fp, fingerprint)
	}

	// An unregistered key is refused.
	stranger := filepath.Join(dir, "stranger")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", stranger).CombinedOutput(); err == nil {
		cmd := exec.Command("ssh", sshArgs(stranger, "lee@127.0.0.1", "whoami")...)
		b, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(b), "Permission denied (publickey)") {
			t.Errorf("a stranger's key: %v %q", err, b)
		}
	} else {
		t.Logf("ssh-keygen unavailable (%v %s): stranger check skipped", err, out)
	}

	// The console in tmux.
	sock := fmt.Sprintf("custodian-e2e-%d", os.Getpid())
	tmux := func(args ...string) string {
		t.Helper()
		b, err := exec.Command("tmux", append([]string{"-L", sock, "-f", "/dev/null"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v %s", args, err, b)
		}
		return string(b)
	}
	sshCmd := "ssh " + strings.Join(sshArgs(leeKey, "-t", "lee@127.0.0.1"), " ")
	tmux("new-session", "-d", "-s", "e2e", "-x", "120", "-y", "40", "env TERM=xterm-256color "+sshCmd+"; sleep 30")
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", sock, "kill-server").Run() })
	pane := "e2e"
	screen := func() string { return tmux("capture-pane", "-p", "-t", pane) }
	waitScreen := func(what string, cond func(string) bool) string {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			s := screen()
			if cond(s) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s; screen:\n%s", what, s)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	s := waitScreen("the console", func(s string) bool { return strings.Contains(s, "due this week") })
	if header := strings.SplitN(s, "\n", 2)[0]; !strings.Contains(header, "lee (privacy lead)") || strings.Contains(header, "[read-only]") {
		t.Errorf("header %q: want lee (privacy lead), writable", header)
	}
	id := regexp.MustCompile(`R-\d{4}-\d{5}`).FindString(s)
	if id == "" {
		t.Fatalf("no request on the queue screen:\n%s", s)
	}
	tmux("send-keys", "-t", "e2e", "enter")
	waitScreen("the detail of the first request", func(s string) bool { return strings.Contains(s, "› "+id) && strings.Contains(s, "logged by") })
	tmux("send-keys", "-t", "e2e", "Escape")
	waitScreen("the queue again", func(s string) bool { return !strings.Contains(s, "› "+id) })
	tmux("send-keys", "-t", "e2e", "q")
	waitScreen("the session to end", func(s string) bool { return !strings.Contains(s, "due this week") })

	// SIGTERM: the server tells sessions, finishes, and exits 0.
	pane = "e2e2"
	tmux("new-session", "-d", "-s", pane, "-x", "120", "-y", "40", "env TERM=xterm-256color "+sshCmd+"; sleep 30")
	waitScreen("a second session", func(s string) bool { return strings.Contains(s, "due this week") })
	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitScreen("the closing message", func(s string) bool { return strings.Contains(s, "server is shutting down") })
	done := make(chan error, 1)
	go func() { done <- srv.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve exited with %v after SIGTERM, want 0", err)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("serve did not exit after SIGTERM")
	}

	// A restart reuses the host key.
	srv2, again := startServe(t, bin, data, addr)
	if again != fingerprint {
		t.Errorf("restart printed host key %s, first start %s", again, fingerprint)
	}
	_ = srv2.Process.Signal(syscall.SIGTERM)
	_ = srv2.Wait()
}

// startServe runs `custodian serve` and returns it once it listens, with
// the host key fingerprint it printed.
func startServe(t *testing.T, bin, data, addr string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--data-dir", data, "--listen", addr)
	cmd.Env = append(os.Environ(), "CUSTODIAN_MONGO_URI=")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &lockedWriter{w: &stderr}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("serve's stderr:\n%s", cmd.Stderr.(*lockedWriter).String())
		}
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) >= 3 && f[0] == "host" && f[1] == "key" {
				found <- f[2]
			}
		}
	}()
	select {
	case fp := <-found:
		return cmd, fp
	case <-time.After(3 * time.Minute):
		t.Fatal("serve did not print its host key")
	}
	return nil, ""
}

type lockedWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// writeDemoKey writes the demo operator's private key as OpenSSH reads it.
func writeDemoKey(t *testing.T, dir, handle string) string {
	t.Helper()
	block, err := gossh.MarshalPrivateKey(demo.PrivateKey(handle), handle)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, handle+"_ed25519")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func knownHostFingerprint(t *testing.T, known []byte) string {
	t.Helper()
	for len(known) > 0 {
		_, _, pk, _, rest, err := gossh.ParseKnownHosts(known)
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatalf("known_hosts: %v", err)
		}
		if pk.Type() == gossh.KeyAlgoED25519 {
			return gossh.FingerprintSHA256(pk)
		}
		known = rest
	}
	return ""
}
