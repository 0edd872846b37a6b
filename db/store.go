package db

import (
	"cmp"
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
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"

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
	// LetterFrom is the sender of the letters the controller queues by
	// itself, with nobody at a prompt to give one: a run's sub-processor
	// notices and the reminder pass. Empty: model.DefaultLetterFrom.
	LetterFrom string
}

// Store is the controller layer: every read and write of custodian's data
// goes through it, and it checks permission and tenant scope itself.
// A Store is safe for concurrent use; several Stores (in several processes)
// may share one database.
type Store struct {
	conn *Conn
	// db is conn.DB with primary reads: the store's reads decide its writes
	// (a version, a claim, a scope), and a secondary's answer may be stale
	// whatever the URI's readPreference says.
	db *mongo.Database
	// writer names this Store in the claims it makes (random per Store), so
	// that who wrote a version is recorded rather than inferred from it.
	writer string
	clock  model.Clock
	log    *slog.Logger
	cp     *checkpointer
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
	// days are the audit day marks this Store has written (auditdays.go).
	days dayMarks

	staleClaim time.Duration
	batch      int // page size of chain walks and drains
	// parked are audit history walks kept open for their next page (auditquery.go).
	parked cursorPark
	hooks  testHooks
	// exportDir is StoreOptions.ExportDir.
	exportDir string
	// letterFrom is StoreOptions.LetterFrom, checked.
	letterFrom string
	// inflight counts the writes running, for StopWrites (inflight.go).
	inflight inflight
}

