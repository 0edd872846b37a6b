package db

import (
	"context"
	"fmt"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// BulkAppendAudit puts evs on the chain after its current head the way
// appendLocked would, but in InsertMany batches: benchmarks need 100k
// events, and AppendAudit's ~2 ms each would take minutes. It assumes no
// other writer, moves the head hint and the checkpoint, and so leaves a
// chain that VerifyAudit accepts.
func BulkAppendAudit(ctx context.Context, s *Store, evs []model.AuditEvent) error {
	s.appendMu.Lock()
	defer s.appendMu.Unlock()
	head, err := s.readHeadHint(ctx)
	if err != nil {
		return err
	}
	const batch = 2000
	docs := make([]any, 0, batch)
	var last AuditRecord
	for i, ev := range evs {
		if ev, err = s.normalizeEvent(ev); err != nil {
			return err
		}
		rec := AuditRecord{Seq: head.seq + 1, Prev: head.hash, AuditEvent: ev}
		if err := s.markAuditDay(ctx, ev.At, rec.Seq); err != nil {
			return err
		}
		rec.Hash = chainHash(rec.Seq, rec.Prev, ev)
		head = chainHead{known: true, seq: rec.Seq, hash: rec.Hash}
		docs = append(docs, rec)
		last = rec
		if len(docs) == batch || i == len(evs)-1 {
			if _, err := s.audit.InsertMany(ctx, docs); err != nil {
				return fmt.Errorf("bulk append at seq %d: %w", rec.Seq, err)
			}
			docs = docs[:0]
		}
	}
	if len(evs) > 0 {
		s.head = head
		s.writeHeadHint(ctx, last)
		s.advanceCheckpoint(ctx, []AuditRecord{last})
	}
	return nil
}

// RequestRecordsServerSorted runs RequestRecords the way it runs against
// MongoDB (sorted by the server), so the embedded tests cover both ways.
func RequestRecordsServerSorted(ctx context.Context, s *Store, actor model.Actor, f model.RecordFilter, fn func(model.Request) error) error {
	return s.requestRecords(ctx, actor, f, true, fn)
}

// AuditSeqFloor exposes the since: bound a filter gets from the day marks.
func AuditSeqFloor(ctx context.Context, s *Store, since time.Time) (int64, error) {
	return s.auditSeqFloor(ctx, since)
}
