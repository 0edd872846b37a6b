package model

import (
	"fmt"
	"time"
)

// Fulfilment. A plan says, before anything happens, exactly which
// stored documents and fields an approved request will read or change and
// why; it is stored apart from its request, signed off by a second privacy lead, and
// executed step by step. Each step knows the fingerprint of its document
// before and after, so a re-run can tell "already done" (skip, never repeat
// the side effect) from "changed since the plan" (stop for a new plan).

// DocOp is what a plan does to one stored document.
type DocOp string

const (
	DocExport     DocOp = "export"       // access: copied into the package
	DocOutOfScope DocOp = "out_of_scope" // access: collected before the look-back; not exported
	DocDelete     DocOp = "delete"       // the whole document is removed
	DocMask       DocOp = "mask"         // fields erased one by one; the document stays
	DocKeep       DocOp = "keep"         // nothing changes: retention rule or legal hold
	DocCorrect    DocOp = "correct"      // named fields set to the requested values
	DocOptOut     DocOp = "opt_out"      // subscription flags switched off
	DocUnchanged  DocOp = "unchanged"    // already in the state the request asks for
)

// DocOps lists the operations in the order a preview's columns show them.
func DocOps() []DocOp {
	return []DocOp{DocDelete, DocMask, DocKeep, DocExport, DocCorrect, DocOptOut, DocOutOfScope, DocUnchanged}
}

// Label is how an operation reads in a preview.
func (o DocOp) Label() string {
	switch o {
	case DocOutOfScope:
		return "out of scope"
	case DocOptOut:
		return "opt-out"
	}
	return CleanLine(string(o))
}

// Changes reports whether executing the op writes to the database.
func (o DocOp) Changes() bool {
	switch o {
	case DocDelete, DocMask, DocCorrect, DocOptOut:
		return true
	}
	return false
}

// FieldOp is what a plan does to one field of a document.
type FieldOp string

const (
	FieldExport  FieldOp = "export"  // access: included in the package
	FieldDelete  FieldOp = "delete"  // goes with its document
	FieldNull    FieldOp = "null"    // set to null
	FieldFixed   FieldOp = "fixed"   // replaced with the data map's fixed string
	FieldHash    FieldOp = "hash"    // replaced with HashPrefix + HMAC under the tenant's key
	FieldKeep    FieldOp = "keep"    // retained: Reason says under which rule or hold
	FieldSet     FieldOp = "set"     // correction or opt-out: a new value
	FieldAlready FieldOp = "already" // already erased, or already the requested value
	// FieldWithhold: access, not disclosed (a never-disclose class, or
	// another person's data no lead decided to disclose); Reason says why.
	FieldWithhold FieldOp = "withhold"
)

// HashPrefix starts every value erased by hashing, so a value that already
// carries it is recognised as erased and never hashed twice.
const HashPrefix = "hmac:"

// PlanField is one field of a planned document. Values are masked: a plan
// is shown to every operator who can read the request.
type PlanField struct {
	Field    string    `bson:"field" json:"field"`
	Category Category  `bson:"category" json:"category"`
	Kind     FieldKind `bson:"kind" json:"kind"`
	Op       FieldOp   `bson:"op" json:"op"`
	// Current is the stored value, masked.
	Current string `bson:"current,omitempty" json:"current,omitempty"`
	// New is the value after the step, masked (a correction's new value,
	// the fixed replacement, "no" for an opt-out flag).
	New string `bson:"new,omitempty" json:"new,omitempty"`
	// Reason says why a field is kept (retention period and legal basis, or
	// the legal hold) or why it is not touched.
	Reason string `bson:"reason,omitempty" json:"reason,omitempty"`
	// Class and ThirdParty copy the data map's marks, so a view can offer a
	// disclosure decision and a package can say what it holds back.
	Class      FieldClass `bson:"class,omitempty" json:"class,omitempty"`
	ThirdParty string     `bson:"third_party,omitempty" json:"third_party,omitempty"`
}

