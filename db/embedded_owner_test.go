//go:build linux

package db

import (
	"bufio"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// dialEnv makes the test binary, run as a child, only dial the socket it
// names and print what happened (see TestMain's use of runDialChild).
const dialEnv = "CUSTODIAN_TEST_DIAL_SOCKET"

// nobodyUID is the conventional unprivileged "nobody" user.
const nobodyUID = 65534

func TestMain(m *testing.M) {
	if path := os.Getenv(dialEnv); path != "" {
		os.Exit(runDialChild(path))
	}
	if os.Getenv(serviceEnv) != "" {
		os.Exit(runServiceChild(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// runDialChild connects to the socket and says "connected" or the error.
func runDialChild(path string) int {
	c, err := dialUnix(path)
	if err != nil {
		os.Stdout.WriteString("refused: " + err.Error() + "\n")
		return 0
	}
	_ = c.Close()
	os.Stdout.WriteString("connected\n")
	return 0
}

// TestEmbeddedOnlyOwnerConnects runs a second process as another OS user
// against a running embedded database: it must not be able to open the
// socket, while the same process run as the owner can. It needs root to
// switch users, as in CI.
func TestEmbeddedOnlyOwnerConnects(t *testing.T) {
	embeddedOnly(t)
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a child process as uid 65534 (nobody); run the db tests as root to check the socket's permissions")
	}
	c := openEmbeddedT(t, filepath.Join(tempDataDir(t), "data"))
	sock := filepath.Join(c.server.DataDir(), socketFileName)

	// The test binary sits in a private build directory; nobody needs a copy
	// it can execute, in a directory it can enter.
	bin := filepath.Join(t.TempDir(), "dial")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	copyFile(t, self, bin, 0o755)
	for d := filepath.Dir(bin); d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	dial := func(cred *syscall.Credential) string {
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), dialEnv+"="+sock)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("dial child: %v: %s", err, out)
		}
		return strings.TrimSpace(string(out))
	}
	// Control: the owner's own child connects, so a refusal below is the
	// permissions' doing and not a broken helper.
	if got := dial(nil); got != "connected" {
		t.Fatalf("the owner's child process: %s", got)
	}
	got := dial(&syscall.Credential{Uid: nobodyUID, Gid: nobodyUID})
	if !strings.HasPrefix(got, "refused: ") || !strings.Contains(got, "permission denied") {
		t.Errorf("a process of uid %d: %q, want permission denied", nobodyUID, got)
	}

	// Even with the data directory opened up, the socket's own 0600 mode
	// keeps the other user out.
	if err := os.Chmod(c.server.DataDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	got = dial(&syscall.Credential{Uid: nobodyUID, Gid: nobodyUID})
	if !strings.HasPrefix(got, "refused: ") || !strings.Contains(got, "permission denied") {
		t.Errorf("uid %d with the data directory opened up: %q, want permission denied", nobodyUID, got)
	}
}

// TestEmbeddedNoTCPListener: the embedded database opens no TCP port at
// all. Every listening TCP socket of this process is looked up by inode in
// /proc/net/tcp{,6}; other tests in this package start no TCP listeners.
func TestEmbeddedNoTCPListener(t *testing.T) {
	embeddedOnly(t)
	before := tcpListeners(t)
	c := openEmbeddedT(t, tempDataDir(t))
	insertNote(t, c, "n", "x")
	after := tcpListeners(t)
	for inode := range after {
		if !before[inode] {
			t.Errorf("a TCP socket (inode %s) is listening after Open", inode)
		}
	}
	// The check can fail: a loopback listener of ours is seen.
	l, err := listenTCP()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if n, m := len(tcpListeners(t)), len(after); n != m+1 {
		t.Errorf("with one more TCP listener open, %d listening sockets seen, want %d", n, m+1)
	}
}

// tcpListeners returns the inodes of this process's TCP sockets in LISTEN.
func tcpListeners(t *testing.T) map[string]bool {
	t.Helper()
	mine := map[string]bool{}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && strings.HasPrefix(link, "socket:[") {
			mine[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	out := map[string]bool{}
	for _, table := range []string{"/proc/self/net/tcp", "/proc/self/net/tcp6"} {
		f, err := os.Open(table)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			// sl local rem st … inode is the tenth column; 0A is LISTEN.
			if len(fields) > 9 && fields[3] == "0A" && mine[fields[9]] {
				out[fields[9]] = true
			}
		}
		_ = f.Close()
	}
	return out
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, mode); err != nil {
		t.Fatal(err)
	}
}

func dialUnix(path string) (net.Conn, error) { return net.Dial("unix", path) }

func listenTCP() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }
