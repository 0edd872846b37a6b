package db

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodian-dev/custodian/model"
)

// IndexState is what Migrate found, or did, for one declared index or
// collection.
type IndexState string

const (
	// IndexOK: present with the declared keys and options.
	IndexOK IndexState = "ok"
	// IndexCreated: was missing and has been created.
	IndexCreated IndexState = "created"
	// IndexMissing: absent and, in a check, left absent.
	IndexMissing IndexState = "missing"
	// IndexDiffers: an index of that name (or those keys) exists with other
	// keys or options. It is never dropped: dropping a unique index on a
	// live cluster is an operator's decision.
	IndexDiffers IndexState = "differs"
	// IndexUnsupported: the server cannot build the declared index
	// (FerretDB 1.24 refuses partial and collation options).
	IndexUnsupported IndexState = "unsupported"
	// IndexUndeclared: an index custodian does not declare; left alone.
	IndexUndeclared IndexState = "undeclared"
)

// IndexReport is one line of a migration: one index (or, with Index empty,
// a collection without secondary indexes).
type IndexReport struct {
	Collection string
	Index      string
	State      IndexState
	// Product: a product collection named by the stored data map.
	Product bool
	// Detail says what differs, or why the server cannot build it.
	Detail string
	// Create is the mongosh command that creates the declared index, for
	// an operator applying the schema by hand.
	Create string
	// Unique: the declared index is unique, so while it is missing or
	// differs, duplicates it exists to refuse are let in.
	Unique bool
}

// Failed reports whether the line needs an operator: an index that differs
// from its declaration, or one that is still missing.
func (r IndexReport) Failed() bool {
	return r.State == IndexDiffers || r.State == IndexMissing
}

func (r IndexReport) String() string {
	what := r.Collection
	if r.Index != "" {
		what += "." + r.Index
	} else {
		what += " (collection)"
	}
	if r.Product {
		what += " (product collection in the data map)"
	}
	line := fmt.Sprintf("%-11s %s", r.State, what)
	switch r.State {
	case IndexDiffers:
		line += ": " + r.Detail + "; left as it is (drop it, then run `custodian migrate` to rebuild it)"
	case IndexUnsupported, IndexUndeclared:
		line += ": " + r.Detail
	case IndexMissing:
		if r.Create != "" {
			line += ": " + r.Create
		}
	}
	return model.EscapeLine(line)
}

// declared is a collection to migrate, with where it was declared.
type declared struct {
	CollectionSpec
	product bool
}

// Migrate compares the database with Collections() and the product
// collections the data map names. With apply it creates what is missing;
// without, it only reads (listCollections, listIndexes, buildInfo and the
// data map), so it is cheap enough to run at every start against a remote
// server. Nothing is ever dropped or rebuilt. The error is for a server that
// cannot be read; what differs is in the reports.
func Migrate(ctx context.Context, d *mongo.Database, apply bool) ([]IndexReport, error) {
	existing, err := d.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("migrate: list collections in %s: %w", d.Name(), err)
	}
	ferret, err := isFerretDB(ctx, d)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	var specs []declared
	for _, c := range Collections() {
		specs = append(specs, declared{CollectionSpec: c})
	}
	products, err := readDataMap(ctx, d)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	for _, cm := range products {
		specs = append(specs, declared{CollectionSpec: productIndex(cm), product: true})
	}
	// A check only reads, so its listIndexes go out together: against a
	// remote server every command pays this at start, and one round trip
	// per collection in a row would add up (20 collections at 30 ms).
	// Creating stays sequential, one build at a time on the server, and
	// the lines come out in declaration order either way.
	if apply {
		release, err := lockSchema(ctx, d)
		if err != nil {
			return nil, fmt.Errorf("migrate: %w", err)
		}
		defer release()
		// Listed again under the lock: another process may have created
		// collections while this one waited.
		if existing, err = d.ListCollectionNames(ctx, bson.D{}); err != nil {
			return nil, fmt.Errorf("migrate: list collections in %s: %w", d.Name(), err)
		}
	}
	results := make([][]IndexReport, len(specs))
	errs := make([]error, len(specs))
	var wg sync.WaitGroup
	for i, c := range specs {
		run := func() {
			results[i], errs[i] = migrateCollection(ctx, d, c, slices.Contains(existing, c.Name), ferret, apply)
		}
		if apply {
			run()
			if errs[i] != nil {
				break
			}
			continue
		}
		wg.Go(run)
	}
	wg.Wait()
	var out []IndexReport
	for i := range specs {
		out = append(out, results[i]...)
		if errs[i] != nil {
			return out, fmt.Errorf("migrate: %w", errs[i])
		}
	}
	if apply {
		// Subjects stored before name keys existed get theirs, so the
		// {tenant_id, name_key} index finds them; resumable and a single
		// read once done.
		if err := backfillNameKeys(ctx, d); err != nil {
			return out, fmt.Errorf("migrate: %w", err)
		}
		if err := backfillAuditDays(ctx, d); err != nil {
			return out, fmt.Errorf("migrate: %w", err)
		}
		// Subjects stored before other_contacts existed get their
		// guardians' contacts from the records, once.
		if err := backfillOtherContacts(ctx, d, products); err != nil {
			return out, fmt.Errorf("migrate: %w", err)
		}
	}
	return out, nil
}