// Label is how a field op reads in a plan view: a withheld field names
// its reason's rule ("withhold (§7024(d))").
func (pf PlanField) Label() string {
	if pf.Op == FieldWithhold && pf.Class.NeverDisclose() {
		return "withhold (§7024(d))"
	}
	if pf.Op == FieldWithhold && pf.ThirdParty != "" {
		return "withhold (another person's data)"
	}
	return string(pf.Op)
}

// Disclosure is a privacy lead's decision to disclose, in an access
// response, a field that holds another person's data (Collection.Field,
// for every record of the collection).
type Disclosure struct {
	Collection string    `bson:"collection" json:"collection"`
	Field      string    `bson:"field" json:"field"`
	By         string    `bson:"by" json:"by"`
	At         time.Time `bson:"at" json:"at"`
	Reason     string    `bson:"reason" json:"reason"`
}

// PlanDoc is one stored document the plan considered.
type PlanDoc struct {
	Collection string `bson:"collection" json:"collection"`
	Product    string `bson:"product" json:"product"`
	RecordID   string `bson:"record_id" json:"record_id"`
	// IDKey is the record's _id with its BSON type, encoded losslessly by
	// the controller (RecordID is only its display text: the int 7, the
	// int64 7 and the string "7" all read "7"). Every read and write of
	// the record uses it; the digest covers it.
	IDKey       string      `bson:"id_key,omitempty" json:"id_key,omitempty"`
	CollectedAt time.Time   `bson:"collected_at" json:"collected_at"`
	Op          DocOp       `bson:"op" json:"op"`
	Fields      []PlanField `bson:"fields" json:"fields,omitempty"`
	Reason      string      `bson:"reason,omitempty" json:"reason,omitempty"`
	// Before is the document's fingerprint when the plan was made; After is
	// what it will be once its step has run (equal to Before when nothing
	// changes, empty when the document is deleted).
	Before string `bson:"before" json:"before,omitempty"`
	After  string `bson:"after,omitempty" json:"after,omitempty"`
}

// StepKind says what one step of a plan does.
type StepKind string

const (
	StepDocument StepKind = "document" // apply Plan.Docs[i] for i in Docs
	StepSubject  StepKind = "subject"  // apply Plan.Subject to the subject record
	StepExport   StepKind = "export"   // write the access package
)

// StepDocsMax bounds the documents of one step.
const StepDocsMax = 50

// PlanStep is one unit of execution. Done is recorded on the request in the
// same write as the step's audit event.
type PlanStep struct {
	Kind StepKind `bson:"kind" json:"kind"`
	// Docs index Plan.Docs for a StepDocument: up to StepDocsMax documents
	// of one collection. Grouping keeps a run's request writes (each one
	// rewrites the request that carries the plan) to a few per collection
	// however many records a subject has; each document is still checked
	// and recorded on its own fingerprint.
	Docs  []int  `bson:"docs,omitempty" json:"docs,omitempty"`
	Label string `bson:"label" json:"label"` // "payments/PAY-00012: delete"
	// Processor names the sub-processor a StepProcessor notifies.
	Processor string    `bson:"processor,omitempty" json:"processor,omitempty"`
	Done      bool      `bson:"done" json:"done"`
	DoneAt    time.Time `bson:"done_at,omitzero" json:"done_at,omitzero"`
	DoneBy    string    `bson:"done_by,omitempty" json:"done_by,omitempty"`
	// Result says what happened, without PI: "deleted", "already done",
	// "masked 3 fields", "2 files, sha256 …".
	Result string `bson:"result,omitempty" json:"result,omitempty"`
}

// Withheld is data a response does not delete or disclose, and why.
type Withheld struct {
	Category Category `bson:"category" json:"category"`
	// Where lists "collection.field" of what was withheld.
	Where  []string `bson:"where" json:"where,omitempty"`
	Reason string   `bson:"reason" json:"reason"`
}

