package db

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodian-dev/custodian/model"
)

// CollectionSpec declares one collection and its secondary indexes.
type CollectionSpec struct {
	Name    string
	Indexes []IndexSpec
}

// IndexSpec declares one index. Every index must serve a named query: an
// index nobody uses still costs every write.
type IndexSpec struct {
	Keys   bson.D
	Unique bool
	// Sparse leaves documents without the (single) key field out of the
	// index, so that a unique index only constrains documents that have it.
	Sparse bool
	// Name follows MongoDB's default naming (field_dir joined by "_"), so an
	// operator who creates the same index by hand in mongosh gets the same
	// name instead of a conflicting duplicate.
	Name string
	// Partial, when set, is the index's partialFilterExpression: only
	// documents matching it are indexed (MongoDB only; FerretDB 1.24
	// refuses it, and migrate says so).
	Partial bson.D
	// Collation, when set, makes string keys compare by it (MongoDB only,
	// as Partial). A query uses the index only with the same collation.
	Collation *options.Collation
	// Serves says which query uses the index.
	Serves string
}

// Collections is the one place where collections and their indexes are
// declared; Migrate creates and checks exactly these (plus productIndex for
// each collection the data map names), and Queries() says which of them
// serves each query.
func Collections() []CollectionSpec {
	cs := []CollectionSpec{
		{Name: collTenants},
		{Name: collSubjects, Indexes: []IndexSpec{
			idx("subjects of a tenant, in _id order (tenant-scoped lookup and paging)", false, "tenant_id", 1, "_id", 1),
			idx("user lookup by email address (emails is an array: multikey)", false, "emails", 1),
			idx("user lookup by phone number (phones is an array: multikey)", false, "phones", 1),
			idx("user lookup by the product account id within a tenant", false, "tenant_id", 1, "account_id", 1),
			idx("lookup directory: subjects changed since its last poll", false, "updated_at", 1),
		}},
		{Name: collRequests, Indexes: []IndexSpec{
			idx("request queue filtered by a closed status, earliest due first", false, "status", 1, "due_at", 1, "_id", 1),
			idx("request queue filtered by a closed status, scoped to tenants", false, "tenant_id", 1, "status", 1, "due_at", 1, "_id", 1),
			idx("two-requests-per-12-months limit and a subject's request history, newest first", false, "subject_id", 1, "received_at", -1),
			// Sparse: on MongoDB a plain unique index treats every request
			// without external_ref (those logged by hand) as a duplicate null
			// and allows only one. FerretDB 1.24 ignores "sparse" but already
			// lets any number of documents lack the field (SQLite's UNIQUE
			// admits many NULLs), so both servers agree; schema_test.go
			// holds FerretDB to it.
			sparse(idx("idempotent import: one request per external reference", true, "external_ref", 1)),
			idx("auditors' export (RequestRecords): requests received in a date range, in order", false, "received_at", 1, "_id", 1),
			idx("auditors' export of one tenant (RequestRecords --tenant, scoped operators)", false, "tenant_id", 1, "received_at", 1, "_id", 1),
		}},
		// queue is the open-queue projection: one slim row per open request
		// (db/queue.go), so the queue reads only open requests' display
		// fields instead of every request ever kept.
		{Name: collQueue, Indexes: []IndexSpec{
			idx("request queue: open requests by status, earliest due first", false, "status", 1, "due_at", 1, "_id", 1),
			idx("request queue of an operator scoped to tenants", false, "tenant_id", 1, "status", 1, "due_at", 1, "_id", 1),
		}},
		{Name: collOperators, Indexes: []IndexSpec{
			idx("SSH login: operator by public key fingerprint (multikey)", false, "key_fingerprints", 1),
		}},
		{Name: collAudit, Indexes: []IndexSpec{
			idx("outbox drain idempotency: an event lands on the chain once", true, "event_id", 1),
			idx("audit history filtered by operator, newest first", false, "actor", 1, "_id", -1),
			idx("audit history of one request or subject, newest first", false, "target", 1, "_id", -1),
			idx("audit history of one tenant, newest first", false, "tenant_id", 1, "_id", -1),
			idx("audit history filtered by action (AuditHistory action:), newest first", false, "action", 1, "_id", -1),
		}},
		{Name: collSeedDataMap},
		// meta holds small singletons by string _id (the audit head hint,
		// the seed marker): every read is a lone _id equality.
		{Name: collMeta},
		// claims are the write-ahead records of in-flight changes (the
		// outbox): a claim exists only between a change's first write and
		// its audit events reaching the chain, so the collection stays
		// tiny and DrainOutbox's bounded scan of it needs no index.
		{Name: collClaims},
		// One HMAC key per tenant for erasure by hashing
		// (tenantkeys.go); read by lone _id equality, created on first use.
		{Name: collTenantKeys},
		// A fulfilment plan's immutable body, apart from the request that
		// refers to it (plan_ref), so a request write stays small however
		// many records the plan covers (plans.go). Read by lone _id
		// equality: "<plan id>#<digest prefix>".
		{Name: collPlans},
		// The plan's documents in chunks of planChunkDocs, so no single
		// document approaches the 16 MB limit; read by lone _id equality
		// ("<plan key>/<chunk>").
		{Name: collPlanDocs},
	}
	return cs
}

