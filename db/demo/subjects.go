package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// person is a subject plus what the generator needs to stay coherent.
type person struct {
	model.Subject
	def      *tenantDef
	handle   string // ascii "given.family" used in e-mail addresses
	child    bool
	guardian model.Person  // children only: the parent who registered them
	colls    []string      // collections holding this subject's records
	special  string        // "featured", "hostile", "held", "twin"
	hostile  string        // the hostile value attached to this subject, if any
	real     model.Subject // the identity before masking: records are generated from it
}

type script struct {
	weight        int
	given, family []string
	eastAsian     bool // family name first, no space
	rtl           bool
}

var scripts = []script{
	{weight: 500, given: englishGiven, family: englishFamily},
	{weight: 140, given: accentedGiven, family: accentedFamily},
	{weight: 60, given: chineseGiven, family: chineseFamily, eastAsian: true},
	{weight: 50, given: japaneseGiven, family: japaneseFamily, eastAsian: true},
	{weight: 50, given: koreanGiven, family: koreanFamily, eastAsian: true},
	{weight: 50, given: arabicGiven, family: arabicFamily, rtl: true},
	{weight: 40, given: hebrewGiven, family: hebrewFamily, rtl: true},
	{weight: 30, given: cyrillicGiven, family: cyrillicFamily},
	{weight: 10, given: greekGiven, family: greekFamily},
	{weight: 30, given: devanagariGiven, family: devanagariFamily},
	{weight: 10, given: thaiGiven, family: thaiFamily},
}

const (
	oddNameWeight  = 15 // per mille
	longNameWeight = 15
)

