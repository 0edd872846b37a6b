package db

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// schemaLockID is the meta document a process holds while it creates
// collections and indexes. Without it two processes starting together both
// see an index missing and both create it, and FerretDB (1.24, SQLite and
// PostgreSQL alike) decides whether an index already exists by its name
// across the whole database in map order: queue and requests share index
// names, so the second createIndexes can add a duplicate.
const schemaLockID = "schema-lock"

// schemaLockLease bounds how long a lock outlives a process that died
// holding it; creating custodian's indexes takes well under a second.
const schemaLockLease = 30 * time.Second

// schemaLockPoll is how often a waiting process tries again.
const schemaLockPoll = 50 * time.Millisecond

// lockSchema takes the schema lock, waiting while another process holds
// it, and returns the function that releases it.
func lockSchema(ctx context.Context, d *mongo.Database) (release func(), err error) {
	meta := d.Collection(collMeta)
	if err := d.CreateCollection(ctx, collMeta); err != nil && !isNamespaceExists(err) {
		return nil, fmt.Errorf("schema lock: create collection %s: %w", collMeta, err)
	}
	holder := rand.Text()
	// The caller's deadline can pass inside a call as well as between
	// polls: either way what stopped it is the other holder.
	waited := func(err error) error {
		if ctx.Err() != nil {
			return fmt.Errorf("schema lock: another custodian is creating the schema: %w", ctx.Err())
		}
		return err
	}
	for {
		now := time.Now().UTC()
		_, err := meta.InsertOne(ctx, bson.D{
			{Key: "_id", Value: schemaLockID},
			{Key: "holder", Value: holder},
			{Key: "until", Value: now.Add(schemaLockLease)},
		})
		if err == nil {
			break
		}
		if !isDup(err) {
			return nil, waited(fmt.Errorf("schema lock: %w", err))
		}
		// A lease that ran out belongs to a process that died holding it.
		if _, err := meta.DeleteOne(ctx, bson.D{{Key: "_id", Value: schemaLockID}, {Key: "until", Value: bson.D{{Key: "$lt", Value: now}}}}); err != nil {
			return nil, waited(fmt.Errorf("schema lock: clear a lapsed lock: %w", err))
		}
		select {
		case <-ctx.Done():
			return nil, waited(ctx.Err())
		case <-time.After(schemaLockPoll):
		}
	}
	return func() {
		// Released even when ctx was cancelled mid-migration, so the next
		// start does not wait out the lease.
		bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_, _ = meta.DeleteOne(bg, bson.D{{Key: "_id", Value: schemaLockID}, {Key: "holder", Value: holder}})
	}, nil
}
