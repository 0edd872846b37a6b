package console

import (
	"context"
	"sync"
	"time"

	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/lookup"
)

// SharedLookup is one subject directory for a whole process: every Lookup
// pane of every console session of a `serve` searches it within its own
// operator's scope (lookup.Directory.SearchIn) instead of streaming and
// holding its own copy of the subjects (≈ 280 B a subject, BENCHMARKS.md).
// It is built once in the background, as an actor that sees every tenant,
// and kept fresh by the changed-since poll a pane would otherwise run per
// session. A subject outside a session's scope is never examined by that
// session's search, so it never reaches the session.
type SharedLookup struct {
	dir     *lookup.Directory
	backend Directory
	actor   model.Actor
	clock   model.Clock
	timeout time.Duration

	ready chan struct{}
	errMu sync.Mutex
	err   error // the last full read's outcome (the build, or a poll retrying it)

	pollMu sync.Mutex
	mark   time.Time // where the next poll starts; guarded by pollMu

	// runCtx and poll are Run's, started by the first pane that attaches:
	// a server whose sessions never open Lookup never holds the directory.
	runCtx    context.Context
	poll      time.Duration
	startOnce sync.Once
}

// NewSharedLookup returns a directory not built yet: the first Lookup pane
// that opens starts Run on ctx (the server's lifetime), which builds it and
// then polls every poll (0: defaultLookupPoll). actor must see every
// tenant (an unscoped reader, e.g. the system actor); timeout bounds each
// poll (0: 30s).
func NewSharedLookup(ctx context.Context, backend Directory, actor model.Actor, clock model.Clock, poll, timeout time.Duration) *SharedLookup {
	if clock == nil {
		clock = model.SystemClock{}
	}
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	return &SharedLookup{dir: lookup.NewDirectory(), backend: backend, actor: actor, clock: clock, timeout: timeout,
		ready: make(chan struct{}), runCtx: ctx, poll: poll}
}

// start runs Run once, in the background.
func (s *SharedLookup) start() {
	s.startOnce.Do(func() { go s.Run(s.runCtx, s.poll) })
}

// Run builds the directory, then polls for changed subjects every poll
// (0: defaultLookupPoll) until ctx ends. Poll failures are returned by
// Poll to whoever calls it; here the next tick tries again.
func (s *SharedLookup) Run(ctx context.Context, poll time.Duration) {
	if poll <= 0 {
		poll = defaultLookupPoll
	}
	s.build(ctx)
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_, _ = s.Poll(ctx)
		}
	}
}

func (s *SharedLookup) build(ctx context.Context) {
	defer close(s.ready)
	s.pollMu.Lock()
	defer s.pollMu.Unlock()
	mark := s.clock.Now().Add(-directorySkew)
	err := s.backend.SubjectDirectory(ctx, s.actor, "", time.Time{}, func(b []model.Subject) error {
		s.dir.Put(directoryRecords(b))
		return nil
	}, nil)
	s.setErr(err)
	if err != nil {
		return // mark stays zero: the next poll reads everything again
	}
	s.mark = mark
	if counts, err := s.backend.OpenRequestCounts(ctx, s.actor, ""); err == nil {
		s.dir.SetOpen(counts)
	}
}

// Ready is closed when the first build has ended; Err then says how.
func (s *SharedLookup) Ready() <-chan struct{} { return s.ready }

// Err is the error of the last attempt to read every subject: the build,
// or a poll retrying a failed build (nil while the build runs, or when it
// worked).
func (s *SharedLookup) Err() error {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	return s.err
}

func (s *SharedLookup) setErr(err error) {
	s.errMu.Lock()
	s.err = err
	s.errMu.Unlock()
}

// Poll brings in the subjects written since the last poll (or the build)
// and re-reads the open-request counts; it returns how many subjects
// changed. It waits for the build; polls never overlap.
func (s *SharedLookup) Poll(ctx context.Context) (int, error) {
	select {
	case <-s.ready:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	s.pollMu.Lock()
	defer s.pollMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	next := s.clock.Now().Add(-directorySkew)
	changed := 0
	err := s.backend.SubjectDirectory(ctx, s.actor, "", s.mark, func(b []model.Subject) error {
		changed += s.dir.Put(directoryRecords(b))
		return nil
	}, nil)
	if s.mark.IsZero() {
		s.setErr(err) // this poll retried the failed build
	}
	if err != nil {
		return changed, err
	}
	s.mark = next
	counts, err := s.backend.OpenRequestCounts(ctx, s.actor, "")
	if err != nil {
		return changed, err
	}
	s.dir.SetOpen(counts)
	return changed, nil
}

// Search finds subjects of the given tenants only; see lookup.Directory.SearchIn.
func (s *SharedLookup) Search(ctx context.Context, tenants []string, q string, prev *lookup.State, limit int) (lookup.Result, *lookup.State, error) {
	return s.dir.SearchIn(ctx, tenants, q, prev, limit)
}

// scopeTenants is the tenants a session searches: the one it is narrowed
// to, else its operator's (nil: an unscoped operator sees every tenant).
func scopeTenants(actor model.Actor, scope string) []string {
	switch {
	case scope != "" && actor.Operator.InScope(scope):
		return []string{scope}
	case scope != "":
		return []string{}
	case len(actor.Operator.Tenants) == 0:
		return nil
	}
	return actor.Operator.Tenants
}
