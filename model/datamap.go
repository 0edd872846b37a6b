package model

import (
	"fmt"
	"slices"
)

// Erasure says what deleting a field means.
type Erasure string

const (
	EraseDeleteDoc Erasure = "delete_doc" // remove the whole document
	EraseNull      Erasure = "null"       // set the field to null
	EraseFixed     Erasure = "fixed"      // replace with a fixed string, e.g. "[removed]"
	EraseHash      Erasure = "hash"       // HMAC with the tenant's key: still joinable, no longer readable
	EraseKeep      Erasure = "keep"       // retained under a retention rule
)

// FieldMap describes one PI field of a tenant collection.
type FieldMap struct {
	Field    string    `bson:"field" json:"field"`
	Category Category  `bson:"category" json:"category"`
	Kind     FieldKind `bson:"kind" json:"kind"`
	Erasure  Erasure   `bson:"erasure" json:"erasure"`
	// Fixed is the replacement for EraseFixed.
	Fixed string `bson:"fixed,omitempty" json:"fixed,omitempty"`
	// SubjectPoint names the subject data point the field holds a copy of
	// (e.g. an application's applicant_name holds "name"): a correction of
	// that point changes this field too. Empty for fields about anyone else
	// (a guardian, a dependant) or that are not a data point.
	SubjectPoint DataPoint `bson:"subject_point,omitempty" json:"subject_point,omitempty"`
	// OptOut marks a marketing subscription flag (true = subscribed): an
	// opt-out request switches it to false.
	OptOut bool `bson:"opt_out,omitempty" json:"opt_out,omitempty"`
	// Class marks a field the law forbids disclosing in an access response
	// (FieldClass.NeverDisclose): it is withheld and named as held instead.
	Class FieldClass `bson:"class,omitempty" json:"class,omitempty"`
	// ThirdParty names whose data the field holds when it is not the
	// subject's ("guardian", "dependants", "emergency contact",
	// "references"): an access plan withholds it unless a privacy lead
	// records a decision to disclose it.
	ThirdParty string `bson:"third_party,omitempty" json:"third_party,omitempty"`
}

// CollectionMap says how one product collection links to subjects and which
// fields hold which PI. Nothing about a collection is special-cased in code.
type CollectionMap struct {
	Collection   string     `bson:"_id" json:"collection"`
	Product      string     `bson:"product" json:"product"`
	SubjectField string     `bson:"subject_field" json:"subject_field"`
	DateField    string     `bson:"date_field" json:"date_field"` // when the record was collected
	Fields       []FieldMap `bson:"fields" json:"fields"`
	// Sources, Purposes and Recipients are what a resident's access package
	// says of the product (CCPA §1798.110(a)): where the data comes from,
	// why it is collected, and the categories of recipients it goes to.
	Sources    []string `bson:"sources,omitempty" json:"sources,omitempty"`
	Purposes   []string `bson:"purposes,omitempty" json:"purposes,omitempty"`
	Recipients []string `bson:"recipients,omitempty" json:"recipients,omitempty"`
	// Processors are the sub-processors that receive copies of the
	// collection: a deletion or correction is passed on to each
	// (processors.go).
	Processors []SubProcessor `bson:"processors,omitempty" json:"processors,omitempty"`
}

// Field returns the map of field name; ok is false when it is not mapped.
func (c CollectionMap) Field(name string) (FieldMap, bool) {
	for _, f := range c.Fields {
		if f.Field == name {
			return f, true
		}
	}
	return FieldMap{}, false
}

// Validate names the collection and field of the first problem.
func (c CollectionMap) Validate() error {
	if c.Collection == "" {
		return fmt.Errorf("data map entry without a collection name")
	}
	if c.SubjectField == "" {
		return fmt.Errorf("data map %s: subject_field is empty", c.Collection)
	}
	seen := map[string]bool{}
	for _, f := range c.Fields {
		if f.Field == "" {
			return fmt.Errorf("data map %s: a field has no name", c.Collection)
		}
		if seen[f.Field] {
			return fmt.Errorf("data map %s.%s: listed twice", c.Collection, f.Field)
		}
		seen[f.Field] = true
		if !slices.Contains(fieldKinds(), f.Kind) {
			return fmt.Errorf("data map %s.%s: unknown kind %q (one of %v)", c.Collection, f.Field, f.Kind, fieldKinds())
		}
		if !f.Category.Valid() {
			return fmt.Errorf("data map %s.%s: unknown category %q", c.Collection, f.Field, f.Category)
		}
		if !f.Class.Valid() {
			return fmt.Errorf("data map %s.%s: unknown class %q (one of %v, or none)", c.Collection, f.Field, f.Class, FieldClasses())
		}
		if f.ThirdParty != "" && f.SubjectPoint != "" {
			return fmt.Errorf("data map %s.%s: a field about another person (%s) cannot hold a copy of the subject's %s", c.Collection, f.Field, f.ThirdParty, f.SubjectPoint)
		}
		switch f.Erasure {
		case EraseDeleteDoc, EraseNull, EraseHash, EraseKeep:
		case EraseFixed:
			if f.Fixed == "" {
				return fmt.Errorf("data map %s.%s: erasure fixed needs a replacement string", c.Collection, f.Field)
			}
		default:
			return fmt.Errorf("data map %s.%s: unknown erasure %q", c.Collection, f.Field, f.Erasure)
		}
	}
	return c.validateProcessors()
}

func fieldKinds() []FieldKind {
	return []FieldKind{KindName, KindEmail, KindPhone, KindAddress, KindSSN, KindDate, KindNumber, KindToken, KindIP, KindText}
}

// ValidateDataMap checks a whole data map, as `datamap check` and `datamap
// apply` take it: every entry (naming its collection and field) and no
// collection mapped twice.
func ValidateDataMap(dm []CollectionMap) error {
	seen := map[string]bool{}
	for _, c := range dm {
		if err := c.Validate(); err != nil {
			return err
		}
		if seen[c.Collection] {
			return fmt.Errorf("data map %s: the collection is mapped twice; merge its fields into one entry", c.Collection)
		}
		seen[c.Collection] = true
	}
	return ValidateProcessorsAcross(dm)
}

// DataMapChanges names the collections added, removed or changed from was
// to now, for the audit entry of an applied data map.
func DataMapChanges(was, now []CollectionMap) []string {
	find := func(dm []CollectionMap, name string) (CollectionMap, bool) {
		for _, c := range dm {
			if c.Collection == name {
				return c, true
			}
		}
		return CollectionMap{}, false
	}
	var out []string
	for _, n := range now {
		o, ok := find(was, n.Collection)
		switch {
		case !ok:
			out = append(out, "+"+n.Collection)
		case !sameJSON(o, n):
			out = append(out, "~"+n.Collection)
		}
	}
	for _, o := range was {
		if _, ok := find(now, o.Collection); !ok {
			out = append(out, "-"+o.Collection)
		}
	}
	return out
}
