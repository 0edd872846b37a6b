package sshd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	bm "charm.land/wish/v2/bubbletea"
	gossh "golang.org/x/crypto/ssh"

	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/console"
)

// Why a session ended, as audited and told to the client.
const (
	endQuit         = "quit"
	endIdle         = "idle"
	endShutdown     = "shutdown"
	endDisconnected = "disconnected"
	endCommand      = "command"
	// endDisabled: the console closed itself, its operator disabled.
	endDisabled = "operator disabled"
	endRefused  = "refused"
)

// session is one live SSH session.
type session struct {
	mu      sync.Mutex
	info    SessionInfo
	program *tea.Program
	reason  string // set by end(); the program quits on it

	lastKey atomic.Int64 // unix nanos of the last key press or paste
}

// SessionInfo describes a live session.
type SessionInfo struct {
	ID      string
	Actor   model.Actor // as the session's console and commands use it
	Started time.Time
}

// endMsg asks a session's program to stop; the filter turns it into a quit.
type endMsg struct{ reason string }

// end stops the session's console for reason; the first reason wins.
func (ls *session) end(reason string) {
	ls.mu.Lock()
	if ls.reason == "" {
		ls.reason = reason
	}
	p := ls.program
	ls.mu.Unlock()
	if p != nil {
		// Send blocks until the event loop takes it (or the program ends);
		// shutdown must not wait on one slow session to tell the next.
		go p.Send(endMsg{reason: reason})
	}
}

func (ls *session) endReason() string {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.reason
}

// filter runs inside the program's event loop: it notes keyboard activity
// for the idle timer, keeps ctrl+z from suspending the server, and turns an
// endMsg into a quit.
func (ls *session) filter(_ tea.Model, msg tea.Msg) tea.Msg {
	switch msg := msg.(type) {
	case tea.KeyPressMsg, tea.KeyReleaseMsg, tea.PasteMsg:
		ls.lastKey.Store(time.Now().UnixNano())
	case tea.SuspendMsg:
		return tea.ResumeMsg{}
	case endMsg:
		ls.mu.Lock()
		if ls.reason == "" {
			ls.reason = msg.reason
		}
		ls.mu.Unlock()
		return tea.QuitMsg{}
	}
	return msg
}

// watchIdle ends the session once nobody has typed for idle.
func (ls *session) watchIdle(idle time.Duration, stop <-chan struct{}) {
	t := time.NewTimer(idle)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if left := idle - time.Since(time.Unix(0, ls.lastKey.Load())); left > 0 {
				t.Reset(left)
				continue
			}
			ls.end(endIdle)
			return
		}
	}
}

// handle is every session's handler.
func (s *Server) handle(sess ssh.Session) {
	_, _, hasPTY := sess.Pty()
	ls, refusal := s.admit()
	if ls == nil {
		writeLine(sess.Stderr(), hasPTY, "custodian: "+refusal)
		_ = sess.Exit(1)
		return
	}
	defer s.release(ls)
	s.reportSessions()

	origin := "ssh:" + sess.RemoteAddr().String()
	actor, fp, err := s.sessionActor(sess, origin)
	if errors.Is(err, errDBUnreachable) {
		// Nothing to audit into; the log has the lookup's error.
		writeLine(sess.Stderr(), hasPTY, "custodian: "+dbUnreachable)
		_ = sess.Exit(1)
		return
	}
	if err != nil {
		s.audit(actor, "ssh_session_start", "", model.OutcomeRefused, err.Error(), "key "+fp)
		writeLine(sess.Stderr(), hasPTY, "custodian: "+err.Error())
		_ = sess.Exit(1)
		return
	}
	s.limiter.succeed(hostOf(sess.RemoteAddr()))

	id := newSessionID()
	started := time.Now()
	ls.mu.Lock()
	ls.info = SessionInfo{ID: id, Actor: actor, Started: started}
	ls.mu.Unlock()
	s.audit(actor, "ssh_session_start", id, model.OutcomeOK, "", describeSession(sess, fp))
	s.log.Info("ssh: session start", "session", id, "operator", actor.Handle(), "from", origin)
	reason := endDisconnected
	defer func() {
		detail := fmt.Sprintf("%s after %s", reason, time.Since(started).Round(time.Second))
		s.audit(actor, "ssh_session_end", id, model.OutcomeOK, "", detail)
		s.log.Info("ssh: session end", "session", id, "operator", actor.Handle(), "reason", reason)
	}()

	if !hasPTY || len(sess.Command()) > 0 {
		reason = endCommand
		_ = sess.Exit(s.runCommand(sess, actor, fp))
		return
	}
	var ended string
	reason, ended = s.runConsole(sess, ls, actor)
	switch reason {
	case endDisabled:
		writeLine(sess.Stderr(), true, "custodian: "+ended)
	case endIdle:
		writeLine(sess.Stderr(), true, fmt.Sprintf("custodian: session closed after %s without keyboard input", s.cfg.IdleTimeout))
	case endShutdown:
		writeLine(sess.Stderr(), true, "custodian: the server is shutting down; your session is closed — reconnect in a moment")
	}
	_ = sess.Exit(0)
}

