package db

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodian-dev/custodian/model"
)

// Collection names used by the store.
const (
	collRequests  = "requests"
	collSubjects  = "subjects"
	collTenants   = "tenants"
	collOperators = "operators"
	collAudit     = "audit"
	// collMeta holds small bookkeeping documents such as the audit head hint.
	collMeta = "meta"
	// collClaims holds in-flight writes; see commit.
	collClaims = "claims"
)

// defaultStaleClaim is how old an unfinished claim must be before another
// process finishes it. Far longer than any healthy write takes, so a slow
// writer is never overtaken by a roll-forward of its own claim.
const defaultStaleClaim = 30 * time.Second

// commitFinishTimeout bounds the steps of a write after its claim, which run
// even when the caller's context is cancelled: the write is decided by then.
const commitFinishTimeout = 10 * time.Second

// StoreOptions configures a Store.
type StoreOptions struct {
	// Clock is "now" for deadlines, history and audit; nil is the system clock.
	Clock model.Clock
	// CheckpointPath is the signed audit checkpoint file, kept outside the
	// database so that truncating the chain is detectable. Empty disables it.
	CheckpointPath string
	// CheckpointKeyPath is the Ed25519 private key (PKCS#8 PEM) that signs the
	// checkpoint; created with mode 0600 if missing. Required with CheckpointPath.
	CheckpointKeyPath string
	// AuditKeyPath is the HMAC key every chain entry is MACed with (hex,
	// mode 0600, created if missing). Empty: audit-mac.key beside
	// CheckpointKeyPath. Servers sharing one database must share this file.
	AuditKeyPath string
	// CheckpointLog, when set, also receives every checkpoint line: a file
	// path opened for appending, or "syslog".
	CheckpointLog string
	// VerifyOnly opens the keys without ever creating them, so that a
	// missing key is reported (by VerifyAudit) instead of replaced.
	VerifyOnly bool
	// Logger receives warnings about work deferred to DrainOutbox; nil discards.
	// Nothing logged here carries PI: only ids, seqs and error texts.
	Logger *slog.Logger
	// ExportDir is where access packages are written, one directory per
	// request (main: <data dir>/exports). Empty refuses to run an access
	// request's plan: there would be nowhere to put the package.
	ExportDir string
}

// Store is the controller layer: every read and write of custodian's data
// goes through it, and it checks permission and tenant scope itself.
// A Store is safe for concurrent use; several Stores (in several processes)
// may share one database.
type Store struct {
	conn  *Conn
	clock model.Clock
	log   *slog.Logger
	cp    *checkpointer
	// mac is the entry MAC key; nil without checkpoints (or, with
	// VerifyOnly, when the file is missing: macErr says why).
	mac    *macKey
	macErr error
	// cpKeyErr is set when VerifyOnly found no checkpoint key.
	cpKeyErr error
	// verifyOnly stores never append (StoreOptions.VerifyOnly).
	verifyOnly bool

	requests, subjects, tenants, operators, audit, meta, claims *mongo.Collection
	// queue is the open-queue projection of requests (queue.go).
	queue *mongo.Collection

	// appendMu serialises this Store's chain appends so that its own
	// goroutines do not race each other for the same sequence number.
	appendMu sync.Mutex
	head     chainHead // guarded by appendMu

	staleClaim time.Duration
	batch      int // page size of chain walks and drains
	// parked are audit history walks kept open for their next page (auditquery.go).
	parked cursorPark
	hooks  testHooks
	// exportDir is StoreOptions.ExportDir.
	exportDir string
}

// testHooks let tests stop a write at the points where a crash matters.
// A hook returning an error aborts the write there, as a crash would.
type testHooks struct {
	afterClaim func() error
	afterWrite func() error
	failAppend func() error
	// afterStepEffect runs after a fulfilment step's change to the data and
	// before the step is recorded on the request: the crash that makes a
	// re-run find the change already made.
	afterStepEffect func(step int) error
	// betweenReadAndWrite runs after a document step read its records and
	// before it writes any: where a product write races the step.
	betweenReadAndWrite func(step int) error
	// casByFilter makes product writes use the MongoDB path (one write
	// filtered on the whole record) on FerretDB too, so it is tested there.
	casByFilter bool
}

