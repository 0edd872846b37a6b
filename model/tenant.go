package model

import (
	"fmt"
	"time"
)

// Tenant is a Customer: the data owner whose approval every request needs.
type Tenant struct {
	ID        string          `bson:"_id" json:"id"`
	Name      string          `bson:"name" json:"name"`
	State     string          `bson:"state" json:"state"` // two-letter US state, e.g. "CA"
	TimeZone  string          `bson:"time_zone" json:"time_zone"`
	Approvers []Contact       `bson:"approvers" json:"approvers"`
	Retention []RetentionRule `bson:"retention" json:"retention"`
	Holds     []LegalHold     `bson:"legal_holds" json:"legal_holds"`
	// HolidayAdd and HolidayRemove are the Customer's own changes to the
	// calendar its state gives it (Calendar): local dates (YYYY-MM-DD) that
	// are, or are not, business days.
	HolidayAdd    []string `bson:"holiday_add,omitempty" json:"holiday_add,omitempty" toml:"holiday_add,omitempty"`
	HolidayRemove []string `bson:"holiday_remove,omitempty" json:"holiday_remove,omitempty" toml:"holiday_remove,omitempty"`
	// Holidays is the hand-typed list databases held before calendars were
	// computed; it is read as additions (Calendar) and no longer written.
	Holidays []string `bson:"holidays,omitempty" json:"holidays,omitempty" toml:"holidays,omitempty"`
	// Government tenants keep some records under open-records laws.
	Government bool `bson:"government" json:"government"`
	// PrivacyContact is where a resident writes with a question about, or
	// an appeal of, a response: an access package names it.
	PrivacyContact *Contact `bson:"privacy_contact,omitempty" json:"privacy_contact,omitempty"`

	// zone is TimeZone loaded once by Resolve: loading a zone reads the
	// zoneinfo database (about 12 µs), and every due date and stamp needs it.
	zone *time.Location
	// zoneOf is the TimeZone that zone was loaded for, so a tenant whose zone
	// was edited after Resolve never answers with the old one.
	zoneOf string
}

// Contact is a person at the Customer who may approve or deny requests.
type Contact struct {
	Name  string `bson:"name" json:"name"`
	Title string `bson:"title" json:"title"`
	Email string `bson:"email" json:"email"`
	Phone string `bson:"phone" json:"phone"`
	// Address is a postal address, for a contact residents may write to.
	Address string `bson:"address,omitempty" json:"address,omitempty"`
}

// RetentionRule says how long a category must be kept and why, which makes a
// deletion of that category partly refusable.
type RetentionRule struct {
	Category   Category `bson:"category" json:"category"`
	Period     string   `bson:"period" json:"period"` // human text, e.g. "7 years after separation"
	LegalBasis string   `bson:"legal_basis" json:"legal_basis"`
	// Collections limits the rule to records of these collections (board
	// applications are public records; a payment's name is not); empty
	// means every collection.
	Collections []string `bson:"collections,omitempty" json:"collections,omitempty"`
}

// RetentionFor is the tenant's rule for data of category c held in
// collection: the first rule scoped to the collection, else the first for
// every collection.
func (t Tenant) RetentionFor(collection string, c Category) (RetentionRule, bool) {
	var general *RetentionRule
	for i, r := range t.Retention {
		if r.Category != c {
			continue
		}
		if len(r.Collections) == 0 {
			if general == nil {
				general = &t.Retention[i]
			}
			continue
		}
		for _, coll := range r.Collections {
			if coll == collection {
				return r, true
			}
		}
	}
	if general != nil {
		return *general, true
	}
	return RetentionRule{}, false
}

// LegalHold blocks deletion (e.g. a subpoena) for one subject or a whole category.
type LegalHold struct {
	ID         string     `bson:"id" json:"id"`
	Reference  string     `bson:"reference" json:"reference"` // e.g. the subpoena's case number
	SubjectID  string     `bson:"subject_id,omitempty" json:"subject_id,omitempty"`
	Categories []Category `bson:"categories" json:"categories"`
	Reason     string     `bson:"reason" json:"reason"`
	Since      time.Time  `bson:"since" json:"since"`
}

// Resolve loads the tenant's time zone once, so Location costs nothing on
// the many paths that render or count in it. The store resolves every
// tenant it reads.
func (t *Tenant) Resolve() {
	t.zone, t.zoneOf = loadZone(t.TimeZone), t.TimeZone
}

// Location returns the tenant's time zone, falling back to UTC when the
// stored name is unknown so a bad record never stops the queue from rendering.
func (t Tenant) Location() *time.Location {
	if t.zone != nil && t.zoneOf == t.TimeZone {
		return t.zone
	}
	return loadZone(t.TimeZone)
}

func loadZone(name string) *time.Location {
	if name == "" || name == "Local" {
		return time.UTC // "Local" would make deadlines depend on the server's zone
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Validate reports the first problem that would make deadlines wrong.
func (t Tenant) Validate() error {
	if t.ID == "" || t.Name == "" {
		return fmt.Errorf("tenant needs an id and a name")
	}
	// "Local" loads, but means whatever zone the server runs in: consoles in
	// different zones would disagree about the same request's due dates.
	if _, err := time.LoadLocation(t.TimeZone); err != nil || t.TimeZone == "" || t.TimeZone == "Local" {
		return fmt.Errorf("tenant %s: unknown time zone %q", t.ID, t.TimeZone)
	}
	return t.validateCalendar()
}

// HoldsFor returns the legal holds that apply to subjectID (including
// category-wide holds with no subject).
func (t Tenant) HoldsFor(subjectID string) []LegalHold {
	var out []LegalHold
	for _, h := range t.Holds {
		if h.SubjectID == "" || h.SubjectID == subjectID {
			out = append(out, h)
		}
	}
	return out
}