// Plan is the fulfilment plan of one approved request.
type Plan struct {
	ID        string      `bson:"id" json:"id"` // "<request>/plan-<n>"
	Type      RequestType `bson:"type" json:"type"`
	SubjectID string      `bson:"subject_id" json:"subject_id"`
	BuiltBy   string      `bson:"built_by" json:"built_by"`
	BuiltAt   time.Time   `bson:"built_at" json:"built_at"`
	// Since is the start of an access request's look-back: records collected
	// before it are listed as out of scope.
	Since *time.Time `bson:"since,omitempty" json:"since,omitempty"`
	Docs  []PlanDoc  `bson:"docs" json:"docs,omitempty"`
	// Subject is the change to the subject's own record (identity fields and
	// account status), in collection SubjectsCollection; nil when none.
	Subject  *PlanDoc   `bson:"subject,omitempty" json:"subject,omitempty"`
	Steps    []PlanStep `bson:"steps" json:"steps,omitempty"`
	Withheld []Withheld `bson:"withheld,omitempty" json:"withheld,omitempty"`
	// Processors are the sub-processors a deletion or correction is passed
	// on to, each with what it must act on (processors.go).
	Processors []PlanProcessor `bson:"processors,omitempty" json:"processors,omitempty"`
	// Disclosures are the request's disclosure decisions the plan was
	// built with: a decision recorded later leaves the plan out of date.
	Disclosures []Disclosure `bson:"disclosures,omitempty" json:"disclosures,omitempty"`
	// DataMapVersion is the version of the data map the plan was built
	// with (0: a map never applied with `datamap apply`), so a plan can be
	// traced to the map that decided what it touches.
	DataMapVersion int64 `bson:"datamap_version,omitempty" json:"datamap_version,omitempty"`
	// Digest is a SHA-256 over everything above except step progress: a
	// sign-off names the digest it read, so it cannot sign a plan that was
	// replaced meanwhile.
	Digest   string    `bson:"digest" json:"digest"`
	SignedBy string    `bson:"signed_by,omitempty" json:"signed_by,omitempty"`
	SignedAt time.Time `bson:"signed_at,omitzero" json:"signed_at,omitzero"`
}

// PlanRef is the part of a plan a request document carries: which stored
// plan (Key), its sign-off, and the progress of each step, all of which
// change after the plan is made; the plan's body never does.
type PlanRef struct {
	Key      string      `bson:"key"`
	ID       string      `bson:"id"`
	Digest   string      `bson:"digest"`
	SignedBy string      `bson:"signed_by,omitempty"`
	SignedAt time.Time   `bson:"signed_at,omitzero"`
	Steps    []StepState `bson:"steps"`
}

// StepState is the progress of one step, as PlanStep records it.
type StepState struct {
	Done   bool      `bson:"done,omitempty"`
	DoneAt time.Time `bson:"done_at,omitzero"`
	DoneBy string    `bson:"done_by,omitempty"`
	Result string    `bson:"result,omitempty"`
}

// Ref is what a request stores of p under key.
func (p Plan) Ref(key string) PlanRef {
	r := PlanRef{Key: key, ID: p.ID, Digest: p.Digest, SignedBy: p.SignedBy, SignedAt: p.SignedAt, Steps: make([]StepState, len(p.Steps))}
	for i, s := range p.Steps {
		r.Steps[i] = StepState{Done: s.Done, DoneAt: s.DoneAt, DoneBy: s.DoneBy, Result: s.Result}
	}
	return r
}

// Body is p without sign-off and step progress: what is stored once.
func (p Plan) Body() Plan {
	b := *clonePlan(&p)
	b.SignedBy, b.SignedAt = "", time.Time{}
	for i, s := range b.Steps {
		b.Steps[i] = PlanStep{Kind: s.Kind, Docs: s.Docs, Label: s.Label, Processor: s.Processor}
	}
	return b
}

// WithRef is body with ref's sign-off and progress. A ref whose steps do
// not match the body's is refused: the two were written for different plans.
func (body Plan) WithRef(ref PlanRef) (Plan, error) {
	if ref.ID != body.ID || ref.Digest != body.Digest || len(ref.Steps) != len(body.Steps) {
		return Plan{}, fmt.Errorf("plan %s (%d steps) does not match the request's reference to plan %s (%d steps)", body.ID, len(body.Steps), ref.ID, len(ref.Steps))
	}
	p := body
	p.SignedBy, p.SignedAt = ref.SignedBy, ref.SignedAt
	for i, s := range ref.Steps {
		p.Steps[i].Done, p.Steps[i].DoneAt, p.Steps[i].DoneBy, p.Steps[i].Result = s.Done, s.DoneAt, s.DoneBy, s.Result
	}
	return p, nil
}