// NewStore wraps an open connection. The schema (db.EnsureSchema) must be in
// place: the audit chain relies on the unique event_id index to drop repeats.
func NewStore(c *Conn, o StoreOptions) (*Store, error) {
	if c == nil || c.DB == nil {
		return nil, errors.New("new store: no database connection")
	}
	s := &Store{
		conn:       c,
		clock:      o.Clock,
		log:        o.Logger,
		requests:   c.DB.Collection(collRequests),
		subjects:   c.DB.Collection(collSubjects),
		tenants:    c.DB.Collection(collTenants),
		operators:  c.DB.Collection(collOperators),
		audit:      c.DB.Collection(collAudit),
		meta:       c.DB.Collection(collMeta),
		claims:     c.DB.Collection(collClaims),
		queue:      c.DB.Collection(collQueue),
		staleClaim: defaultStaleClaim,
		batch:      defaultBatch,
		exportDir:  o.ExportDir,
	}
	if s.clock == nil {
		s.clock = model.SystemClock{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if o.CheckpointPath != "" || o.CheckpointKeyPath != "" {
		if err := s.openKeys(o); err != nil {
			return nil, fmt.Errorf("new store: %w", err)
		}
	}
	return s, nil
}

// ExportDir is where access packages are written (StoreOptions.ExportDir).
func (s *Store) ExportDir() string { return s.exportDir }

// Conn is the connection the store uses.
func (s *Store) Conn() *Conn { return s.conn }

// now is the clock at BSON precision, so what a write returns equals what a
// later read returns, and audit hashes survive the round trip.
func (s *Store) now() time.Time { return s.clock.Now().UTC().Truncate(time.Millisecond) }

// newEventID is a random id for events that are not tied to a claimed write
// (refusals, logins); claimed writes use the claim id, which is deterministic.
func newEventID() string { return "ev-" + strings.ToLower(rand.Text()) }

// claim is the commit record of one write. FerretDB 1.24 runs a conditional
// update as "read, then write by _id" with nothing in between locked, so two
// writers filtering on the same {_id, version} can both match (measured: 2–3
// winners of 20). Inserting a unique _id is the one atomic step both
// FerretDB and MongoDB offer, so a write first inserts its claim on
// "<collection>/<id>@<new version>": whoever inserts it owns that version.
// The claim carries the new document and its audit events, so it is also the
// outbox: after the events are on the chain and the document is written the
// claim is deleted; a claim left behind by a crash is finished by
// DrainOutbox (settleClaim).
type claim struct {
	ID      string             `bson:"_id"`
	Coll    string             `bson:"coll"`
	DocID   string             `bson:"doc_id"`
	Version int64              `bson:"version"`
	By      string             `bson:"by"`
	At      time.Time          `bson:"at"`
	Status  model.Status       `bson:"status,omitempty"`
	Doc     bson.Raw           `bson:"doc"`
	Events  []model.AuditEvent `bson:"events"`
}

func claimID(coll, docID string, version int64) string {
	return coll + "/" + docID + "@" + strconv.FormatInt(version, 10)
}

// errClaimTaken: another writer owns the version this write wanted.
var errClaimTaken = errors.New("version claimed by another writer")

// errSlotUsed: the claim went in, but only because an earlier writer of the
// same version had already finished and removed its claim.
var errSlotUsed = errors.New("version already written")

// commit performs a claimed write: claim, document, audit, release. On
// errClaimTaken or errSlotUsed nothing was written and the caller reports a
// conflict. Errors after the claim leave it for DrainOutbox to finish.
func (s *Store) commit(ctx context.Context, c claim) ([]AuditRecord, error) {
	coll := s.conn.DB.Collection(c.Coll)
	if _, err := s.claims.InsertOne(ctx, c); err != nil {
		if isDup(err) {
			return nil, errClaimTaken
		}
		// The insert may have reached the server before the error. Remove
		// the claim if it is ours (matched on writer and time, never just the
		// id: a same-id claim is another writer's), so that the error means
		// "not saved" rather than "saved after the claim goes stale".
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitFinishTimeout)
		_, _ = s.claims.DeleteOne(dctx, bson.D{{Key: "_id", Value: c.ID}, {Key: "by", Value: c.By}, {Key: "at", Value: c.At}})
		cancel()
		return nil, fmt.Errorf("claim %s: %w", c.ID, err)
	}
	// Past the claim the write is decided; finish it even if the caller gives up.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitFinishTimeout)
	defer cancel()
	// A claim id is free again once its writer has finished, so a writer that
	// read the document before that finish can still insert it: check that the
	// document is still at the version this write replaces.
	cur, err := docVersion(ctx, coll, c.DocID)
	if err != nil {
		s.releaseClaim(ctx, c.ID)
		return nil, fmt.Errorf("claim %s: %w", c.ID, err)
	}
	if cur != c.Version-1 {
		s.releaseClaim(ctx, c.ID)
		return nil, errSlotUsed
	}
	if h := s.hooks.afterClaim; h != nil {
		if err := h(); err != nil {
			return nil, err
		}
	}
	// The document before its events: a write that cannot happen (another
	// record holds a unique value) must not leave an event on the chain.
	if err := s.materialize(ctx, coll, c, !s.conn.Embedded); err != nil {
		if errors.Is(err, ErrExists) {
			s.releaseClaim(ctx, c.ID)
			return nil, err
		}
		return nil, fmt.Errorf("write %s %s: %w (not saved yet: it is completed the next time a console starts; reload before trying again)", c.Coll, c.DocID, err)
	}
	if h := s.hooks.afterWrite; h != nil {
		if err := h(); err != nil {
			return nil, err
		}
	}
	recs, appendErr := s.appendEvents(ctx, c.Events)
	if appendErr != nil {
		// The change stands; its events wait in the claim for DrainOutbox.
		s.log.Warn("audit append deferred to outbox drain", "claim", c.ID, "err", appendErr)
		return nil, nil
	}
	s.releaseClaim(ctx, c.ID)
	s.advanceCheckpoint(ctx, recs)
	return recs, nil
}

// materialize writes the claimed document and, for a request, then its row
// of the open-queue projection (whose failure is logged, not returned: the
// request is the source of truth and its write has happened).
func (s *Store) materialize(ctx context.Context, coll *mongo.Collection, c claim, conditional bool) error {
	if err := s.materializeDoc(ctx, coll, c, conditional); err != nil {
		return err
	}
	if c.Coll == collRequests {
		s.projectQueue(ctx, c.Doc)
	}
	return nil
}

// materializeDoc writes the claimed document. The claim makes its owner the only
// writer of this version, so on FerretDB a lone-_id filter is enough and keeps
// the write on the SQLite primary key (a second filter field turns it into a
// full scan in Go: 145 ms instead of 17 ms at 3,000 requests). Roll-forwards
// of stale claims and every write to MongoDB also match the old version.
func (s *Store) materializeDoc(ctx context.Context, coll *mongo.Collection, c claim, conditional bool) error {
	if c.Version == 1 {
		_, err := coll.InsertOne(ctx, c.Doc)
		if err == nil || !isDup(err) {
			return err
		}
		// Inserted already (a roll-forward got there first), or another
		// document holds one of this one's unique values.
		if cur, verr := docVersion(ctx, coll, c.DocID); verr != nil || cur >= 1 {
			return verr
		}
		return fmt.Errorf("%s %s: %w: another record has one of its unique values", c.Coll, c.DocID, ErrExists)
	}
	filter := bson.D{{Key: "_id", Value: c.DocID}}
	if conditional {
		filter = append(filter, bson.E{Key: "version", Value: c.Version - 1})
	}
	res, err := coll.ReplaceOne(ctx, filter, c.Doc)
	if err != nil {
		return err
	}
	if res.MatchedCount == 0 {
		cur, err := docVersion(ctx, coll, c.DocID)
		if err != nil {
			return err
		}
		if cur < c.Version {
			return fmt.Errorf("%s is at version %d, expected %d", c.DocID, cur, c.Version-1)
		}
	}
	return nil
}

// releaseClaim deletes a finished claim. Failing here is harmless: the claim
// is settled (and deleted) by the next DrainOutbox.
func (s *Store) releaseClaim(ctx context.Context, id string) {
	if _, err := s.claims.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		s.log.Warn("release claim", "claim", id, "err", err)
	}
}

