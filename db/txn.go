package db

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readconcern"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"

	"github.com/custodian-dev/custodian/model"
)

// This file is the write path on servers with multi-document transactions
// (Conn.Transactions: a replica set or mongos, never FerretDB). A change,
// its queue row and its audit events commit together or not at all, so there
// is no claim, no outbox and no pending state. It has not been run against
// a real replica set (none is available to the tests); diffUpdate, which
// builds the document update, is tested against FerretDB.

// txnChainTries bounds the retries of a transaction whose audit sequence
// number another appender took first.
const txnChainTries = 20

// errDocDup: the document insert of a new record hit a unique index inside
// the transaction; outside it, checkWritten tells a taken id from a clash.
var errDocDup = errors.New("document insert: duplicate key")

// txnOptions: reads that decide the write go to the primary and see only
// majority-committed data; the commit waits for a journaled majority.
func txnOptions() *options.TransactionOptionsBuilder {
	journal := true
	return options.Transaction().
		SetReadPreference(readpref.Primary()).
		SetReadConcern(readconcern.Snapshot()).
		SetWriteConcern(&writeconcern.WriteConcern{W: writeconcern.WCMajority, Journal: &journal})
}

// commitTxn performs c in one transaction: the document's conditional
// update, the request's queue row, the audit entries and the head hint.
// It returns errSlotUsed when another write has the version (the caller
// reports a conflict) and ErrExists on a unique clash, as commit does.
func (s *Store) commitTxn(ctx context.Context, c claim) ([]AuditRecord, error) {
	events := make([]model.AuditEvent, len(c.Events))
	for i, ev := range c.Events {
		var err error
		if events[i], err = s.normalizeEvent(ev); err != nil {
			return nil, err
		}
	}
	sess, err := s.conn.Client.StartSession(options.Session().SetCausalConsistency(true))
	if err != nil {
		return nil, fmt.Errorf("write %s %s: start session: %w", c.Coll, c.DocID, err)
	}
	defer sess.EndSession(context.WithoutCancel(ctx))
	coll := s.db.Collection(c.Coll)

	s.appendMu.Lock()
	recs, err := s.txnLocked(ctx, sess, coll, c, events)
	s.appendMu.Unlock()
	switch {
	case errors.Is(err, errDocDup):
		// Nothing committed; a roll-forward cannot exist without claims,
		// so the document is another write's or another holds a value.
		if err := s.checkWritten(ctx, coll, c); err != nil {
			return nil, err
		}
		return nil, errSlotUsed
	case err != nil && (mongo.IsNetworkError(err) || hasLabel(err, "UnknownTransactionCommitResult")):
		// The commit may have landed with its answer lost: the document
		// says whether it carries this write.
		w, rerr := readWrites(context.WithoutCancel(ctx), coll, c.DocID)
		if rerr == nil && w.Version == c.Version && w.WriteID == c.WriteID {
			return nil, nil
		}
		return nil, fmt.Errorf("write %s %s: %w", c.Coll, c.DocID, err)
	case err != nil:
		return nil, fmt.Errorf("write %s %s: %w", c.Coll, c.DocID, err)
	}
	s.advanceCheckpoint(ctx, recs)
	return recs, nil
}

// txnLocked runs the transaction, retrying when another appender took the
// chain's next sequence number (a duplicate _id, which WithTransaction does
// not retry by itself, unlike a write conflict). appendMu is held.
func (s *Store) txnLocked(ctx context.Context, sess *mongo.Session, coll *mongo.Collection, c claim, events []model.AuditEvent) ([]AuditRecord, error) {
	if !s.head.known {
		h, err := s.readHeadHint(ctx)
		if err != nil {
			return nil, err
		}
		s.head = h
	}
	for range txnChainTries {
		// Outside the transaction: a day mark only has to be a lower
		// bound, and one left by an aborted attempt still is one.
		for _, ev := range events {
			if err := s.markAuditDay(ctx, ev.At, s.head.seq+1); err != nil {
				return nil, err
			}
		}
		var recs []AuditRecord
		_, err := sess.WithTransaction(ctx, func(sc context.Context) (any, error) {
			recs = recs[:0]
			if err := s.writeDocTxn(sc, coll, c); err != nil {
				return nil, err
			}
			if c.Coll == collRequests {
				var r model.Request
				if err := bson.Unmarshal(c.Doc, &r); err != nil {
					return nil, err
				}
				// In a transaction the row's read-compare-write is isolated:
				// projectRequest's re-check for racing writers is not needed.
				if err := s.writeQueueRow(sc, r); err != nil {
					return nil, err
				}
			}
			head := s.head
			for _, ev := range events {
				rec := AuditRecord{Seq: head.seq + 1, Prev: head.hash, AuditEvent: ev}
				rec.Hash = chainHash(rec.Seq, rec.Prev, ev)
				if s.mac != nil {
					rec.MAC = s.mac.sum(rec)
				}
				if _, err := s.audit.InsertOne(sc, rec); err != nil {
					return nil, err
				}
				recs = append(recs, rec)
				head = chainHead{known: true, seq: rec.Seq, hash: rec.Hash}
			}
			if len(recs) == 0 {
				return nil, nil
			}
			// Committed with the entries, so the hint is exact.
			_, err := s.meta.UpdateOne(sc, bson.D{{Key: "_id", Value: auditHeadID}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "seq", Value: head.seq}, {Key: "hash", Value: head.hash}}}},
				options.UpdateOne().SetUpsert(true))
			return nil, err
		}, txnOptions())
		if err == nil {
			if n := len(recs); n > 0 {
				s.head = chainHead{known: true, seq: recs[n-1].Seq, hash: recs[n-1].Hash}
			}
			return recs, nil
		}
		if errors.Is(err, errDocDup) || errors.Is(err, errSlotUsed) || !isDup(err) {
			return nil, err
		}
		// Another appender has the next seq: catch up outside the aborted
		// transaction and run it again.
		hint, herr := s.readHeadHint(ctx)
		if herr != nil {
			return nil, herr
		}
		if hint.seq > s.head.seq {
			s.head = hint
			continue
		}
		_, _, head, serr := s.scanPast(ctx, s.head, "")
		if serr != nil {
			return nil, serr
		}
		s.head = head
	}
	return nil, fmt.Errorf("gave up after %d attempts to find the chain head", txnChainTries)
}