func split(entry string) (native, roman string) {
	native, roman, _ = strings.Cut(entry, "|")
	return native, roman
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// randomName returns a display name and an ascii handle for e-mail addresses.
func randomName(r *rand.Rand) (string, string) {
	n := r.IntN(1000)
	if n < oddNameWeight {
		return split(pick(r, oddNames))
	}
	if n < oddNameWeight+longNameWeight {
		return split(pick(r, longNames))
	}
	total := 0
	for _, s := range scripts {
		total += s.weight
	}
	n = r.IntN(total)
	for _, s := range scripts {
		if n >= s.weight {
			n -= s.weight
			continue
		}
		g, gr := split(pick(r, s.given))
		f, fr := split(pick(r, s.family))
		if s.eastAsian {
			return f + g, gr + "." + fr
		}
		return g + " " + f, gr + "." + fr
	}
	panic("unreachable")
}

func pickTenant(r *rand.Rand) int {
	total := 0
	for _, d := range tenantDefs {
		total += d.weight
	}
	n := r.IntN(total)
	for i, d := range tenantDefs {
		if n < d.weight {
			return i
		}
		n -= d.weight
	}
	panic("unreachable")
}

var otherStates = []string{"CA", "TX", "NV", "AZ", "NY", "WA", "OR", "FL", "IL", "NJ"}

// subjectIndex layout: the first subjects are the ones demos and tests rely on.
func newPerson(seed uint64, i int, now time.Time) *person {
	r := rand.New(rand.NewPCG(mix(seed, 1), mix(seed, uint64(i)+2)))
	p := &person{}
	ti := pickTenant(r)
	name, handle := randomName(r)
	nf, nh := len(featuredNames), len(hostile)
	switch {
	case i < nf:
		ti = 0
		name, handle = split(featuredNames[i])
		p.special = "featured"
	case i < nf+nh:
		k := i - nf
		ti = k % len(tenantDefs)
		p.special, p.hostile = "hostile", hostile[k]
		if hostile[k] != longValue {
			name = hostile[k]
		}
		handle = fmt.Sprintf("mallory.%02d", k)
	case i == nf+nh: // under a subpoena in the first tenant
		ti, p.special = 0, "held"
	case i == nf+nh+1: // under a preservation request in Coral Dade
		ti, p.special = indexOfTenant("coral-dade-fl"), "held"
	case i == nf+nh+2: // José Núñez again, in another county, same e-mail
		ti, p.special = indexOfTenant("sonoma-valley-ca"), "twin"
		name, handle = split(featuredNames[0])
	case i == nf+nh+3:
		ti, p.special = indexOfTenant("bayshore-ca"), "twin"
		name, handle = split(featuredNames[2])
	}
	d := &tenantDefs[ti]
	p.def = d
	p.ID = fmt.Sprintf("S-%06d", i+1)
	p.TenantID = d.id
	p.AccountID = fmt.Sprintf("ACC-%s-%05d", strings.ToUpper(d.id[:3]), 10000+i)
	p.Name = name
	p.handle = handle
	p.Version = 1
	p.CreatedAt = now.AddDate(0, 0, -(30 + r.IntN(8*365))).Add(time.Duration(r.IntN(86400)) * time.Second)

	// Birth dates: some children under 14, some unknown.
	switch n := r.IntN(100); {
	case p.special == "featured" && i == 4: // 김민준 is 11: child-data deletions have a featured subject
		p.BirthDate = now.AddDate(-11, -3, -9).Format(time.DateOnly)
	case p.special != "":
		p.BirthDate = now.AddDate(-(25 + r.IntN(40)), 0, -r.IntN(365)).Format(time.DateOnly)
	case n < 8:
		p.BirthDate = now.AddDate(-(4 + r.IntN(10)), 0, -r.IntN(365)).Format(time.DateOnly)
	case n < 18:
		// unknown
	default:
		p.BirthDate = now.AddDate(-(14 + r.IntN(76)), 0, -r.IntN(365)).Format(time.DateOnly)
	}
	p.child = p.IsChild(now)

	p.ResidencyState = d.state
	if r.IntN(100) < 7 && !p.child && p.special == "" {
		p.ResidencyState = pick(r, otherStates)
	}

	// E-mail: lower-case ascii, numbered so namesakes differ.
	domain := pick(r, emailDomains)
	if p.special == "featured" || p.special == "twin" {
		domain = "example.com"
		p.Emails = []string{strings.ToLower(handle) + "@" + domain}
	} else {
		p.Emails = []string{fmt.Sprintf("%s%d@%s", strings.ToLower(handle), r.IntN(1000), domain)}
	}
	if r.IntN(100) < 15 {
		p.Emails = append(p.Emails, fmt.Sprintf("%s.%s@%s", strings.ToLower(strings.ReplaceAll(handle, ".", "")), d.id[:3], pick(r, emailDomains)))
	}
	if p.child {
		p.Emails = nil // children register through a guardian
	}
	p.Phones = []string{}
	for n := r.IntN(3); n > 0; n-- {
		p.Phones = append(p.Phones, phoneDigits(r, d))
	}
	if p.child {
		p.Phones = []string{}
	}
	p.Address = address(r, d)
	if p.hostile == longValue {
		p.Name, p.Address = "Max Longfield", longValue
	}

	p.Status = model.AccountActive
	if p.special == "" && !p.child {
		switch n := r.IntN(100); {
		case n < 6:
			p.Status = model.AccountMasked
		case n < 18:
			p.Status = model.AccountClosed
		}
	}
	if p.child {
		g, gh := randomName(r)
		p.guardian = model.Person{Name: g, Email: fmt.Sprintf("%s%d@%s", gh, r.IntN(100), pick(r, emailDomains)), Phone: phoneTyped(r, phoneDigits(r, d))}
	}
	p.colls = chooseCollections(r, p)
	p.real = p.Subject
	p.real.Emails = append([]string(nil), p.Emails...)
	p.real.Phones = append([]string(nil), p.Phones...)
	if p.Status == model.AccountMasked {
		// De-identified: the record is kept, the person is no longer in it.
		p.Name = "[masked " + p.ID + "]"
		p.Emails, p.Phones, p.Address, p.BirthDate = []string{}, []string{}, "", ""
	}
	if p.Emails == nil {
		p.Emails = []string{}
	}
	return p
}

// mix is SplitMix64's finaliser: it turns neighbouring stream numbers into
// unrelated seeds (PCG streams seeded 1, 2, 3… start out correlated).
func mix(seed, n uint64) uint64 {
	z := seed + n*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func indexOfTenant(id string) int {
	for i, d := range tenantDefs {
		if d.id == id {
			return i
		}
	}
	panic("no tenant " + id)
}

func phoneDigits(r *rand.Rand, d *tenantDef) string {
	return pick(r, d.areaCodes) + "555" + fmt.Sprintf("%04d", r.IntN(10000))
}

// phoneTyped formats digits the many ways people type a phone number.
func phoneTyped(r *rand.Rand, digits string) string {
	a, b, c := digits[:3], digits[3:6], digits[6:]
	switch r.IntN(6) {
	case 0:
		return "(" + a + ") " + b + "-" + c
	case 1:
		return a + "-" + b + "-" + c
	case 2:
		return "+1 " + a + "." + b + "." + c
	case 3:
		return a + " " + b + " " + c
	case 4:
		return "1-" + a + "-" + b + "-" + c
	}
	return digits
}

func address(r *rand.Rand, d *tenantDef) string {
	s := fmt.Sprintf("%d %s", 10+r.IntN(9980), pick(r, streets))
	switch r.IntN(8) {
	case 0:
		s += fmt.Sprintf(", Apt %d%c", 1+r.IntN(30), 'A'+rune(r.IntN(4)))
	case 1:
		s += fmt.Sprintf(" #%d", 100+r.IntN(400))
	}
	return fmt.Sprintf("%s, %s, %s %s%02d", s, d.city, d.state, d.zip, r.IntN(100))
}

var collWeights = []struct {
	coll   string
	weight int
}{
	{CollWebVisits, 50}, {CollAlertSubscriptions, 35}, {CollPayments, 35}, {CollRecRegistrations, 25},
	{CollMobileDevices, 25}, {CollJobApplications, 12}, {CollMeetingMedia, 8}, {CollHRRecords, 6},
	{CollBoardApplications, 5},
}

func chooseCollections(r *rand.Rand, p *person) []string {
	if p.child {
		out := []string{CollRecRegistrations}
		if r.IntN(100) < 30 {
			out = append(out, CollWebVisits)
		}
		if r.IntN(100) < 15 {
			out = append(out, CollMobileDevices)
		}
		return out
	}
	switch {
	case p.special == "held" && p.TenantID == "oakridge-ca":
		return []string{CollJobApplications, CollHRRecords, CollPayments, CollAlertSubscriptions}
	case p.special == "held":
		return []string{CollWebVisits, CollMobileDevices, CollAlertSubscriptions, CollPayments}
	}
	k := 1
	switch n := r.IntN(100); {
	case p.special == "featured":
		k = 4 + r.IntN(3)
	case n < 30:
		k = 1
	case n < 65:
		k = 2
	case n < 90:
		k = 3
	default:
		k = 4 + r.IntN(3)
	}
	type cw struct {
		coll   string
		weight int
	}
	pool := make([]cw, len(collWeights))
	for i, c := range collWeights {
		pool[i] = cw{c.coll, c.weight}
	}
	var out []string
	for len(out) < k && len(pool) > 0 {
		total := 0
		for _, c := range pool {
			total += c.weight
		}
		n := r.IntN(total)
		for i, c := range pool {
			if n < c.weight {
				out = append(out, c.coll)
				pool = append(pool[:i], pool[i+1:]...)
				break
			}
			n -= c.weight
		}
	}
	// Featured residents show every kind of request, opt-outs included.
	if p.special == "featured" && !contains(out, CollAlertSubscriptions) {
		out = append(out, CollAlertSubscriptions)
	}
	// Employees applied first.
	if contains(out, CollHRRecords) && !contains(out, CollJobApplications) {
		out = append(out, CollJobApplications)
	}
	return out
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
