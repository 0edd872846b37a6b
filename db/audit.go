package db

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodian-dev/custodian/model"
)

// GenesisHash is the prev of the first chain entry.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

const (
	auditHeadID = "audit_head"
	// defaultBatch is the page size of chain walks and outbox drains, and the
	// interval of VerifyAudit's progress reports.
	defaultBatch = 1000
	// appendTries bounds the catch-up loop when other writers keep taking the next seq.
	appendTries = 1000
	// maxTextLen bounds free text stored on the chain and in requests.
	maxTextLen = 2000
	// auditPageDefault and auditPageMax bound AuditPage.
	auditPageDefault = 100
	auditPageMax     = 1000
)

// AuditRecord is one entry of the hash chain: the event plus its position.
// It is declared in model so the console can show entries without seeing
// this package.
type AuditRecord = model.AuditRecord

// VerifyResult is the outcome of VerifyAudit (declared in model for the
// same reason; model.VerifyResult.Line is the verdict both the CLI and the
// console print).
type VerifyResult = model.VerifyResult

// chainHead is the last entry a Store knows of.
type chainHead struct {
	known bool
	seq   int64
	hash  string
}

type headDoc struct {
	ID   string `bson:"_id"`
	Seq  int64  `bson:"seq"`
	Hash string `bson:"hash"`
}

// chainHash is the entry's hash over a fixed-order, length-prefixed encoding
// of its fields. It never hashes the document as read back, whose field order
// and types are the database's business.
func chainHash(seq int64, prev string, ev model.AuditEvent) string {
	h := sha256.New()
	h.Write([]byte("custodian audit v1\n"))
	writeCanonical(h, seq, prev, ev)
	return hex.EncodeToString(h.Sum(nil))
}

// writeCanonical writes what an entry's hash and MAC cover.
func writeCanonical(h hash.Hash, seq int64, prev string, ev model.AuditEvent) {
	field := func(h hash.Hash, s string) {
		var n [20]byte
		h.Write(strconv.AppendInt(n[:0], int64(len(s)), 10))
		h.Write([]byte{':'})
		h.Write([]byte(s))
		h.Write([]byte{','})
	}
	field(h, strconv.FormatInt(seq, 10))
	field(h, prev)
	field(h, ev.ID)
	field(h, ev.At.UTC().Format(time.RFC3339Nano))
	field(h, ev.Actor)
	field(h, string(ev.Role))
	field(h, ev.Origin)
	field(h, ev.Action)
	field(h, ev.Target)
	field(h, ev.TenantID)
	field(h, ev.Outcome)
	field(h, ev.Reason)
	field(h, ev.Detail)
}

// normalizeEvent makes an event hash the same before and after a round trip:
// BSON dates keep milliseconds in UTC, and invalid UTF-8 is rewritten by
// FerretDB (byte by byte to U+FFFD), so both are done here first.
func (s *Store) normalizeEvent(ev model.AuditEvent) (model.AuditEvent, error) {
	if ev.ID == "" {
		ev.ID = newEventID()
	}
	if ev.At.IsZero() {
		ev.At = s.now()
	}
	ev.At = ev.At.UTC().Truncate(time.Millisecond)
	if ev.Outcome == "" {
		ev.Outcome = model.OutcomeOK
	}
	for _, p := range []*string{&ev.ID, &ev.Actor, (*string)(&ev.Role), &ev.Origin, &ev.Action, &ev.Target, &ev.TenantID, &ev.Outcome, &ev.Reason, &ev.Detail} {
		*p = validUTF8(*p)
	}
	switch {
	case ev.Actor == "":
		return ev, invalidf("audit event %s has no actor", ev.ID)
	case ev.Action == "":
		return ev, invalidf("audit event %s has no action", ev.ID)
	case ev.Outcome != model.OutcomeOK && ev.Outcome != model.OutcomeRefused && ev.Outcome != model.OutcomeFailed:
		return ev, invalidf("audit event %s: unknown outcome %q", ev.ID, ev.Outcome)
	case len(ev.Reason) > 4*maxTextLen || len(ev.Detail) > 4*maxTextLen:
		return ev, invalidf("audit event %s: reason or detail longer than %d characters", ev.ID, maxTextLen)
	}
	return ev, nil
}

