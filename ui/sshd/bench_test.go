package sshd

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/custodian-dev/custodian/db/demo"
)

// The benchmarks run their SSH clients in a child process (this test
// binary again, see TestMain), so the server's memory and CPU are measured
// without the clients'. Run them with -benchtime=1x: each is one
// measurement of a fixed size, reported with ReportMetric.
//
//	go test ./ui/sshd -run '^$' -bench . -benchtime=1x

const benchClientEnv = "CUSTODIAN_SSH_BENCH_CLIENT"

func TestMain(m *testing.M) {
	if spec := os.Getenv(benchClientEnv); spec != "" {
		os.Exit(benchClient(spec))
	}
	os.Exit(m.Run())
}

// clientSpec is what the child process is asked to do.
type clientSpec struct {
	Addr     string
	Sessions int
	// Latency, when set, presses a key in every session every Interval for
	// Duration and reports keystroke-to-screen times; otherwise the
	// sessions sit idle until stdin closes.
	Latency  bool
	Interval time.Duration
	Duration time.Duration
}

type latencyReport struct {
	Count            int
	MedianMS, P95MS  float64
	Sessions, Failed int
}

// benchClient is the child process: N PTY sessions, each on its own
// connection, as N operators' terminals would be.
func benchClient(spec string) int {
	var cs clientSpec
	if err := json.Unmarshal([]byte(spec), &cs); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	handles := []string{"sam", "sid", "lee", "lou", "eve", "eli", "ada"}
	type sess struct {
		stdin io.Writer
		reads chan time.Time
	}
	sessions := make([]*sess, cs.Sessions)
	var wg sync.WaitGroup
	errs := make(chan error, cs.Sessions)
	// Logins ramp up ten at a time, as a team arriving does; a few hundred
	// at once would measure the embedded database's queue loads instead.
	gate := make(chan struct{}, 10)
	for i := range cs.Sessions {
		wg.Add(1)
		gate <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-gate }()
			signer, _ := gossh.NewSignerFromKey(demo.PrivateKey(handles[i%len(handles)]))
			c, err := gossh.Dial("tcp", cs.Addr, &gossh.ClientConfig{User: "bench", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
				HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: time.Minute})
			if err != nil {
				errs <- err
				return
			}
			s, err := c.NewSession()
			if err != nil {
				errs <- err
				return
			}
			if err := s.RequestPty("xterm-256color", 40, 120, nil); err != nil {
				errs <- err
				return
			}
			in, _ := s.StdinPipe()
			out, _ := s.StdoutPipe()
			if err := s.Shell(); err != nil {
				errs <- err
				return
			}
			ss := &sess{stdin: in, reads: make(chan time.Time, 1024)}
			ready := make(chan struct{})
			go func() {
				buf := make([]byte, 32*1024)
				var seen strings.Builder
				for {
					n, err := out.Read(buf)
					if n > 0 {
						if ready != nil {
							seen.Write(buf[:n])
							if strings.Contains(seen.String(), "due this week") {
								close(ready)
								ready = nil
								seen.Reset()
							}
						} else {
							select {
							case ss.reads <- time.Now():
							default:
							}
						}
					}
					if err != nil {
						return
					}
				}
			}()
			select {
			case <-ready:
			case <-time.After(2 * time.Minute):
				errs <- fmt.Errorf("session %d never showed the queue", i)
				return
			}
			sessions[i] = ss
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		fmt.Fprintln(os.Stderr, "client:", err)
		return 1
	}
	// Let the first frames' follow-ups (background reply, status timers) pass.
	time.Sleep(time.Second)
	fmt.Println("ready")
	if !cs.Latency {
		_, _ = io.Copy(io.Discard, os.Stdin)
		return 0
	}
	var mu sync.Mutex
	var lat []time.Duration
	failed := 0
	stop := time.Now().Add(cs.Duration)
	var run sync.WaitGroup
	for i, ss := range sessions {
		run.Add(1)
		go func() {
			defer run.Done()
			// Spread the sessions over the interval, as people type at different moments.
			time.Sleep(cs.Interval * time.Duration(i) / time.Duration(len(sessions)))
			keys := []string{"\x1b[B", "\x1b[A"}
			for k := 0; time.Now().Before(stop); k++ {
				for len(ss.reads) > 0 {
					<-ss.reads
				}
				t0 := time.Now()
				if _, err := io.WriteString(ss.stdin, keys[k%2]); err != nil {
					return
				}
				select {
				case at := <-ss.reads:
					mu.Lock()
					lat = append(lat, at.Sub(t0))
					mu.Unlock()
				case <-time.After(5 * time.Second):
					mu.Lock()
					failed++
					mu.Unlock()
				}
				time.Sleep(cs.Interval - time.Since(t0)%cs.Interval)
			}
		}()
	}
	run.Wait()
	slices.Sort(lat)
	rep := latencyReport{Count: len(lat), Sessions: len(sessions), Failed: failed}
	if len(lat) > 0 {
		rep.MedianMS = float64(lat[len(lat)/2]) / float64(time.Millisecond)
		rep.P95MS = float64(lat[len(lat)*95/100]) / float64(time.Millisecond)
	}
	b, _ := json.Marshal(rep)
	fmt.Println(string(b))
	return 0
}

