package demo

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/model"
)

// Approximate centres for device locations (invented places, plausible coordinates).
var tenantGeo = map[string][2]float64{
	"oakridge-ca": {38.58, -121.49}, "sonoma-valley-ca": {38.29, -122.46}, "palo-verde-usd-ca": {33.61, -114.60},
	"bayshore-ca": {37.55, -122.31}, "pecan-ridge-tx": {30.27, -97.74}, "lakewood-springs-co": {39.70, -105.08},
	"hamlin-county-oh": {39.10, -84.51}, "rosewood-falls-or": {45.52, -122.68}, "coral-dade-fl": {25.76, -80.19},
	"brookfield-hollow-ny": {42.81, -75.32}, "tahoma-bay-wa": {47.25, -122.44}, "fairhaven-county-va": {38.85, -77.31},
}

var collPrefix = map[string]string{
	CollRecRegistrations: "rr", CollPayments: "pay", CollJobApplications: "job", CollBoardApplications: "brd",
	CollHRRecords: "hr", CollAlertSubscriptions: "alr", CollMeetingMedia: "mtg", CollWebVisits: "web",
	CollMobileDevices: "mob",
}

func randTime(r *rand.Rand, from, to time.Time) time.Time {
	if !to.After(from) {
		return from
	}
	return from.Add(time.Duration(r.Int64N(int64(to.Sub(from))))).Truncate(time.Second)
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randChars(r *rand.Rand, n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// fakeSSN uses area numbers 900–999, which are never issued as SSNs.
func fakeSSN(r *rand.Rand) string {
	return fmt.Sprintf("%03d-%02d-%04d", 900+r.IntN(100), 1+r.IntN(99), 1+r.IntN(9999))
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return s
}

var (
	programs   = []string{"Youth Soccer (U10)", "Summer Day Camp", "Swim Lessons – Level 2", "Library Reading Challenge", "Coding Club (ages 9–12)", "Ballet Basics", "Adult Pottery", "Senior Fitness", "Tennis Clinic", "Art in the Park"}
	payDescs   = []string{"Water & sewer bill", "Parking citation", "Dog licence", "Facility rental deposit", "Business licence renewal", "Recreation program fee", "Building permit fee"}
	positions  = []string{"Librarian I", "Maintenance Worker II", "Administrative Analyst", "Police Records Specialist", "Recreation Leader (seasonal)", "GIS Technician", "Accountant", "Lifeguard", "Paraeducator", "Civil Engineer"}
	parties    = []string{"Democratic", "Republican", "Independent", "Green", "Libertarian", "No party preference", "Declined to state"}
	genders    = []string{"female", "male", "non-binary", "declined to state"}
	ethnics    = []string{"Hispanic or Latino", "Asian", "Black or African American", "White", "Native Hawaiian or Pacific Islander", "American Indian or Alaska Native", "Two or more races", "Declined to state"}
	degrees    = []string{"High school diploma (2004)", "A.A. Liberal Arts, Valley Community College (2010)", "B.A. Public Administration, State University (2012)", "B.S. Civil Engineering (2015)", "M.L.I.S., Northern University (2018)", "GED (2009)"}
	decisions  = []string{"hired", "not selected", "pending", "withdrawn"}
	boards     = []string{"Planning Commission", "Library Board", "Parks & Recreation Commission", "Human Rights Commission", "Youth Advisory Council", "Board of Zoning Appeals"}
	depts      = []string{"Public Works", "Library", "Parks & Recreation", "Finance", "Police", "Information Technology", "Clerk's Office"}
	alertLists = []string{"Emergency alerts", "Street sweeping", "City newsletter", "Council agendas", "Road closures"}
	topics     = []string{"events", "road work", "water", "elections", "parks", "library", "public safety"}
	bodies     = []string{"City Council", "Board of Supervisors", "Planning Commission", "School Board", "Parks Commission"}
	pagesPool  = []string{"/", "/parks/register", "/jobs", "/jobs/apply?req=%d", "/pay/water", "/council/agendas", "/library/catalog?q=%s", "/alerts/subscribe", "/privacy", "/contact"}
	devices    = []string{"Pixel 8", "iPhone 15", "iPhone 12 mini", "Galaxy S23", "Moto G Power", "iPad (9th gen)", "OnePlus 11"}
	agents     = []string{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}
	medical    = []string{"Peanut allergy (EpiPen in backpack)", "Asthma: inhaler as needed", "Type 1 diabetes: snacks allowed", "None"}
	relations  = []string{"spouse", "parent", "sibling", "friend", "neighbour"}
)

// genRecords makes one subject's documents in its product collections. Each
// subject has its own random stream, so the first N subjects' data does not
// depend on how many subjects are generated.
func genRecords(seed uint64, i int, p *person, now time.Time, emit func(coll string, doc bson.D)) {
	r := rand.New(rand.NewPCG(mix(seed, 0x7265636f726473), mix(seed^0x7265636f726473, uint64(i)+1)))
	s := p.real
	d := p.def
	since := s.CreatedAt
	if floor := now.AddDate(-5, 0, 0); since.Before(floor) {
		since = floor
	}
	email := ""
	if len(s.Emails) > 0 {
		email = s.Emails[0]
	}
	phone := ""
	if len(s.Phones) > 0 {
		phone = phoneTyped(r, s.Phones[0])
	}
	for _, coll := range p.colls {
		spec := specFor(coll)
		n := 1
		switch coll {
		case CollWebVisits:
			n = 1 + r.IntN(4)
		case CollPayments:
			n = 1 + r.IntN(3)
		case CollRecRegistrations:
			n = 1 + r.IntN(2)
		}
		for j := 0; j < n; j++ {
			at := randTime(r, since, now)
			doc := bson.D{
				{Key: FieldID, Value: fmt.Sprintf("%s-%06d-%d", collPrefix[coll], i+1, j+1)},
				{Key: FieldTenantID, Value: s.TenantID},
				{Key: FieldSubject, Value: s.ID},
				{Key: spec.m.DateField, Value: at},
			}
			add := func(k string, v any) { doc = append(doc, bson.E{Key: k, Value: v}) }
			switch coll {
			case CollRecRegistrations:
				add("program", pick(r, programs))
				add("season", season(at))
				add("fee_cents", int64(2500+r.IntN(30000)))
				add("participant_name", s.Name)
				if s.BirthDate != "" {
					add("participant_birth_date", s.BirthDate)
				}
				if p.child {
					add("guardian_name", p.guardian.Name)
					add("guardian_email", p.guardian.Email)
					add("guardian_phone", p.guardian.Phone)
					if r.IntN(3) == 0 {
						add("medical_notes", pick(r, medical))
					}
				} else {
					add("emergency_contact", fmt.Sprintf("%s (%s) %s", firstWord(s.Name), pick(r, relations), phoneTyped(r, phoneDigits(r, d))))
				}
				add("address", s.Address)
			case CollPayments:
				add("payer_name", s.Name)
				if email != "" {
					add("billing_email", email)
				}
				add("billing_address", s.Address)
				add("processor_token", "tok_"+randChars(r, 24, alnum))
				add("amount_cents", int64(500+r.IntN(90000)))
				add("description", pick(r, payDescs))
				add("processor", "demo-processor")
			case CollJobApplications:
				add("position", pick(r, positions))
				add("requisition", fmt.Sprintf("REQ-%d-%03d", at.Year(), 1+r.IntN(300)))
				dec := pick(r, decisions)
				if contains(p.colls, CollHRRecords) {
					dec = "hired"
				}
				add("decision", dec)
				add("applicant_name", s.Name)
				add("email", email)
				if phone != "" {
					add("phone", phone)
				}
				add("address", s.Address)
				if s.BirthDate != "" {
					add("birth_date", s.BirthDate)
				}
				add("gender", pick(r, genders))
				add("ethnicity", pick(r, ethnics))
				if r.IntN(3) == 0 {
					add("political_party", pick(r, parties))
				}
				add("education", pick(r, degrees))
				add("job_history", fmt.Sprintf("%s, %s %d–%d; %s, private sector %d–%d", pick(r, positions), d.name, at.Year()-8, at.Year()-4, pick(r, positions), at.Year()-4, at.Year()))
				add("references", fmt.Sprintf("%s (former supervisor) %s; %s (colleague)", pick(r, englishGivenNames()), phoneTyped(r, phoneDigits(r, d)), pick(r, englishGivenNames())))
				add("ssn", fakeSSN(r))
				switch r.IntN(3) {
				case 0:
					add("passport_number", "X"+randChars(r, 8, "0123456789"))
				case 1:
					add("alien_registration_number", "A"+randChars(r, 9, "0123456789"))
				}
				add("drivers_license", string(rune('A'+r.IntN(26)))+randChars(r, 7, "0123456789"))
				add("salary_history", fmt.Sprintf("$%d,%03d (%d); $%d,%03d (%d)", 38+r.IntN(40), r.IntN(1000), at.Year()-3, 45+r.IntN(50), r.IntN(1000), at.Year()-1))
			case CollBoardApplications:
				add("board", pick(r, boards))
				add("term", fmt.Sprintf("%d–%d", at.Year(), at.Year()+4))
				add("applicant_name", s.Name)
				add("email", email)
				if phone != "" {
					add("phone", phone)
				}
				add("address", s.Address)
				stmt := "I have lived in " + d.city + " for " + fmt.Sprint(2+r.IntN(30)) + " years and want to give back."
				if p.hostile != "" {
					stmt = p.hostile
				}
				add("statement", stmt)
				add("political_party", pick(r, parties))
				add("occupation", pick(r, positions))
			case CollHRRecords:
				add("employee_number", fmt.Sprintf("E-%05d", 10000+i))
				add("department", pick(r, depts))
				add("job_title", pick(r, positions))
				if r.IntN(4) == 0 {
					add("separated_at", randTime(r, at, now))
				}
				add("employee_name", s.Name)
				add("home_address", s.Address)
				if phone != "" {
					add("personal_phone", phone)
				}
				if s.BirthDate != "" {
					add("birth_date", s.BirthDate)
				}
				add("ssn", fakeSSN(r))
				add("bank_account", randChars(r, 10+r.IntN(3), "0123456789"))
				add("routing_number", "0"+randChars(r, 8, "0123456789"))
				names, ssns := []string{}, []string{}
				for k := r.IntN(4); k > 0; k-- {
					g, _ := split(pick(r, englishGiven))
					names = append(names, g+" "+lastWord(s.Name))
					ssns = append(ssns, fakeSSN(r))
				}
				add("dependant_names", names)
				add("dependant_ssns", ssns)
			case CollAlertSubscriptions:
				add("list", pick(r, alertLists))
				e := email
				if e == "" {
					e = fmt.Sprintf("%s%d@%s", strings.ToLower(p.handle), r.IntN(100), pick(r, emailDomains))
				}
				add("email", e)
				if phone != "" && r.IntN(2) == 0 {
					add("sms_phone", phone)
					add("sms_opt_in", true)
				} else {
					add("sms_opt_in", false)
				}
				add("marketing_email_opt_in", r.IntN(100) < 70)
				ts := []string{pick(r, topics)}
				if r.IntN(2) == 0 {
					ts = append(ts, pick(r, topics))
				}
				add("topics", ts)
			case CollMeetingMedia:
				body := pick(r, bodies)
				add("meeting", fmt.Sprintf("%s regular meeting %s", body, at.Format(time.DateOnly)))
				add("body", body)
				add("speaker_name", s.Name)
				add("video_ref", fmt.Sprintf("media://%s/meetings/%s.mp4#t=%02d:%02d:%02d", s.TenantID, at.Format(time.DateOnly), r.IntN(3), r.IntN(60), r.IntN(60)))
				add("thumbnail_ref", fmt.Sprintf("media://%s/thumbs/%s-%s.jpg", s.TenantID, at.Format("20060102"), randChars(r, 6, "0123456789abcdef")))
			case CollWebVisits:
				add("ip", randomIP(r))
				add("cookie_id", "ck_"+randChars(r, 16, "0123456789abcdef"))
				pages := []string{}
				for k := 1 + r.IntN(4); k > 0; k-- {
					pg := pick(r, pagesPool)
					switch {
					case strings.Contains(pg, "%d"):
						pg = fmt.Sprintf(pg, 100+r.IntN(900))
					case strings.Contains(pg, "%s"):
						pg = fmt.Sprintf(pg, pick(r, []string{"gardening", "tax+forms", "jazz", "python"}))
					}
					pages = append(pages, pg)
				}
				add("pages", pages)
				ua := pick(r, agents)
				if p.hostile != "" && j == 0 {
					ua = p.hostile
				}
				add("user_agent", ua)
			case CollMobileDevices:
				tok := "fcm:" + randChars(r, 40, alnum+"-_")
				if r.IntN(2) == 0 {
					tok = "apns:" + randChars(r, 64, "0123456789abcdef")
				}
				add("push_token", tok)
				add("device_model", pick(r, devices))
				g := tenantGeo[s.TenantID]
				add("last_location", fmt.Sprintf("%.4f,%.4f", g[0]+(r.Float64()-0.5)*0.2, g[1]+(r.Float64()-0.5)*0.2))
				add("app_version", fmt.Sprintf("3.%d.%d", r.IntN(8), r.IntN(10)))
			}
			if p.Status == model.AccountMasked {
				doc = erase(doc, spec, s.TenantID)
				if doc == nil {
					continue
				}
			}
			emit(coll, doc)
		}
	}
}

func englishGivenNames() []string {
	out := make([]string, len(englishGiven))
	for i, e := range englishGiven {
		out[i], _ = split(e)
	}
	return out
}

func lastWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[len(f)-1]
	}
	return s
}

