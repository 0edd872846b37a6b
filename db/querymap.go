package db

import (
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/model"
)

// A query shape is what decides which index can serve a query: the filter's
// field names with the kind of comparison, and the sort, never the values.
// It is written as space-separated terms, each kind in name order:
//
//	f=          equality on f ($eq, $in, a plain value): an index bound
//	f>          range on f ($gt, $gte, $lt, $lte, an anchored
//	            case-sensitive regex): an index bound after the equalities
//	f?          anything else ($ne, $exists, $type, $elemMatch, an
//	            unanchored or case-insensitive regex): filtered after the fetch
//	or(a=,b>|c=) a top-level $or: its branches, each served on its own
//	sort(f,-g)  the sort, "-" for descending
//	*           no filter and no sort: every document
//
// On a product collection (one the data map names) the subject field is
// written <subject> and every field but _id, tenant_id and the subject
// field is folded into one <record>? term: the compare-and-swap filter of a
// fulfilment write names every field of the record it read.
const (
	ProductCollection = "<product>"
	subjectTerm       = "<subject>"
	recordTerm        = "<record>"
)

// QueryShape is the shape of one filter and sort, as Queries() spells it.
// subjectField is the data map's subject field when the collection is a
// product collection, "" otherwise.
func QueryShape(filter, sort bson.Raw, subjectField string) string {
	var s shape
	s.addFilter(filter, subjectField)
	if sort != nil {
		elems, _ := sort.Elements()
		for _, e := range elems {
			f := fieldTerm(e.Key(), subjectField)
			if n, ok := e.Value().AsInt64OK(); ok && n < 0 {
				f = "-" + f
			}
			s.sort = append(s.sort, f)
		}
	}
	return s.String()
}

// CommandShapes returns the collection and shapes of a command a
// CommandMonitor saw: one per statement of an update or delete, none for
// commands that select no documents (insert, getMore, listIndexes, ...).
// subjectFields maps product collections to their subject field; their
// collection is reported as ProductCollection.
func CommandShapes(name string, cmd bson.Raw, subjectFields map[string]string) (coll string, shapes []string) {
	str := func(k string) string { s, _ := cmd.Lookup(k).StringValueOK(); return s }
	doc := func(v bson.RawValue) bson.Raw { d, _ := v.DocumentOK(); return d }
	coll = str(name)
	subject, product := subjectFields[coll]
	add := func(filter, sort bson.Raw) { shapes = append(shapes, QueryShape(filter, sort, subject)) }
	switch name {
	case "find":
		add(doc(cmd.Lookup("filter")), doc(cmd.Lookup("sort")))
	case "count", "distinct":
		add(doc(cmd.Lookup("query")), nil)
	case "findAndModify":
		add(doc(cmd.Lookup("query")), doc(cmd.Lookup("sort")))
	case "aggregate":
		stages, _ := cmd.Lookup("pipeline").Array().Values()
		var match, sort bson.Raw
		for i, st := range stages {
			d := doc(st)
			if m, ok := d.Lookup("$match").DocumentOK(); ok && i == 0 {
				match = m
				continue
			}
			if s, ok := d.Lookup("$sort").DocumentOK(); ok && i <= 1 {
				sort = s
			}
			break
		}
		add(match, sort)
	case "update", "delete":
		key := map[string]string{"update": "updates", "delete": "deletes"}[name]
		stmts, _ := cmd.Lookup(key).Array().Values()
		for _, st := range stmts {
			add(doc(doc(st).Lookup("q")), nil)
		}
	default:
		return "", nil
	}
	if product {
		coll = ProductCollection
	}
	return coll, shapes
}

type shape struct {
	eq, rng, post []string
	or            [][]string // each branch: its terms, canonical
	sort          []string
}

func (s *shape) addFilter(filter bson.Raw, subjectField string) {
	elems, _ := filter.Elements()
	for _, e := range elems {
		switch e.Key() {
		case "$and":
			vals, _ := e.Value().Array().Values()
			for _, v := range vals {
				d, _ := v.DocumentOK()
				s.addFilter(d, subjectField)
			}
		case "$or":
			vals, _ := e.Value().Array().Values()
			for _, v := range vals {
				d, _ := v.DocumentOK()
				var b shape
				b.addFilter(d, subjectField)
				s.or = append(s.or, b.terms())
			}
		default:
			f := fieldTerm(e.Key(), subjectField)
			if subjectField != "" && f != "_id" && f != "tenant_id" && f != subjectTerm {
				s.post = addTermOnce(s.post, recordTerm)
				continue
			}
			switch compareKind(e.Value()) {
			case '=':
				s.eq = addTermOnce(s.eq, f)
			case '>':
				s.rng = addTermOnce(s.rng, f)
			default:
				s.post = addTermOnce(s.post, f)
			}
		}
	}
}

func fieldTerm(f, subjectField string) string {
	if subjectField != "" && f == subjectField {
		return subjectTerm
	}
	return f
}