// readDataMap reads the stored data map; an invalid entry is an error that
// says what to fix, since its collection's index cannot be named.
func readDataMap(ctx context.Context, d *mongo.Database) ([]model.CollectionMap, error) {
	cur, err := d.Collection(collSeedDataMap).Find(ctx, bson.D{}, options.Find().SetLimit(listMax))
	if err != nil {
		return nil, fmt.Errorf("read data map: %w", err)
	}
	var dm []model.CollectionMap
	if err := cur.All(ctx, &dm); err != nil {
		return nil, fmt.Errorf("read data map: %w", err)
	}
	for _, cm := range dm {
		if err := cm.Validate(); err != nil {
			return nil, fmt.Errorf("data map: %w; fix the entry, then start again", err)
		}
	}
	return dm, nil
}

// isFerretDB asks the server: FerretDB's buildInfo carries ferretdbVersion.
// It matters here because FerretDB neither keeps "sparse" nor builds partial
// or collated indexes, so those options cannot be compared or created.
func isFerretDB(ctx context.Context, d *mongo.Database) (bool, error) {
	var info bson.M
	if err := d.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		return false, fmt.Errorf("buildInfo: %w", err)
	}
	_, ok := info["ferretdbVersion"]
	return ok, nil
}

func migrateCollection(ctx context.Context, d *mongo.Database, c declared, exists, ferret, apply bool) ([]IndexReport, error) {
	coll := d.Collection(c.Name)
	if len(c.Indexes) == 0 {
		r := IndexReport{Collection: c.Name, State: IndexOK, Product: c.product}
		switch {
		case exists:
		case !apply:
			r.State = IndexMissing
			r.Create = fmt.Sprintf("db.createCollection(%q)", c.Name)
		default:
			if err := d.CreateCollection(ctx, c.Name); err != nil && !isNamespaceExists(err) {
				return nil, fmt.Errorf("create collection %s: %w", c.Name, err)
			}
			r.State = IndexCreated
		}
		return []IndexReport{r}, nil
	}

	var have []bson.Raw
	if exists {
		cur, err := coll.Indexes().List(ctx)
		if err != nil {
			return nil, fmt.Errorf("list indexes of %s: %w", c.Name, err)
		}
		if err := cur.All(ctx, &have); err != nil {
			return nil, fmt.Errorf("list indexes of %s: %w", c.Name, err)
		}
	}

	var out []IndexReport
	for _, ix := range c.Indexes {
		r := IndexReport{Collection: c.Name, Index: ix.Name, Product: c.product, Create: MongoshCreateIndex(c.Name, ix), Unique: ix.Unique}
		r.State, r.Detail = compareExisting(ix, have, ferret)
		if r.State == IndexMissing && ferret && (len(ix.Partial) > 0 || ix.Collation != nil) {
			r.State, r.Detail = IndexUnsupported, "FerretDB builds no partial or collated index; create it on MongoDB with: "+r.Create
		}
		if r.State == IndexMissing && apply {
			if err := createIndex(ctx, coll, ix); err != nil {
				return out, fmt.Errorf("create index %s on %s: %w", ix.Name, c.Name, err)
			}
			r.State = IndexCreated
		}
		out = append(out, r)
	}
	// A product collection is the Customer's: its other indexes serve the
	// product, not custodian, and are none of migrate's business.
	for _, raw := range have {
		if c.product {
			break
		}
		name, _ := raw.Lookup("name").StringValueOK()
		if name == "_id_" || slices.ContainsFunc(c.Indexes, func(ix IndexSpec) bool { return ix.Name == name }) {
			continue
		}
		out = append(out, IndexReport{Collection: c.Name, Index: name, State: IndexUndeclared,
			Detail: "not declared by custodian; left alone (it costs every write: drop it if nothing uses it)"})
	}
	return out, nil
}

