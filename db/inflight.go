package db

import (
	"context"
	"errors"
	"sync"
)

// ErrShuttingDown answers a write that starts after StopWrites: the process
// is about to close its connection, and the write is better not begun than
// cut apart. Nothing of it was stored; the same write made again on a
// server that is up succeeds.
var ErrShuttingDown = errors.New("the server is shutting down; reconnect in a moment")

// inflight counts the writes running on a Store, so that a process shutting
// down (custodian serve) can let each one finish — a claim half way through,
// a fulfilment step whose change is made but not yet recorded — before it
// closes the connection, and refuse the ones that would start later.
//
// Writes are counted where every one of them passes, not per method: Apply
// (every request action, plans and sign-offs included), createRequest (a
// new request), commit (every other claimed write: operators, limit flags),
// AppendAudit (events without a document change: reveals, exports, logins,
// refusals) and each fulfilment step with its record (RunFulfilment). A new
// Store method that writes through any of these is counted without a line
// of its own. Reads are not counted: one cut off by the closing connection
// leaves nothing half done, and fails like any read of a lost connection.
//
// A counted write marks its context, so the writes it makes inside (Apply's
// commit, a step's record) pass even while StopWrites waits: refusing them
// would cut apart exactly what the count protects.
type inflight struct {
	mu      sync.Mutex
	n       int
	stopped bool
	idle    chan struct{} // closed when n drops to 0 once stopped
}

// inflightKey marks a context as inside a counted write of the Store whose
// *inflight is its value.
type inflightKey struct{}

// enter counts a write in and returns the context to run it with and the
// function that counts it out (call it once, when the write is done). Once
// writes are stopped it refuses with ErrShuttingDown, except for a write
// inside one already counted (ctx from enter).
func (f *inflight) enter(ctx context.Context) (context.Context, func(), error) {
	if ctx.Value(inflightKey{}) == f {
		return ctx, func() {}, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopped {
		return ctx, func() {}, ErrShuttingDown
	}
	f.n++
	var once sync.Once
	return context.WithValue(ctx, inflightKey{}, f), func() { once.Do(f.leave) }, nil
}

func (f *inflight) leave() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n--
	if f.n == 0 && f.idle != nil {
		close(f.idle)
		f.idle = nil
	}
}

// stop refuses new writes and waits until the running ones are done or ctx
// ends.
func (f *inflight) stop(ctx context.Context) error {
	f.mu.Lock()
	f.stopped = true
	if f.n == 0 {
		f.mu.Unlock()
		return nil
	}
	if f.idle == nil {
		f.idle = make(chan struct{})
	}
	idle := f.idle
	f.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// StopWrites refuses every write that starts from now on (ErrShuttingDown)
// and waits until the writes already running have finished, or ctx ends
// (its error is returned then). Reads go on working until the connection
// closes. It is for a process about to close the connection under
// concurrent callers (custodian serve's shutdown); it cannot be undone, and
// calling it again waits again. Finishing claims left by a crash is
// DrainOutbox's job, not this.
func (s *Store) StopWrites(ctx context.Context) error {
	return s.inflight.stop(ctx)
}