// testHooks let tests stop a write at the points where a crash matters.
// A hook returning an error aborts the write there, as a crash would.
type testHooks struct {
	// beforeClaim runs after a write has read what it decides on and before
	// it inserts its claim: where another writer can finish in between.
	beforeClaim func() error
	// staleVersion rewrites the version a write's re-check reads, as a
	// lagging replica would answer; a store with it writes conditionally,
	// as on MongoDB.
	staleVersion func(read int64) int64
	// claimAckLost makes a claim insert that reached the database report
	// its error, and the withdrawal after it fail alike: a connection lost
	// just after the insert.
	claimAckLost func() error
	afterClaim   func() error
	afterWrite   func() error
	failAppend   func() error
	// afterStepEffect runs after a fulfilment step's change to the data and
	// before the step is recorded on the request: the crash that makes a
	// re-run find the change already made.
	afterStepEffect func(step int) error
	// betweenReadAndWrite runs after a document step read its records and
	// before it writes any: where a product write races the step.
	betweenReadAndWrite func(step int) error
	// fixedNonce gives every write the nonce "0", so that two runs of the
	// same writes on separate databases (crash tests) compare byte for byte.
	fixedNonce bool
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
	pdb := c.DB.Client().Database(c.DB.Name(), options.Database().SetReadPreference(readpref.Primary()))
	s := &Store{
		conn:       c,
		db:         pdb,
		writer:     strings.ToLower(rand.Text()[:10]),
		clock:      o.Clock,
		log:        o.Logger,
		requests:   pdb.Collection(collRequests),
		subjects:   pdb.Collection(collSubjects),
		tenants:    pdb.Collection(collTenants),
		operators:  pdb.Collection(collOperators),
		audit:      pdb.Collection(collAudit),
		meta:       pdb.Collection(collMeta),
		claims:     pdb.Collection(collClaims),
		queue:      pdb.Collection(collQueue),
		staleClaim: defaultStaleClaim,
		batch:      defaultBatch,
		exportDir:  o.ExportDir,
	}
	if s.clock == nil {
		s.clock = model.SystemClock{}
	}
	from, err := model.SafeAddress(cmp.Or(o.LetterFrom, model.DefaultLetterFrom))
	if err != nil {
		return nil, fmt.Errorf("new store: the letters' sender: %w", err)
	}
	s.letterFrom = from
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
// (refusals, logins); claimed writes use their write id (claim.WriteID).
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
//
// A claim id is free again once its writer has finished, so a writer that
// read the document before that finish (a lagging replica, a failover) can
// insert the same claim id later. The version alone therefore never says who
// wrote it: every claim carries a write id (its id, the Store's writer id
// and a nonce), the document it writes carries that write id in write_id
// (and a request's history line and audit event carry it as their id), and
// a write counts as done only when the document shows its write id.
type claim struct {
	ID      string `bson:"_id"`
	Coll    string `bson:"coll"`
	DocID   string `bson:"doc_id"`
	Version int64  `bson:"version"`
	// Writer is the Store that made the claim, Nonce this write of it;
	// WriteID is ID#Writer.Nonce. Empty on claims of older versions.
	Writer  string `bson:"writer,omitempty"`
	Nonce   string `bson:"nonce,omitempty"`
	WriteID string `bson:"write_id,omitempty"`
	// Applied is set when the document is known to carry this write but
	// its events are not on the chain yet, so a drain that finds the
	// document moved on still records them.
	Applied bool               `bson:"applied,omitempty"`
	By      string             `bson:"by"`
	At      time.Time          `bson:"at"`
	Status  model.Status       `bson:"status,omitempty"`
	Doc     bson.Raw           `bson:"doc"`
	Events  []model.AuditEvent `bson:"events"`
}

func claimID(coll, docID string, version int64) string {
	return coll + "/" + docID + "@" + strconv.FormatInt(version, 10)
}

// newClaim starts this Store's claim on version of coll/docID, with a fresh
// write id: the id of the write's history line and audit event.
func (s *Store) newClaim(coll, docID string, version int64, by string, at time.Time) claim {
	id := claimID(coll, docID, version)
	nonce := strings.ToLower(rand.Text()[:10])
	if s.hooks.fixedNonce {
		nonce = "0"
	}
	return claim{ID: id, Coll: coll, DocID: docID, Version: version, Writer: s.writer, Nonce: nonce,
		WriteID: id + "#" + s.writer + "." + nonce, By: by, At: at}
}

// errClaimTaken: another writer owns the version this write wanted.
var errClaimTaken = errors.New("version claimed by another writer")

// errSlotUsed: the claim went in, but the version was written by another
// writer whose claim was already removed: this write lost.
var errSlotUsed = errors.New("version already written")

// commit performs a claimed write: claim, document, audit, release. On
// errClaimTaken, errSlotUsed or ErrExists nothing was written and the caller
// reports a conflict (or the clash). A failure once the claim may be stored
// is a *PendingError unless the claim was withdrawn: DrainOutbox finishes a
// stored claim, so such a write is not lost and must not be redone. A plain
// error means nothing can land. After StopWrites it claims nothing and
// returns ErrShuttingDown, unless it runs inside a write counted earlier.
func (s *Store) commit(ctx context.Context, c claim) ([]AuditRecord, error) {
	ctx, leave, err := s.inflight.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer leave()
	if c.WriteID == "" {
		return nil, fmt.Errorf("claim %s: no write id (use newClaim)", c.ID)
	}
	doc, err := stampWriteID(c.Doc, c.WriteID)
	if err != nil {
		return nil, fmt.Errorf("claim %s: %w", c.ID, err)
	}
	c.Doc = doc
	if h := s.hooks.beforeClaim; h != nil {
		if err := h(); err != nil {
			return nil, err
		}
	}
	if s.conn.Transactions {
		return s.commitTxn(ctx, c)
	}
	coll := s.db.Collection(c.Coll)
	_, err = s.claims.InsertOne(ctx, c)
	if h := s.hooks.claimAckLost; h != nil && err == nil {
		err = h()
	}
	if err != nil {
		if isDup(err) {
			return nil, errClaimTaken
		}
		// The insert may have reached the server before the error.
		return nil, s.withdrawOrPending(ctx, c, fmt.Errorf("claim %s: %w", c.ID, err))
	}
	// Past the claim the write is decided; finish it even if the caller gives up.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitFinishTimeout)
	defer cancel()
	// A writer that read the document before an earlier writer of this
	// version finished can get here: check the document is still at the
	// version this write replaces. This read is only a shortcut for the
	// common loser; on MongoDB it may still be stale, and the write below
	// plus its write id check decide.
	cur, err := docVersion(ctx, coll, c.DocID)
	if err != nil {
		return nil, s.withdrawOrPending(ctx, c, fmt.Errorf("claim %s: %w", c.ID, err))
	}
	if h := s.hooks.staleVersion; h != nil {
		cur = h(cur)
	}
	if cur != c.Version-1 {
		s.releaseClaim(ctx, c)
		return nil, errSlotUsed
	}
	if h := s.hooks.afterClaim; h != nil {
		if err := h(); err != nil {
			return nil, &PendingError{ClaimID: c.ID, Err: err}
		}
	}
	// The document before its events: a write that cannot happen (another
	// record holds a unique value, another writer has the version) must not
	// leave an event on the chain.
	conditional := !s.conn.Embedded || s.hooks.staleVersion != nil
	if err := s.materialize(ctx, coll, c, conditional); err != nil {
		if errors.Is(err, ErrExists) || errors.Is(err, errSlotUsed) {
			s.releaseClaim(ctx, c)
			return nil, err
		}
		return nil, &PendingError{ClaimID: c.ID, Err: fmt.Errorf("write %s %s: %w", c.Coll, c.DocID, err)}
	}
	if h := s.hooks.afterWrite; h != nil {
		if err := h(); err != nil {
			return nil, &PendingError{ClaimID: c.ID, Err: err}
		}
	}
	recs, appendErr := s.appendEvents(ctx, c.Events)
	if appendErr != nil {
		// The change stands; its events wait in the claim for DrainOutbox.
		s.markApplied(ctx, c)
		s.log.Warn("audit append deferred to outbox drain", "claim", c.ID, "err", appendErr)
		return nil, nil
	}
	s.releaseClaim(ctx, c)
	s.advanceCheckpoint(ctx, recs)
	return recs, nil
}

// withdrawOrPending turns a failure before the document write into the
// caller's error: removing the claim (matched on its write id, never the
// bare id: a same-id claim is another writer's) makes it "not saved"; if
// that cannot be confirmed, the claim may be there and be applied later.
func (s *Store) withdrawOrPending(ctx context.Context, c claim, cause error) error {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitFinishTimeout)
	defer cancel()
	var err error
	if h := s.hooks.claimAckLost; h != nil {
		err = h()
	} else {
		_, err = s.claims.DeleteOne(dctx, ownClaim(c))
	}
	if err != nil {
		return &PendingError{ClaimID: c.ID, Err: cause}
	}
	return cause
}