// compareExisting finds ix among the listed indexes: by name, or else by
// key pattern (MongoDB refuses a second index on the same keys under
// another name, so that is a difference too, not something to create).
func compareExisting(ix IndexSpec, have []bson.Raw, ferret bool) (IndexState, string) {
	want := keysString(ix.Keys)
	for _, raw := range have {
		if name, _ := raw.Lookup("name").StringValueOK(); name == ix.Name {
			if diffs := indexDiffs(ix, raw, ferret); len(diffs) > 0 {
				return IndexDiffers, strings.Join(diffs, "; ")
			}
			return IndexOK, ""
		}
	}
	for _, raw := range have {
		keys, ok := raw.Lookup("key").DocumentOK()
		if ok && rawKeysString(keys) == want {
			name, _ := raw.Lookup("name").StringValueOK()
			return IndexDiffers, fmt.Sprintf("the same keys %s are indexed under the name %q", want, name)
		}
	}
	return IndexMissing, ""
}

// indexDiffs lists what an existing index (as listIndexes returns it)
// differs in from its declaration: keys (fields, order, direction),
// unique, sparse, partial filter expression and collation.
func indexDiffs(ix IndexSpec, raw bson.Raw, ferret bool) []string {
	var diffs []string
	keys, _ := raw.Lookup("key").DocumentOK()
	if got, want := rawKeysString(keys), keysString(ix.Keys); got != want {
		diffs = append(diffs, fmt.Sprintf("keys are %s, declared %s", got, want))
	}
	if got := rawBool(raw, "unique"); got != ix.Unique {
		diffs = append(diffs, fmt.Sprintf("unique is %v, declared %v", got, ix.Unique))
	}
	// FerretDB accepts "sparse" and forgets it (and admits any number of
	// documents lacking a unique field, which is what sparse is for here).
	if got := rawBool(raw, "sparse"); got != ix.Sparse && !ferret {
		diffs = append(diffs, fmt.Sprintf("sparse is %v, declared %v", got, ix.Sparse))
	}
	gotPartial := ""
	if v, err := raw.LookupErr("partialFilterExpression"); err == nil {
		if doc, ok := v.DocumentOK(); ok {
			gotPartial = extJSON(doc)
		}
	}
	if want := partialString(ix.Partial); gotPartial != want {
		diffs = append(diffs, fmt.Sprintf("partial filter is %s, declared %s", orNone(gotPartial), orNone(want)))
	}
	gotColl := ""
	if v, err := raw.LookupErr("collation"); err == nil {
		if doc, ok := v.DocumentOK(); ok {
			gotColl = rawCollationString(doc)
		}
	}
	if want := collationString(ix.Collation); gotColl != want {
		diffs = append(diffs, fmt.Sprintf("collation is %s, declared %s", orNone(gotColl), orNone(want)))
	}
	return diffs
}

func createIndex(ctx context.Context, coll *mongo.Collection, ix IndexSpec) error {
	o := options.Index().SetName(ix.Name)
	if ix.Unique {
		o.SetUnique(true)
	}
	if ix.Sparse {
		o.SetSparse(true)
	}
	if len(ix.Partial) > 0 {
		o.SetPartialFilterExpression(ix.Partial)
	}
	if ix.Collation != nil {
		o.SetCollation(ix.Collation)
	}
	// One index per createIndexes command: FerretDB 1.24 filters
	// already-existing indexes out of a batch by position while shrinking
	// it, so a batch that partly exists panics the connection or silently
	// skips a new index. Another process may create some between our
	// listing and here, so batching only the missing ones would not avoid
	// it. Creating an identical index again is a no-op on both servers.
	_, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: ix.Keys, Options: o})
	if isIndexConflict(err) {
		return fmt.Errorf("it conflicts with an index created meanwhile (run `custodian migrate --check` to see it): %w", err)
	}
	return err
}

