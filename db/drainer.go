package db

import (
	"context"
	"time"
)

// DefaultDrainEvery is how often a long-running process finishes claims
// left behind by writers that stopped part-way: about the age a claim must
// reach before another process may finish it (defaultStaleClaim).
const DefaultDrainEvery = 30 * time.Second

// StartDrainer runs DrainOutbox every interval until ctx ends, so a console
// or server that stays up finishes the writes a crash, a lost connection or
// an election left pending, without a restart. Failures are logged and
// retried at the next tick. The returned function waits until the drainer
// has stopped (after ctx ends), so that the connection can be closed.
func (s *Store) StartDrainer(ctx context.Context, every time.Duration) (wait func()) {
	if every <= 0 {
		every = DefaultDrainEvery
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			n, err := s.DrainOutbox(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				s.log.Warn("drain pending writes", "err", err)
			case n > 0:
				s.log.Info("pending writes drained", "events", n)
			}
			// Queue rows whose write failed are re-projected here too, so
			// a long-running process does not wait for a restart.
			if rows, err := s.RepairQueue(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("repair queue rows", "err", err)
			} else if rows > 0 {
				s.log.Info("queue rows repaired", "rows", rows)
			}
		}
	}()
	return func() { <-done }
}
