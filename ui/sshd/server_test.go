package sshd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// TestSSH drives the console over real SSH sessions (x/crypto client, PTY,
// a terminal emulator reading the screen) against one seeded embedded
// database. Subtests that need a differently configured server start their
// own on the same database, as several `serve` processes would.
func TestSSH(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds an embedded database")
	}
	_, store := seeded(t)
	ts := startServer(t, store, nil)
	ctx := context.Background()
	sys := model.SystemActor("test")

	t.Run("each role sees who it is in the header", func(t *testing.T) {
		for _, tc := range []struct {
			handle, role string
			readOnly     bool
		}{
			{"sam", "support", false},
			{"lee", "privacy lead", false},
			{"eve", "engineer", true},
			{"ada", "admin", true},
		} {
			t.Run(tc.handle, func(t *testing.T) {
				tm := openTerm(t, ts.mustDial(t, tc.handle), 120, 40, nil)
				screen := tm.waitText("due this week")
				header := strings.Split(screen, "\n")[0]
				if !strings.Contains(header, tc.handle+" ("+tc.role+")") {
					t.Errorf("header %q lacks %q", header, tc.handle+" ("+tc.role+")")
				}
				if got := strings.Contains(header, "[read-only]"); got != tc.readOnly {
					t.Errorf("header %q: [read-only] shown %v, want %v", header, got, tc.readOnly)
				}
			})
		}
	})

	t.Run("serve --readonly marks every session read-only", func(t *testing.T) {
		ro := startServer(t, store, func(c *Config) { c.ReadOnly = true })
		c := ro.mustDial(t, "lee")
		tm := openTerm(t, c, 120, 40, nil)
		header := strings.Split(tm.waitText("due this week"), "\n")[0]
		if !strings.Contains(header, "lee (privacy lead)") || !strings.Contains(header, "[read-only]") {
			t.Errorf("header %q: want lee (privacy lead) [read-only]", header)
		}
		live := ro.LiveSessions()
		if len(live) != 1 || !live[0].Actor.ReadOnly {
			t.Fatalf("live sessions %+v: want one read-only actor", live)
		}
		r := requestIn(t, store, model.StatusReceived, "")
		if _, err := store.Transition(ctx, live[0].Actor, r.ID, r.Version, model.ActAcknowledge, ""); !errors.Is(err, db.ErrRefused) {
			t.Errorf("a lead in a read-only session acknowledged %s: %v", r.ID, err)
		}
	})

	t.Run("an unknown key is refused and audited", func(t *testing.T) {
		stranger := randomSigner(t)
		fp := fingerprintOf(stranger)
		if _, err := ts.dial(t, stranger); err == nil {
			t.Fatal("a key nobody registered logged in")
		}
		ts.auditRefusals(t)
		waitAudit(t, store, "refusal of "+fp, func(r db.AuditRecord) bool {
			return r.Action == "ssh_login" && r.Outcome == model.OutcomeRefused && r.Target == "ssh-key:"+fp &&
				r.Origin == "ssh:127.0.0.1" && r.Reason == "no operator holds this key" && r.Detail == "attempts=1 over_cap=0 keys="+fp
		})
	})

	t.Run("a key merely offered before the right one is not the session's", func(t *testing.T) {
		// The client offers lee's public key (a privacy lead's) without
		// being able to sign with it (the server says yes to the offer; no
		// signature comes), then logs in with sam's (support): the session
		// is sam's, with nothing of lee's.
		next := []gossh.AuthMethod{gossh.PublicKeys(offerOnly{demoSigner(t, "lee")}), gossh.PublicKeys(demoSigner(t, "sam"))}
		c, err := gossh.Dial("tcp", ts.addr, &gossh.ClientConfig{
			User: "lee",
			AuthCallback: func(*gossh.ClientAuthContext) (gossh.AuthMethod, error) {
				if len(next) == 0 {
					return nil, errors.New("no more keys")
				}
				m := next[0]
				next = next[1:]
				return m, nil
			},
			HostKeyCallback: gossh.FixedHostKey(ts.hostKey),
		})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if len(next) != 0 {
			t.Fatal("the client did not offer lee's key first")
		}
		out, _, code := run(t, c, "whoami")
		if code != 0 || !strings.HasPrefix(out, "sam (") || !strings.Contains(out, "role: support") {
			t.Errorf("whoami = %q (exit %d), want sam, support", out, code)
		}
	})

	t.Run("passwords and keyboard-interactive get nowhere", func(t *testing.T) {
		_, err := gossh.Dial("tcp", ts.addr, &gossh.ClientConfig{
			User: "lee",
			Auth: []gossh.AuthMethod{
				gossh.Password("hunter2"),
				gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) { return []string{"hunter2"}, nil }),
			},
			HostKeyCallback: gossh.FixedHostKey(ts.hostKey),
		})
		if err == nil {
			t.Fatal("a password login got in")
		}
		if !strings.Contains(err.Error(), "attempted methods [none]") {
			t.Errorf("the server offered more than public keys: %v", err)
		}
		ts.auditRefusals(t)
		waitAudit(t, store, "the keyless attempt", func(r db.AuditRecord) bool {
			return r.Action == "ssh_login" && r.Target == "ssh-key:none" && strings.Contains(r.Reason, "no public key offered")
		})
	})

	t.Run("a connection gets six authentication attempts", func(t *testing.T) {
		var keys []gossh.Signer
		for range 9 {
			keys = append(keys, randomSigner(t))
		}
		keys = append(keys, demoSigner(t, "lee")) // the tenth would work
		_, err := ts.dial(t, keys...)
		if err == nil {
			t.Fatal("the tenth key got in after nine failures")
		}
		ts.auditRefusals(t)
		// One entry gathers the connection's refused keys.
		recs, _ := store.AuditPage(ctx, sys, 0, 1000)
		n := 0
		for _, r := range recs {
			for _, k := range keys[:9] {
				if r.Action == "ssh_login" && strings.Contains(r.Detail, fingerprintOf(k)) {
					n++
				}
			}
		}
		if n == 0 || n > DefaultMaxAuthTries {
			t.Errorf("%d of the nine keys were tried and audited, want 1..%d", n, DefaultMaxAuthTries)
		}
	})

	t.Run("each session detects its own colour profile", func(t *testing.T) {
		c := ts.mustDial(t, "sid")
		colour := openTerm(t, c, 120, 40, nil)
		colour.waitText("due this week")
		plain := openTerm(t, c, 120, 40, map[string]string{"NO_COLOR": "1"})
		plain.waitText("due this week")
		settle(colour)
		settle(plain)
		if !strings.Contains(colour.rawOutput(), "38;5;") && !strings.Contains(colour.rawOutput(), "38;2;") {
			t.Error("an xterm-256color session got no colour")
		}
		if raw := plain.rawOutput(); strings.Contains(raw, "38;5;") || strings.Contains(raw, "38;2;") || strings.Contains(raw, "[3") && regexp.MustCompile(`\x1b\[[0-9;]*3[0-7]m`).MatchString(raw) {
			t.Error("a NO_COLOR session got colours")
		}
	})

	t.Run("the console follows the client's window size", func(t *testing.T) {
		tm := openTerm(t, ts.mustDial(t, "sid"), 90, 30, nil)
		first := tm.waitText("due this week")
		if w := len([]rune(strings.Split(first, "\n")[0])); w > 90 {
			t.Fatalf("header %d cells wide in a 90-column terminal", w)
		}
		tm.mu.Lock()
		tm.emu.Resize(150, 45)
		tm.mu.Unlock()
		if err := tm.sess.WindowChange(45, 150); err != nil {
			t.Fatal(err)
		}
		tm.waitFor("the header at 150 columns", func(s string) bool {
			h := strings.TrimRight(strings.Split(s, "\n")[0], " ")
			return strings.HasSuffix(h, "due this week") && len([]rune(h)) > 120
		})
	})

	t.Run("demo keys are refused unless the server is told they may be used", func(t *testing.T) {
		exposed := startServer(t, store, func(c *Config) { c.AllowDemoKeys = false })
		if _, err := exposed.dial(t, demoSigner(t, "lou")); err == nil {
			t.Fatal("a demo key, whose private half anyone can derive, logged in")
		}
		exposed.auditRefusals(t)
		waitAudit(t, store, "the demo key refusal", func(r db.AuditRecord) bool {
			return r.Action == "ssh_login" && r.Actor == "lou" && strings.Contains(r.Reason, "demo key")
		})
	})

	t.Run("a disabled operator is refused", func(t *testing.T) {
		if _, err := ts.dial(t, demoSigner(t, "dan")); err == nil {
			t.Fatal("dan is disabled but logged in")
		}
		ts.auditRefusals(t)
		waitAudit(t, store, "dan's refusal", func(r db.AuditRecord) bool {
			return r.Action == "ssh_login" && r.Actor == "dan" && r.Outcome == model.OutcomeRefused && strings.Contains(r.Reason, "disabled")
		})
	})

	t.Run("support cannot record a Customer decision, even by sending the key", func(t *testing.T) {
		r := requestIn(t, store, model.StatusAwaitingApproval, "")
		c := ts.mustDial(t, "sam")
		tm := openTerm(t, c, 120, 40, nil)
		tm.waitText("due this week")
		tm.press(":")
		tm.typ("open " + r.ID)
		tm.press("enter")
		tm.waitDetail(r.ID)
		tm.press("a")
		tm.press("enter") // a confirmation, were one offered
		tm.press("y")
		time.Sleep(300 * time.Millisecond)
		after := reread(t, store, r.ID)
		if after.Version != r.Version || after.Status != r.Status || after.Decision != nil {
			t.Fatalf("support changed %s: version %d→%d, status %s→%s, decision %+v", r.ID, r.Version, after.Version, r.Status, after.Status, after.Decision)
		}

		// The Approvals pane is where a decision is recorded: the selected
		// row's approve key, walked through as far as the console lets it.
		ap := openTerm(t, c, 120, 40, nil)
		ap.waitText("due this week")
		ap.press("tab")
		screen := ap.waitText("waiting since")
		m := regexp.MustCompile(`(R-\d{4}-\d+) · .* · waiting since`).FindStringSubmatch(screen)
		if m == nil {
			t.Fatalf("no selected request in the Approvals pane:\n%s", screen)
		}
		sel := reread(t, store, m[1])
		if sel.Status != model.StatusAwaitingApproval {
			t.Fatalf("the Approvals pane selected %s, which is %s", sel.ID, sel.Status)
		}
		ap.press("a")
		ap.waitText("support operator cannot approve")
		for range 3 {
			ap.press("enter") // confirm whatever appeared
			time.Sleep(100 * time.Millisecond)
		}
		ap.press("y")
		time.Sleep(300 * time.Millisecond)
		if got := reread(t, store, sel.ID); got.Version != sel.Version || got.Status != model.StatusAwaitingApproval || got.Decision != nil {
			t.Fatalf("support's a in the Approvals pane changed %s: version %d→%d, status %s, decision %+v", sel.ID, sel.Version, got.Version, got.Status, got.Decision)
		}

		actor := sessionActor(t, ts, "sam")
		for _, q := range []model.Request{r, sel} {
			_, err := store.Transition(ctx, actor, q.ID, q.Version, model.ActApprove, "the Customer said yes")
			if !errors.Is(err, db.ErrRefused) {
				t.Fatalf("the controller let support approve %s: %v", q.ID, err)
			}
			waitAudit(t, store, "the refusal of sam's approve of "+q.ID, func(a db.AuditRecord) bool {
				return a.Action == string(model.ActApprove) && a.Actor == "sam" && a.Target == "request:"+q.ID &&
					a.Outcome == model.OutcomeRefused && a.TenantID == q.TenantID && strings.Contains(a.Reason, "cannot approve")
			})
		}
	})

	t.Run("an engineer cannot change a request", func(t *testing.T) {
		r := requestIn(t, store, model.StatusReceived, "")
		c := ts.mustDial(t, "eve")
		tm := openTerm(t, c, 120, 40, nil)
		tm.waitText("due this week")
		tm.press(":")
		tm.typ("open " + r.ID)
		tm.press("enter")
		tm.waitDetail(r.ID)
		for _, k := range []string{"A", "v", "i", "m", "N", "W", "E", "X", "U", "a", "d"} {
			tm.press(k, "enter", "esc")
		}
		time.Sleep(300 * time.Millisecond)
		if after := reread(t, store, r.ID); after.Version != r.Version {
			t.Fatalf("an engineer's keys changed %s: version %d→%d", r.ID, r.Version, after.Version)
		}
		actor := sessionActor(t, ts, "eve")
		for _, a := range []model.Action{model.ActAcknowledge, model.ActApprove, model.ActDeny} {
			if _, err := store.Transition(ctx, actor, r.ID, r.Version, a, "on call"); !errors.Is(err, db.ErrRefused) {
				t.Errorf("the controller let an engineer %s %s: %v", a, r.ID, err)
			}
		}
	})

	t.Run("a tenant-scoped operator sees only its tenants in every pane", func(t *testing.T) {
		op, err := store.Operator(ctx, "sofia")
		if err != nil || len(op.Tenants) == 0 {
			t.Fatalf("sofia should be scoped: %+v %v", op, err)
		}
		tenants, err := store.Tenants(ctx, sys)
		if err != nil {
			t.Fatal(err)
		}
		var outside []model.Tenant
		for _, tn := range tenants {
			if !op.InScope(tn.ID) {
				outside = append(outside, tn)
			}
		}
		mine := requestIn(t, store, "", op.Tenants[0])
		theirs := requestIn(t, store, "", outside[0].ID)

		// An entry on each side of sofia's scope, so the audit pane has
		// one to show and one to withhold.
		for _, r := range []model.Request{mine, theirs} {
			if _, err := store.AppendAudit(ctx, model.AuditEvent{Actor: "lee", Role: model.RoleLead, Origin: "test",
				Action: "note", Target: "request:" + r.ID, TenantID: r.TenantID, Detail: "scope check"}); err != nil {
				t.Fatal(err)
			}
		}

		c := ts.mustDial(t, "sofia")
		// Each pane is one row; a new pane is one more line here.
		panes := []struct {
			name  string
			visit func(t *testing.T, tm *term) []string
		}{
			{"queue", func(t *testing.T, tm *term) []string {
				first := tm.waitText("due this week")
				if !slices.ContainsFunc(op.Tenants, func(id string) bool { return strings.Contains(first, id) }) {
					t.Fatalf("the queue shows none of sofia's tenants:\n%s", first)
				}
				return append([]string{first}, pageDown(tm, 20)...)
			}},
			{"request detail, own tenant", func(t *testing.T, tm *term) []string {
				tm.waitText("due this week")
				tm.press(":")
				tm.typ("open " + mine.ID)
				tm.press("enter")
				return []string{tm.waitFor("the detail", func(s string) bool {
					return strings.Contains(s, "› "+mine.ID) && strings.Contains(s, "logged by")
				})}
			}},
			{"request detail, another tenant's request", func(t *testing.T, tm *term) []string {
				tm.waitText("due this week")
				tm.press(":")
				tm.typ("open " + theirs.ID)
				tm.press("enter")
				s := tm.waitFor("a refusal", func(s string) bool { return strings.Contains(s, "✗") })
				if strings.Contains(s, "received ") && strings.Contains(s, "requester") {
					t.Errorf("another tenant's request %s was shown:\n%s", theirs.ID, s)
				}
				return []string{s}
			}},
			{"tenant palette", func(t *testing.T, tm *term) []string {
				tm.waitText("due this week")
				tm.press("T")
				return []string{tm.waitText("tenant " + op.Tenants[0])}
			}},
			{"approvals", func(t *testing.T, tm *term) []string {
				tm.waitText("due this week")
				tm.press("tab")
				// The footer counts the pane's rows; an independent read
				// counts what awaits a decision in sofia's tenants.
				want := 0
				for _, id := range op.Tenants {
					rs, err := store.Queue(ctx, sys, model.QueueFilter{TenantID: id, Statuses: []model.Status{model.StatusAwaitingApproval}, Limit: 1000})
					if err != nil {
						t.Fatal(err)
					}
					want += len(rs)
				}
				if want == 0 {
					t.Fatal("the demo data has nothing awaiting approval in sofia's tenants: the row would prove nothing")
				}
				footer := fmt.Sprintf("/%d waiting", want)
				first := tm.waitFor("the approvals list", func(s string) bool {
					return strings.Contains(s, "waiting since") && strings.Contains(s, "WAITED")
				})
				if !strings.Contains(first, footer) {
					t.Errorf("the Approvals footer does not say %q:\n%s", footer, first)
				}
				return append([]string{first}, pageDown(tm, 10)...)
			}},
			{"lookup", func(t *testing.T, tm *term) []string {
				tm.waitText("due this week")
				tm.press("tab", "tab")
				query := sharedSurname(t, store, op)
				tm.waitFor("the directory of sofia's subjects", func(s string) bool { return strings.Contains(s, " subjects · ") })
				tm.typ(query)
				first := tm.waitFor("matches for "+query, func(s string) bool {
					return regexp.MustCompile(`\d+ match`).MatchString(s) &&
						slices.ContainsFunc(op.Tenants, func(id string) bool { return strings.Contains(s, id) })
				})
				tm.press("esc") // leave the search box so pgdown moves the list
				return append([]string{first}, pageDown(tm, 10)...)
			}},
			{"audit", func(t *testing.T, tm *term) []string {
				tm.waitText("due this week")
				tm.press("tab", "tab", "tab")
				first := tm.waitFor("audit entries", func(s string) bool {
					return strings.Contains(s, "OUTCOME") && strings.Contains(s, " · seq ")
				})
				if !strings.Contains(first, "req "+mine.ID) {
					t.Fatalf("the audit pane lacks the entry on %s, in sofia's tenant %s:\n%s", mine.ID, mine.TenantID, first)
				}
				if strings.Contains(first, "req "+theirs.ID) {
					t.Fatalf("the audit pane shows the entry on %s, of tenant %s:\n%s", theirs.ID, theirs.TenantID, first)
				}
				return append([]string{first}, pageDown(tm, 10)...)
			}},
		}
		for _, p := range panes {
			t.Run(p.name, func(t *testing.T) {
				tm := openTerm(t, c, 200, 60, nil)
				for _, screen := range p.visit(t, tm) {
					for _, tn := range outside {
						if id := tn.ID[:min(len(tn.ID), 14)]; strings.Contains(screen, id) {
							t.Fatalf("%s shows tenant %s, outside sofia's scope:\n%s", p.name, tn.ID, screen)
						}
					}
				}
			})
		}

		out, _, code := run(t, c, "queue --json")
		var sum QueueSummary
		if err := json.Unmarshal([]byte(out), &sum); code != 0 || err != nil {
			t.Fatalf("queue --json: exit %d, %v: %q", code, err, out)
		}
		for _, tc := range sum.ByTenant {
			if !op.InScope(tc.ID) {
				t.Errorf("queue summary counts tenant %s, outside sofia's scope", tc.ID)
			}
		}
		if len(sum.ByTenant) != len(op.Tenants) {
			t.Errorf("queue summary lists %d tenants, sofia has %d", len(sum.ByTenant), len(op.Tenants))
		}
	})

	t.Run("commands without a terminal", func(t *testing.T) {
		c := ts.mustDial(t, "eli")
		for _, tc := range []struct {
			cmd      string
			code     int
			out, err string
		}{
			{"whoami", 0, "eli (Eli Brenner)\nrole: engineer\ntenants: all\nsession: read-only", ""},
			{"audit verify", 0, "ok ", ""},
			{"queue", 0, "open requests", ""},
			{"queue --json", 0, `"open":`, ""},
			{"", 2, "", "connect with a terminal"},
			{"rm -rf /", 2, "", `unknown command "rm -rf /"`},
			{"help", 0, "whoami", ""},
		} {
			t.Run(tc.cmd, func(t *testing.T) {
				var out, errOut string
				var code int
				if tc.cmd == "" {
					out, errOut, code = shellWithoutPTY(t, c)
				} else {
					out, errOut, code = run(t, c, tc.cmd)
				}
				if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errOut, tc.err) {
					t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q",
						tc.cmd, code, out, errOut, tc.code, tc.out, tc.err)
				}
			})
		}
		if !auditHas(t, store, func(r db.AuditRecord) bool {
			return r.Action == "ssh_session_start" && r.Actor == "eli" && strings.Contains(r.Detail, "command whoami")
		}) || !auditHas(t, store, func(r db.AuditRecord) bool {
			return r.Action == "ssh_session_end" && r.Actor == "eli" && strings.HasPrefix(r.Detail, "command after")
		}) {
			t.Error("session start and end are not audited")
		}
	})

	t.Run("the session cap refuses the next session with a message", func(t *testing.T) {
		capped := startServer(t, store, func(c *Config) { c.MaxSessions = 2 })
		c := capped.mustDial(t, "lee")
		a := openTerm(t, c, 100, 30, nil)
		a.waitText("due this week")
		b := openTerm(t, capped.mustDial(t, "sam"), 100, 30, nil)
		b.waitText("due this week")
		_, errOut, code := run(t, capped.mustDial(t, "sid"), "whoami")
		if code != 1 || !strings.Contains(errOut, "limit of 2 sessions") {
			t.Fatalf("third session: exit %d, stderr %q; want exit 1 and the limit named", code, errOut)
		}
		third := openTerm(t, c, 100, 30, nil)
		if _, ok := third.ended(10 * time.Second); !ok || !strings.Contains(third.stderrText(), "limit of 2 sessions") {
			t.Fatalf("third terminal session: ended %v, stderr %q", ok, third.stderrText())
		}
		a.press("q")
		if _, ok := a.ended(10 * time.Second); !ok {
			t.Fatal("q did not end the session")
		}
		waitFor(t, "the slot to free", func() bool { return capped.Sessions() < 2 })
		if out, _, code := run(t, c, "whoami"); code != 0 || !strings.HasPrefix(out, "lee") {
			t.Fatalf("after one left: exit %d %q", code, out)
		}
	})

	t.Run("the idle timeout ends a silent session, not a typing one", func(t *testing.T) {
		const idle = 2 * time.Second
		srv := startServer(t, store, func(c *Config) { c.IdleTimeout = idle })
		tm := openTerm(t, srv.mustDial(t, "lou"), 100, 30, nil)
		// Type from the start (a slow first load must not count as
		// silence) until the console is up and twice the timeout passed.
		typingUntil := time.Now().Add(2 * idle)
		for time.Now().Before(typingUntil) || !strings.Contains(tm.screen(), "due this week") {
			if _, ended := tm.ended(0); ended {
				break
			}
			_, _ = io.WriteString(tm.stdin, keyBytes["down"]) // the session may end between check and write
			time.Sleep(idle / 8)
		}
		if _, ended := tm.ended(0); ended {
			t.Fatalf("the session ended while its operator was typing: %q", tm.stderrText())
		}
		if _, ended := tm.ended(idle + 10*time.Second); !ended {
			t.Fatal("a silent session was not ended")
		}
		if !strings.Contains(tm.stderrText(), "without keyboard input") {
			t.Errorf("stderr %q does not say why the session ended", tm.stderrText())
		}
		waitAudit(t, store, "lou's idle end", func(r db.AuditRecord) bool {
			return r.Action == "ssh_session_end" && r.Actor == "lou" && strings.HasPrefix(r.Detail, "idle after")
		})
	})

	t.Run("shutdown tells each session and exits cleanly", func(t *testing.T) {
		srv := startServer(t, store, nil)
		tm := openTerm(t, srv.mustDial(t, "lina"), 100, 30, nil)
		tm.waitText("due this week")
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			t.Fatalf("shutdown: %v", err)
		}
		err, ended := tm.ended(10 * time.Second)
		if !ended || err != nil {
			t.Fatalf("session after shutdown: ended %v, exit %v", ended, err)
		}
		if !strings.Contains(tm.stderrText(), "shutting down") {
			t.Errorf("stderr %q does not tell the operator", tm.stderrText())
		}
		if !auditHas(t, store, func(r db.AuditRecord) bool {
			return r.Action == "ssh_session_end" && r.Actor == "lina" && strings.HasPrefix(r.Detail, "shutdown after")
		}) {
			t.Error("the shutdown end is not audited")
		}
		if _, err := srv.dial(t, demoSigner(t, "lina")); err == nil {
			t.Error("a closed server accepted a login")
		}
	})

	t.Run("the audit chain stays whole", func(t *testing.T) {
		res, err := store.VerifyAudit(ctx, nil)
		if err != nil || !res.OK {
			t.Fatalf("verify: %+v %v", res, err)
		}
	})
}

