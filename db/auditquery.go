package db

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodian-dev/custodian/model"
)

const (
	// parkedMax bounds the cursors kept open for the next page; parkedIdle
	// is how long one waits for it. A server closes idle cursors after ten
	// minutes anyway, and a resumed walk costs only a fresh keyset query.
	// On FerretDB a parked cursor holds its whole sorted result in the
	// server's memory (measured: ~3.7 GB for eight over 100k entries), so
	// few are kept: one walk per console session is the common case.
	parkedMax  = 4
	parkedIdle = 5 * time.Minute
)

// AuditHistory returns up to limit chain entries matching f with seq below
// beforeSeq (0: from the newest), newest first. Paging is keyset on the
// sequence number: the next page passes the last entry's Seq. Scoped
// operators see only their tenants' entries; a tenant outside the scope
// matches nothing.
//
// The query is one find on the filter, sorted by _id descending. On MongoDB
// an index serves it (_id, or {actor|target|tenant_id, _id}); FerretDB
// 1.24 instead decodes, filters and sorts the whole collection for any
// query, so the cursor is kept open after a page and the next page asked
// for at exactly its keyset position continues it (a getMore) instead of
// scanning again. Only the first page of a filter pays the scan.
func (s *Store) AuditHistory(ctx context.Context, actor model.Actor, f model.AuditFilter, beforeSeq int64, limit int) (model.AuditPage, error) {
	if err := s.canRead(ctx, actor, "audit"); err != nil {
		return model.AuditPage{}, err
	}
	switch {
	case limit < 0:
		return model.AuditPage{}, invalidf("audit page size %d is negative", limit)
	case limit == 0:
		limit = auditPageDefault
	case limit > auditPageMax:
		limit = auditPageMax
	}
	if beforeSeq < 0 {
		return model.AuditPage{}, invalidf("audit page before seq %d: seqs start at 1", beforeSeq)
	}
	if f.TenantID != "" && !actor.Operator.InScope(f.TenantID) {
		return model.AuditPage{Records: []model.AuditRecord{}}, nil
	}
	key := parkKey(actor, f, beforeSeq)
	if pc := s.parked.take(key); pc != nil {
		page, err := pc.read(ctx, limit)
		if err == nil {
			s.park(pc, actor, f, page)
			return page, nil
		}
		pc.close()
		if ctx.Err() != nil {
			return model.AuditPage{}, fmt.Errorf("audit history before seq %d: %w", beforeSeq, err)
		}
		// The server dropped the cursor (idle, restarted): query afresh.
	}
	var floor int64
	if !f.Since.IsZero() {
		// Without it a since: filter on MongoDB walks _id down from the
		// newest entry to the oldest before it knows there is no more.
		var err error
		if floor, err = s.auditSeqFloor(ctx, f.Since); err != nil {
			return model.AuditPage{}, err
		}
	}
	cur, err := s.audit.Find(ctx, auditQuery(actor, f, floor, beforeSeq),
		options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).SetBatchSize(int32(limit+1)))
	if err != nil {
		return model.AuditPage{}, fmt.Errorf("audit history before seq %d: %w", beforeSeq, err)
	}
	pc := &parkedCursor{cur: cur}
	page, err := pc.read(ctx, limit)
	if err != nil {
		pc.close()
		return model.AuditPage{}, fmt.Errorf("audit history before seq %d: %w", beforeSeq, err)
	}
	s.park(pc, actor, f, page)
	return page, nil
}

// park keeps pc for the page after page, or closes it when there is none.
func (s *Store) park(pc *parkedCursor, actor model.Actor, f model.AuditFilter, page model.AuditPage) {
	if !page.More || len(page.Records) == 0 {
		pc.close()
		return
	}
	pc.key = parkKey(actor, f, page.Records[len(page.Records)-1].Seq)
	pc.at = time.Now()
	s.parked.put(pc)
}