// loadClaim returns the claim with id, or ok=false once its writer finished.
func (s *Store) loadClaim(ctx context.Context, id string) (claim, bool, error) {
	var c claim
	err := s.claims.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&c)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return c, false, nil
	}
	if err != nil {
		return c, false, fmt.Errorf("load claim %s: %w", id, err)
	}
	return c, true, nil
}

// docVersion is the stored version of a document, 0 when it does not exist.
func docVersion(ctx context.Context, coll *mongo.Collection, id string) (int64, error) {
	var v struct {
		Version int64 `bson:"version"`
	}
	err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}},
		options.FindOne().SetProjection(bson.D{{Key: "version", Value: 1}})).Decode(&v)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read version of %s: %w", id, err)
	}
	return v.Version, nil
}

// settleClaim finishes a claim whose writer stopped part-way (or is between
// its last two steps): write the document if a stale claim never got that
// far, put its events on the chain, delete it. It returns how many events
// became new chain entries. Safe to run from several processes at once: the
// document write is conditional on the old version, appends are idempotent by
// event id, and a claim whose document already moved on only needs its events.
func (s *Store) settleClaim(ctx context.Context, c claim, now time.Time) (int, error) {
	coll := s.conn.DB.Collection(c.Coll)
	cur, err := docVersion(ctx, coll, c.DocID)
	if err != nil {
		return 0, err
	}
	if cur < c.Version {
		if now.Sub(c.At) < s.staleClaim {
			return 0, nil // its writer is probably still at work
		}
		if cur != c.Version-1 {
			return 0, fmt.Errorf("claim %s: document is at version %d, cannot apply version %d", c.ID, cur, c.Version)
		}
		if err := s.materialize(ctx, coll, c, true); err != nil {
			if errors.Is(err, ErrExists) {
				// This write can never happen; its events must not be recorded.
				s.log.Warn("drop claim that conflicts with another record", "claim", c.ID, "err", err)
				s.releaseClaim(ctx, c.ID)
				return 0, nil
			}
			return 0, fmt.Errorf("settle claim %s: %w", c.ID, err)
		}
	} else if cur == c.Version && c.Coll == collRequests {
		// Its writer may have stopped between the document and its queue
		// row; the row write is idempotent and never goes backwards.
		s.projectQueue(ctx, c.Doc)
	}
	// Events of a claim whose version was written by someone else carry that
	// write's event id (the claim id), so the chain already has them and the
	// appends below are no-ops.
	var added int
	var last []AuditRecord
	for _, ev := range c.Events {
		rec, existed, err := s.appendOne(ctx, ev)
		if err != nil {
			return added, fmt.Errorf("settle claim %s: %w", c.ID, err)
		}
		if !existed {
			added++
			last = []AuditRecord{rec}
		}
	}
	s.releaseClaim(ctx, c.ID)
	s.advanceCheckpoint(ctx, last)
	return added, nil
}