// ownClaim matches c itself, not another writer's claim with the same id.
func ownClaim(c claim) bson.D {
	f := bson.D{{Key: "_id", Value: c.ID}}
	if c.WriteID != "" {
		f = append(f, bson.E{Key: "write_id", Value: c.WriteID})
	}
	return f
}

// markApplied records on c that its document is written, for a drain that
// finds the document moved on before c's events reached the chain. Failing
// only costs that drain's certainty (requests still have their history).
func (s *Store) markApplied(ctx context.Context, c claim) {
	if _, err := s.claims.UpdateOne(ctx, ownClaim(c), bson.D{{Key: "$set", Value: bson.D{{Key: "applied", Value: true}}}}); err != nil {
		s.log.Warn("mark claim applied", "claim", c.ID, "err", err)
	}
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

// materializeDoc writes the claimed document; nil means the document now
// carries c's write. The claim makes its owner the only writer of this
// version while it stands, and FerretDB is one server whose reads are never
// stale, so there commit's version re-check is exact and a lone-_id filter
// is enough; it keeps the write on the SQLite primary key (a second filter
// field turns it into a full scan in Go: 145 ms instead of 17 ms at 3,000
// requests). Roll-forwards of stale claims and every write to MongoDB, where
// a read can lag, also match the old version, and a write that matched
// nothing is done only if the document shows its write id.
func (s *Store) materializeDoc(ctx context.Context, coll *mongo.Collection, c claim, conditional bool) error {
	if c.Version == 1 {
		_, err := coll.InsertOne(ctx, c.Doc)
		if err == nil || !isDup(err) {
			return err
		}
		// Inserted already (a roll-forward of c got there first), by
		// another writer of version 1, or another document holds one of
		// this one's unique values.
		return s.checkWritten(ctx, coll, c)
	}
	filter := bson.D{{Key: "_id", Value: c.DocID}}
	if conditional {
		filter = append(filter, bson.E{Key: "version", Value: c.Version - 1})
	}
	res, err := coll.ReplaceOne(ctx, filter, c.Doc)
	if err != nil {
		return err
	}
	if res.MatchedCount == 1 {
		return nil
	}
	return s.checkWritten(ctx, coll, c)
}

// releaseClaim deletes a finished (or withdrawn) claim of this write.
// Failing here is harmless: the claim is settled (and deleted) by the next
// DrainOutbox.
func (s *Store) releaseClaim(ctx context.Context, c claim) {
	if _, err := s.claims.DeleteOne(ctx, ownClaim(c)); err != nil {
		s.log.Warn("release claim", "claim", c.ID, "err", err)
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
// far, put its events on the chain, delete it. Only a claim whose write the
// document carries has its events recorded: a claim whose version another
// write took (a late writer that lost) is deleted without them. It returns
// how many events became new chain entries. Safe to run from several
// processes at once: the document write is conditional on the old version
// and appends are idempotent by event id.
func (s *Store) settleClaim(ctx context.Context, c claim, now time.Time) (int, error) {
	coll := s.db.Collection(c.Coll)
	w, err := readWrites(ctx, coll, c.DocID)
	if err != nil {
		return 0, err
	}
	switch {
	case w.Version < c.Version-1:
		return 0, fmt.Errorf("claim %s: document is at version %d, cannot apply version %d", c.ID, w.Version, c.Version)
	case w.Version == c.Version-1:
		if now.Sub(c.At) < s.staleClaim {
			return 0, nil // its writer is probably still at work
		}
		if err := s.materialize(ctx, coll, c, true); err != nil {
			if errors.Is(err, ErrExists) || errors.Is(err, errSlotUsed) {
				// This write can never happen; its events must not be recorded.
				s.log.Warn("drop claim that cannot be applied", "claim", c.ID, "err", err)
				s.releaseClaim(ctx, c)
				return 0, nil
			}
			return 0, fmt.Errorf("settle claim %s: %w", c.ID, err)
		}
		c.Applied = true
	default:
		wrote, known := w.wrote(c)
		if !known {
			return 0, fmt.Errorf("claim %s: %s %s moved on to version %d and does not record whether this write made version %d (see custodian db doctor)", c.ID, c.Coll, c.DocID, w.Version, c.Version)
		}
		if !wrote {
			s.log.Warn("drop claim of a write that lost its version", "claim", c.ID, "write", c.WriteID)
			s.releaseClaim(ctx, c)
			return 0, nil
		}
		if w.Version == c.Version && c.Coll == collRequests {
			// Its writer may have stopped between the document and its queue
			// row; the row write is idempotent and never goes backwards.
			s.projectQueue(ctx, c.Doc)
		}
	}
	var added int
	var last []AuditRecord
	for _, ev := range c.Events {
		rec, existed, err := s.appendOne(ctx, ev)
		if err != nil {
			if c.Applied {
				s.markApplied(ctx, c)
			}
			return added, fmt.Errorf("settle claim %s: %w", c.ID, err)
		}
		if !existed {
			added++
			last = []AuditRecord{rec}
		}
	}
	s.releaseClaim(ctx, c)
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