// validUTF8 replaces each invalid byte with U+FFFD, as FerretDB does on store.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return string([]rune(s))
}

// AppendAudit puts one event on the chain directly. It is for events not
// tied to a document change (refusals, logins, reveals, seeding); changes
// carry their events in their claim. An event whose ID is already on the
// chain is not added again: the existing record is returned. After
// StopWrites it appends nothing and returns ErrShuttingDown.
func (s *Store) AppendAudit(ctx context.Context, ev model.AuditEvent) (AuditRecord, error) {
	ctx, leave, err := s.inflight.enter(ctx)
	if err != nil {
		return AuditRecord{}, fmt.Errorf("append audit event %s %s: %w", ev.Action, ev.Target, err)
	}
	defer leave()
	ev, err = s.normalizeEvent(ev)
	if err != nil {
		return AuditRecord{}, err
	}
	s.appendMu.Lock()
	rec, existed, err := s.appendLocked(ctx, ev)
	s.appendMu.Unlock()
	if err != nil {
		return AuditRecord{}, fmt.Errorf("append audit event %s: %w", ev.ID, err)
	}
	if !existed {
		s.advanceCheckpoint(ctx, []AuditRecord{rec})
	}
	return rec, nil
}

// appendEvents appends a write's events in order; the checkpoint is left to the caller.
func (s *Store) appendEvents(ctx context.Context, evs []model.AuditEvent) ([]AuditRecord, error) {
	if h := s.hooks.failAppend; h != nil {
		if err := h(); err != nil {
			return nil, err
		}
	}
	recs := make([]AuditRecord, 0, len(evs))
	for _, ev := range evs {
		rec, _, err := s.appendOne(ctx, ev)
		if err != nil {
			return recs, err
		}
		recs = append(recs, rec)
	}
	return recs, nil
}

func (s *Store) appendOne(ctx context.Context, ev model.AuditEvent) (AuditRecord, bool, error) {
	ev, err := s.normalizeEvent(ev)
	if err != nil {
		return AuditRecord{}, false, err
	}
	s.appendMu.Lock()
	defer s.appendMu.Unlock()
	rec, existed, err := s.appendLocked(ctx, ev)
	if err != nil {
		return rec, existed, fmt.Errorf("append audit event %s: %w", ev.ID, err)
	}
	return rec, existed, nil
}

// appendLocked extends the chain by ev. Several processes may append at once:
// each inserts head+1, and the unique _id lets exactly one of them have it.
// A loser catches up (the head hint, else a scan past its head) and tries
// again, so the chain never forks or skips. A duplicate-key error can also
// mean ev is already on the chain (unique event_id); FerretDB's error does
// not say which index, so the catch-up scan looks for both.
func (s *Store) appendLocked(ctx context.Context, ev model.AuditEvent) (AuditRecord, bool, error) {
	if s.verifyOnly {
		return AuditRecord{}, false, errors.New("store opened for verification only")
	}
	if !s.head.known {
		h, err := s.readHeadHint(ctx)
		if err != nil {
			return AuditRecord{}, false, err
		}
		s.head = h
	}
	for range appendTries {
		rec := AuditRecord{Seq: s.head.seq + 1, Prev: s.head.hash, AuditEvent: ev}
		rec.Hash = chainHash(rec.Seq, rec.Prev, ev)
		if s.mac != nil {
			rec.MAC = s.mac.sum(rec)
		}
		// The day mark first: an entry on the chain must never be dated
		// on a day whose mark is above its seq (auditdays.go).
		if err := s.markAuditDay(ctx, ev.At, rec.Seq); err != nil {
			return AuditRecord{}, false, err
		}
		_, err := s.audit.InsertOne(ctx, rec)
		if err == nil {
			s.head = chainHead{known: true, seq: rec.Seq, hash: rec.Hash}
			s.writeHeadHint(ctx, rec)
			return rec, false, nil
		}
		if !isDup(err) {
			return AuditRecord{}, false, err
		}
		hint, err := s.readHeadHint(ctx)
		if err != nil {
			return AuditRecord{}, false, err
		}
		if hint.seq > s.head.seq {
			s.head = hint
			continue
		}
		existing, found, head, err := s.scanPast(ctx, s.head, ev.ID)
		if err != nil {
			return AuditRecord{}, false, err
		}
		if found {
			return existing, true, nil
		}
		if head.seq == s.head.seq {
			// Neither a later entry nor our event: the conflicting entry was
			// removed in between (tampering, or a test). Re-read and retry.
			if s.head, err = s.readHeadHint(ctx); err != nil {
				return AuditRecord{}, false, err
			}
			if err := sleepCtx(ctx, time.Millisecond); err != nil {
				return AuditRecord{}, false, err
			}
			continue
		}
		s.head = head
	}
	return AuditRecord{}, false, fmt.Errorf("gave up after %d attempts to find the chain head", appendTries)
}

