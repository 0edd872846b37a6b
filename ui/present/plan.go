package present

import (
	"slices"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// Plan is a request's fulfilment plan as a person reviews it: who built
// and signed it, what it counts per collection, every document and field,
// what the response withholds and the steps with their progress. Every
// text in it is cleaned with model.CleanLine; the values of fields stay
// masked as the plan stores them (a plan is shown to every operator who
// may read the request). Instants are kept as time.Time and shown in the
// tenant's zone, Loc, with Time and Date.
type Plan struct {
	// The request the plan fulfils.
	RequestID string
	Type      string // the request type's label
	Status    string // the request status's label
	TenantID  string
	// SubjectLabel is the request's subject as the queue names it; "" when
	// it has none.
	SubjectLabel string
	SubjectID    string // the subject the plan was made for

	ID       string
	Digest   string // in full; a sign-off quotes it
	BuiltBy  string
	BuiltAt  time.Time
	SignedBy string // "" until a second lead signs it off
	SignedAt time.Time
	// Stale says why the plan no longer describes what a run would do
	// (model.PlanStale); "" while it does.
	Stale string
	// Since starts an access request's look-back; zero when the plan has
	// none.
	Since time.Time
	// DataMapVersion is the data map version the plan was built with (0:
	// a map never applied with `datamap apply`).
	DataMapVersion int64

	// Counts has a row per collection, in data-map order, then the
	// subject's own record (Record set) when the plan changes it.
	Counts []PlanCount
	Docs   []PlanDoc
	// Record is the change to the subject's own record; nil when none.
	Record *PlanDoc
	// Disclosures are the decisions to disclose another person's data:
	// those the plan was built with and those recorded since (InPlan false).
	Disclosures []Disclosure
	Withheld    []Withheld
	Steps       []PlanStep

	// Loc is the tenant's zone, which every instant above is shown in.
	Loc *time.Location
}

// PlanCount is one row of a plan's counts: how many documents of a
// collection each operation touches.
type PlanCount struct {
	Collection string
	// Record marks the subject's own record, which a list of collections
	// may leave out.
	Record bool
	Ops    map[model.DocOp]int
}

// PlanDoc is one stored document the plan considered.
type PlanDoc struct {
	Collection  string
	RecordID    string
	CollectedAt time.Time
	// Op is what happens to the document (cleaned, so an op the store
	// does not know still prints harmlessly).
	Op     model.DocOp
	Reason string // why it is kept or left alone; "" when nothing to say
	Fields []PlanField
}

// PlanField is one field of a planned document; Current and New are
// masked.
type PlanField struct {
	Field    string
	Category string
	Op       model.FieldOp
	// Label is how Op reads in a preview ("withhold (another person's
	// data)").
	Label   string
	Current string
	New     string
	Reason  string
	// Disclose is the field as the controller names it, collection.field
	// uncleaned, when it is withheld as another person's data and a lead
	// may decide to disclose it; "" otherwise. It is handed back to the
	// controller, and cleaned wherever it is shown.
	Disclose string
}

// Disclosure is a lead's decision to disclose another person's data in
// an access response.
type Disclosure struct {
	Collection string
	Field      string
	By         string
	At         time.Time
	Reason     string
	// InPlan is false for a decision recorded after the plan was made: the
	// plan does not carry it until it is made again.
	InPlan bool
}

// Withheld is data a response does not delete or disclose, and why.
type Withheld struct {
	Category string
	Where    []string // "collection.field"
	Reason   string
}

// PlanStep is one step of the plan and how far it got.
type PlanStep struct {
	Label string // what the step does: "payments/PAY-00012: delete"
	Kind  model.StepKind
	// Collection and Records say what a step changes: the documents of
	// one collection, or the subject's record. An export step has none.
	Collection string
	Records    []string
	Done       bool
	DoneBy     string
	DoneAt     time.Time
	Result     string // what happened, once done
	// Failed is why the run stopped at this step: set on the first step
	// not done of a request whose fulfilment failed.
	Failed string
}

// PlanOf is r's plan as shown to a person of tenant t; false when r has no
// plan.
func PlanOf(r model.Request, t model.Tenant) (Plan, bool) {
	pl := r.Plan
	if pl == nil {
		return Plan{}, false
	}
	c := model.CleanLine
	v := Plan{
		RequestID: c(r.ID), Type: c(r.Type.Label()), Status: c(r.Status.Label()), TenantID: c(r.TenantID),
		SubjectLabel: c(r.SubjectLabel), SubjectID: c(pl.SubjectID),
		ID: c(pl.ID), Digest: c(pl.Digest),
		BuiltBy: c(pl.BuiltBy), BuiltAt: pl.BuiltAt,
		SignedBy: c(pl.SignedBy), SignedAt: pl.SignedAt,
		Stale:       c(model.PlanStale(r)),
		Disclosures: disclosures(pl.Disclosures, r.Disclosures),
		Withheld:    WithheldOf(pl.Withheld),
		Loc:         t.Location(),
	}
	v.DataMapVersion = pl.DataMapVersion
	if pl.Since != nil {
		v.Since = *pl.Since
	}
	for _, pc := range pl.Counts() {
		v.Counts = append(v.Counts, PlanCount{Collection: c(pc.Collection), Ops: pc.Ops})
	}
	if pl.Subject != nil {
		v.Counts = append(v.Counts, PlanCount{Collection: c(model.SubjectsCollection), Record: true, Ops: map[model.DocOp]int{pl.Subject.Op: 1}})
		d := planDoc(*pl.Subject)
		v.Record = &d
	}
	v.Docs = make([]PlanDoc, len(pl.Docs))
	for i, d := range pl.Docs {
		v.Docs[i] = planDoc(d)
	}
	v.Steps = make([]PlanStep, len(pl.Steps))
	failed := r.Status == model.StatusFailed
	for i, s := range pl.Steps {
		v.Steps[i] = planStep(*pl, s)
		if failed && !s.Done {
			v.Steps[i].Failed, failed = c(r.FailureReason), false
		}
	}
	return v, true
}

// StepsDone counts the steps done.
func (p Plan) StepsDone() int {
	n := 0
	for _, s := range p.Steps {
		if s.Done {
			n++
		}
	}
	return n
}

// Signed says whether a second lead has signed the plan off.
func (p Plan) Signed() bool { return p.SignedBy != "" }

// Time shows an instant of the plan in the tenant's zone, zone named.
func (p Plan) Time(t time.Time) string { return Time(t, p.Loc) }

// Date shows the tenant's calendar day of an instant of the plan.
func (p Plan) Date(t time.Time) string { return Date(t, p.Loc) }

// WithheldOf is what a response withholds, cleaned; a request carries the
// list once its response is recorded, as its plan did before.
func WithheldOf(ws []model.Withheld) []Withheld {
	if len(ws) == 0 {
		return nil
	}
	out := make([]Withheld, len(ws))
	for i, w := range ws {
		where := make([]string, len(w.Where))
		for j, x := range w.Where {
			where[j] = model.CleanLine(x)
		}
		out[i] = Withheld{Category: model.CleanLine(string(w.Category)), Where: where, Reason: model.CleanLine(w.Reason)}
	}
	return out
}

// Result is the field's value after its step, as a preview shows it: the
// new value, or what nulling and hashing leave (which the plan stores no
// value for); "" when the step leaves no value to show.
func (f PlanField) Result() string {
	switch {
	case f.New != "":
		return f.New
	case f.Op == model.FieldNull:
		return "null"
	case f.Op == model.FieldHash:
		return model.HashPrefix + "…"
	}
	return ""
}

func planDoc(d model.PlanDoc) PlanDoc {
	c := model.CleanLine
	out := PlanDoc{Collection: c(d.Collection), RecordID: c(d.RecordID), CollectedAt: d.CollectedAt,
		Op: model.DocOp(c(string(d.Op))), Reason: c(d.Reason), Fields: make([]PlanField, len(d.Fields))}
	for i, f := range d.Fields {
		pf := PlanField{Field: c(f.Field), Category: c(string(f.Category)), Op: model.FieldOp(c(string(f.Op))),
			Label: c(f.Label()), Current: c(f.Current), New: c(f.New), Reason: c(f.Reason)}
		if f.ThirdParty != "" && f.Op == model.FieldWithhold {
			pf.Disclose = d.Collection + "." + f.Field
		}
		out.Fields[i] = pf
	}
	return out
}

func planStep(pl model.Plan, s model.PlanStep) PlanStep {
	c := model.CleanLine
	out := PlanStep{Label: c(s.Label), Kind: s.Kind, Done: s.Done, DoneBy: c(s.DoneBy), DoneAt: s.DoneAt, Result: c(s.Result)}
	switch s.Kind {
	case model.StepDocument:
		for _, i := range s.Docs {
			if i < 0 || i >= len(pl.Docs) {
				continue
			}
			out.Collection = c(pl.Docs[i].Collection)
			out.Records = append(out.Records, c(pl.Docs[i].RecordID))
		}
	case model.StepSubject:
		if pl.Subject != nil {
			out.Collection, out.Records = c(model.SubjectsCollection), []string{c(pl.Subject.RecordID)}
		}
	}
	return out
}

// disclosures are the request's recorded decisions, then those the plan
// was built with that the request no longer lists; each says whether the
// plan carries it.
func disclosures(inPlan, recorded []model.Disclosure) []Disclosure {
	same := func(a model.Disclosure) func(model.Disclosure) bool {
		return func(b model.Disclosure) bool {
			return a.Collection == b.Collection && a.Field == b.Field && a.At.Equal(b.At)
		}
	}
	all := recorded
	for _, x := range inPlan {
		if !slices.ContainsFunc(all, same(x)) {
			all = append(all[:len(all):len(all)], x)
		}
	}
	if len(all) == 0 {
		return nil
	}
	c := model.CleanLine
	out := make([]Disclosure, len(all))
	for i, x := range all {
		out[i] = Disclosure{Collection: c(x.Collection), Field: c(x.Field), By: c(x.By), At: x.At, Reason: c(x.Reason),
			InPlan: slices.ContainsFunc(inPlan, same(x))}
	}
	return out
}