// clients starts the child process and waits until its sessions are up.
func clients(b *testing.B, cs clientSpec) (*exec.Cmd, *bufio.Scanner, io.WriteCloser) {
	b.Helper()
	spec, _ := json.Marshal(cs)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), benchClientEnv+"="+string(spec))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = in.Close(); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	if !sc.Scan() || sc.Text() != "ready" {
		b.Fatalf("client process: %q %v", sc.Text(), sc.Err())
	}
	return cmd, sc, in
}

func heapInuse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// BenchmarkIdleSessionMemory: the server's heap per idle console session
// showing the loaded queue (120x40, demo data of 160 requests).
func BenchmarkIdleSessionMemory(b *testing.B) {
	const n = 50
	_, store := seeded(b)
	ts := startServer(b, store, func(c *Config) { c.MaxSessions = 1000 })
	before := heapInuse()
	clients(b, clientSpec{Addr: ts.addr, Sessions: n})
	after := heapInuse()
	if path := os.Getenv("CUSTODIAN_BENCH_HEAPPROFILE"); path != "" {
		// go tool pprof -sample_index=inuse_space: who holds the sessions' memory.
		if f, err := os.Create(path); err == nil {
			_ = pprof.WriteHeapProfile(f)
			_ = f.Close()
		}
	}
	if got := ts.Sessions(); got != n {
		b.Fatalf("%d sessions open, want %d", got, n)
	}
	b.ReportMetric(float64(after-before)/n, "heap-bytes/session")
	b.ReportMetric(float64(runtime.NumGoroutine())/n, "goroutines/session")
}

// BenchmarkBytesPerKey: bytes the server sends for one key press, once
// the screen has settled (no more output for 150 ms).
func BenchmarkBytesPerKey(b *testing.B) {
	_, store := seeded(b)
	ts := startServer(b, store, nil)
	for _, tc := range []struct {
		name string
		// warm, when set, brings the session to the state measured from.
		warm func(tm *term)
		keys []string // pressed in turn; the mean over them is reported
		// each, when set, names keys' presses in order: the mean of each
		// is reported too.
		each []string
	}{
		{"cursor-move", nil, []string{"down", "up"}, nil},
		{"open-detail-and-back", nil, []string{"enter", "esc"}, nil},
		// Each pane loads on its first visit; the warm-up pays for those
		// loads so the figure is a switch between loaded panes, round the
		// five (Queue → Approvals → Lookup → Audit → Metrics → Queue).
		// A lead also has the Metrics tab, after Audit.
		{"pane-switch", visitEveryPane, []string{"tab", "tab", "tab", "tab", "tab"}, []string{"approvals", "lookup", "audit", "metrics", "queue"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			tm := openTerm(b, ts.mustDial(b, "lee"), 120, 40, nil)
			tm.waitText("due this week")
			if tc.warm != nil {
				tc.warm(tm)
			}
			settle(tm)
			total, presses, loops := 0, 0, 0
			each := make([]int, len(tc.keys))
			for b.Loop() {
				for i, k := range tc.keys {
					before := tm.rawLen()
					tm.press(k)
					settle(tm)
					each[i] += tm.rawLen() - before
					total += tm.rawLen() - before
					presses++
				}
				loops++
			}
			b.ReportMetric(float64(total)/float64(presses), "bytes/key")
			for i, name := range tc.each {
				b.ReportMetric(float64(each[i])/float64(loops), "bytes-to-"+name)
			}
		})
	}
}

