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

// The open queue is a derived collection: one slim row per open request,
// holding only what the queue pane and its deadlines read. FerretDB's
// SQLite backend decodes every document of a collection for any non-_id
// query, so reading the queue from requests costs ~0.5 ms per request
// stored, open or closed, with its history and notes; the slim rows of the
// open ones cost a fraction of that. The requests collection stays the
// source of truth: a row that is missing or stale is fixed by the next write
// of its request, by DrainOutbox for a write that stopped half-way, by
// RepairQueue for a row write that failed, or by RebuildQueue.

const (
	collQueue = "queue"
	// queueMarkerID is the meta document saying the projection was built
	// (v = queueProjectionVersion); EnsureQueue rebuilds while it is missing.
	queueMarkerID = "queue_projection"
	// Version 2 added the failure fields (failure_reason, failed_at,
	// failed_step): a rebuild rewrites failed rows of the same version.
	queueProjectionVersion = 2
	// queueRepairID is the meta document listing the requests whose row
	// write failed (ids, a set): RepairQueue re-projects only those.
	queueRepairID = "queue_repair"
	// queueRepairMax bounds that list, keeping the document far below
	// 16 MB: past it, so many writes failed that a rebuild is cheaper.
	queueRepairMax = 10000
	// queueProjectRetries bounds how often a projection write follows its
	// request moving on underneath it before leaving the rest to that write.
	queueProjectRetries = 3
)

// queueRow is the stored shape of a queue row. It decodes into model.Request
// (the fields it lacks stay zero), so the queue's callers see no difference.
type queueRow struct {
	ID             string            `bson:"_id"`
	TenantID       string            `bson:"tenant_id"`
	SubjectID      string            `bson:"subject_id,omitempty"`
	SubjectLabel   string            `bson:"subject_label,omitempty"`
	Type           model.RequestType `bson:"type"`
	Channel        model.Channel     `bson:"channel"`
	Status         model.Status      `bson:"status"`
	ReceivedAt     time.Time         `bson:"received_at"`
	DueAt          time.Time         `bson:"due_at"`
	AssignedTo     string            `bson:"assigned_to,omitempty"`
	Flags          []model.Flag      `bson:"flags"`
	AcknowledgedAt *time.Time        `bson:"acknowledged_at,omitempty"`
	Extension      *model.Extension  `bson:"extension,omitempty"`
	Decision       *queueDecision    `bson:"decision,omitempty"`
	Requester      queuePerson       `bson:"requester"`
	Version        int64             `bson:"version"`
	UpdatedBy      string            `bson:"updated_by"`
	UpdatedAt      time.Time         `bson:"updated_at"`
	// The failure of a failed request, so the queue and on-call's
	// failed list show when, where and why without reading the request.
	FailureReason string     `bson:"failure_reason,omitempty"`
	FailedAt      *time.Time `bson:"failed_at,omitempty"`
	FailedStep    string     `bson:"failed_step,omitempty"`
	// WaitingProcessors: every step done, sub-processors' confirmations
	// outstanding (model.WaitingOnProcessors).
	WaitingProcessors bool `bson:"waiting_processors,omitempty"`
}

// queueDecision is what deadlines need of the Customer's decision.
type queueDecision struct {
	Outcome   model.DecisionOutcome `bson:"outcome"`
	DecidedAt time.Time             `bson:"decided_at"`
}

// queuePerson is the requester's name, the label of a request without a subject.
type queuePerson struct {
	Name string `bson:"name"`
}

// queueSourceProjection reads from requests exactly what a queue row holds.
func queueSourceProjection() bson.D {
	d := bson.D{}
	for _, f := range []string{"tenant_id", "subject_id", "subject_label", "type", "channel", "status", "received_at",
		"due_at", "assigned_to", "flags", "acknowledged_at", "extension", "decision.outcome", "decision.decided_at",
		"requester.name", "version", "updated_by", "updated_at", "failure_reason", "failed_at", "failed_step"} {
		d = append(d, bson.E{Key: f, Value: 1})
	}
	return d
}