// scopeFilter restricts a query to the actor's tenants; nil means unscoped.
func scopeFilter(actor model.Actor) bson.E {
	if len(actor.Operator.Tenants) == 0 {
		return bson.E{}
	}
	return bson.E{Key: "tenant_id", Value: bson.D{{Key: "$in", Value: actor.Operator.Tenants}}}
}

// canRead checks PermRead (false only for disabled operators) and audits the refusal.
func (s *Store) canRead(ctx context.Context, actor model.Actor, target string) error {
	if actor.Can(model.PermRead) {
		return nil
	}
	return s.refuse(ctx, actor, "read", target, "", actor.Refusal(model.PermRead, "read "+target), nil)
}

// refuseRule records a rule book refusal on the audit chain, naming the
// rule, and returns it as a *RefusedError wrapping the *model.Refusal.
func (s *Store) refuseRule(ctx context.Context, actor model.Actor, action, target, tenantID string, ref *model.Refusal) error {
	return s.refuseDetail(ctx, actor, action, target, tenantID, ref.Reason, "rule "+ref.Rule, ref)
}

// refuse records a refusal on the audit chain and returns it as an error.
// The refusal stands even if the audit write fails; that failure is logged.
func (s *Store) refuse(ctx context.Context, actor model.Actor, action, target, tenantID, reason string, cause error) error {
	return s.refuseDetail(ctx, actor, action, target, tenantID, reason, "", cause)
}

func (s *Store) refuseDetail(ctx context.Context, actor model.Actor, action, target, tenantID, reason, detail string, cause error) error {
	ev := model.AuditEvent{
		ID: newEventID(), At: s.now(), Actor: actor.Handle(), Role: actor.Operator.Role, Origin: actor.Origin,
		Action: action, Target: target, TenantID: tenantID, Outcome: model.OutcomeRefused, Reason: reason, Detail: detail,
	}
	if _, err := s.AppendAudit(ctx, ev); err != nil {
		s.log.Warn("audit refusal", "action", action, "target", target, "err", err)
	}
	return &RefusedError{Actor: actor.Handle(), Action: action, Target: target, Reason: reason, Err: cause}
}