// sessionActor is the operator owning the key this connection actually
// authenticated with (not merely offered), read afresh: an admin may have
// disabled them since.
func (s *Server) sessionActor(sess ssh.Session, origin string) (model.Actor, string, error) {
	key := sess.PublicKey()
	if key == nil {
		return model.Actor{Operator: model.Operator{Handle: "unknown"}, Origin: origin}, "", fmt.Errorf("this session has no public key")
	}
	fp := gossh.FingerprintSHA256(key)
	op, why := s.operatorForKey(sess.Context(), fp)
	if why == dbUnreachable {
		return model.Actor{Operator: model.Operator{Handle: "unknown"}, Origin: origin}, fp, errDBUnreachable
	}
	if why != "" {
		if op.Handle == "" {
			op.Handle = "unknown"
		}
		return model.Actor{Operator: op, Origin: origin}, fp, fmt.Errorf("login refused: %s", why)
	}
	return model.Actor{Operator: op, Origin: origin, ReadOnly: s.cfg.ReadOnly}, fp, nil
}

// runConsole runs one Bubble Tea program for the session through wish's
// middleware (terminal size, window changes, colour profile from the
// session's own environment) and says why it ended.
func (s *Server) runConsole(sess ssh.Session, ls *session, actor model.Actor) (reason, ended string) {
	cfg := s.cfg.App
	cfg.Backend = s.shared
	cfg.Actor = actor
	cfg.ReadOnly = cfg.ReadOnly || s.cfg.ReadOnly
	cfg.NoColor = slices.ContainsFunc(sess.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "NO_COLOR=") })
	app := console.New(cfg)

	opts := append(bm.MakeOptions(sess),
		// The server handles SIGINT/SIGTERM for every session (Shutdown).
		tea.WithoutSignalHandler(),
		// Replaces MakeOptions' own filter, whose ctrl+z guard it keeps.
		tea.WithFilter(ls.filter),
	)
	p := tea.NewProgram(app, opts...)

	ls.mu.Lock()
	if ls.reason != "" { // shutdown began before the program existed
		r := ls.reason
		ls.mu.Unlock()
		return r, ""
	}
	ls.program = p
	ls.mu.Unlock()

	ls.lastKey.Store(time.Now().UnixNano())
	stopIdle := make(chan struct{})
	defer close(stopIdle)
	go ls.watchIdle(s.cfg.IdleTimeout, stopIdle)

	bm.MiddlewareWithProgramHandler(func(ssh.Session) *tea.Program { return p })(func(ssh.Session) {})(sess)

	if r := ls.endReason(); r != "" {
		return r, ""
	}
	if why := app.Ended(); why != "" {
		return endDisabled, why
	}
	if sess.Context().Err() != nil {
		return endDisconnected, ""
	}
	return endQuit, ""
}

// audit records a session event; a failure is logged, never shown to the
// client, and does not end the session.
func (s *Server) audit(actor model.Actor, action, sessionID, outcome, reason, detail string) {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.LookupTimeout)
	defer cancel()
	target := "session:" + sessionID
	if sessionID == "" {
		target = "session:none"
	}
	handle := actor.Handle()
	if handle == "" {
		handle = "unknown"
	}
	ev := model.AuditEvent{
		Actor: handle, Role: actor.Operator.Role, Origin: actor.Origin, Action: action,
		Target: target, Outcome: outcome, Reason: reason, Detail: detail,
	}
	if _, err := s.cfg.Store.AppendAudit(ctx, ev); err != nil {
		s.log.Error("ssh: could not audit", "action", action, "session", sessionID, "err", err)
	}
}

func describeSession(sess ssh.Session, fp string) string {
	pty, _, ok := sess.Pty()
	d := "key " + fp
	if ok {
		d += fmt.Sprintf(" pty %s %dx%d", model.CleanLine(truncateText(pty.Term, 40)), pty.Window.Width, pty.Window.Height)
	}
	if cmd := sess.Command(); len(cmd) > 0 {
		d += " command " + model.CleanLine(truncateText(strings.Join(cmd, " "), 80))
	}
	return d
}

func truncateText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

func newSessionID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// writeLine writes one line, below whatever a terminal shows. (With a
// terminal the session itself turns \n into \r\n.)
func writeLine(w io.Writer, pty bool, line string) {
	if pty {
		line = "\n" + line
	}
	_, _ = io.WriteString(w, line+"\n")
}
