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
	// Serves says which query uses the index.
	Serves string
}

// Collections is the one place where collections and their indexes are
// declared; EnsureSchema creates exactly these.
func Collections() []CollectionSpec {
	cs := []CollectionSpec{
		{Name: collTenants},
		{Name: collSubjects, Indexes: []IndexSpec{
			idx("subjects of a tenant, in _id order (tenant-scoped lookup and paging)", false, "tenant_id", 1, "_id", 1),
			idx("user lookup by email address (emails is an array: multikey)", false, "emails", 1),
			idx("user lookup by phone number (phones is an array: multikey)", false, "phones", 1),
			idx("user lookup by the product account id within a tenant", false, "tenant_id", 1, "account_id", 1),
			idx("lookup directory: subjects changed since its last poll", false, "updated_at", 1),
			// name_key is model.NameKey of the name, written with every
			// subject (StoredSubject) and backfilled on older ones.
			idx("intake match by name alone (MatchSubjects): equality on the normalised name within a tenant", false, "tenant_id", 1, "name_key", 1),
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

// EnsureSchema creates missing collections and indexes. It is idempotent and
// safe to run from several processes at once. An existing index whose keys
// or uniqueness differ from the declaration is reported, never dropped:
// dropping a unique index on a live cluster is an operator's decision.
func EnsureSchema(ctx context.Context, d *mongo.Database) error {
	existing, err := d.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("ensure schema: list collections in %s: %w", d.Name(), err)
	}
	for _, c := range Collections() {
		if err := ensureCollection(ctx, d, c, slices.Contains(existing, c.Name)); err != nil {
			return fmt.Errorf("ensure schema: %w", err)
		}
	}
	if err := ensureDataMapIndexes(ctx, d, existing); err != nil {
		return fmt.Errorf("ensure schema: %w", err)
	}
	if err := backfillNameKeys(ctx, d); err != nil {
		return fmt.Errorf("ensure schema: %w", err)
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
	cur, err := d.Collection(collSeedDataMap).Find(ctx, bson.D{}, options.Find().SetLimit(listMax))
	if err != nil {
		return fmt.Errorf("read data map: %w", err)
	}
	var dm []model.CollectionMap
	if err := cur.All(ctx, &dm); err != nil {
		return fmt.Errorf("read data map: %w", err)
	}
	for _, cm := range dm {
		if err := cm.Validate(); err != nil {
			return fmt.Errorf("data map: %w; fix the entry, then start again", err)
		}
		if err := ensureCollection(ctx, d, productIndex(cm), slices.Contains(existing, cm.Collection)); err != nil {
			return err
		}
	}
	return nil
}

func ensureCollection(ctx context.Context, d *mongo.Database, c CollectionSpec, exists bool) error {
	coll := d.Collection(c.Name)
	have := map[string]mongo.IndexSpecification{}
	switch {
	case exists && len(c.Indexes) > 0:
		specs, err := coll.Indexes().ListSpecifications(ctx)
		if err != nil {
			return fmt.Errorf("list indexes of %s: %w", c.Name, err)
		}
		for _, s := range specs {
			have[s.Name] = s
		}
	case !exists && len(c.Indexes) == 0:
		// Collections with indexes are created by createIndexes below.
		if err := d.CreateCollection(ctx, c.Name); err != nil && !isNamespaceExists(err) {
			return fmt.Errorf("create collection %s: %w", c.Name, err)
		}
	}

	for _, ix := range c.Indexes {
		if s, ok := have[ix.Name]; ok {
			if got := describeSpec(s); got != describeIndex(ix) {
				return fmt.Errorf("index %s on %s is %s but custodian declares %s; drop it to let custodian recreate it",
					ix.Name, c.Name, got, describeIndex(ix))
			}
			continue
		}
		o := options.Index().SetName(ix.Name)
		if ix.Unique {
			o.SetUnique(true)
		}
		if ix.Sparse {
			o.SetSparse(true)
		}
		// One index per createIndexes command: FerretDB 1.24 filters
		// already-existing indexes out of a batch by position while
		// shrinking it, so a batch that partly exists panics the
		// connection or silently skips a new index. Another process may
		// create some between our listing and here, so batching only the
		// missing ones would not avoid it.
		_, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: ix.Keys, Options: o})
		if err != nil {
			if isIndexConflict(err) {
				return fmt.Errorf("index %s on %s conflicts with an existing index (drop that one to let custodian create its own): %w", ix.Name, c.Name, err)
			}
			return fmt.Errorf("create index %s on %s: %w", ix.Name, c.Name, err)
		}
	}
	return nil
}

// describeIndex and describeSpec render what matters for correctness, so
// that comparing them compares key fields, their order and direction, and
// uniqueness. Directions are reduced to their sign because mongosh writes
// them as doubles. Sparse is left out: FerretDB does not keep it.
func describeIndex(ix IndexSpec) string {
	parts := make([]string, len(ix.Keys))
	for i, k := range ix.Keys {
		dir, _ := k.Value.(int)
		parts[i] = fmt.Sprintf("%s: %d", k.Key, sign(float64(dir)))
	}
	return fmtIndex(parts, ix.Unique)
}

func describeSpec(s mongo.IndexSpecification) string {
	elems, err := s.KeysDocument.Elements()
	if err != nil {
		return "unreadable"
	}
	parts := make([]string, len(elems))
	for i, e := range elems {
		v := e.Value()
		if f, ok := v.AsFloat64OK(); ok {
			parts[i] = fmt.Sprintf("%s: %d", e.Key(), sign(f))
		} else if n, ok := v.AsInt64OK(); ok {
			parts[i] = fmt.Sprintf("%s: %d", e.Key(), sign(float64(n)))
		} else {
			parts[i] = fmt.Sprintf("%s: %s", e.Key(), v) // "text", "2dsphere", ...
		}
	}
	return fmtIndex(parts, s.Unique != nil && *s.Unique)
}

func fmtIndex(parts []string, unique bool) string {
	s := "{" + strings.Join(parts, ", ") + "}"
	if unique {
		return "unique " + s
	}
	return "non-unique " + s
}

func sign(f float64) int {
	if f < 0 {
		return -1
	}
	return 1
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