// Clone deep-copies p.
func (p *Plan) Clone() *Plan { return clonePlan(p) }

// AccessExport records the package written for an access request.
type AccessExport struct {
	// Dir is the package's directory under the exports directory.
	Dir     string       `bson:"dir" json:"dir"`
	Files   []ExportFile `bson:"files" json:"files"`
	Records int          `bson:"records" json:"records"`
	At      time.Time    `bson:"at" json:"at"`
	// Sealed is the one encrypted file delivered (accessdelivery.go) when
	// a delivery method was chosen; Files then name what it holds, with
	// the hashes of their plain bytes, and are not left on disk.
	Sealed *ExportFile `bson:"sealed,omitempty" json:"sealed,omitempty"`
}

// ExportFile is one file of an access package with its SHA-256 (hex).
type ExportFile struct {
	Name   string `bson:"name" json:"name"`
	SHA256 string `bson:"sha256" json:"sha256"`
	Bytes  int64  `bson:"bytes" json:"bytes"`
}

// StepProgress is reported while a plan runs.
type StepProgress struct {
	Done  int    // steps finished, including earlier runs
	Total int    // steps in the plan
	Label string // the step about to run, or the one just finished
	// Passphrase is set once, right after the export step sealed the
	// package with it: shown to the operator then, never stored or logged.
	Passphrase string
}

// Doc is one stored document as plain Go values: string, bool, int64,
// float64, time.Time (UTC), nil, []any and map[string]any. The controller
// converts driver types to these before planning or fingerprinting.
type Doc map[string]any

// PlanInput is everything BuildPlan needs; it does no I/O.
type PlanInput struct {
	Request Request
	Subject Subject
	Tenant  Tenant
	DataMap []CollectionMap
	// DataMapVersion is DataMap's version, recorded on the plan.
	DataMapVersion int64
	// Docs are the subject's documents per collection of the data map.
	Docs map[string][]Doc
	// IDKeys[c][i] is the typed _id of Docs[c][i] as the controller
	// encodes it (PlanDoc.IDKey); the model only carries it.
	IDKeys map[string][]string
	// Hash erases a value with the tenant's key (HashPrefix + hex HMAC).
	Hash func(string) string
	By   string
	Now  time.Time
	// Seq numbers the plan among the request's plans (1 for the first).
	Seq int
}

// PlanCount is one row of a plan's preview: how many documents of a
// collection each operation touches.
type PlanCount struct {
	Collection string
	Product    string
	Ops        map[DocOp]int
}

// Pending lists the indexes of the steps not yet done, in order.
func (p Plan) Pending() []int {
	var out []int
	for i, s := range p.Steps {
		if !s.Done {
			out = append(out, i)
		}
	}
	return out
}

// Counts summarises the plan per collection, in data-map order.
func (p Plan) Counts() []PlanCount {
	var out []PlanCount
	idx := map[string]int{}
	for _, d := range p.Docs {
		i, ok := idx[d.Collection]
		if !ok {
			i = len(out)
			idx[d.Collection] = i
			out = append(out, PlanCount{Collection: d.Collection, Product: d.Product, Ops: map[DocOp]int{}})
		}
		out[i].Ops[d.Op]++
	}
	return out
}

// AccessSince is the start of an access request's look-back: the 12 months
// before receipt, extended back to 2022-01-01 for data collected since then
// (CCPA §1798.130(a)(2)(B)), whichever is earlier.
func AccessSince(received time.Time) time.Time {
	floor := time.Date(2022, time.January, 1, 0, 0, 0, 0, time.UTC)
	year := received.UTC().AddDate(-1, 0, 0)
	if year.Before(floor) {
		return year
	}
	return floor
}