// scanPast walks the entries after head (up to a page) to find the newest
// consecutive one, and looks for eventID on the way. One query serves both
// because on FerretDB each costs a full scan of the collection.
func (s *Store) scanPast(ctx context.Context, head chainHead, eventID string) (AuditRecord, bool, chainHead, error) {
	filter := bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: head.seq}}}},
		bson.D{{Key: "event_id", Value: eventID}},
	}}}
	cur, err := s.audit.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(s.batch)+1))
	if err != nil {
		return AuditRecord{}, false, head, fmt.Errorf("catch up with the audit chain: %w", err)
	}
	var recs []AuditRecord
	if err := cur.All(ctx, &recs); err != nil {
		return AuditRecord{}, false, head, fmt.Errorf("catch up with the audit chain: %w", err)
	}
	for _, r := range recs {
		if r.ID == eventID {
			return r, true, head, nil
		}
	}
	for _, r := range recs {
		if r.Seq == head.seq+1 {
			head = chainHead{known: true, seq: r.Seq, hash: r.Hash}
		}
	}
	return AuditRecord{}, false, head, nil
}

// readHeadHint reads the head hint: never ahead of the real head, possibly behind.
func (s *Store) readHeadHint(ctx context.Context) (chainHead, error) {
	var d headDoc
	err := s.meta.FindOne(ctx, bson.D{{Key: "_id", Value: auditHeadID}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return chainHead{known: true, seq: 0, hash: GenesisHash}, nil
	}
	if err != nil {
		return chainHead{}, fmt.Errorf("read audit head: %w", err)
	}
	return chainHead{known: true, seq: d.Seq, hash: d.Hash}, nil
}

// writeHeadHint moves the hint forward. It only ever saves a real entry, and
// the filter keeps it from moving back (on MongoDB; FerretDB may still let
// an older value win a race, which costs the next appender a catch-up scan
// and nothing else). Failures only cost the same.
func (s *Store) writeHeadHint(ctx context.Context, rec AuditRecord) {
	_, err := s.meta.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: auditHeadID}, {Key: "seq", Value: bson.D{{Key: "$lt", Value: rec.Seq}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "seq", Value: rec.Seq}, {Key: "hash", Value: rec.Hash},
			// The live screens' record of recent entries (changes.go).
			{Key: recentSlot(rec.Seq), Value: recentOf(rec)}}}},
		options.UpdateOne().SetUpsert(true))
	if err != nil && !isDup(err) { // dup: the hint is already further on
		s.log.Warn("save audit head hint", "seq", rec.Seq, "err", err)
	}
}

// DrainOutbox finishes writes that stopped between their commit and the
// chain: it puts their pending events on the audit chain, writes documents
// whose writer died after claiming them (once the claim is stale), and
// removes the finished claims and those whose version another write took.
// It returns how many events it added to the chain. Safe to repeat and to
// run from several processes at once; run it at start-up and, in a
// long-running process, every so often (StartDrainer).
func (s *Store) DrainOutbox(ctx context.Context) (int, error) {
	var added int
	var errs []error
	after := ""
	for {
		// Keyset on _id: claims still in flight stay behind and must not
		// hide the ones after them.
		cur, err := s.claims.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}},
			options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(s.batch)))
		if err != nil {
			return added, fmt.Errorf("drain outbox: %w", err)
		}
		var cs []claim
		if err := cur.All(ctx, &cs); err != nil {
			return added, fmt.Errorf("drain outbox: %w", err)
		}
		now := s.now()
		for _, c := range cs {
			n, err := s.settleClaim(ctx, c, now)
			added += n
			if err != nil {
				errs = append(errs, err)
			}
			after = c.ID
		}
		if len(cs) < s.batch {
			break
		}
	}
	if err := errors.Join(errs...); err != nil {
		return added, fmt.Errorf("drain outbox: %w", err)
	}
	return added, nil
}

