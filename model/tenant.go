package model

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
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
	HolidayAdd    []string `bson:"holiday_add,omitempty" json:"holiday_add,omitempty"`
	HolidayRemove []string `bson:"holiday_remove,omitempty" json:"holiday_remove,omitempty"`
	// Holidays is the hand-typed list databases held before calendars were
	// computed; it is read as additions (Calendar) and no longer written.
	Holidays []string `bson:"holidays,omitempty" json:"holidays,omitempty"`
	// Government tenants keep some records under open-records laws.
	Government bool `bson:"government" json:"government"`
	// PrivacyContact is where a resident writes with a question about, or
	// an appeal of, a response: an access package names it.
	PrivacyContact *Contact `bson:"privacy_contact,omitempty" json:"privacy_contact,omitempty"`
	// Version counts writes, for the conditional update every change is
	// (0: never written through the store, as in databases seeded before).
	Version int64 `bson:"version" json:"version"`

	// zone is TimeZone loaded once by Resolve: loading a zone reads the
	// zoneinfo database (about 12 µs), and every due date and stamp needs it.
	zone *time.Location
	// zoneOf is the TimeZone that zone was loaded for, so a tenant whose zone
	// was edited after Resolve never answers with the old one.
	zoneOf string
	// cal is the calendar Resolve made, for the rules named by calOf
	// (calendarKey): the holidays of a year are computed once, not once per
	// deadline.
	cal   *Calendar
	calOf string
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
	// Until, when set, is when the hold lapses (a preservation order with
	// an end date); from then on it blocks nothing. Nil: until removed.
	Until *time.Time `bson:"until,omitempty" json:"until,omitempty"`
}

// InForce reports whether the hold blocks deletion at now.
func (h LegalHold) InForce(now time.Time) bool { return h.Until == nil || now.Before(*h.Until) }

// Resolve loads the tenant's time zone once, so Location costs nothing on
// the many paths that render or count in it. The store resolves every
// tenant it reads.
func (t *Tenant) Resolve() {
	t.zone, t.zoneOf = loadZone(t.TimeZone), t.TimeZone
	t.calOf = t.calendarKey()
	t.cal = t.newCalendar()
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

// Validate reports the first problem with a tenant, naming the field (as
// the tenants file spells it) and saying what would be accepted. The
// controller refuses to store a tenant that fails it.
func (t Tenant) Validate() error {
	if t.ID == "" || t.Name == "" {
		return fmt.Errorf("tenant needs an id and a name")
	}
	if !validTenantID(t.ID) {
		return fmt.Errorf("tenant %q: id: use 1–64 lower-case letters, digits and '-', starting with a letter or digit", t.ID)
	}
	// "Local" loads, but means whatever zone the server runs in: consoles in
	// different zones would disagree about the same request's due dates.
	if _, err := time.LoadLocation(t.TimeZone); err != nil || t.TimeZone == "" || t.TimeZone == "Local" {
		return fmt.Errorf("tenant %s: time_zone: unknown time zone %q (give an IANA name such as America/Los_Angeles)", t.ID, t.TimeZone)
	}
	if t.State != "" && (len(t.State) != 2 || !strings.Contains(usStateCodes, " "+t.State+" ")) {
		return fmt.Errorf("tenant %s: state: %q is not a two-letter US state or territory code (such as CA)", t.ID, t.State)
	}
	for i, c := range t.Approvers {
		if strings.TrimSpace(c.Name) == "" {
			return fmt.Errorf("tenant %s: approvers[%d]: name is empty", t.ID, i)
		}
		if c.Email == "" && c.Phone == "" {
			return fmt.Errorf("tenant %s: approvers[%d] (%s): give an email or a phone", t.ID, i, c.Name)
		}
		if c.Email != "" && !strings.Contains(c.Email, "@") {
			return fmt.Errorf("tenant %s: approvers[%d] (%s): email %q has no @", t.ID, i, c.Name, c.Email)
		}
	}
	for i, r := range t.Retention {
		switch {
		case !r.Category.Valid():
			return fmt.Errorf("tenant %s: retention[%d]: unknown category %q (one of %s)", t.ID, i, r.Category, categoryNames())
		case strings.TrimSpace(r.Period) == "":
			return fmt.Errorf("tenant %s: retention[%d] (%s): period is empty (say how long, e.g. \"6 years after separation\")", t.ID, i, r.Category)
		case strings.TrimSpace(r.LegalBasis) == "":
			return fmt.Errorf("tenant %s: retention[%d] (%s): legal_basis is empty (name the statute or schedule that requires keeping it)", t.ID, i, r.Category)
		}
	}
	for i, h := range t.Holds {
		switch {
		case h.ID == "":
			return fmt.Errorf("tenant %s: legal_holds[%d]: id is empty", t.ID, i)
		case strings.TrimSpace(h.Reason) == "":
			return fmt.Errorf("tenant %s: legal_holds[%d] (%s): reason is empty", t.ID, i, h.ID)
		case h.SubjectID == "" && len(h.Categories) == 0:
			return fmt.Errorf("tenant %s: legal_holds[%d] (%s): give a subject_id or categories: a hold on nothing blocks nothing", t.ID, i, h.ID)
		}
		if h.Until != nil && !h.Until.After(h.Since) {
			return fmt.Errorf("tenant %s: legal_holds[%d] (%s): until is not after since", t.ID, i, h.ID)
		}
		for _, c := range h.Categories {
			if !c.Valid() {
				return fmt.Errorf("tenant %s: legal_holds[%d] (%s): unknown category %q (one of %s)", t.ID, i, h.ID, c, categoryNames())
			}
		}
	}
	return t.validateCalendar()
}

// validTenantID: tenant ids appear in operator scopes, audit targets and
// file names, so they stay plain.
func validTenantID(id string) bool {
	if len(id) > 64 || id[0] == '-' {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func categoryNames() string {
	var out []string
	for _, c := range Categories() {
		out = append(out, string(c.Category))
	}
	return strings.Join(out, ", ")
}

// usStateCodes are the USPS codes of the states, DC and the territories,
// each between spaces.
const usStateCodes = " AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY" +
	" NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC AS GU MP PR VI "

// TenantChanges names the fields (as the tenants file spells them) that
// differ between was and now, for the audit entry of an edit.
func TenantChanges(was, now Tenant) []string {
	var out []string
	add := func(name string, changed bool) {
		if changed {
			out = append(out, name)
		}
	}
	add("name", was.Name != now.Name)
	add("state", was.State != now.State)
	add("time_zone", was.TimeZone != now.TimeZone)
	add("government", was.Government != now.Government)
	add("approvers", !slices.Equal(was.Approvers, now.Approvers))
	add("privacy_contact", !reflect.DeepEqual(was.PrivacyContact, now.PrivacyContact))
	add("retention", !reflect.DeepEqual(was.Retention, now.Retention))
	add("legal_holds", !reflect.DeepEqual(was.Holds, now.Holds))
	add("holiday_add", !slices.Equal(was.HolidayAdd, now.HolidayAdd))
	add("holiday_remove", !slices.Equal(was.HolidayRemove, now.HolidayRemove))
	add("holidays", !slices.Equal(was.Holidays, now.Holidays))
	return out
}

// HoldsFor returns the legal holds in force at now that apply to
// subjectID (including category-wide holds with no subject).
func (t Tenant) HoldsFor(subjectID string, now time.Time) []LegalHold {
	var out []LegalHold
	for _, h := range t.Holds {
		if (h.SubjectID == "" || h.SubjectID == subjectID) && h.InForce(now) {
			out = append(out, h)
		}
	}
	return out
}