func queueRowOf(r model.Request) queueRow {
	q := queueRow{
		ID: r.ID, TenantID: r.TenantID, SubjectID: r.SubjectID, SubjectLabel: r.SubjectLabel, Type: r.Type,
		Channel: r.Channel, Status: r.Status, ReceivedAt: r.ReceivedAt, DueAt: r.DueAt, AssignedTo: r.AssignedTo,
		Flags: r.Flags, AcknowledgedAt: r.AcknowledgedAt, Extension: r.Extension, Requester: queuePerson{Name: r.Requester.Name},
		Version: r.Version, UpdatedBy: r.UpdatedBy, UpdatedAt: r.UpdatedAt,
		FailureReason: r.FailureReason, FailedAt: r.FailedAt, FailedStep: r.FailedStep,
		WaitingProcessors: r.WaitingProcessors,
	}
	if q.Flags == nil {
		q.Flags = []model.Flag{}
	}
	if r.Decision != nil {
		q.Decision = &queueDecision{Outcome: r.Decision.Outcome, DecidedAt: r.Decision.DecidedAt}
	}
	return q
}

// projectQueue brings the queue row of a request written by this process up
// to date, after the request document itself. It never fails the write: the
// error is logged and the request's id recorded for RepairQueue, which the
// next start runs; the next write of the request rewrites its row anyway.
// Only when the id cannot be recorded (or the request cannot be read) is
// the marker removed, so the next start rebuilds the whole projection.
func (s *Store) projectQueue(ctx context.Context, doc bson.Raw) {
	var r model.Request
	err := bson.Unmarshal(doc, &r)
	if err == nil {
		err = s.projectRequest(ctx, r)
	}
	if err == nil {
		return
	}
	s.log.Warn("queue projection not updated; the next write of the request or the next start fixes it", "request", r.ID, "err", err)
	if r.ID != "" {
		rerr := upsertOne(ctx, s.meta, bson.D{{Key: "_id", Value: queueRepairID}},
			bson.D{{Key: "$addToSet", Value: bson.D{{Key: "ids", Value: r.ID}}}})
		if rerr == nil {
			return
		}
		s.log.Warn("queue row to repair not recorded; the next start rebuilds the queue", "request", r.ID, "err", rerr)
	}
	if _, derr := s.meta.DeleteOne(ctx, bson.D{{Key: "_id", Value: queueMarkerID}}); derr != nil {
		s.log.Warn("queue projection marker not cleared", "err", derr)
	}
}

// RepairQueue re-projects the rows whose write failed (recorded by
// projectQueue) from their requests and takes them off the list; it
// returns how many it repaired. Ids recorded while it runs stay for the
// next call. A list longer than queueRepairMax is dropped for a full
// RebuildQueue. Safe while others write: each row write is the same
// version-monotonic one the write path uses.
func (s *Store) RepairQueue(ctx context.Context) (int, error) {
	var m struct {
		IDs []string `bson:"ids"`
	}
	err := s.meta.FindOne(ctx, bson.D{{Key: "_id", Value: queueRepairID}}).Decode(&m)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("repair queue: read the rows to repair: %w", err)
	}
	if len(m.IDs) > queueRepairMax {
		if _, err := s.RebuildQueue(ctx); err != nil {
			return 0, fmt.Errorf("repair queue: %d rows failed, rebuilding all: %w", len(m.IDs), err)
		}
		return len(m.IDs), s.doneRepairing(ctx, m.IDs)
	}
	for _, id := range m.IDs {
		if err := s.reproject(ctx, id); err != nil {
			return 0, fmt.Errorf("repair queue: %w", err)
		}
	}
	return len(m.IDs), s.doneRepairing(ctx, m.IDs)
}

// doneRepairing takes ids off the repair list, leaving any added meanwhile.
func (s *Store) doneRepairing(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.meta.UpdateOne(ctx, bson.D{{Key: "_id", Value: queueRepairID}},
		bson.D{{Key: "$pullAll", Value: bson.D{{Key: "ids", Value: ids}}}})
	if err != nil {
		return fmt.Errorf("repair queue: take %d repaired rows off the list: %w", len(ids), err)
	}
	return nil
}

