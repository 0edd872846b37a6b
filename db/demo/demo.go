// Package demo generates custodian's demo dataset: invented Customers, their
// residents and product records, the data map, operators and a few hundred
// privacy requests with coherent histories. It does no I/O; db.Seed writes
// what it returns.
//
// The data is deterministic: the same Options and the same clock instant give
// byte-identical data (see Dataset.Digest). Every date is relative to the
// clock, so a queue seeded today has requests due this week and overdue ones.
// It imports only model and the driver's bson package (the product records are
// BSON documents): no connection, no terminal.
//
// The name lists, hostile strings and tenant definitions live in Go source
// here rather than in data files: //go:embed cannot reach the repository's
// top-level testdata/ from this package, much of the "data" is computed from
// the clock (holidays, hold dates, birth dates), and the hostile strings are
// control sequences that are reviewable as escaped Go literals but invisible
// (or actively harmful to a terminal) as raw bytes in a text file.
package demo

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/model"
)

// Sizes.
const (
	DefaultSubjects = 3000
	DefaultRequests = 400
	// MinSubjects leaves room for the featured, hostile and held subjects.
	MinSubjects = 50
	// MaxSubjects and MaxRequests bound what a flag can ask for: the embedded
	// database filters in Go, and a demo needs no more.
	MaxSubjects = 20_000
	MaxRequests = 10_000
)

// seed is the fixed RNG seed; change it and every digest changes.
const seed uint64 = 0xC057_0D1A_2026

// Options says how much to generate and when "now" is.
type Options struct {
	Subjects  int         // 0 means DefaultSubjects
	Requests  int         // 0 means DefaultRequests
	LocalUser string      // the local OS user name, added as an admin without a key (see LocalHandle); empty adds nobody
	Clock     model.Clock // nil means the system clock
	// Processors puts the seed policy's sub-processors (CRM, marketing
	// automation, analytics) on the data map (DataMapWithProcessors).
	Processors bool
}

// Dataset is everything the demo seeds, in insertion order.
type Dataset struct {
	Now       time.Time // the clock reading every date is relative to (UTC, whole seconds)
	Tenants   []model.Tenant
	DataMap   []model.CollectionMap
	Operators []model.Operator
	Subjects  []model.Subject
	// Records are the tenant data documents by collection (see Collections).
	Records  map[string][]bson.D
	Requests []model.Request
}

// RecordCount is the number of tenant data documents.
func (d *Dataset) RecordCount() int {
	n := 0
	for _, docs := range d.Records {
		n += len(docs)
	}
	return n
}

// withDefaults fills in the default sizes.
func (o Options) withDefaults() Options {
	if o.Subjects == 0 {
		o.Subjects = DefaultSubjects
	}
	if o.Requests == 0 {
		o.Requests = DefaultRequests
	}
	return o
}

// Validate reports sizes out of range (0 means the default).
func (o Options) Validate() error {
	o = o.withDefaults()
	if o.Subjects < MinSubjects || o.Subjects > MaxSubjects {
		return fmt.Errorf("demo: subjects must be between %d and %d, got %d", MinSubjects, MaxSubjects, o.Subjects)
	}
	if o.Requests < 0 || o.Requests > MaxRequests {
		return fmt.Errorf("demo: requests must be between 0 and %d, got %d", MaxRequests, o.Requests)
	}
	if o.LocalUser != "" {
		if _, err := LocalHandle(o.LocalUser); err != nil {
			return err
		}
	}
	return nil
}

// Generate builds the dataset.
func Generate(o Options) (*Dataset, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o = o.withDefaults()
	clock := o.Clock
	if clock == nil {
		clock = model.SystemClock{}
	}
	now := clock.Now().UTC().Truncate(time.Second)
	ds := &Dataset{Now: now, DataMap: DataMap(), Records: map[string][]bson.D{}}
	if o.Processors {
		ds.DataMap = DataMapWithProcessors()
	}

	people := make([]*person, o.Subjects)
	for i := range people {
		people[i] = newPerson(seed, i, now)
		ds.Subjects = append(ds.Subjects, people[i].Subject)
		genRecords(seed, i, people[i], now, func(coll string, doc bson.D) {
			ds.Records[coll] = append(ds.Records[coll], doc)
		})
	}
	ds.Tenants = tenants(now, people)
	local := ""
	if o.LocalUser != "" {
		local, _ = LocalHandle(o.LocalUser) // checked by Validate
	}
	ds.Operators = operators(local)

	tm := map[string]*model.Tenant{}
	for i := range ds.Tenants {
		tm[ds.Tenants[i].ID] = &ds.Tenants[i]
	}
	g := &reqGen{r: rand.New(rand.NewPCG(seed, 0x7265717565737473)), now: now, tenants: tm, staff: operators(""), people: people, max: o.Requests}
	g.plan()
	ds.Requests = g.finish()
	return ds, nil
}

// privacyContact is the office residents write to: the Customer's
// records office at the first approver's domain and phone.
func privacyContact(d tenantDef) *model.Contact {
	domain := "example"
	if len(d.approvers) > 0 {
		if _, after, ok := strings.Cut(d.approvers[0].Email, "@"); ok {
			domain = after
		}
	}
	c := &model.Contact{Name: d.name + " Privacy Office", Email: "privacy@" + domain, Address: "Records Office, 100 Main Street, " + d.city + ", " + d.state + " " + d.zip + "01"}
	if len(d.approvers) > 0 {
		c.Phone = d.approvers[0].Phone
	}
	return c
}