// TestTwoServersShareOneDatabase runs two servers, each with its own store
// and host key, on one database: logins on both land on one audit chain.
func TestTwoServersShareOneDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds an embedded database")
	}
	conn, store := seeded(t)
	other := newStore(t, conn)
	a, b := startServer(t, store, nil), startServer(t, other, nil)
	done := make(chan error, 8)
	for i := range 8 {
		srv := a
		if i%2 == 1 {
			srv = b
		}
		go func() {
			c, err := srv.dial(t, demoSigner(t, []string{"sam", "lee", "eve", "ada"}[i%4]))
			if err != nil {
				done <- err
				return
			}
			s, err := c.NewSession()
			if err != nil {
				done <- err
				return
			}
			defer s.Close()
			done <- s.Run("whoami")
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	res, err := store.VerifyAudit(context.Background(), nil)
	if err != nil || !res.OK {
		t.Fatalf("verify: %+v %v", res, err)
	}
	starts := 0
	recs, _ := store.AuditPage(context.Background(), model.SystemActor("test"), 0, 1000)
	for _, r := range recs {
		if r.Action == "ssh_session_start" {
			starts++
		}
	}
	if starts != 8 {
		t.Errorf("%d session starts on the chain, want 8", starts)
	}
}

func TestHostKeyIsCreatedOnceWithMode0600(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "ssh_host_ed25519_key")
	first, err := LoadOrCreateHostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Created || fi.Mode().Perm() != 0o600 {
		t.Fatalf("created %v, mode %04o; want a new key with mode 0600", first.Created, fi.Mode().Perm())
	}
	if !strings.HasPrefix(first.Fingerprint, "SHA256:") {
		t.Errorf("fingerprint %q", first.Fingerprint)
	}
	again, err := LoadOrCreateHostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if again.Created || again.Fingerprint != first.Fingerprint {
		t.Fatalf("second start: created %v, fingerprint %s (first %s)", again.Created, again.Fingerprint, first.Fingerprint)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateHostKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a world-readable host key was used: %v", err)
	}
	if err := os.WriteFile(path, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateHostKey(path); err == nil {
		t.Fatal("a corrupt host key was accepted")
	}
}

func TestFailureLimiterSlowsOneAddress(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newFailureLimiter(func() time.Time { return now })
	var got []time.Duration
	for range 8 {
		got = append(got, l.delay("203.0.113.9"))
		l.fail("203.0.113.9")
	}
	want := []time.Duration{0, 0, 0, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}
	if !slices.Equal(got, want) {
		t.Errorf("delays %v, want %v", got, want)
	}
	if d := l.delay("203.0.113.9"); d != 8*time.Second {
		t.Errorf("delay capped at %v, want 8s", d)
	}
	if d := l.delay("198.51.100.1"); d != 0 {
		t.Errorf("another address waits %v", d)
	}
	now = now.Add(16 * time.Minute)
	if d := l.delay("203.0.113.9"); d != 0 {
		t.Errorf("after a quiet window the address still waits %v", d)
	}
	for range 5 {
		l.fail("203.0.113.9")
	}
	l.succeed("203.0.113.9")
	if d := l.delay("203.0.113.9"); d != 0 {
		t.Errorf("after a login the address still waits %v", d)
	}
}

// requestIn finds a request with status (any if "") in tenant (any if "").
func requestIn(t testing.TB, store *db.Store, status model.Status, tenant string) model.Request {
	t.Helper()
	f := model.QueueFilter{TenantID: tenant, Limit: 1000}
	if status != "" {
		f.Statuses = []model.Status{status}
	}
	rs, err := store.Queue(context.Background(), model.SystemActor("test"), f)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) == 0 {
		t.Fatalf("no %s request in tenant %q", status, tenant)
	}
	return reread(t, store, rs[0].ID)
}