// reproject makes the row of request id match the stored request: written
// when it is open, removed when it is closed or gone.
func (s *Store) reproject(ctx context.Context, id string) error {
	var r model.Request
	err := s.requests.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(queueSourceProjection())).Decode(&r)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return s.deleteQueueRow(ctx, id)
	case err != nil:
		return fmt.Errorf("read request %s for the queue: %w", id, err)
	}
	return s.projectRequest(ctx, r)
}

// projectRequest writes (or removes) the queue row of r, then checks that r
// is still the stored version of the request and, if a newer one was written
// meanwhile, projects that one instead.
//
// FerretDB runs even a conditional update as "read, then write" with nothing
// locked in between, so a filter like {_id, version: {$lt: v}} would not make
// the row monotonic by itself (and, being more than a lone _id, it would scan
// the collection in Go). Rows are therefore written read-compare-write on the
// lone _id, which leaves this race: two writers of one request (versions v
// and v+1, which the claims already order on the request document) both read
// the row at v-1 and the one at v writes last, or the one at v re-inserts a
// row that v+1 (a closing write) just deleted. The re-check below heals it:
// whichever writer wrote its row last then reads the request document, which
// was written before either row, finds it at v+1 and projects that version.
// What remains is a writer that dies between its row write and the re-check
// while losing that race: the row stays at the older version until the next
// write of the request, DrainOutbox (a claim is released only after its
// document and row are written) or RebuildQueue.
func (s *Store) projectRequest(ctx context.Context, r model.Request) error {
	for range queueProjectRetries {
		if err := s.writeQueueRow(ctx, r); err != nil {
			return err
		}
		cur, err := docVersion(ctx, s.requests, r.ID)
		if err != nil {
			return err
		}
		if cur <= r.Version {
			return nil // r is still the stored version: its row stands
		}
		var next model.Request
		err = s.requests.FindOne(ctx, bson.D{{Key: "_id", Value: r.ID}}, options.FindOne().SetProjection(queueSourceProjection())).Decode(&next)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return s.deleteQueueRow(ctx, r.ID)
		}
		if err != nil {
			return fmt.Errorf("read request %s for the queue: %w", r.ID, err)
		}
		r = next
	}
	return fmt.Errorf("request %s kept changing while its queue row was written", r.ID)
}

// writeQueueRow makes the row of r match it unless the row already holds a
// newer version: an open request gets its row, a closed one loses it.
func (s *Store) writeQueueRow(ctx context.Context, r model.Request) error {
	var row struct {
		Version int64 `bson:"version"`
	}
	err := s.queue.FindOne(ctx, bson.D{{Key: "_id", Value: r.ID}},
		options.FindOne().SetProjection(bson.D{{Key: "version", Value: 1}})).Decode(&row)
	exists := err == nil
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return fmt.Errorf("read queue row %s: %w", r.ID, err)
	}
	switch {
	case exists && row.Version > r.Version:
		return nil // a newer write already projected itself
	case !r.Status.Open():
		if !exists {
			return nil
		}
		return s.deleteQueueRow(ctx, r.ID)
	case exists && row.Version == r.Version:
		return nil // already there (a repeated write, a roll-forward)
	case !exists:
		_, err := s.queue.InsertOne(ctx, queueRowOf(r))
		if err != nil && !isDup(err) {
			return fmt.Errorf("insert queue row %s: %w", r.ID, err)
		}
		// A duplicate: another writer inserted the row meanwhile; the
		// version re-check in projectRequest settles which one stands.
		return nil
	}
	if _, err := s.queue.ReplaceOne(ctx, bson.D{{Key: "_id", Value: r.ID}}, queueRowOf(r)); err != nil {
		return fmt.Errorf("replace queue row %s: %w", r.ID, err)
	}
	return nil
}

func (s *Store) deleteQueueRow(ctx context.Context, id string) error {
	if _, err := s.queue.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("delete queue row %s: %w", id, err)
	}
	return nil
}