// keysString renders a key pattern as mongosh writes it. Directions are
// reduced to their sign because mongosh stores them as doubles.
func keysString(keys bson.D) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = jsKey(k.Key) + ": " + dirString(k.Value)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func rawKeysString(keys bson.Raw) string {
	elems, err := keys.Elements()
	if err != nil {
		return "unreadable"
	}
	parts := make([]string, len(elems))
	for i, e := range elems {
		v := e.Value()
		var d string
		if f, ok := v.AsFloat64OK(); ok {
			d = dirString(f)
		} else if n, ok := v.AsInt64OK(); ok {
			d = dirString(n)
		} else {
			d = v.String() // "text", "2dsphere", ...
		}
		parts[i] = jsKey(e.Key()) + ": " + d
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func dirString(v any) string {
	switch n := v.(type) {
	case int:
		return dirString(float64(n))
	case int32:
		return dirString(float64(n))
	case int64:
		return dirString(float64(n))
	case float64:
		if n < 0 {
			return "-1"
		}
		return "1"
	case string:
		return fmt.Sprintf("%q", n)
	}
	return fmt.Sprint(v)
}

var jsIdent = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)

func jsKey(k string) string {
	if jsIdent.MatchString(k) {
		return k
	}
	return fmt.Sprintf("%q", k)
}

func rawBool(raw bson.Raw, key string) bool {
	v, err := raw.LookupErr(key)
	if err != nil {
		return false
	}
	if b, ok := v.BooleanOK(); ok {
		return b
	}
	// Old servers and hand-written specs store {unique: 1}.
	if f, ok := v.AsFloat64OK(); ok {
		return f != 0
	}
	return false
}

func partialString(p bson.D) string {
	if len(p) == 0 {
		return ""
	}
	raw, err := bson.Marshal(p)
	if err != nil {
		return "unencodable"
	}
	return extJSON(raw)
}

func extJSON(doc bson.Raw) string {
	b, err := bson.MarshalExtJSON(doc, false, false)
	if err != nil {
		return "unreadable"
	}
	return string(b)
}

// collationString renders the declared collation's options in a fixed
// order; unset options take MongoDB's defaults, which listIndexes spells
// out, so both sides compare equal when they mean the same.
func collationString(c *options.Collation) string {
	if c == nil {
		return ""
	}
	strength := c.Strength
	if strength == 0 {
		strength = 3
	}
	return fmt.Sprintf("{locale: %q, strength: %d, caseLevel: %v, numericOrdering: %v}", c.Locale, strength, c.CaseLevel, c.NumericOrdering)
}

func rawCollationString(doc bson.Raw) string {
	c := &options.Collation{}
	c.Locale, _ = doc.Lookup("locale").StringValueOK()
	if n, ok := doc.Lookup("strength").AsInt64OK(); ok {
		c.Strength = int(n)
	}
	c.CaseLevel, _ = doc.Lookup("caseLevel").BooleanOK()
	c.NumericOrdering, _ = doc.Lookup("numericOrdering").BooleanOK()
	return collationString(c)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// MongoshCreateIndex is the mongosh command that creates ix on coll, for
// an operator who applies the schema by hand or reviews it first.
func MongoshCreateIndex(coll string, ix IndexSpec) string {
	opts := []string{fmt.Sprintf("name: %q", ix.Name)}
	if ix.Unique {
		opts = append(opts, "unique: true")
	}
	if ix.Sparse {
		opts = append(opts, "sparse: true")
	}
	if len(ix.Partial) > 0 {
		opts = append(opts, "partialFilterExpression: "+partialString(ix.Partial))
	}
	if c := ix.Collation; c != nil {
		opts = append(opts, "collation: "+collationString(c))
	}
	target := "db." + coll
	if !jsIdent.MatchString(coll) || strings.HasPrefix(coll, "$") {
		target = fmt.Sprintf("db.getCollection(%q)", coll)
	}
	return fmt.Sprintf("%s.createIndex(%s, {%s})", target, keysString(ix.Keys), strings.Join(opts, ", "))
}