func addTermOnce(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// compareKind classifies a field's condition: '=' an equality (or $in),
// '>' a range, '?' anything an index cannot bound.
func compareKind(v bson.RawValue) byte {
	if re, opts, ok := v.RegexOK(); ok {
		return regexKind(re, opts)
	}
	d, ok := v.DocumentOK()
	if !ok {
		return '='
	}
	elems, _ := d.Elements()
	if len(elems) == 0 || !strings.HasPrefix(elems[0].Key(), "$") {
		return '=' // an embedded document compared whole
	}
	kind := byte('?')
	for _, e := range elems {
		switch e.Key() {
		case "$eq", "$in":
			return '='
		case "$gt", "$gte", "$lt", "$lte":
			kind = '>'
		case "$regex":
			re, _ := e.Value().StringValueOK()
			opts, _ := d.Lookup("$options").StringValueOK()
			if regexKind(re, opts) == '>' {
				kind = '>'
			}
		}
	}
	return kind
}

func regexKind(re, opts string) byte {
	if strings.HasPrefix(re, "^") && !strings.Contains(opts, "i") && !strings.HasPrefix(re, `^\s*`) {
		return '>'
	}
	return '?'
}

func (s shape) terms() []string {
	var t []string
	for _, group := range []struct {
		fields []string
		op     string
	}{{s.eq, "="}, {s.rng, ">"}, {s.post, "?"}} {
		for _, f := range slices.Sorted(slices.Values(group.fields)) {
			t = append(t, f+group.op)
		}
	}
	if len(s.or) > 0 {
		bs := make([]string, len(s.or))
		for i, b := range s.or {
			bs[i] = strings.Join(b, ",")
		}
		t = append(t, "or("+strings.Join(bs, "|")+")")
	}
	if len(s.sort) > 0 {
		t = append(t, "sort("+strings.Join(s.sort, ",")+")")
	}
	return t
}

func (s shape) String() string {
	t := s.terms()
	if len(t) == 0 {
		return "*"
	}
	return strings.Join(t, " ")
}

// parseShape reads a shape as Queries() writes it. It is strict, so a
// registered shape that could never equal a captured one is an error.
func parseShape(text string) (shape, error) {
	var s shape
	if text == "*" {
		return s, nil
	}
	for _, t := range strings.Fields(text) {
		switch {
		case strings.HasPrefix(t, "sort(") && strings.HasSuffix(t, ")"):
			s.sort = strings.Split(t[len("sort("):len(t)-1], ",")
		case strings.HasPrefix(t, "or(") && strings.HasSuffix(t, ")"):
			for _, b := range strings.Split(t[len("or("):len(t)-1], "|") {
				var bs shape
				for _, bt := range strings.Split(b, ",") {
					if err := bs.addTerm(bt); err != nil {
						return s, err
					}
				}
				s.or = append(s.or, bs.terms())
			}
		default:
			if err := s.addTerm(t); err != nil {
				return s, err
			}
		}
	}
	if got := s.String(); got != text {
		return s, fmt.Errorf("shape %q is not in canonical order; write %q", text, got)
	}
	return s, nil
}

func (s *shape) addTerm(t string) error {
	if len(t) < 2 {
		return fmt.Errorf("shape term %q: want field= field> or field?", t)
	}
	f := t[:len(t)-1]
	switch t[len(t)-1] {
	case '=':
		s.eq = append(s.eq, f)
	case '>':
		s.rng = append(s.rng, f)
	case '?':
		s.post = append(s.post, f)
	default:
		return fmt.Errorf("shape term %q: want field= field> or field?", t)
	}
	return nil
}

// branches are the conjunctions an index must serve: the top-level terms
// alone, or with each $or branch.
func (s shape) branches() []shape {
	if len(s.or) == 0 {
		return []shape{s}
	}
	var out []shape
	for _, b := range s.or {
		bs, _ := parseShape(strings.Join(b, " "))
		bs.eq = append(slices.Clone(s.eq), bs.eq...)
		bs.rng = append(slices.Clone(s.rng), bs.rng...)
		bs.post = append(slices.Clone(s.post), bs.post...)
		bs.sort = s.sort
		out = append(out, bs)
	}
	return out
}

// serves says why an index with these keys cannot serve the conjunction
// ("" when it can), by MongoDB's rule for compound indexes: equality fields
// form a prefix of the keys, then the sort follows in key order (or all
// reversed); range fields bound the keys after the prefix. An equality or
// range field outside the index is filtered after the fetch, which is fine
// once the prefix or the sort bounds what is read.
func serves(keys bson.D, unique bool, s shape) string {
	// Every key of a unique index bound by equality: at most one document,
	// whatever else the query asks.
	if unique && !slices.ContainsFunc(keys, func(k bson.E) bool { return !slices.Contains(s.eq, k.Key) }) {
		return ""
	}
	i := 0
	for i < len(keys) && slices.Contains(s.eq, keys[i].Key) {
		i++
	}
	sort := slices.DeleteFunc(slices.Clone(s.sort), func(f string) bool {
		return slices.Contains(s.eq, strings.TrimPrefix(f, "-"))
	})
	if i == 0 && len(s.eq) > 0 {
		return fmt.Sprintf("its first key %s is none of the equality fields %v", keys[0].Key, s.eq)
	}
	if i == 0 && len(s.eq) == 0 && len(s.rng) > 0 && len(sort) == 0 && !slices.Contains(s.rng, keys[0].Key) {
		return fmt.Sprintf("its first key %s is none of the range fields %v", keys[0].Key, s.rng)
	}
	if i == 0 && len(s.eq) == 0 && len(s.rng) == 0 && len(sort) == 0 {
		return "the query has no field an index can bound"
	}
	if len(sort) == 0 {
		return ""
	}
	if i+len(sort) > len(keys) {
		return fmt.Sprintf("the sort %v runs past its keys %s after the equality prefix", sort, keysString(keys))
	}
	flip := 0
	for j, f := range sort {
		k := keys[i+j]
		desc := strings.HasPrefix(f, "-")
		if strings.TrimPrefix(f, "-") != k.Key {
			return fmt.Sprintf("the sort %v does not follow its keys %s after the equality prefix", sort, keysString(keys))
		}
		d := 1
		if (dirString(k.Value) == "-1") != desc {
			d = -1
		}
		if flip != 0 && d != flip {
			return fmt.Sprintf("the sort %v mixes directions unlike its keys %s", sort, keysString(keys))
		}
		flip = d
	}
	return ""
}

// Check says what is wrong with a registered query ("" when nothing): its
// shape must parse, and the index it names must exist and serve every
// branch, or it must give the reason it scans.
func (q QuerySpec) Check() string {
	s, err := parseShape(q.Shape)
	if err != nil {
		return err.Error()
	}
	if q.Name == "" {
		return "no name: say which operation sends it"
	}
	if q.Scan != "" {
		if q.Index != "" || q.MemSort != "" {
			return "names both an index and a scan reason"
		}
		return ""
	}
	if q.MemSort != "" && len(s.sort) == 0 {
		return "says why it sorts in memory but has no sort"
	}
	names := strings.Split(q.Index, " | ")
	branches := s.branches()
	if len(names) != 1 && len(names) != len(branches) {
		return fmt.Sprintf("names %d indexes for %d $or branches", len(names), len(branches))
	}
	for i, b := range branches {
		name := names[min(i, len(names)-1)]
		keys, unique, ok := indexKeys(q.Collection, name)
		if !ok {
			return fmt.Sprintf("index %s is not declared on %s in Collections()", name, q.Collection)
		}
		if q.MemSort != "" {
			b.sort = nil
		}
		if why := serves(keys, unique, b); why != "" {
			return fmt.Sprintf("index %s cannot serve %q: %s", name, b.String(), why)
		}
	}
	return ""
}

// indexKeys finds a declared index: _id_ on every collection, the
// product index on ProductCollection, else Collections().
func indexKeys(coll, name string) (keys bson.D, unique, ok bool) {
	if name == "_id_" {
		return bson.D{{Key: "_id", Value: 1}}, true, true
	}
	specs := Collections()
	if coll == ProductCollection {
		specs = []CollectionSpec{productIndex(model.CollectionMap{Collection: coll, SubjectField: subjectTerm})}
	}
	for _, c := range specs {
		if c.Name != coll {
			continue
		}
		for _, ix := range c.Indexes {
			if ix.Name == name {
				return ix.Keys, ix.Unique, true
			}
		}
	}
	return nil, false, false
}

// GoEntry is the line to add to Queries() for a shape nobody registered.
func GoEntry(coll, shape string) string {
	c := fmt.Sprintf("%q", coll)
	if k, ok := collConst(coll); ok {
		c = k
	}
	return fmt.Sprintf("query(%s, %q, \"INDEX NAME\", \"WHAT SENDS IT\"), // or scan(%s, %q, \"WHY NO INDEX\")", c, shape, c, shape)
}

// collConst names the constant Queries() spells a collection with.
func collConst(coll string) (string, bool) {
	for _, c := range [][2]string{
		{collTenants, "collTenants"}, {collSubjects, "collSubjects"}, {collRequests, "collRequests"}, {collQueue, "collQueue"},
		{collOperators, "collOperators"}, {collAudit, "collAudit"}, {collSeedDataMap, "collSeedDataMap"}, {collMeta, "collMeta"},
		{collClaims, "collClaims"}, {collTenantKeys, "collTenantKeys"}, {collPlans, "collPlans"}, {collPlanDocs, "collPlanDocs"},
		{ProductCollection, "ProductCollection"},
	} {
		if c[0] == coll {
			return c[1], true
		}
	}
	return "", false
}
