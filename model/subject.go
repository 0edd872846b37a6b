package model

import "time"

// AccountStatus is the state of a subject's portal account.
type AccountStatus string

const (
	AccountActive AccountStatus = "active"
	AccountClosed AccountStatus = "closed"
	// Masked accounts were closed and de-identified; the record is retained.
	AccountMasked AccountStatus = "masked"
)

// Subject is an end user (resident, applicant, employee) of one tenant.
type Subject struct {
	ID             string        `bson:"_id" json:"id"`
	TenantID       string        `bson:"tenant_id" json:"tenant_id"`
	AccountID      string        `bson:"account_id" json:"account_id"`
	Name           string        `bson:"name" json:"name"`
	Emails         []string      `bson:"emails" json:"emails"` // stored lower-case
	Phones         []string      `bson:"phones" json:"phones"` // stored as digits only
	Address        string        `bson:"address" json:"address"`
	BirthDate      string        `bson:"birth_date,omitempty" json:"birth_date,omitempty"` // YYYY-MM-DD
	ResidencyState string        `bson:"residency_state" json:"residency_state"`
	Status         AccountStatus `bson:"status" json:"status"`
	CreatedAt      time.Time     `bson:"created_at" json:"created_at"`
	// UpdatedAt is set by every write after the first (absent on subjects
	// never changed): the lookup directory polls for it to stay fresh.
	UpdatedAt time.Time `bson:"updated_at,omitempty" json:"updated_at,omitzero"`
	Version   int64     `bson:"version" json:"version"`
	// OtherContacts are the other people the product records attach to
	// the subject (OtherContactsOf), searchable in the lookup and shown
	// masked; never the subject's own data points.
	OtherContacts []OtherContact `bson:"other_contacts,omitempty" json:"other_contacts,omitempty"`
}

// AgeOn returns the subject's age in whole years on day, and false when the
// birth date is unknown or malformed.
func (s Subject) AgeOn(day time.Time) (int, bool) {
	if s.BirthDate == "" {
		return 0, false
	}
	b, err := time.Parse(time.DateOnly, s.BirthDate)
	if err != nil {
		return 0, false
	}
	y, m, d := day.Date()
	age := y - b.Year()
	if m < b.Month() || (m == b.Month() && d < b.Day()) {
		age--
	}
	return age, true
}

// ChildAge is the policy's threshold: data a child under 14 provided is deleted on an expedited basis.
const ChildAge = 14

// IsChild reports whether the subject is under ChildAge on day.
func (s Subject) IsChild(day time.Time) bool {
	age, ok := s.AgeOn(day)
	return ok && age < ChildAge
}

// OtherContact is a person attached to a subject in the product records —
// a guardian, an emergency contact — as the data map names them (FieldMap
// ThirdParty). A parent who writes in for a child gives their own email;
// support finds the child's subject through it. It is a derived copy, kept
// on the subject so the lookup directory stays one query over subjects.
type OtherContact struct {
	Relation string `bson:"relation" json:"relation"`
	Name     string `bson:"name,omitempty" json:"name,omitempty"`
	Email    string `bson:"email,omitempty" json:"email,omitempty"` // lower-case
	Phone    string `bson:"phone,omitempty" json:"phone,omitempty"` // digits only
}