// VerifyOptions relax VerifyAuditWith.
type VerifyOptions struct {
	// AllowMissingCheckpoint accepts a missing checkpoint file or key (and
	// a missing MAC key) as a warning instead of a failure.
	AllowMissingCheckpoint bool
	// Requests also reconciles every request with the chain (VerifyRequests)
	// once the chain itself is sound; any mismatch fails the verdict.
	Requests bool
}

// VerifyAudit is VerifyAuditWith with nothing relaxed.
func (s *Store) VerifyAudit(ctx context.Context, progress func(done, total int64)) (VerifyResult, error) {
	return s.VerifyAuditWith(ctx, VerifyOptions{}, progress)
}

// VerifyAuditWith walks the whole chain in order, recomputing every hash
// and MAC and checking every prev link and that no seq is missing, then
// checks every signed checkpoint against it: each links to the one before,
// and the chain still has, at each checkpoint's seq, the hash it vouched
// for. progress (may be nil) is called every batch (1000) entries with done
// and an estimated total.
//
// Its outcome (not an error that stopped the walk) is kept for Health.
func (s *Store) VerifyAuditWith(ctx context.Context, o VerifyOptions, progress func(done, total int64)) (VerifyResult, error) {
	res, err := s.verifyAuditWith(ctx, o, progress)
	if err == nil {
		s.recordVerify(ctx, res)
	}
	return res, err
}

