package db

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"
)

// Who wrote a version is a fact stored in the document (write_id, and a
// request's history line ids), never inferred from the version number: see
// claim. This file reads and decides it.

// writeIDField is the field of a written document naming the write that
// wrote its current version.
const writeIDField = "write_id"

// stampWriteID returns doc with write_id set to id, replacing any earlier one.
func stampWriteID(doc bson.Raw, id string) (bson.Raw, error) {
	elems, err := doc.Elements()
	if err != nil {
		return nil, fmt.Errorf("stamp write id: %w", err)
	}
	idx, out := bsoncore.AppendDocumentStart(make([]byte, 0, len(doc)+len(id)+16))
	for _, e := range elems {
		if e.Key() != writeIDField {
			out = append(out, e...)
		}
	}
	out = bsoncore.AppendStringElement(out, writeIDField, id)
	out, err = bsoncore.AppendDocumentEnd(out, idx)
	if err != nil {
		return nil, fmt.Errorf("stamp write id: %w", err)
	}
	return out, nil
}

// checkWritten decides a write of c that changed nothing: nil when the
// document carries c's write anyway (a roll-forward of c got there first),
// errSlotUsed when another write has c's version, ErrExists when a new
// document is absent (another holds one of its unique values).
func (s *Store) checkWritten(ctx context.Context, coll *mongo.Collection, c claim) error {
	w, err := readWrites(ctx, coll, c.DocID)
	if err != nil {
		return err
	}
	if w.Version == 0 && c.Version == 1 {
		return fmt.Errorf("%s %s: %w: another record has one of its unique values", c.Coll, c.DocID, ErrExists)
	}
	if w.Version < c.Version {
		return fmt.Errorf("%s is at version %d, expected %d", c.DocID, w.Version, c.Version-1)
	}
	wrote, known := w.wrote(c)
	switch {
	case wrote:
		return nil
	case !known:
		return fmt.Errorf("%s moved on to version %d; whether version %d is this write's is not recorded", c.DocID, w.Version, c.Version)
	}
	return errSlotUsed
}

// docWrites is what a document says about the writes that made it.
type docWrites struct {
	Version int64  `bson:"version"`
	WriteID string `bson:"write_id"`
	History []struct {
		ID string `bson:"id"`
	} `bson:"history"`
}

// readWrites reads id's version and write ids; a missing document is version 0.
func readWrites(ctx context.Context, coll *mongo.Collection, id string) (docWrites, error) {
	var w docWrites
	err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(
		bson.D{{Key: "version", Value: 1}, {Key: writeIDField, Value: 1}, {Key: "history", Value: 1}})).Decode(&w)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return docWrites{}, nil
	}
	if err != nil {
		return w, fmt.Errorf("read version of %s: %w", id, err)
	}
	return w, nil
}

// wrote reports whether c's write is in the document (at version c.Version
// or before the document moved on), and whether that is known: the current
// version names its writer, and a request's history lines name theirs; for
// other documents, and writes that add no history line, an older version's
// writer is not recorded.
func (w docWrites) wrote(c claim) (wrote, known bool) {
	switch {
	case w.Version < c.Version:
		return false, true
	case c.WriteID == "":
		// A claim of an older version of custodian, whose event ids were
		// the claim id: whoever wrote the version, its events are on the
		// chain or are these.
		return true, true
	case w.Version == c.Version:
		return w.WriteID == c.WriteID, true
	case c.Applied:
		return true, true
	case c.Coll == collRequests && addsHistory(c):
		for _, h := range w.History {
			if h.ID == c.WriteID {
				return true, true
			}
		}
		return false, true
	}
	return false, false
}

// addsHistory reports whether c's document ends with a history line of c's
// own (every request write but a LIMIT flag re-derivation).
func addsHistory(c claim) bool {
	var d docWrites
	if bson.Unmarshal(c.Doc, &d) != nil || len(d.History) == 0 {
		return false
	}
	return d.History[len(d.History)-1].ID == c.WriteID
}
