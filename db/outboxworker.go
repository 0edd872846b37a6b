package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodian-dev/custodian/model"
)

// outboxBatch is how many messages one pass of the worker delivers at most;
// the rest wait for the next pass.
const outboxBatch = 100

// RunOutbox is the outbox worker of a long-running process (the console,
// serve): a delivery pass now, then one every interval until ctx is done.
// report (may be nil) hears each pass's count and error; a pass that fails
// (the database restarting) does not stop the worker. Several workers on
// one database are safe: each message is claimed before it is sent.
func RunOutbox(ctx context.Context, s *Store, d Deliverer, from string, every time.Duration, report func(int, error)) {
	RunOutboxWake(ctx, s, d, from, every, nil, report)
}

// RunOutboxWake is RunOutbox that also runs a pass whenever wake receives
// (the console sends on it right after it queues a letter, so the letter
// leaves at once rather than at the next tick).
func RunOutboxWake(ctx context.Context, s *Store, d Deliverer, from string, every time.Duration, wake <-chan struct{}, report func(int, error)) {
	if every <= 0 {
		every = 10 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := s.DeliverDue(ctx, d, from, outboxBatch)
		if report != nil && ctx.Err() == nil {
			report(n, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
		}
	}
}

// letterHealth counts the failed deliveries in the actor's scope (and
// when the oldest of them was queued) and the messages claimed for sending
// more than model.StuckSendingAfter ago.
func (s *Store) letterHealth(ctx context.Context, actor model.Actor) (model.LetterHealth, error) {
	var out model.LetterHealth
	scope := func(f bson.D) bson.D {
		if ts := actor.Operator.Tenants; len(ts) > 0 {
			f = append(f, bson.E{Key: "tenant_id", Value: bson.D{{Key: "$in", Value: ts}}})
		}
		return f
	}
	coll := s.db.Collection(collMessages)
	n, err := coll.CountDocuments(ctx, scope(bson.D{{Key: "status", Value: MsgFailed}}))
	if err != nil {
		return out, fmt.Errorf("failed letters: %w", err)
	}
	out.Failed = int(n)
	if n > 0 {
		var m Message
		err := coll.FindOne(ctx, scope(bson.D{{Key: "status", Value: MsgFailed}}),
			options.FindOne().SetSort(bson.D{{Key: "status", Value: 1}, {Key: "next_at", Value: 1}}).
				SetProjection(bson.D{{Key: "created_at", Value: 1}})).Decode(&m)
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return out, fmt.Errorf("oldest failed letter: %w", err)
		}
		if err == nil {
			at := m.CreatedAt.UTC()
			out.OldestFailed = &at
		}
	}
	n, err = coll.CountDocuments(ctx, scope(bson.D{{Key: "status", Value: MsgSending},
		{Key: "claimed_at", Value: bson.D{{Key: "$lt", Value: s.now().Add(-model.StuckSendingAfter)}}}}))
	if err != nil {
		return out, fmt.Errorf("letters stuck sending: %w", err)
	}
	out.Stuck = int(n)
	return out, nil
}