// tenants materialises the tenant definitions for the clock's year, with the
// legal holds pointing at the held subjects.
func tenants(now time.Time, people []*person) []model.Tenant {
	var held []*person
	for _, p := range people {
		if p.special == "held" {
			held = append(held, p)
		}
	}
	out := make([]model.Tenant, len(tenantDefs))
	for i, d := range tenantDefs {
		out[i] = model.Tenant{
			ID: d.id, Name: d.name, State: d.state, TimeZone: d.tz,
			Approvers:      slices.Clone(d.approvers),
			Retention:      retentionFor(d),
			Holds:          []model.LegalHold{},
			HolidayRemove:  holidayRemovals(d, now.Year()),
			Government:     true,
			PrivacyContact: privacyContact(d),
			Version:        1,
		}
		for _, p := range held {
			if p.TenantID != d.id {
				continue
			}
			switch d.id {
			case "oakridge-ca":
				out[i].Holds = append(out[i].Holds, model.LegalHold{
					ID: "H-OAK-1", Reference: "Subpoena duces tecum, Case No. 25-CV-01187",
					SubjectID: p.ID, Categories: []model.Category{model.CatApplicant, model.CatEmployee, model.CatIdentifying},
					Reason: "civil subpoena for one employee's application and personnel file",
					Since:  now.AddDate(0, 0, -34).Truncate(24 * time.Hour),
				})
			default:
				out[i].Holds = append(out[i].Holds, model.LegalHold{
					ID: "H-CDF-2", Reference: "Preservation request PR-2291 (18 U.S.C. §2703(f))",
					SubjectID: p.ID, Categories: []model.Category{model.CatWebVisitor, model.CatMobile},
					Reason: "law-enforcement preservation request for one resident's web and app records",
					Since:  now.AddDate(0, 0, -75).Truncate(24 * time.Hour),
				})
			}
		}
		if d.id == "pecan-ridge-tx" {
			out[i].Holds = append(out[i].Holds, model.LegalHold{
				ID: "H-PRT-1", Reference: "Litigation hold LH-2025-004",
				Categories: []model.Category{model.CatImage},
				Reason:     "open-meetings complaint: every meeting recording is preserved",
				Since:      now.AddDate(0, -5, 0).Truncate(24 * time.Hour),
			})
		}
	}
	return out
}

// finish sorts by receipt, assigns ids and everything that refers to them,
// then the flags computed from the other requests and the due dates.
func (g *reqGen) finish() []model.Request {
	ds := g.drafts
	sort.SliceStable(ds, func(i, j int) bool {
		if !ds[i].ReceivedAt.Equal(ds[j].ReceivedAt) {
			return ds[i].ReceivedAt.Before(ds[j].ReceivedAt)
		}
		return ds[i].seq < ds[j].seq
	})
	year := g.now.Year()
	for i, d := range ds {
		d.ID = fmt.Sprintf("R-%d-%05d", year, i+1)
		// External references are unique (the requests collection has a
		// unique index on them for idempotent imports).
		switch n := 10007 + 13*i; d.Channel {
		case model.ChannelEmail:
			d.ExternalRef = fmt.Sprintf("email thread %08x", uint32(n)*2654435761)
		case model.ChannelPhone:
			d.ExternalRef = fmt.Sprintf("call log CL-%06d", n)
		case model.ChannelMail:
			d.ExternalRef = fmt.Sprintf("letter MAIL-%06d", n)
		default:
			d.ExternalRef = fmt.Sprintf("webform-%06x", n)
		}
		for k := range d.History {
			d.History[k].ID = fmt.Sprintf("%s-E%02d", d.ID, k+1)
		}
	}
	for _, d := range ds {
		if o := d.repeatOf; o != nil {
			reason := fmt.Sprintf("same %s request as %s, received %s and still %s", d.Type.Label(), o.ID, o.ReceivedAt.Format(time.DateOnly), o.Status.Label())
			d.Flags = append(d.Flags, model.Flag{Kind: model.FlagRepetitive, Reason: reason})
			if d.Status == model.StatusDenied {
				d.DenialReason = "repetitive: " + reason
				for k := range d.History {
					if d.History[k].Action == model.ActRefuseExcessive {
						d.History[k].Reason = d.DenialReason
					}
				}
			}
		}
	}
	bySubject := map[string][]model.Request{}
	for _, d := range ds {
		if d.SubjectID != "" {
			bySubject[d.SubjectID] = append(bySubject[d.SubjectID], d.Request)
		}
	}
	out := make([]model.Request, len(ds))
	for i, d := range ds {
		if d.SubjectID != "" {
			if f, ok := model.OverLimitFlag(d.Request, bySubject[d.SubjectID]); ok {
				d.Flags = append(d.Flags, f)
			}
		}
		// Stored as BSON: UTC, milliseconds.
		d.DueAt = model.ComputeDeadlines(d.Request, *d.t).Next.UTC().Truncate(time.Millisecond)
		out[i] = d.Request
	}
	return out
}

// Digest is a SHA-256 over a fixed encoding of the whole dataset: equal
// digests mean identical data.
func (d *Dataset) Digest() string {
	h := sha256.New()
	enc := json.NewEncoder(h) // encoding/json sorts map keys
	for _, v := range []any{d.Now, d.Tenants, d.DataMap, d.Operators, d.Subjects, d.Requests} {
		if err := enc.Encode(v); err != nil {
			panic(err)
		}
	}
	for _, c := range Collections() {
		fmt.Fprintf(h, "%s %d\n", c, len(d.Records[c]))
		for _, doc := range d.Records[c] {
			b, err := bson.Marshal(doc)
			if err != nil {
				panic(err)
			}
			h.Write(b)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}
