package demo

import (
	"time"

	"github.com/custodian-dev/custodian/model"
)

// tenantDef is the invented part of a Customer; dates are added from the clock.
type tenantDef struct {
	id, name, state, tz string
	city, zip           string   // for subjects' addresses
	areaCodes           []string // for subjects' phones
	weight              int      // share of subjects
	approvers           []model.Contact
	kind                string // "city", "county", "school"
	// openOn are state holidays this Customer's offices stay open on, as
	// the rule of each year: the demo's removals, kept for three years.
	openOn []func(year int) time.Time
}

// The Customers are invented: the names resemble US local governments but no
// real entity's data is used. E-mail domains are under the reserved .example TLD.
var tenantDefs = []tenantDef{
	{id: "oakridge-ca", name: "City of Oakridge", state: "CA", tz: "America/Los_Angeles", city: "Oakridge", zip: "956", areaCodes: []string{"916", "530"}, weight: 14, kind: "city",
		approvers: []model.Contact{
			{Name: "Dana Whitfield", Title: "City Clerk", Email: "dana.whitfield@oakridge-ca.example", Phone: "(916) 555-0101"},
			{Name: "Marcus Ibarra", Title: "Deputy City Attorney", Email: "marcus.ibarra@oakridge-ca.example", Phone: "(916) 555-0102"},
			{Name: "Priya Raman", Title: "Privacy Officer", Email: "privacy@oakridge-ca.example", Phone: "(916) 555-0103"},
		}},
	{id: "sonoma-valley-ca", name: "Sonoma Valley County", state: "CA", tz: "America/Los_Angeles", city: "Vinewood", zip: "954", areaCodes: []string{"707"}, weight: 10, kind: "county",
		approvers: []model.Contact{
			{Name: "Helen Castellanos", Title: "Clerk-Recorder", Email: "hcastellanos@svc-ca.example", Phone: "707-555-0110"},
			{Name: "Ted Okafor", Title: "County Counsel", Email: "tokafor@svc-ca.example", Phone: "707-555-0111"},
		},
		openOn: []func(int) time.Time{dayAfterThanksgiving}},
	{id: "palo-verde-usd-ca", name: "Palo Verde Mesa Unified School District", state: "CA", tz: "America/Los_Angeles", city: "Palo Verde Mesa", zip: "922", areaCodes: []string{"760"}, weight: 9, kind: "school",
		approvers: []model.Contact{
			{Name: "Rosa Delgado", Title: "Director of Student Records", Email: "rdelgado@pvmusd.example", Phone: "760.555.0120"},
		}},
	{id: "bayshore-ca", name: "City of Bayshore", state: "CA", tz: "America/Los_Angeles", city: "Bayshore", zip: "940", areaCodes: []string{"650", "415"}, weight: 10, kind: "city",
		approvers: []model.Contact{
			{Name: "Kenji Mori", Title: "City Clerk", Email: "kmori@bayshore-ca.example", Phone: "(650) 555-0130"},
			{Name: "Aisha Grant", Title: "Chief Information Officer", Email: "agrant@bayshore-ca.example", Phone: "(650) 555-0131"},
		},
		openOn: []func(int) time.Time{dayAfterThanksgiving}},
	{id: "pecan-ridge-tx", name: "Pecan Ridge County", state: "TX", tz: "America/Chicago", city: "Pecan Ridge", zip: "786", areaCodes: []string{"512", "737"}, weight: 9, kind: "county",
		approvers: []model.Contact{
			{Name: "Wade Holloway", Title: "County Clerk", Email: "wade.holloway@pecanridge-tx.example", Phone: "512-555-0140"},
			{Name: "Lupe Benavides", Title: "Public Information Officer", Email: "pio@pecanridge-tx.example", Phone: "512-555-0141"},
		}},
	{id: "lakewood-springs-co", name: "City of Lakewood Springs", state: "CO", tz: "America/Denver", city: "Lakewood Springs", zip: "804", areaCodes: []string{"303", "720"}, weight: 7, kind: "city",
		approvers: []model.Contact{
			{Name: "Gretchen Albrecht", Title: "City Clerk", Email: "galbrecht@lakewoodsprings-co.example", Phone: "303-555-0150"},
		}},
	{id: "hamlin-county-oh", name: "Hamlin County", state: "OH", tz: "America/New_York", city: "Hamlin", zip: "452", areaCodes: []string{"513"}, weight: 7, kind: "county",
		approvers: []model.Contact{
			{Name: "Bernard Kowalczyk", Title: "Records Commission Secretary", Email: "bkowalczyk@hamlin-oh.example", Phone: "513-555-0160"},
			{Name: "Jasmine Terrell", Title: "Assistant Prosecutor (civil)", Email: "jterrell@hamlin-oh.example", Phone: "513-555-0161"},
		}},
	{id: "rosewood-falls-or", name: "City of Rosewood Falls", state: "OR", tz: "America/Los_Angeles", city: "Rosewood Falls", zip: "972", areaCodes: []string{"503", "971"}, weight: 7, kind: "city",
		approvers: []model.Contact{
			{Name: "Nadia Petrova", Title: "City Recorder", Email: "npetrova@rosewoodfalls-or.example", Phone: "503-555-0170"},
		}},
	{id: "coral-dade-fl", name: "Coral Dade County", state: "FL", tz: "America/New_York", city: "Coral Dade", zip: "331", areaCodes: []string{"305", "786"}, weight: 9, kind: "county",
		approvers: []model.Contact{
			{Name: "Luis Echevarría", Title: "Records Custodian", Email: "lechevarria@coraldade-fl.example", Phone: "305-555-0180"},
			{Name: "Tamara Fields", Title: "Assistant County Attorney", Email: "tfields@coraldade-fl.example", Phone: "305-555-0181"},
			{Name: "Owen Park", Title: "Chief Privacy Officer", Email: "privacy@coraldade-fl.example", Phone: "305-555-0182"},
		}},
	{id: "brookfield-hollow-ny", name: "Town of Brookfield Hollow", state: "NY", tz: "America/New_York", city: "Brookfield Hollow", zip: "133", areaCodes: []string{"315"}, weight: 5, kind: "city",
		approvers: []model.Contact{
			{Name: "Margaret Doyle", Title: "Town Clerk & Records Management Officer", Email: "townclerk@brookfieldhollow-ny.example", Phone: "315-555-0190"},
		}},
	{id: "tahoma-bay-wa", name: "City of Tahoma Bay", state: "WA", tz: "America/Los_Angeles", city: "Tahoma Bay", zip: "984", areaCodes: []string{"253"}, weight: 7, kind: "city",
		approvers: []model.Contact{
			{Name: "Samuel Nakamura", Title: "Public Records Officer", Email: "records@tahomabay-wa.example", Phone: "253-555-0195"},
			{Name: "Ingrid Solberg", Title: "City Attorney", Email: "isolberg@tahomabay-wa.example", Phone: "253-555-0196"},
		}},
	{id: "fairhaven-county-va", name: "Fairhaven County", state: "VA", tz: "America/New_York", city: "Fairhaven", zip: "220", areaCodes: []string{"703", "571"}, weight: 6, kind: "county",
		approvers: []model.Contact{
			{Name: "Charles Ashby", Title: "FOIA Officer", Email: "foia@fairhaven-va.example", Phone: "703-555-0198"},
		}},
}