func season(t time.Time) string {
	switch t.Month() {
	case time.March, time.April, time.May:
		return fmt.Sprintf("Spring %d", t.Year())
	case time.June, time.July, time.August:
		return fmt.Sprintf("Summer %d", t.Year())
	case time.September, time.October, time.November:
		return fmt.Sprintf("Fall %d", t.Year())
	}
	return fmt.Sprintf("Winter %d", t.Year())
}

// randomIP returns an address from the documentation ranges (RFC 5737, RFC 3849).
func randomIP(r *rand.Rand) string {
	switch r.IntN(4) {
	case 0:
		return fmt.Sprintf("192.0.2.%d", 1+r.IntN(254))
	case 1:
		return fmt.Sprintf("198.51.100.%d", 1+r.IntN(254))
	case 2:
		return fmt.Sprintf("203.0.113.%d", 1+r.IntN(254))
	}
	return fmt.Sprintf("2001:db8:%x:%x::%x", r.IntN(0xffff), r.IntN(0xffff), 1+r.IntN(0xfffe))
}

// erase applies the data map's erasure rules, as the masking of a closed
// account did: nil means the whole document went.
func erase(doc bson.D, spec *collSpec, tenantID string) bson.D {
	out := doc[:0:0]
	for _, e := range doc {
		var f *model.FieldMap
		for k := range spec.m.Fields {
			if spec.m.Fields[k].Field == e.Key {
				f = &spec.m.Fields[k]
			}
		}
		if f == nil {
			out = append(out, e)
			continue
		}
		switch f.Erasure {
		case model.EraseDeleteDoc:
			return nil
		case model.EraseNull:
			out = append(out, bson.E{Key: e.Key, Value: nil})
		case model.EraseFixed:
			out = append(out, bson.E{Key: e.Key, Value: f.Fixed})
		case model.EraseHash:
			sum := sha256.Sum256([]byte(tenantID + "\x00" + fmt.Sprint(e.Value)))
			out = append(out, bson.E{Key: e.Key, Value: "hmac:" + hex.EncodeToString(sum[:12])})
		default:
			out = append(out, e)
		}
	}
	return out
}
