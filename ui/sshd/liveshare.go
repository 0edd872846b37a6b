package sshd

import (
	"context"
	"sync"
	"time"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// sharedLiveTTL is how long one read of the change marker, or of one
// operator's record, answers every session's live poll. Shorter than the
// poll (3 s): a change is seen by every session within poll + TTL.
const sharedLiveTTL = time.Second

// sharedLive is the store every SSH console uses, with the live poll's
// two reads shared among the sessions: 50 sessions polling every 3 s
// would otherwise read the marker and their operator about 33 times a
// second, the same two documents each time (BENCHMARKS.md, "live refresh").
// What changed (ChangesSince) depends on each session's position and scope
// and is read per session, only after the marker moved.
type sharedLive struct {
	*db.Store
	now func() time.Time

	mu       sync.Mutex
	marker   model.ChangeMarker
	markerAt time.Time
	ops      map[string]sharedOperator
}

type sharedOperator struct {
	op model.Operator
	at time.Time
}

func newSharedLive(s *db.Store, now func() time.Time) *sharedLive {
	return &sharedLive{Store: s, now: now, ops: map[string]sharedOperator{}}
}

// Changes is the marker as read at most sharedLiveTTL ago. The lock is
// held across the read so that sessions polling at once wait for one
// read rather than each making its own.
func (s *sharedLive) Changes(ctx context.Context) (model.ChangeMarker, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.markerAt.IsZero() && s.now().Sub(s.markerAt) < sharedLiveTTL {
		return s.marker, nil
	}
	m, err := s.Store.Changes(ctx)
	if err != nil {
		return m, err
	}
	s.marker, s.markerAt = m, s.now()
	return m, nil
}

// CurrentActor is actor with its operator record as read at most
// sharedLiveTTL ago. Only the poll calls it: every write still re-reads
// the record itself (db.Store), so a cached record never lets a write by.
func (s *sharedLive) CurrentActor(ctx context.Context, actor model.Actor) (model.Actor, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := actor.Handle()
	if c, ok := s.ops[h]; ok && s.now().Sub(c.at) < sharedLiveTTL {
		actor.Operator = c.op
		return actor, nil
	}
	cur, err := s.Store.CurrentActor(ctx, actor)
	if err != nil {
		return cur, err
	}
	s.ops[h] = sharedOperator{op: cur.Operator, at: s.now()}
	return cur, nil
}
