package model

import "time"

// PIRecord is one stored document holding personal data about a subject,
// as the data map describes it. Values are masked: the controller layer
// never hands an unmasked value to a list, only RevealField does, one at a time.
type PIRecord struct {
	Collection string `json:"collection"`
	Product    string `json:"product"`
	RecordID   string `json:"record_id"`
	// IDKey is the record's _id with its type, as the controller encodes
	// it (see PlanDoc.IDKey); a reveal names the record by it.
	IDKey       string    `json:"id_key,omitempty"`
	CollectedAt time.Time `json:"collected_at"`
	Fields      []PIField `json:"fields"`
}

// PIField is one mapped field of a PIRecord.
type PIField struct {
	Field    string    `json:"field"`
	Category Category  `json:"category"`
	Kind     FieldKind `json:"kind"`
	Erasure  Erasure   `json:"erasure"`
	// Masked is the value as any operator may see it.
	Masked string `json:"masked"`
	// Retention is the tenant's rule for the field's category, if any.
	Retention *RetentionRule `json:"retention,omitempty"`
	// Holds are the legal holds that cover the field for this subject.
	Holds []LegalHold `json:"holds,omitempty"`
}

// FieldRef names one stored value to reveal: a field of a record in a data
// map collection, or of the subject itself (Collection SubjectsCollection,
// RecordID the subject id).
type FieldRef struct {
	Collection string `json:"collection"`
	RecordID   string `json:"record_id"`
	// IDKey is PIRecord.IDKey: the typed _id. Empty, RecordID is taken as
	// a string or ObjectID _id.
	IDKey string `json:"id_key,omitempty"`
	Field string `json:"field"`
}

// SubjectsCollection is the FieldRef collection of a subject's own identity.
const SubjectsCollection = "subjects"

// IdentityFields are the subject's own fields an operator may reveal, with
// how each is masked.
func IdentityFields() []FieldMap {
	return []FieldMap{
		{Field: "name", Category: CatIdentifying, Kind: KindName},
		{Field: "emails", Category: CatIdentifying, Kind: KindEmail},
		{Field: "phones", Category: CatIdentifying, Kind: KindPhone},
		{Field: "address", Category: CatIdentifying, Kind: KindAddress},
		{Field: "birth_date", Category: CatSensitive, Kind: KindDate},
	}
}