// EnsureQueue builds the open-queue projection if this database has never
// had it (a database from before it existed, or one where a failed row
// write could not even be recorded): it rebuilds while the meta marker is
// missing. Otherwise it re-projects only the rows recorded as failed
// (RepairQueue): two reads when there are none.
func (s *Store) EnsureQueue(ctx context.Context) error {
	var m struct {
		V int `bson:"v"`
	}
	err := s.meta.FindOne(ctx, bson.D{{Key: "_id", Value: queueMarkerID}}).Decode(&m)
	if err == nil && m.V >= queueProjectionVersion {
		if _, err := s.RepairQueue(ctx); err != nil {
			return fmt.Errorf("ensure queue: %w", err)
		}
		return nil
	}
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return fmt.Errorf("ensure queue: read marker: %w", err)
	}
	if _, err := s.RebuildQueue(ctx); err != nil {
		return fmt.Errorf("ensure queue: %w", err)
	}
	return nil
}

// RebuildQueue rewrites the open-queue projection from the requests
// collection and sets its marker; it returns the number of open requests.
// It streams requests in _id order (keyset, s.batch at a time, only the
// queue's fields), inserts missing rows in bulk, replaces older ones, and
// then re-projects every row whose request it did not see open, which
// removes rows of closed or deleted requests. Safe while others write: every
// row write is the same version-monotonic one the write path uses.
func (s *Store) RebuildQueue(ctx context.Context) (int, error) {
	have := map[string]int64{}
	cur, err := s.queue.Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "version", Value: 1}}))
	if err != nil {
		return 0, fmt.Errorf("rebuild queue: read rows: %w", err)
	}
	var rows []struct {
		ID      string `bson:"_id"`
		Version int64  `bson:"version"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return 0, fmt.Errorf("rebuild queue: read rows: %w", err)
	}
	for _, r := range rows {
		have[r.ID] = r.Version
	}

	open, after := 0, ""
	for {
		filter := bson.D{}
		if after != "" {
			filter = bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}}
		}
		cur, err := s.requests.Find(ctx, filter, options.Find().
			SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(s.batch)).SetProjection(queueSourceProjection()))
		if err != nil {
			return open, fmt.Errorf("rebuild queue: read requests: %w", err)
		}
		var reqs []model.Request
		if err := cur.All(ctx, &reqs); err != nil {
			return open, fmt.Errorf("rebuild queue: read requests: %w", err)
		}
		var inserts []any
		for _, r := range reqs {
			after = r.ID
			if !r.Status.Open() {
				continue // a row it may have is re-checked below
			}
			open++
			v, ok := have[r.ID]
			delete(have, r.ID)
			switch {
			case !ok:
				inserts = append(inserts, queueRowOf(r))
			case v < r.Version:
				if err := s.writeQueueRow(ctx, r); err != nil {
					return open, fmt.Errorf("rebuild queue: %w", err)
				}
			case r.Status == model.StatusFailed:
				// A row of the same version from before the failure
				// fields: rewritten only while it is still that version.
				if _, err := s.queue.ReplaceOne(ctx, bson.D{{Key: "_id", Value: r.ID}, {Key: "version", Value: r.Version}}, queueRowOf(r)); err != nil {
					return open, fmt.Errorf("rebuild queue: failed row %s: %w", r.ID, err)
				}
			}
		}
		if len(inserts) > 0 {
			// A duplicate is a row a concurrent write put there meanwhile.
			if _, err := s.queue.InsertMany(ctx, inserts, options.InsertMany().SetOrdered(false)); err != nil && !seedOnlyDuplicates(err) {
				return open, fmt.Errorf("rebuild queue: insert rows: %w", err)
			}
		}
		if len(reqs) < s.batch {
			break
		}
	}
	// Rows whose request is closed, gone, or was not open when read.
	for id := range have {
		if err := s.reproject(ctx, id); err != nil {
			return open, fmt.Errorf("rebuild queue: %w", err)
		}
	}
	marker := bson.D{{Key: "_id", Value: queueMarkerID}, {Key: "v", Value: queueProjectionVersion}, {Key: "built_at", Value: s.now()}}
	if _, err := s.meta.ReplaceOne(ctx, bson.D{{Key: "_id", Value: queueMarkerID}}, marker, options.Replace().SetUpsert(true)); err != nil {
		return open, fmt.Errorf("rebuild queue: write marker: %w", err)
	}
	return open, nil
}
