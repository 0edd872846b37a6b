package db

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/custodian-dev/custodian/model"
)

// Plans live apart from their requests. A plan for a subject with 10,000
// records runs to megabytes; carried inside the request, every claimed
// write of the request (each step's record, each note) rewrote it, and a
// claim holds the whole new document, so a large enough plan would push a
// claim past MongoDB's 16 MB limit.
//
// The split follows what changes. A plan's body (everything the digest
// covers) never changes once built, so it is written once, before the
// request write that refers to it, under a key made of the plan id and its
// digest: a crash after the body and before the request write leaves an
// unreferenced body (harmless, and found again by a retry that builds the
// same plan), never a request pointing at nothing. What does change — the
// sign-off and each step's progress — stays on the request (PlanRef), in
// the same claimed write as the step's audit event, so the claim protocol
// (store.go commit) keeps a step's record and its event together exactly as
// before. Progress is a few short fields per step, and a step covers up to
// model.StepDocsMax documents, so the request grows by tens of bytes per
// fifty records instead of by the plan.
//
// The body's documents are stored in chunks of planChunkDocs (plan_docs),
// so no stored document approaches the 16 MB limit either; the plans
// document is written last and names how many chunks there are.
//
// A request written by an earlier version with its plan inside (field
// "plan") still loads: with no plan_ref, that field is the plan. Its next
// write moves the plan out (migration on write).

const (
	collPlans    = "plans"
	collPlanDocs = "plan_docs"
	// planChunkDocs bounds the planned documents in one plan_docs chunk: a
	// planned document with every field masked is a few KB at most.
	planChunkDocs = 500
)

// planHead is a plan's body without its documents.
type planHead struct {
	Key       string     `bson:"_id"`
	RequestID string     `bson:"request_id"`
	Chunks    int        `bson:"chunks"`
	Plan      model.Plan `bson:"plan"`
}

type planChunk struct {
	ID   string          `bson:"_id"`
	Docs []model.PlanDoc `bson:"docs"`
}

// planKey names a plan's stored body: the plan id alone is reused when a
// plan is rebuilt after a crash before its request write.
func planKey(p model.Plan) string { return p.ID + "#" + p.Digest }

func planChunkID(key string, i int) string { return key + "/" + strconv.Itoa(i) }

// storePlan makes the request r is about to become refer to its plan:
// the body is written first when it is not stored yet, then r.PlanRef is
// set from r.Plan's sign-off and progress. Safe to repeat: bodies are
// immutable and a duplicate key means "already stored".
func (s *Store) storePlan(ctx context.Context, r *model.Request) error {
	r.LegacyPlan = nil
	if r.Plan == nil {
		r.PlanRef = nil
		return nil
	}
	key := planKey(*r.Plan)
	if r.PlanRef == nil || r.PlanRef.Key != key {
		if err := s.writePlanBody(ctx, r.ID, key, r.Plan.Body()); err != nil {
			return fmt.Errorf("store plan %s: %w", r.Plan.ID, err)
		}
	}
	ref := r.Plan.Ref(key)
	r.PlanRef = &ref
	return nil
}

func (s *Store) writePlanBody(ctx context.Context, requestID, key string, body model.Plan) error {
	docs := body.Docs
	body.Docs = nil
	chunks := (len(docs) + planChunkDocs - 1) / planChunkDocs
	pc := s.conn.DB.Collection(collPlanDocs)
	for i := range chunks {
		part := docs[i*planChunkDocs : min(len(docs), (i+1)*planChunkDocs)]
		if _, err := pc.InsertOne(ctx, planChunk{ID: planChunkID(key, i), Docs: part}); err != nil && !isDup(err) {
			return fmt.Errorf("write documents %d–%d: %w", i*planChunkDocs+1, i*planChunkDocs+len(part), err)
		}
	}
	head := planHead{Key: key, RequestID: requestID, Chunks: chunks, Plan: body}
	if _, err := s.conn.DB.Collection(collPlans).InsertOne(ctx, head); err != nil && !isDup(err) {
		return err
	}
	return nil
}

// loadPlan fills r.Plan from the stored body r.PlanRef names and the
// progress it holds, or from a plan stored inside the request by an earlier
// version. A body that does not hash to the digest the request names is
// refused: it is not the plan that was signed off.
func (s *Store) loadPlan(ctx context.Context, r *model.Request) error {
	if r.PlanRef == nil {
		r.Plan = r.LegacyPlan
		return nil
	}
	ref := *r.PlanRef
	var head planHead
	err := s.conn.DB.Collection(collPlans).FindOne(ctx, bson.D{{Key: "_id", Value: ref.Key}}).Decode(&head)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return fmt.Errorf("read plan %s of request %s: its body %s is missing from %s", ref.ID, r.ID, ref.Key, collPlans)
	}
	if err != nil {
		return fmt.Errorf("read plan %s of request %s: %w", ref.ID, r.ID, err)
	}
	body := head.Plan
	pc := s.conn.DB.Collection(collPlanDocs)
	// One lone-_id read per chunk: on FerretDB that is the query that
	// reaches SQLite's primary key.
	for i := range head.Chunks {
		var c planChunk
		if err := pc.FindOne(ctx, bson.D{{Key: "_id", Value: planChunkID(ref.Key, i)}}).Decode(&c); err != nil {
			return fmt.Errorf("read plan %s of request %s: documents chunk %d: %w", ref.ID, r.ID, i, err)
		}
		body.Docs = append(body.Docs, c.Docs...)
	}
	if got := body.ComputeDigest(); got != ref.Digest {
		return fmt.Errorf("read plan %s of request %s: its stored body has digest %s, the request names %s", ref.ID, r.ID, model.ShortDigest(got), model.ShortDigest(ref.Digest))
	}
	p, err := body.WithRef(ref)
	if err != nil {
		return fmt.Errorf("read request %s: %w", r.ID, err)
	}
	r.Plan = &p
	return nil
}