func (s *Store) verifyAuditWith(ctx context.Context, o VerifyOptions, progress func(done, total int64)) (VerifyResult, error) {
	res := VerifyResult{Head: GenesisHash}
	bad := func(seq int64, problem string) (VerifyResult, error) {
		res.BadSeq, res.Problem = seq, problem
		return res, nil
	}
	var missing []string
	var cps []checkpointDoc
	if s.cp != nil {
		for _, e := range []error{s.cpKeyErr, s.macErr} {
			if e != nil {
				missing = append(missing, e.Error())
			}
		}
		if s.cpKeyErr == nil {
			var err error
			if cps, err = s.cp.readAll(); err != nil {
				return bad(0, err.Error())
			}
		}
	}
	// want maps each vouched-for seq to the checkpoint vouching for it.
	want := make(map[int64]checkpointDoc, len(cps))
	macFrom := int64(0)
	for _, cp := range cps {
		want[cp.Seq] = cp
		if cp.MACFrom != 0 {
			macFrom = cp.MACFrom
		}
	}
	if len(cps) > 0 {
		last := cps[len(cps)-1]
		res.CheckpointSeq, res.Checkpoints = last.Seq, len(cps)
		if last.MACKey != "" && s.mac != nil && s.mac.id() != last.MACKey {
			return bad(0, fmt.Sprintf("the audit MAC key %s is not the one the checkpoints name (replaced?)", s.mac.path))
		}
	}
	hint, err := s.readHeadHint(ctx)
	if err != nil {
		return res, fmt.Errorf("verify audit chain: %w", err)
	}
	total := max(hint.seq, res.CheckpointSeq)

	// One cursor in _id order, fetched a batch at a time. On MongoDB this
	// walks the _id index; on FerretDB any query scans and sorts the whole
	// collection, so a fresh keyset query per page would make the walk
	// quadratic. If the cursor dies the walk resumes after the last seq.
	last := int64(0)
	sawMAC := false
	for {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("verify audit chain: %w", err)
		}
		cur, err := s.audit.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: last}}}},
			options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetBatchSize(int32(s.batch)))
		if err != nil {
			return res, fmt.Errorf("verify audit chain after seq %d: %w", last, err)
		}
		for cur.Next(ctx) {
			var rec AuditRecord
			if err := cur.Decode(&rec); err != nil {
				_ = cur.Close(ctx)
				return bad(last+1, fmt.Sprintf("entry after seq %d cannot be read: %v", last, err))
			}
			wantSeq := last + 1
			problem := ""
			switch {
			case rec.Seq != wantSeq:
				rec.Seq, problem = wantSeq, fmt.Sprintf("gap: seq %d missing", wantSeq)
			case rec.Prev != res.Head:
				problem = fmt.Sprintf("prev does not match seq %d", rec.Seq-1)
			case chainHash(rec.Seq, rec.Prev, rec.AuditEvent) != rec.Hash:
				problem = "hash mismatch"
			default:
				if cp, ok := want[rec.Seq]; ok && cp.Hash != rec.Hash {
					problem = fmt.Sprintf("seq %d differs from checkpoint %d of %s", rec.Seq, cp.N, cp.Time)
				} else if p := s.macProblem(rec, sawMAC || (macFrom > 0 && rec.Seq >= macFrom)); p != "" {
					problem = p
				}
			}
			if problem != "" {
				_ = cur.Close(ctx)
				return bad(rec.Seq, problem)
			}
			if rec.MAC != "" {
				sawMAC = true
			} else if s.mac != nil {
				res.Legacy = rec.Seq
			}
			last, res.Head, res.Events = rec.Seq, rec.Hash, rec.Seq
			if progress != nil && rec.Seq%int64(s.batch) == 0 {
				progress(rec.Seq, max(total, rec.Seq))
			}
		}
		err = cur.Err()
		_ = cur.Close(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return res, fmt.Errorf("verify audit chain: %w", ctx.Err())
		}
		s.log.Warn("audit verify cursor lost; resuming", "after", last, "err", err)
	}
	if progress != nil {
		progress(res.Events, max(total, res.Events))
	}

	switch {
	case s.cp == nil:
		res.Warning = "no checkpoint configured" // short: the audit pane shows it on one line
	case res.CheckpointSeq > res.Events:
		cp := cps[len(cps)-1]
		return bad(res.Events+1, fmt.Sprintf("chain truncated: checkpoint %d of %s vouches for seq %d but the chain ends at seq %d", cp.N, cp.Time, cp.Seq, res.Events))
	case len(cps) == 0 && s.cpKeyErr == nil && res.Events > 0:
		missing = append(missing, fmt.Sprintf("no checkpoint at %s: truncation of the newest entries cannot be detected", s.cp.path))
	}
	if len(missing) > 0 {
		msg := strings.Join(missing, "; ")
		if !o.AllowMissingCheckpoint {
			return bad(0, msg+" (--allow-missing-checkpoint accepts this)")
		}
		res.Warning = msg
	}
	if o.Requests {
		rep, err := s.VerifyRequests(ctx)
		if err != nil {
			return res, err
		}
		res.RequestsChecked, res.RequestsLegacy, res.Mismatches = rep.Checked, rep.Legacy, rep.Mismatches
		if len(rep.Mismatches) > 0 {
			return bad(0, fmt.Sprintf("%d request(s) differ from the chain: %s", len(rep.Mismatches), rep.Mismatches[0]))
		}
	}
	res.OK = true
	return res, nil
}

// AuditPage returns up to limit chain entries with seq below beforeSeq
// (0: from the newest), newest first. Scoped operators see only their
// tenants' entries.
func (s *Store) AuditPage(ctx context.Context, actor model.Actor, beforeSeq int64, limit int) ([]AuditRecord, error) {
	if err := s.canRead(ctx, actor, "audit"); err != nil {
		return nil, err
	}
	switch {
	case limit < 0:
		return nil, invalidf("audit page size %d is negative", limit)
	case limit == 0:
		limit = auditPageDefault
	case limit > auditPageMax:
		limit = auditPageMax
	}
	filter := bson.D{}
	if beforeSeq > 0 {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: beforeSeq}}})
	}
	if sf := scopeFilter(actor); sf.Key != "" {
		filter = append(filter, sf)
	}
	cur, err := s.audit.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("audit page before %d: %w", beforeSeq, err)
	}
	var out []AuditRecord
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("audit page before %d: %w", beforeSeq, err)
	}
	return out, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// auditTarget formats an audit target, e.g. "request:R-2026-00042".
func auditTarget(kind, id string) string { return kind + ":" + strings.TrimSpace(id) }
