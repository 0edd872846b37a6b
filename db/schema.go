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
		// A Customer's own letter templates, "<tenant>/<kind>"; kinds it
		// never changed use the default set (templates.go).
		{Name: collTemplates, Indexes: []IndexSpec{
			idx("templates list: a Customer's own templates", false, "tenant_id", 1, "kind", 1),
		}},
		// Letters with their exact bytes and delivery state (messages.go).
		{Name: collMessages, Indexes: []IndexSpec{
			idx("a request's letters, oldest first", false, "request_id", 1, "created_at", 1),
			idx("outbox worker: queued messages whose time has come, oldest first", false, "status", 1, "next_at", 1),
		}},
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
func ensureDataMapIndexes(ctx context.Context, d *mongo.Database) error {
	release, err := lockSchema(ctx, d)
	if err != nil {
		return err
	}
	defer release()
	existing, err := d.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("list collections in %s: %w", d.Name(), err)
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

// QuerySpec is one query shape the controller sends, beside the index that
// serves it on MongoDB, or the reason it deliberately reads without one.
// db/querymap_test.go runs a workload with a command monitor and fails on a
// shape sent that no entry names, or an entry whose index cannot serve it.
type QuerySpec struct {
	// Collection is the collection queried; ProductCollection for any
	// collection the data map names.
	Collection string
	// Shape is the filter and sort in the notation of QueryShape.
	Shape string
	// Index names the index that serves it ("_id_" for the primary key;
	// "a | b" when each branch of a top-level $or uses its own).
	Index string
	// Scan, instead of Index, says why reading without an index is right.
	Scan string
	// MemSort, when the index bounds the query but not its sort, says why
	// sorting the matches in memory is cheap.
	MemSort string
	// Name says which operation sends it.
	Name string
}

func query(coll, shape, index, name string) QuerySpec {
	return QuerySpec{Collection: coll, Shape: shape, Index: index, Name: name}
}

func scan(coll, shape, reason string) QuerySpec {
	return QuerySpec{Collection: coll, Shape: shape, Scan: reason, Name: reason}
}

func memSort(q QuerySpec, why string) QuerySpec {
	q.MemSort = why
	return q
}

// Queries lists every query shape in db/ beside the index that serves it.
// Adding one is a line: the querymap test prints the line to add.
func Queries() []QuerySpec {
	const (
		scoped     = ", scoped to tenants"
		fewByEmail = "an address or number names a handful of subjects"
	)
	return []QuerySpec{
		// Point reads and conditional writes by primary key.
		query(collTenants, "_id=", "_id_", "a tenant by id"),
		query(collSubjects, "_id=", "_id_", "a subject by id; its write on FerretDB"),
		query(collSubjects, "_id= version=", "_id_", "a subject's conditional write (fulfilment) on MongoDB"),
		query(collRequests, "_id=", "_id_", "a request by id; a claimed write on FerretDB"),
		query(collRequests, "_id= version=", "_id_", "a request's conditional write on MongoDB"),
		query(collQueue, "_id=", "_id_", "a queue row's read, replace and delete"),
		query(collQueue, "_id= version=", "_id_", "RebuildQueue: a failed row rewritten with its failure fields only while still that version"),
		query(collOperators, "_id=", "_id_", "an operator by handle (every write reloads the actor)"),
		query(collMeta, "_id=", "_id_", "singletons: audit head hint, seed and queue markers"),
		query(collMeta, "_id= seq>", "_id_", "audit head hint advanced only forwards"),
		query(collMeta, "_id>", "_id_", "audit day marks from a date on (a since: filter's seq floor)"),
		query(collMeta, "_id= until>", "_id_", "schema lock: clear a lease its holder outlived"),
		query(collMeta, "_id= holder=", "_id_", "schema lock: release by its holder"),
		query(collClaims, "_id=", "_id_", "a claim read and released"),
		query(collTenantKeys, "_id=", "_id_", "a tenant's erasure key"),
		query(collPlans, "_id=", "_id_", "a plan body"),
		query(collPlanDocs, "_id=", "_id_", "a plan's document chunk"),
		query(ProductCollection, "_id=", "_id_", "a product record's read and compare-and-swap write on FerretDB"),
		query(ProductCollection, "<subject>= _id= tenant_id=", "_id_", "reveal and fulfilment: records by typed _id, tenant and subject"),
		query(ProductCollection, "<subject>= _id= tenant_id= <record>?", "_id_", "fulfilment's compare-and-swap write on MongoDB"),
		query(ProductCollection, "<subject>= tenant_id=", "tenant_id_1_<subject>_1", "fulfilment and the subject view: a subject's records"),

		// The request queue (open rows) and closed statuses (requests).
		query(collQueue, "status= sort(due_at,_id)", "status_1_due_at_1__id_1", "request queue, first page"),
		query(collQueue, "$nor= status= due_at> sort(due_at,_id)", "status_1_due_at_1__id_1", "request queue, next page (keyset)"),
		query(collQueue, "status= tenant_id= sort(due_at,_id)", "tenant_id_1_status_1_due_at_1__id_1", "request queue of a tenant"+scoped),
		query(collQueue, "$nor= status= tenant_id= due_at> sort(due_at,_id)", "tenant_id_1_status_1_due_at_1__id_1", "request queue of a tenant, next page"),
		query(collRequests, "status= sort(due_at,_id)", "status_1_due_at_1__id_1", "requests list with a closed status"),
		query(collRequests, "$nor= status= due_at> sort(due_at,_id)", "status_1_due_at_1__id_1", "requests list with a closed status, next page"),
		query(collRequests, "status= tenant_id= sort(due_at,_id)", "tenant_id_1_status_1_due_at_1__id_1", "requests list with a closed status"+scoped),
		query(collRequests, "$nor= status= tenant_id= due_at> sort(due_at,_id)", "tenant_id_1_status_1_due_at_1__id_1", "requests list with a closed status"+scoped+", next page"),
		scan(collQueue, "*", "EnsureQueue compares every row's version: the projection holds open requests only"),
		scan(collQueue, "subject_id>", "open requests per subject for the directory: a pass over the open rows only"),
		query(collQueue, "tenant_id= subject_id>", "tenant_id_1_status_1_due_at_1__id_1", "open requests per subject of a tenant"+scoped),

		// Letters: templates and messages (templates.go, messages.go, outbox.go).
		query(collTemplates, "_id=", "_id_", "a Customer's template of one kind; its claimed write"),
		query(collTemplates, "tenant_id=", "tenant_id_1_kind_1", "templates list of a Customer"),
		query(collMessages, "_id=", "_id_", "a message by id (idempotency key); its claimed write"),
		query(collMessages, "request_id= sort(request_id,created_at)", "request_id_1_created_at_1", "a request's letters"),
		query(collMessages, "status= next_at> sort(status,next_at)", "status_1_next_at_1", "outbox worker: due messages"),
		query(collMessages, "status=", "status_1_next_at_1", "health: failed letters counted"),
		query(collMessages, "status= tenant_id=", "status_1_next_at_1", "health: failed letters counted"+scoped),
		query(collMessages, "status= sort(status,next_at)", "status_1_next_at_1", "health: the oldest failed letter"),
		query(collMessages, "status= tenant_id= sort(status,next_at)", "status_1_next_at_1", "health: the oldest failed letter"+scoped),
		query(collMessages, "status= claimed_at>", "status_1_next_at_1", "health: letters stuck sending (few are ever sending)"),
		query(collMessages, "status= tenant_id= claimed_at>", "status_1_next_at_1", "health: letters stuck sending"+scoped),

		// Requests by subject, import and export.
		query(collRequests, "subject_id=", "subject_id_1_received_at_-1", "import: requests of the matched subjects"),
		query(collRequests, "subject_id= sort(-received_at)", "subject_id_1_received_at_-1", "a subject's request history and the 12-month limit"),
		query(collRequests, "or(_id=|external_ref=)", "_id_ | external_ref_1", "import: lines seen before, by id or external reference"),
		query(collRequests, "tenant_id= or(_id=|external_ref=)", "_id_ | external_ref_1", "import lines seen before"+scoped),
		query(collRequests, "received_at>", "received_at_1__id_1", "auditors' export on FerretDB (sorted in Go)"),
		query(collRequests, "received_at> sort(received_at,_id)", "received_at_1__id_1", "auditors' export"),
		query(collRequests, "tenant_id= received_at>", "tenant_id_1_received_at_1__id_1", "auditors' export of a tenant on FerretDB"),
		query(collRequests, "tenant_id= received_at> sort(received_at,_id)", "tenant_id_1_received_at_1__id_1", "auditors' export of a tenant"+scoped),
		query(collRequests, "received_at>", "received_at_1__id_1", "request metrics of a year (§7102), read unsorted"),
		query(collRequests, "tenant_id= received_at>", "tenant_id_1_received_at_1__id_1", "request metrics of a year"+scoped),
		query(collRequests, "_id= received_at>", "_id_", "auditors' export of one request on FerretDB"),
		query(collRequests, "_id= received_at> sort(received_at,_id)", "_id_", "auditors' export of one request"),
		query(collRequests, "sort(_id)", "_id_", "RebuildQueue: every request in _id pages, a full pass by design"),
		query(collRequests, "_id> sort(_id)", "_id_", "RebuildQueue: the next page"),
		scan(collRequests, "*", "audit verify --requests reads every request by design; seeding probes for one document"),

		// Subjects: lookup, matching, the directory.
		memSort(query(collSubjects, "name_key= tenant_id= sort(_id)", "tenant_id_1_name_key_1", "intake match by name alone (MatchSubjects)"), "the few subjects of a tenant sharing one normalised name, sorted in memory"),
		memSort(query(collSubjects, "emails= sort(_id)", "emails_1", "user lookup by email"), fewByEmail),
		memSort(query(collSubjects, "emails= tenant_id= sort(_id)", "emails_1", "user lookup by email"+scoped), fewByEmail),
		memSort(query(collSubjects, "phones= sort(_id)", "phones_1", "user lookup by phone"), fewByEmail),
		memSort(query(collSubjects, "phones= tenant_id= sort(_id)", "phones_1", "user lookup by phone"+scoped), fewByEmail),
		memSort(query(collSubjects, "tenant_id= or(emails=) sort(_id)", "emails_1", "import: requesters matched by email"), fewByEmail),
		memSort(query(collSubjects, "tenant_id= or(phones=) sort(_id)", "phones_1", "import: requesters matched by phone"), fewByEmail),
		memSort(query(collSubjects, "tenant_id= or(emails=|phones=) sort(_id)", "emails_1 | phones_1", "import: requesters matched by email or phone"), fewByEmail),
		query(collSubjects, "tenant_id= name? sort(_id)", "tenant_id_1__id_1", "intake matching by name alone: a case-insensitive regex over the tenant's subjects"),
		query(collSubjects, "tenant_id=", "tenant_id_1__id_1", "lookup directory of a tenant, and its count"+scoped),
		query(collSubjects, "updated_at>", "updated_at_1", "lookup directory: subjects changed since its last poll"),
		query(collSubjects, "tenant_id= updated_at>", "tenant_id_1__id_1", "lookup directory of a tenant: changed since its last poll"),
		scan(collSubjects, "*", "lookup directory of an unscoped operator streams every subject (and seeding probes for one)"),
		query(collSubjects, "_id= other_contacts?", "_id_", "backfill: a subject stored before other_contacts existed gets its guardians' contacts"),
		scan(ProductCollection, "*", "backfill of other_contacts: one pass over a product collection with fields about other people, once per database"),

		// Operators and tenants: tens of documents.
		query(collOperators, "key_fingerprints=", "key_fingerprints_1", "SSH login by key fingerprint"),
		scan(collOperators, "os_user=", "local login by OS account: operators are tens of documents"),
		query(collOperators, "sort(_id)", "_id_", "operators list"),
		query(collTenants, "sort(_id)", "_id_", "tenants list"),
		query(collTenants, "_id= sort(_id)", "_id_", "tenants list of a scoped operator"),
		scan(collTenants, "*", "seeding probes for one document: tenants are tens"),
		query(collTenants, "_id= version=", "_id_", "a tenant's conditional write on MongoDB; giving a version-0 tenant version 1"),
		query(collTenants, "_id= version?", "_id_", "giving a tenant written before tenants had versions version 1"),
		scan(collSeedDataMap, "*", "the data map: one document per product collection"),
		query(collSeedDataMap, "_id=", "_id_", "datamap apply replaces one product collection's entry"),
		scan(collSeedDataMap, "_id?", "datamap apply removes entries no longer mapped: tens of documents"),
		query(collMeta, "_id= version=", "_id_", "the data map's version: its conditional write on MongoDB"),

		// The audit chain: _id is the sequence number.
		query(collAudit, "_id> sort(_id)", "_id_", "chain catch-up, verify and checkpoint ranges"),
		query(collAudit, "or(_id>|event_id=) sort(_id)", "_id_ | event_id_1", "append: entries past the head hint, and whether the event landed"),
		query(collAudit, "sort(-_id)", "_id_", "audit history, unfiltered, newest first"),
		query(collAudit, "_id> sort(-_id)", "_id_", "audit history, next page"),
		query(collAudit, "tenant_id= sort(-_id)", "tenant_id_1__id_-1", "audit history of a tenant, or of a scoped operator"),
		query(collAudit, "tenant_id= _id> sort(-_id)", "tenant_id_1__id_-1", "audit history of a tenant, next page"),
		query(collAudit, "actor= sort(-_id)", "actor_1__id_-1", "audit history by operator"),
		query(collAudit, "actor= _id> sort(-_id)", "actor_1__id_-1", "audit history by operator, next page"),
		query(collAudit, "actor= tenant_id= sort(-_id)", "actor_1__id_-1", "audit history by operator"+scoped),
		query(collAudit, "actor= tenant_id= _id> sort(-_id)", "actor_1__id_-1", "audit history by operator"+scoped+", next page"),
		query(collAudit, "action= sort(-_id)", "action_1__id_-1", "audit history by action"),
		query(collAudit, "action= _id> sort(-_id)", "action_1__id_-1", "audit history by action, next page"),
		query(collAudit, "action= tenant_id= sort(-_id)", "action_1__id_-1", "audit history by action"+scoped),
		query(collAudit, "action= tenant_id= _id> sort(-_id)", "action_1__id_-1", "audit history by action"+scoped+", next page"),
		query(collAudit, "target= sort(-_id)", "target_1__id_-1", "audit history of a request or subject"),
		query(collAudit, "target= _id> sort(-_id)", "target_1__id_-1", "audit history of a request or subject, next page"),
		query(collAudit, "target= tenant_id= sort(-_id)", "target_1__id_-1", "audit history of a request or subject"+scoped),
		query(collAudit, "outcome= target= sort(-_id)", "target_1__id_-1", "an operator's last successful change"),
		query(collAudit, "target>", "target_1__id_-1", "audit verify --requests: every request event (anchored prefix)"),
		// Date filters are checked on each entry while the chain is walked
		// newest first: bounded by the page size only when matches are recent.
		query(collAudit, "at> sort(-_id)", "_id_", "audit history with until: only, walking down from the newest (an event's date does not bound its seq from above: auditdays.go)"),
		query(collAudit, "_id> at> sort(-_id)", "_id_", "audit history with since:, the seq range bounded below by the day marks"),
		query(collAudit, "actor= _id> at> sort(-_id)", "actor_1__id_-1", "audit history by operator since a date"),
		query(collAudit, "actor= tenant_id= _id> at> sort(-_id)", "actor_1__id_-1", "audit history by operator since a date"+scoped),
		query(collAudit, "tenant_id= _id> at> sort(-_id)", "tenant_id_1__id_-1", "audit history since a date of a tenant or a scoped operator"),
		query(collAudit, "actor= at> sort(-_id)", "actor_1__id_-1", "audit history by operator and date"),
		query(collAudit, "actor= tenant_id= at> sort(-_id)", "actor_1__id_-1", "audit history by operator and date"+scoped),
		query(collAudit, "tenant_id= at> sort(-_id)", "tenant_id_1__id_-1", "audit history by date of a scoped operator"),

		// Claims exist only while a change is in flight: a handful.
		query(collClaims, "_id> sort(_id)", "_id_", "DrainOutbox pages through leftover claims"),
		query(collClaims, "_id= write_id=", "_id_", "a claim is released, or a failed insert withdrawn, only by the write that made it"),
		scan(collClaims, "coll=", "audit verify --requests: claims of requests in flight, a handful"),
		scan(collClaims, "*", "health: claims pending and the oldest, a handful (bounded by healthClaimsMax)"),
	}
}