// retentionFor gives a tenant the retention rules a government Customer of its
// kind typically has. The schedule numbers are invented.
func retentionFor(d tenantDef) []model.RetentionRule {
	st := d.state
	rules := []model.RetentionRule{
		{Category: model.CatApplicant, Period: "3 years after hiring decision", LegalBasis: st + " state records retention schedule GS-PER-12 (applications, not hired)"},
		{Category: model.CatEmployee, Period: "6 years after separation", LegalBasis: st + " state records retention schedule GS-PER-03 (personnel files, payroll)"},
		{Category: model.CatFinancial, Period: "5 years after fiscal year end", LegalBasis: st + " state records retention schedule GS-FIN-02 (receipts; audit)"},
		// The employee's name in the personnel file is kept with it.
		{Category: model.CatIdentifying, Period: "6 years after separation", LegalBasis: st + " state records retention schedule GS-PER-03 (personnel files, payroll)",
			Collections: []string{CollHRRecords}},
	}
	switch d.kind {
	case "city", "county":
		rules = append(rules,
			model.RetentionRule{Category: model.CatImage, Period: "permanent (recordings of public meetings)", LegalBasis: st + " open-meetings law; schedule GS-ADM-40"},
			model.RetentionRule{Category: model.CatIdentifying, Period: "2 years after term ends (board and commission applications are public records)", LegalBasis: st + " public records act; schedule GS-ADM-18",
				Collections: []string{CollBoardApplications}},
			model.RetentionRule{Category: model.CatIdentifying, Period: "permanent (speakers named in the record of a public meeting)", LegalBasis: st + " open-meetings law; schedule GS-ADM-40",
				Collections: []string{CollMeetingMedia}},
		)
	case "school":
		rules = append(rules,
			model.RetentionRule{Category: model.CatSensitive, Period: "5 years after the student leaves (enrolment and program records)", LegalBasis: st + " student records schedule SR-02 (Class 2 optional records)"},
		)
	}
	return rules
}

func dayAfterThanksgiving(year int) time.Time {
	t := time.Date(year, time.November, 1, 0, 0, 0, 0, time.UTC)
	for t.Weekday() != time.Thursday {
		t = t.AddDate(0, 0, 1)
	}
	return t.AddDate(0, 0, 3*7+1)
}

// holidayRemovals lists the state holidays the tenant stays open on for the
// year before the clock's (requests go back 120 days), the clock's year
// and the next; every other holiday comes from the tenant's calendar
// (model.Tenant.Calendar), for any year.
func holidayRemovals(d tenantDef, year int) []string {
	var out []string
	for y := year - 1; y <= year+1; y++ {
		for _, f := range d.openOn {
			out = append(out, f(y).Format(time.DateOnly))
		}
	}
	return out
}