// productIndex is the index of a product collection the data map names:
// fulfilment and the subject view read a subject's records by tenant and
// the map's subject field, whatever the collection calls it.
func productIndex(cm model.CollectionMap) CollectionSpec {
	return CollectionSpec{Name: cm.Collection, Indexes: []IndexSpec{
		idx("fulfilment and the subject view: a subject's records in this product", false, "tenant_id", 1, cm.SubjectField, 1),
	}}
}

// idx builds an IndexSpec from alternating field names and directions.
func idx(serves string, unique bool, keys ...any) IndexSpec {
	var d bson.D
	var name []string
	for i := 0; i < len(keys); i += 2 {
		f, dir := keys[i].(string), keys[i+1].(int)
		d = append(d, bson.E{Key: f, Value: dir})
		name = append(name, fmt.Sprintf("%s_%d", f, dir))
	}
	return IndexSpec{Keys: d, Unique: unique, Name: strings.Join(name, "_"), Serves: serves}
}

func sparse(s IndexSpec) IndexSpec {
	s.Sparse = true
	return s
}

// EnsureSchema creates missing collections and indexes (Migrate with
// apply). It is idempotent and safe to run from several processes at once.
// An existing index whose keys or options differ from the declaration is an
// error, never dropped: dropping a unique index on a live cluster is an
// operator's decision. Only the embedded database runs it at start; a
// remote server's schema is changed by `custodian migrate` alone.
func EnsureSchema(ctx context.Context, d *mongo.Database) error {
	reports, err := Migrate(ctx, d, true)
	if err != nil {
		return fmt.Errorf("ensure schema: %w", err)
	}
	return differsError(reports)
}

func differsError(reports []IndexReport) error {
	var errs []error
	for _, r := range reports {
		if r.State == IndexDiffers {
			errs = append(errs, fmt.Errorf("index %s on %s differs from custodian's declaration: %s; drop it to let custodian recreate it",
				r.Index, r.Collection, r.Detail))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("ensure schema: %w", errors.Join(errs...))
	}
	return nil
}

// ensureDataMapIndexes gives every product collection the stored data map
// names its {tenant_id, <subject field>} index. The product collections are
// the map's to name (a Customer's product added to the map is walked by
// fulfilment at once), so their indexes follow it rather than a list here.
// existing lists the collections already there; nil reads it.
func ensureDataMapIndexes(ctx context.Context, d *mongo.Database, existing []string) error {
	if existing == nil {
		var err error
		if existing, err = d.ListCollectionNames(ctx, bson.D{}); err != nil {
			return fmt.Errorf("list collections in %s: %w", d.Name(), err)
		}
	}
	dm, err := readDataMap(ctx, d)
	if err != nil {
		return err
	}
	ferret, err := isFerretDB(ctx, d)
	if err != nil {
		return err
	}
	var reports []IndexReport
	for _, cm := range dm {
		rs, err := migrateCollection(ctx, d, declared{CollectionSpec: productIndex(cm), product: true},
			slices.Contains(existing, cm.Collection), ferret, true)
		if err != nil {
			return err
		}
		reports = append(reports, rs...)
	}
	return differsError(reports)
}

func isNamespaceExists(err error) bool {
	var se mongo.ServerError
	return errors.As(err, &se) && se.HasErrorCode(48)
}

// isIndexConflict matches IndexOptionsConflict (85) and IndexKeySpecsConflict (86).
func isIndexConflict(err error) bool {
	var se mongo.ServerError
	return errors.As(err, &se) && (se.HasErrorCode(85) || se.HasErrorCode(86))
}