// auditQuery is the filter document for f; model.AuditFilter.Matches is
// the same rule in memory.
// floor (0: none) is the lowest seq an entry matching f.Since can have.
func auditQuery(actor model.Actor, f model.AuditFilter, floor, beforeSeq int64) bson.D {
	q := bson.D{}
	var seq bson.D
	if floor > 0 {
		seq = append(seq, bson.E{Key: "$gte", Value: floor})
	}
	if beforeSeq > 0 {
		seq = append(seq, bson.E{Key: "$lt", Value: beforeSeq})
	}
	if len(seq) > 0 {
		q = append(q, bson.E{Key: "_id", Value: seq})
	}
	for _, e := range []struct{ field, value string }{
		{"actor", f.Actor}, {"action", f.Action}, {"target", f.Target}, {"tenant_id", f.TenantID},
	} {
		if e.value != "" {
			q = append(q, bson.E{Key: e.field, Value: e.value})
		}
	}
	if f.TenantID == "" {
		if sf := scopeFilter(actor); sf.Key != "" {
			q = append(q, sf)
		}
	}
	var at bson.D
	if !f.Since.IsZero() {
		at = append(at, bson.E{Key: "$gte", Value: f.Since.UTC()})
	}
	if !f.Until.IsZero() {
		at = append(at, bson.E{Key: "$lt", Value: f.Until.UTC()})
	}
	if len(at) > 0 {
		q = append(q, bson.E{Key: "at", Value: at})
	}
	return q
}

// parkKey names a walk position: who asks (their scope decides what they
// see), what they filter on, and the seq the next page starts below.
func parkKey(actor model.Actor, f model.AuditFilter, beforeSeq int64) string {
	tenants := slices.Clone(actor.Operator.Tenants)
	slices.Sort(tenants)
	return fmt.Sprintf("%q %q %q %q %q %q %d %d %d", actor.Handle(), strings.Join(tenants, ","),
		f.Actor, f.Action, f.TenantID, f.Target, f.Since.UnixNano(), f.Until.UnixNano(), beforeSeq)
}

// parkedCursor is an open newest-first walk, positioned after its last
// page, with the record it read ahead to learn whether there is more.
type parkedCursor struct {
	key  string
	at   time.Time
	cur  *mongo.Cursor
	peek *model.AuditRecord
}

func (pc *parkedCursor) read(ctx context.Context, limit int) (model.AuditPage, error) {
	page := model.AuditPage{Records: make([]model.AuditRecord, 0, limit)}
	if pc.peek != nil {
		page.Records = append(page.Records, *pc.peek)
		pc.peek = nil
	}
	for len(page.Records) <= limit && pc.cur.Next(ctx) {
		var rec model.AuditRecord
		if err := pc.cur.Decode(&rec); err != nil {
			return page, fmt.Errorf("read audit entry: %w", err)
		}
		page.Records = append(page.Records, rec)
	}
	if err := pc.cur.Err(); err != nil {
		return page, err
	}
	if len(page.Records) > limit {
		pc.peek = &page.Records[limit]
		page.Records, page.More = page.Records[:limit], true
	}
	return page, nil
}

func (pc *parkedCursor) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = pc.cur.Close(ctx)
}

// cursorPark holds the open walks of one Store.
type cursorPark struct {
	mu     sync.Mutex
	parked []*parkedCursor
}

// take removes and returns the walk parked at key, if any; walks idle too
// long are closed on the way.
func (p *cursorPark) take(key string) *parkedCursor {
	var stale []*parkedCursor
	defer func() {
		for _, pc := range stale {
			pc.close()
		}
	}()
	p.mu.Lock()
	defer p.mu.Unlock()
	var found *parkedCursor
	keep := p.parked[:0]
	for _, pc := range p.parked {
		switch {
		case found == nil && pc.key == key:
			found = pc
		case time.Since(pc.at) > parkedIdle:
			stale = append(stale, pc)
		default:
			keep = append(keep, pc)
		}
	}
	clear(p.parked[len(keep):])
	p.parked = keep
	return found
}

// put parks pc, closing walks idle too long and, when the park is full,
// the oldest.
func (p *cursorPark) put(pc *parkedCursor) {
	var evicted []*parkedCursor
	p.mu.Lock()
	keep := p.parked[:0]
	for _, old := range p.parked {
		if time.Since(old.at) > parkedIdle {
			evicted = append(evicted, old)
		} else {
			keep = append(keep, old)
		}
	}
	clear(p.parked[len(keep):])
	p.parked = keep
	if len(p.parked) >= parkedMax {
		evicted = append(evicted, p.parked[0])
		p.parked = slices.Delete(p.parked, 0, 1)
	}
	p.parked = append(p.parked, pc)
	p.mu.Unlock()
	for _, old := range evicted {
		old.close()
	}
}
