package sshd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/demo"
	"github.com/custodian-dev/custodian/model"
)

// refusal is one key a connection offered that no enabled operator may use.
type refusal struct {
	fingerprint string
	operator    model.Operator // zero for an unknown key
	reason      string
}

// refusals holds, per live connection, the keys it offered and was refused.
// They are counted only if the connection never authenticates: an agent
// offering three other keys before the operator's own is not an attack.
type refusals struct {
	mu     sync.Mutex
	byConn map[string][]refusal
}

func (r *refusals) add(conn string, ref refusal) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byConn == nil {
		r.byConn = map[string][]refusal{}
	}
	if slices.ContainsFunc(r.byConn[conn], func(x refusal) bool { return x.fingerprint == ref.fingerprint }) {
		return // x/crypto asks about the same key again before and after its signature
	}
	r.byConn[conn] = append(r.byConn[conn], ref)
}

func (r *refusals) take(conn string) []refusal {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.byConn[conn]
	delete(r.byConn, conn)
	return out
}

// failureLimiter slows down authentication from an address that keeps
// failing: the first few failures cost nothing, then each one doubles the
// wait before the next attempt is even looked at, up to max. It is
// per server and in memory; an address quiet for window starts afresh.
type failureLimiter struct {
	now    func() time.Time
	free   int           // failures allowed without delay
	base   time.Duration // delay after the first failure past free
	max    time.Duration
	window time.Duration
	// maxHosts bounds memory under a flood from many addresses.
	maxHosts int

	mu     sync.Mutex
	byHost map[string]hostFailures
}

type hostFailures struct {
	n    int
	last time.Time
}

func newFailureLimiter(now func() time.Time) *failureLimiter {
	return &failureLimiter{now: now, free: 3, base: 500 * time.Millisecond, max: 8 * time.Second,
		window: 15 * time.Minute, maxHosts: 10_000, byHost: map[string]hostFailures{}}
}

// delay is how long an attempt from host must wait before it is considered.
func (l *failureLimiter) delay(host string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.byHost[host]
	if !ok || l.now().Sub(f.last) > l.window || f.n < l.free {
		return 0
	}
	d := l.base
	for i := l.free; i < f.n && d < l.max; i++ {
		d *= 2
	}
	return min(d, l.max)
}

func (l *failureLimiter) fail(host string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.byHost) >= l.maxHosts {
		for h, f := range l.byHost {
			if now.Sub(f.last) > l.window {
				delete(l.byHost, h)
			}
		}
	}
	f := l.byHost[host]
	if now.Sub(f.last) > l.window {
		f.n = 0
	}
	if _, known := l.byHost[host]; !known && len(l.byHost) >= l.maxHosts {
		return // a flood: the known offenders keep their delay, memory stays bounded
	}
	f.n++
	f.last = now
	l.byHost[host] = f
}

func (l *failureLimiter) succeed(host string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.byHost, host)
}

func hostOf(addr net.Addr) string {
	if addr == nil {
		return ""
	}
	h, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	return h
}

// checkKey is the public-key callback: true only for a key registered to an
// enabled operator. x/crypto calls it for keys merely offered as well as for
// the one that signs; who the session belongs to is decided later from the
// key the connection actually authenticated with (session.go).
func (s *Server) checkKey(ctx ssh.Context, key ssh.PublicKey) bool {
	host := hostOf(ctx.RemoteAddr())
	if d := s.limiter.delay(host); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
	}
	fp := gossh.FingerprintSHA256(key)
	op, reason := s.operatorForKey(ctx, fp)
	// An outage is admitted provisionally: a refusal would read as
	// "Permission denied (publickey)", and the operator would think their
	// key revoked. The session looks the key up again before it gives
	// anything (sessionActor) and, with the database still down, only says
	// so and closes.
	if reason == "" || reason == dbUnreachable {
		return true
	}
	s.refused.add(ctx.RemoteAddr().String(), refusal{fingerprint: fp, operator: op, reason: reason})
	return false
}

// dbUnreachable is operatorForKey's reason when the lookup itself failed:
// the database is down or not answering, which says nothing about the key.
const dbUnreachable = "the custodian database is not reachable; try again in a moment"

// errDBUnreachable is sessionActor's error when the key could not be looked
// up at all.
var errDBUnreachable = errors.New(dbUnreachable)

// operatorForKey returns the enabled operator holding the key with
// fingerprint fp, or why there is none (dbUnreachable when it could not
// be looked up).
func (s *Server) operatorForKey(ctx context.Context, fp string) (model.Operator, string) {
	lctx, cancel := context.WithTimeout(ctx, s.cfg.LookupTimeout)
	defer cancel()
	op, err := s.cfg.Store.OperatorByKey(lctx, fp)
	switch {
	case errors.Is(err, db.ErrNotFound):
		return model.Operator{}, "no operator holds this key"
	case err != nil:
		s.log.Warn("ssh: operator lookup failed", "fingerprint", fp, "err", err)
		return model.Operator{}, dbUnreachable
	case op.Disabled:
		return op, "operator " + op.Handle + " is disabled"
	case !s.cfg.AllowDemoKeys && isDemoKey(op, fp):
		return op, "a demo key (its private half is public) is refused on a listener beyond this machine"
	}
	return op, ""
}

func isDemoKey(op model.Operator, fp string) bool {
	i := slices.Index(op.KeyFingerprints, fp)
	return i >= 0 && i < len(op.Keys) && strings.Contains(op.Keys[i], demo.DemoKeyComment)
}

// connectionFailed counts a connection that tried to authenticate and never
// did into its address's refusals (audited at the next flush, one entry per
// address and interval), and against its address's failure delay.
func (s *Server) connectionFailed(conn net.Conn, err error) {
	refs := s.refused.take(conn.RemoteAddr().String())
	var authErr *gossh.ServerAuthError
	tried := errors.As(err, &authErr) && len(authErr.Errors) > 0
	if len(refs) == 0 && !tried {
		return // a port scan, a handshake timeout, a version probe: nothing was attempted
	}
	host := hostOf(conn.RemoteAddr())
	s.limiter.fail(host)
	if len(refs) == 0 {
		refs = []refusal{{reason: "no public key offered (only public-key authentication is accepted)"}}
	}
	s.strangers.connection(host, refs)
	s.log.Debug("ssh: login refused", "from", conn.RemoteAddr().String(), "keys", len(refs), "detail", fmt.Sprint(err))
}

// connectionOpened admits a new connection unless too many are already
// authenticating: then it is closed before its handshake and counted into
// its address's refusals, so a flood neither exhausts the server nor the
// audit chain.
func (s *Server) connectionOpened(_ ssh.Context, conn net.Conn) net.Conn {
	if !s.pending.admit(conn) {
		s.strangers.overCap(hostOf(conn.RemoteAddr()))
		return nil
	}
	return conn
}

// authAttempted frees the connection's unauthenticated slot once it
// authenticates.
func (s *Server) authAttempted(meta gossh.ConnMetadata, _ string, err error) {
	if err == nil {
		s.pending.release(meta.RemoteAddr().String())
	}
}

// connectionClosed forgets what a closed connection offered.
func (s *Server) connectionClosed(conn net.Conn) {
	s.refused.take(conn.RemoteAddr().String())
	s.pending.release(conn.RemoteAddr().String())
}