// visitEveryPane tabs once round a lead's five panes, waiting for each to show
// its data, and ends back on the queue.
func visitEveryPane(tm *term) {
	tm.press("tab")
	tm.waitText("waiting since") // Approvals, a row selected
	tm.press("tab")
	tm.waitText(" subjects · ") // Lookup, the directory built
	tm.press("tab")
	tm.waitText(" · seq ") // Audit, a page loaded
	tm.press("tab")
	tm.waitText("Days to respond (") // Metrics, the year counted
	tm.press("tab")
	tm.waitText("due this week")
}

// settle waits until the server has sent nothing for 150 ms.
func settle(tm *term) {
	last, quiet := tm.rawLen(), time.Now()
	for time.Since(quiet) < 150*time.Millisecond {
		time.Sleep(10 * time.Millisecond)
		if n := tm.rawLen(); n != last {
			last, quiet = n, time.Now()
		}
	}
}

// BenchmarkKeystrokeLatency: with N sessions each pressing a cursor key
// every 500 ms, the time from a key leaving the client to the first byte
// of the redrawn screen arriving.
func BenchmarkKeystrokeLatency(b *testing.B) {
	sizes := []int{1, 10, 25, 50, 100, 150}
	if s := os.Getenv("CUSTODIAN_BENCH_SESSIONS"); s != "" {
		sizes = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(f)
			if err != nil {
				b.Fatal(err)
			}
			sizes = append(sizes, n)
		}
	}
	_, store := seeded(b)
	ts := startServer(b, store, func(c *Config) { c.MaxSessions = 1000 })
	for _, n := range sizes {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			measureKeystrokes(b, ts, n)
		})
	}
}

// BenchmarkKeystrokeLatencyLive is BenchmarkKeystrokeLatency at 50
// sessions with the console's live refresh off and polling (the default
// 3 s, and 1 s), on a server of its own each: what the polls of 50
// sessions cost every session's keystrokes. A quiet desk: nothing else
// writes, so each poll is the marker read and the operator re-read.
func BenchmarkKeystrokeLatencyLive(b *testing.B) {
	_, store := seeded(b)
	for _, tc := range []struct {
		name string
		poll time.Duration
	}{{"poll=off", -1}, {"poll=3s", 3 * time.Second}, {"poll=1s", time.Second}} {
		b.Run(tc.name+"/sessions=50", func(b *testing.B) {
			ts := startServer(b, store, func(c *Config) { c.MaxSessions = 1000; c.App.LivePoll = tc.poll })
			measureKeystrokes(b, ts, 50)
		})
	}
}

// measureKeystrokes runs n sessions against ts, each pressing a key every
// 500 ms for 10 s, and reports the keystroke-to-redraw median and p95.
func measureKeystrokes(b *testing.B, ts *testServer, n int) {
	b.Helper()
	_, sc, in := clients(b, clientSpec{Addr: ts.addr, Sessions: n, Latency: true, Interval: 500 * time.Millisecond, Duration: 10 * time.Second})
	if !sc.Scan() {
		b.Fatal("no report from the client process")
	}
	var rep latencyReport
	if err := json.Unmarshal(sc.Bytes(), &rep); err != nil {
		b.Fatal(err)
	}
	_ = in.Close()
	b.ReportMetric(rep.MedianMS, "median-ms")
	b.ReportMetric(rep.P95MS, "p95-ms")
	b.ReportMetric(float64(rep.Count), "keys")
	b.ReportMetric(float64(rep.Failed), "unanswered")
	waitFor(b, "the sessions to close", func() bool { return ts.Sessions() == 0 })
}
