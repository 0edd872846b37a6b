package db

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/model"
)

// Test-only levers for the external tests in package db_test: they simulate a
// crash at the points of a write where one matters.

// SetStaleClaimForTest sets how old an unfinished claim must be before
// DrainOutbox finishes it.
func (s *Store) SetStaleClaimForTest(d time.Duration) { s.staleClaim = d }

// CrashAfterClaimForTest makes the next writes stop right after their claim.
func (s *Store) CrashAfterClaimForTest(f func() error) { s.hooks.afterClaim = f }

// CrashAfterWriteForTest makes writes stop after the document is written
// but before its events reach the chain.
func (s *Store) CrashAfterWriteForTest(f func() error) { s.hooks.afterWrite = f }

// FailAppendForTest makes the chain append of claimed writes fail.
func (s *Store) FailAppendForTest(f func() error) { s.hooks.failAppend = f }

// ChainHashForTest exposes the entry hash so tamper tests can forge a
// consistent-looking entry.
func ChainHashForTest(rec AuditRecord) string { return chainHash(rec.Seq, rec.Prev, rec.AuditEvent) }

// SetBatchForTest sets the page size of chain walks and drains, so tests
// cross page boundaries without thousands of entries.
func (s *Store) SetBatchForTest(n int) { s.batch = n }

// ProjectQueueForTest writes r's open-queue row as the write path does after
// writing r, so tests can replay a late, older writer.
func (s *Store) ProjectQueueForTest(ctx context.Context, r model.Request) error {
	return s.projectRequest(ctx, r)
}

// BeforeClaimForTest runs f in every write after it has read what it decides
// on and before it inserts its claim: where another writer can finish.
func (s *Store) BeforeClaimForTest(f func() error) { s.hooks.beforeClaim = f }

// StaleVersionReadForTest makes a write's version re-check after its claim
// answer f(what the database says), as a lagging replica would; the store
// then writes conditionally, as it does on MongoDB.
func (s *Store) StaleVersionReadForTest(f func(read int64) int64) { s.hooks.staleVersion = f }

// LoseClaimAckForTest makes the next writes' claim inserts reach the
// database but report f's error, and their withdrawal fail the same way.
func (s *Store) LoseClaimAckForTest(f func() error) { s.hooks.claimAckLost = f }

// DiffUpdateForTest exposes the transactional path's document update so it
// can be applied to FerretDB, which has no transactions.
func DiffUpdateForTest(old, new bson.Raw) (bson.D, error) { return diffUpdate(old, new) }

// DeterministicWriteIDsForTest makes the store's write ids a function of
// the claim alone (writer "test", nonce "0"), so that runs on separate
// databases compare byte for byte. It gives up telling two such stores'
// writes apart: never use it where writers race.
func (s *Store) DeterministicWriteIDsForTest() { s.writer, s.hooks.fixedNonce = "test", true }