// writeDocTxn writes c's document inside the transaction: a new record is
// inserted; a change reads the version it replaces (in the transaction's
// snapshot, from the primary) and applies only what differs (diffUpdate),
// conditional on that version.
func (s *Store) writeDocTxn(sc context.Context, coll *mongo.Collection, c claim) error {
	if c.Version == 1 {
		if _, err := coll.InsertOne(sc, c.Doc); err != nil {
			if isDup(err) {
				return errDocDup
			}
			return err
		}
		return nil
	}
	filter := bson.D{{Key: "_id", Value: c.DocID}, {Key: "version", Value: c.Version - 1}}
	old, err := coll.FindOne(sc, filter).Raw()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return errSlotUsed
	}
	if err != nil {
		return err
	}
	update, err := diffUpdate(old, c.Doc)
	if err != nil {
		return err
	}
	res, err := coll.UpdateOne(sc, filter, update)
	if err != nil {
		return err
	}
	if res.MatchedCount != 1 {
		return errSlotUsed
	}
	return nil
}

// diffUpdate is the update that turns old into new: $set of each top-level
// field that is new or differs (byte for byte), $unset of each that new
// lacks, and for the history, when old's lines are a prefix of new's,
// $push of the added lines only, so that a change does not resend a
// request's whole history. _id is never touched.
func diffUpdate(old, new bson.Raw) (bson.D, error) {
	oldElems, err := old.Elements()
	if err != nil {
		return nil, fmt.Errorf("diff: old document: %w", err)
	}
	newElems, err := new.Elements()
	if err != nil {
		return nil, fmt.Errorf("diff: new document: %w", err)
	}
	oldByKey := make(map[string]bson.RawValue, len(oldElems))
	for _, e := range oldElems {
		oldByKey[e.Key()] = e.Value()
	}
	var set, unset, push bson.D
	seen := make(map[string]bool, len(newElems))
	for _, e := range newElems {
		k, v := e.Key(), e.Value()
		seen[k] = true
		if k == "_id" {
			continue
		}
		ov, had := oldByKey[k]
		if had && ov.Type == v.Type && bytes.Equal(ov.Value, v.Value) {
			continue
		}
		if had && k == "history" {
			if tail, ok := appendedTail(ov, v); ok {
				push = append(push, bson.E{Key: k, Value: bson.D{{Key: "$each", Value: tail}}})
				continue
			}
		}
		set = append(set, bson.E{Key: k, Value: v})
	}
	for _, e := range oldElems {
		if k := e.Key(); !seen[k] && k != "_id" {
			unset = append(unset, bson.E{Key: k, Value: ""})
		}
	}
	var u bson.D
	if len(set) > 0 {
		u = append(u, bson.E{Key: "$set", Value: set})
	}
	if len(unset) > 0 {
		u = append(u, bson.E{Key: "$unset", Value: unset})
	}
	if len(push) > 0 {
		u = append(u, bson.E{Key: "$push", Value: push})
	}
	if len(u) == 0 {
		return nil, errors.New("diff: the new version changes nothing")
	}
	return u, nil
}

// appendedTail returns the elements new adds after old's, when both are
// arrays and old's elements are new's first ones.
func appendedTail(old, new bson.RawValue) (bson.A, bool) {
	oa, ok1 := old.ArrayOK()
	na, ok2 := new.ArrayOK()
	if !ok1 || !ok2 {
		return nil, false
	}
	ov, err1 := oa.Values()
	nv, err2 := na.Values()
	if err1 != nil || err2 != nil || len(nv) <= len(ov) {
		return nil, false
	}
	for i := range ov {
		if ov[i].Type != nv[i].Type || !bytes.Equal(ov[i].Value, nv[i].Value) {
			return nil, false
		}
	}
	tail := make(bson.A, 0, len(nv)-len(ov))
	for _, v := range nv[len(ov):] {
		tail = append(tail, v)
	}
	return tail, true
}

// hasLabel reports whether a server or driver error carries label.
func hasLabel(err error, label string) bool {
	var le mongo.LabeledError
	return errors.As(err, &le) && le.HasErrorLabel(label)
}