func reread(t testing.TB, store *db.Store, id string) model.Request {
	t.Helper()
	r, err := store.Request(context.Background(), model.SystemActor("test"), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// sessionActor is the actor the server built for handle's live session.
func sessionActor(t testing.TB, ts *testServer, handle string) model.Actor {
	t.Helper()
	for _, s := range ts.LiveSessions() {
		if s.Actor.Handle() == handle {
			if !strings.HasPrefix(s.Actor.Origin, "ssh:127.0.0.1:") {
				t.Errorf("session origin %q", s.Actor.Origin)
			}
			return s.Actor
		}
	}
	t.Fatalf("no live session of %s", handle)
	return model.Actor{}
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitAudit waits for an event: a refused connection is audited after the
// client has already seen the refusal.
func waitAudit(t testing.TB, store *db.Store, what string, match func(db.AuditRecord) bool) {
	t.Helper()
	waitFor(t, what+" on the audit chain", func() bool { return auditHas(t, store, match) })
}

func fingerprintOf(s gossh.Signer) string { return gossh.FingerprintSHA256(s.PublicKey()) }

// offerOnly offers a key it cannot sign with, as a client that knows only
// someone's public key would.
type offerOnly struct{ gossh.Signer }

func (o offerOnly) Sign(io.Reader, []byte) (*gossh.Signature, error) {
	return nil, errors.New("no private key")
}

// shellWithoutPTY opens a shell with no terminal and no command.
func shellWithoutPTY(t testing.TB, c *gossh.Client) (string, string, int) {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	var out, errOut bytes.Buffer
	sess.Stdout, sess.Stderr = &out, &errOut
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	err = sess.Wait()
	var exit *gossh.ExitError
	if errors.As(err, &exit) {
		return out.String(), errOut.String(), exit.ExitStatus()
	}
	if err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), 0
}

// pageDown presses pgdown n times and returns each screen after it.
func pageDown(tm *term, n int) []string {
	var screens []string
	for range n {
		tm.press("pgdown")
		time.Sleep(50 * time.Millisecond)
		screens = append(screens, tm.screen())
	}
	return screens
}

// sharedSurname is a surname held by subjects both in op's tenants and in
// others, so a search for it would find subjects outside op's scope were
// the directory not scoped.
func sharedSurname(t testing.TB, store *db.Store, op model.Operator) string {
	t.Helper()
	inside, outside := map[string]bool{}, map[string]bool{}
	err := store.SubjectDirectory(context.Background(), model.SystemActor("test"), "", time.Time{}, func(batch []model.Subject) error {
		for _, s := range batch {
			f := strings.Fields(s.Name)
			if len(f) < 2 || !regexp.MustCompile(`^[A-Za-z]{4,}$`).MatchString(f[len(f)-1]) {
				continue
			}
			if op.InScope(s.TenantID) {
				inside[f[len(f)-1]] = true
			} else {
				outside[f[len(f)-1]] = true
			}
		}
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var shared []string
	for name := range inside {
		if outside[name] {
			shared = append(shared, name)
		}
	}
	if len(shared) == 0 {
		t.Fatal("no surname is shared between sofia's tenants and the others")
	}
	slices.Sort(shared)
	return shared[0]
}
