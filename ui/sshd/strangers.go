package sshd

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// Defaults for how strangers are kept from filling the audit chain.
const (
	// DefaultRefusalInterval is how long refused attempts from one address
	// are gathered into one audit entry.
	DefaultRefusalInterval = time.Minute
	// DefaultMaxUnauthenticated caps connections that have not yet
	// authenticated; the next is closed before its handshake.
	DefaultMaxUnauthenticated = 16
	// maxListedKeys caps the fingerprints one entry lists; the rest are counted.
	maxListedKeys = 8
	// maxAggregates bounds memory under a flood from many addresses: beyond
	// it, attempts are gathered under one entry for every other address.
	maxAggregates = 4096
	overflowHost  = "*"
)

// aggKey is what one audit entry gathers: the attempts of one address on
// behalf of one operator (or of nobody known).
type aggKey struct {
	host   string
	handle string
}

// aggregate is the refused attempts of one aggKey since the last flush.
type aggregate struct {
	role     model.Role
	attempts int // connections that tried keys and got none accepted
	overCap  int // connections closed before authentication: too many at once
	keys     []string
	moreKeys int
	reasons  []string
}

func (a *aggregate) addKey(fp string) {
	if fp == "" || slices.Contains(a.keys, fp) {
		return
	}
	if len(a.keys) >= maxListedKeys {
		a.moreKeys++ // distinct beyond the list is not tracked: memory stays bounded
		return
	}
	a.keys = append(a.keys, fp)
}

func (a *aggregate) addReason(r string) {
	if r != "" && !slices.Contains(a.reasons, r) && len(a.reasons) < 4 {
		a.reasons = append(a.reasons, r)
	}
}

func (a *aggregate) merge(b *aggregate) {
	a.attempts += b.attempts
	a.overCap += b.overCap
	for _, k := range b.keys {
		a.addKey(k)
	}
	a.moreKeys += b.moreKeys
	for _, r := range b.reasons {
		a.addReason(r)
	}
	if a.role == "" {
		a.role = b.role
	}
}

// refusalLog gathers refused SSH attempts so that a stranger costs the
// audit chain one entry per address per interval, however many
// connections it opens; flush writes them.
type refusalLog struct {
	mu   sync.Mutex
	aggs map[aggKey]*aggregate
}

func (l *refusalLog) entry(k aggKey) *aggregate {
	if l.aggs == nil {
		l.aggs = map[aggKey]*aggregate{}
	}
	if a, ok := l.aggs[k]; ok {
		return a
	}
	if len(l.aggs) >= maxAggregates {
		k = aggKey{host: overflowHost}
		if a, ok := l.aggs[k]; ok {
			return a
		}
	}
	a := &aggregate{}
	l.aggs[k] = a
	return a
}

// connection records one connection's refused keys, grouped by operator.
func (l *refusalLog) connection(host string, refs []refusal) {
	l.mu.Lock()
	defer l.mu.Unlock()
	seen := map[string]bool{}
	for _, r := range refs {
		a := l.entry(aggKey{host: host, handle: r.operator.Handle})
		if !seen[r.operator.Handle] {
			a.attempts++ // once per connection and operator, not per key
			seen[r.operator.Handle] = true
		}
		a.role = r.operator.Role
		a.addKey(r.fingerprint)
		a.addReason(r.reason)
	}
}

// overCap records a connection closed because too many were unauthenticated.
func (l *refusalLog) overCap(host string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.entry(aggKey{host: host})
	a.overCap++
	a.addReason("too many unauthenticated connections at once: closed before authentication")
}

func (l *refusalLog) take() map[aggKey]*aggregate {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.aggs
	l.aggs = nil
	return out
}

// putBack returns what a flush could not write, so the next one tries again.
func (l *refusalLog) putBack(k aggKey, a *aggregate) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entry(k).merge(a)
}

// event is the audit entry for one aggregate. Detail is key=value so
// it can be read by a script: attempts, over_cap, keys, more_keys.
func (k aggKey) event(a *aggregate) model.AuditEvent {
	ev := model.AuditEvent{
		Actor: "unknown", Origin: "ssh:" + k.host, Action: "ssh_login",
		Outcome: model.OutcomeRefused, Reason: strings.Join(a.reasons, "; "),
	}
	if k.handle != "" {
		ev.Actor, ev.Role = k.handle, a.role
	}
	switch {
	case len(a.keys) == 1 && a.moreKeys == 0:
		ev.Target = "ssh-key:" + a.keys[0]
	case len(a.keys) == 0:
		ev.Target = "ssh-key:none"
	default:
		ev.Target = fmt.Sprintf("ssh-keys:%d", len(a.keys)+a.moreKeys)
	}
	d := fmt.Sprintf("attempts=%d over_cap=%d", a.attempts, a.overCap)
	if len(a.keys) > 0 {
		d += " keys=" + strings.Join(a.keys, ",")
	}
	if a.moreKeys > 0 {
		d += fmt.Sprintf(" more_keys=%d", a.moreKeys)
	}
	ev.Detail = d
	return ev
}

// flushRefusals writes one audit entry per gathered aggregate. What cannot
// be written is kept for the next flush, so nothing counted is lost while
// the database is briefly away.
func (s *Server) flushRefusals(ctx context.Context) error {
	var firstErr error
	for k, a := range s.strangers.take() {
		ev := k.event(a)
		if _, err := s.cfg.Store.AppendAudit(ctx, ev); err != nil {
			s.strangers.putBack(k, a)
			if firstErr == nil {
				firstErr = fmt.Errorf("audit refused ssh logins from %s: %w", k.host, err)
			}
			continue
		}
		s.log.Info("ssh: logins refused", "from", k.host, "actor", ev.Actor, "detail", ev.Detail)
	}
	return firstErr
}

// flushEvery flushes on every tick until stop is closed.
func (s *Server) flushEvery(interval time.Duration, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), s.cfg.LookupTimeout)
			if err := s.flushRefusals(ctx); err != nil {
				s.log.Error("ssh: could not audit refused logins; kept for the next try", "err", err)
			}
			cancel()
		}
	}
}

// preauth counts connections that have not authenticated yet and holds
// them, so shutdown can close them (their refusals are then counted) and
// wait until every one is accounted for before the last flush.
type preauth struct {
	max int

	mu    sync.Mutex
	conns map[string]net.Conn // by remote address
	idle  chan struct{}       // closed while conns is empty
}

func newPreauth(max int) *preauth {
	idle := make(chan struct{})
	close(idle)
	return &preauth{max: max, conns: map[string]net.Conn{}, idle: idle}
}

// admit registers c, or reports false when max are already waiting.
func (p *preauth) admit(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.conns) >= p.max {
		return false
	}
	if len(p.conns) == 0 {
		p.idle = make(chan struct{})
	}
	p.conns[c.RemoteAddr().String()] = c
	return true
}

// release forgets the connection from addr: it authenticated or closed.
func (p *preauth) release(addr string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.conns[addr]; !ok {
		return
	}
	delete(p.conns, addr)
	if len(p.conns) == 0 {
		close(p.idle)
	}
}

// closeAll closes every connection still authenticating.
func (p *preauth) closeAll() {
	p.mu.Lock()
	conns := make([]net.Conn, 0, len(p.conns))
	for _, c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// wait returns once no connection is authenticating, or ctx ends.
func (p *preauth) wait(ctx context.Context) error {
	p.mu.Lock()
	idle := p.idle
	p.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
