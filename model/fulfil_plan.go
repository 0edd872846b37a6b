package model

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// DeletedName replaces a deleted subject's name on the subject record, which
// stays (de-identified) because its requests must still point somewhere.
const DeletedName = "[deleted]"

// BuildPlan computes the plan for an approved request (or a failed one that
// needs a new plan). It refuses, naming what to do, a request without a
// subject, a correction verified with the data it corrects, and a request
// type it does not know. No I/O: in carries the documents.
func BuildPlan(in PlanInput) (Plan, error) {
	r := in.Request
	if r.SubjectID == "" {
		return Plan{}, fmt.Errorf("plan %s: the request is not linked to a subject; log it again from the subject (Lookup, n) so the plan knows whose data to touch", r.ID)
	}
	if in.Subject.ID != r.SubjectID || in.Subject.TenantID != r.TenantID {
		return Plan{}, fmt.Errorf("plan %s: subject %s is not the request's subject %s of tenant %s", r.ID, in.Subject.ID, r.SubjectID, r.TenantID)
	}
	if in.Hash == nil {
		return Plan{}, fmt.Errorf("plan %s: no erasure key for tenant %s", r.ID, r.TenantID)
	}
	pb := planBuilder{in: in, holds: in.Tenant.HoldsFor(in.Subject.ID, in.Now)}
	switch r.Type {
	case TypeAccess:
		since := AccessSince(r.ReceivedAt).UTC()
		pb.since = &since
	case TypeDeletion, TypeChildDeletion, TypeOptOut:
	case TypeRectification:
		if err := checkCorrections(r); err != nil {
			return Plan{}, fmt.Errorf("plan %s: %w", r.ID, err)
		}
	default:
		return Plan{}, fmt.Errorf("plan %s: unknown request type %q", r.ID, r.Type)
	}
	p := Plan{
		ID:        fmt.Sprintf("%s/plan-%d", r.ID, max(in.Seq, 1)),
		Type:      r.Type,
		SubjectID: r.SubjectID,
		BuiltBy:   in.By,
		BuiltAt:   in.Now.UTC().Truncate(time.Millisecond),
		Since:     pb.since,

		DataMapVersion: in.DataMapVersion,
	}
	for _, cm := range in.DataMap {
		if err := cm.Validate(); err != nil {
			return Plan{}, fmt.Errorf("plan %s: %w", r.ID, err)
		}
		docs := in.Docs[cm.Collection]
		keys := in.IDKeys[cm.Collection]
		order := make([]int, len(docs))
		for i := range order {
			order[i] = i
		}
		// By display id, then by typed key: the int 7 and the string "7"
		// read the same but are two records.
		key := func(i int) string {
			if i < len(keys) {
				return keys[i]
			}
			return ""
		}
		slices.SortFunc(order, func(a, b int) int {
			return cmp.Or(cmp.Compare(docID(docs[a]), docID(docs[b])), cmp.Compare(key(a), key(b)))
		})
		for _, di := range order {
			d := docs[di]
			if d[cm.SubjectField] != r.SubjectID || d["tenant_id"] != r.TenantID {
				return Plan{}, fmt.Errorf("plan %s: %s/%s is not a record of subject %s", r.ID, cm.Collection, docID(d), r.SubjectID)
			}
			pd, ok := pb.doc(cm, d)
			if !ok {
				continue
			}
			pd.IDKey = key(di)
			pd.Before = Fingerprint(d)
			pd.After = pd.Before
			if pd.Op.Changes() {
				after, deleted := ApplyDoc(cm, pd, d, r.Corrections, in.Hash)
				pd.After = ""
				if !deleted {
					pd.After = Fingerprint(after)
				}
			}
			p.Docs = append(p.Docs, pd)
		}
	}
	p.Subject = pb.subject()
	if p.Subject != nil {
		p.Subject.Before = Fingerprint(SubjectDoc(in.Subject))
		p.Subject.After = p.Subject.Before
		if p.Subject.Op.Changes() {
			p.Subject.After = Fingerprint(SubjectDoc(ApplySubject(in.Subject, *p.Subject, r.Corrections, in.Hash)))
		}
	}
	p.Processors = planProcessors(p, in.DataMap)
	p.Steps = append(planSteps(p), processorSteps(p)...)
	p.Withheld = withheld(p)
	if r.Type == TypeAccess {
		p.Disclosures = slices.Clone(r.Disclosures)
	}
	p.Digest = p.ComputeDigest()
	return p, nil
}

// checkCorrections refuses a correction that names nothing, names a field
// that cannot be corrected, or was verified with the data it corrects
// (§7062 asks for data other than the data being corrected).
func checkCorrections(r Request) error {
	if len(r.Corrections) == 0 {
		return fmt.Errorf("the correction names no field to change; record the field and its new value on the request")
	}
	for point := range r.Corrections {
		if !slices.Contains(CorrectableFields(), DataPoint(point)) {
			return fmt.Errorf("%q cannot be corrected by request", point)
		}
	}
	if r.Verification != nil {
		for _, dp := range r.Verification.DataPoints {
			if _, ok := r.Corrections[dp]; ok {
				return fmt.Errorf("identity was verified with %s, the data being corrected; it must be verified with other data before the correction is planned", dp)
			}
		}
	}
	return nil
}

type planBuilder struct {
	in    PlanInput
	holds []LegalHold
	since *time.Time
}

// doc plans one document; ok is false when the request has nothing to say
// about it (a correction or opt-out of a document without such fields).
func (pb planBuilder) doc(cm CollectionMap, d Doc) (PlanDoc, bool) {
	pd := PlanDoc{Collection: cm.Collection, Product: cm.Product, RecordID: docID(d)}
	if t, ok := d[cm.DateField].(time.Time); ok {
		pd.CollectedAt = t.UTC()
	}
	switch pb.in.Request.Type {
	case TypeAccess:
		return pb.access(cm, d, pd), true
	case TypeDeletion, TypeChildDeletion:
		return pb.deletion(cm, d, pd), true
	case TypeRectification:
		return pb.correction(cm, d, pd)
	case TypeOptOut:
		return pb.optOut(cm, d, pd)
	}
	return pd, false
}

func (pb planBuilder) access(cm CollectionMap, d Doc, pd PlanDoc) PlanDoc {
	pd.Op = DocExport
	if pd.CollectedAt.Before(*pb.since) {
		pd.Op = DocOutOfScope
		pd.Reason = fmt.Sprintf("collected %s, before %s: outside the look-back of a request to know",
			pd.CollectedAt.Format(time.DateOnly), pb.since.Format(time.DateOnly))
	}
	for _, fm := range cm.Fields {
		v, ok := d[fm.Field]
		if !ok || v == nil {
			continue
		}
		pf := PlanField{Field: fm.Field, Category: fm.Category, Kind: fm.Kind, Op: FieldExport, Current: MaskStored(fm.Kind, v), Class: fm.Class, ThirdParty: fm.ThirdParty}
		switch d, disclosed := pb.disclosure(cm.Collection, fm.Field); {
		case pd.Op == DocOutOfScope:
			pf.Op = FieldKeep
		case fm.Class.NeverDisclose():
			// No decision overrides §7024(d), not even a lead's.
			pf.Op, pf.Reason = FieldWithhold, fm.Class.WithholdReason()
		case fm.ThirdParty != "" && !disclosed:
			pf.Op, pf.Reason = FieldWithhold, ThirdPartyReason(fm.ThirdParty)
		case fm.ThirdParty != "":
			pf.Reason = fmt.Sprintf("another person's data (%s), disclosed by %s: %s", fm.ThirdParty, d.By, CleanLine(d.Reason))
		}
		pd.Fields = append(pd.Fields, pf)
	}
	return pd
}

// disclosure is the request's decision to disclose collection.field.
func (pb planBuilder) disclosure(collection, field string) (Disclosure, bool) {
	for _, d := range pb.in.Request.Disclosures {
		if d.Collection == collection && d.Field == field {
			return d, true
		}
	}
	return Disclosure{}, false
}

// deletion decides per field, then for the document: see the package
// comment of fulfil.go and the README's "Fulfilment" section for the rules.
func (pb planBuilder) deletion(cm CollectionMap, d Doc, pd PlanDoc) PlanDoc {
	child := pb.in.Request.ChildDeletion()
	closed := pb.in.Subject.Status == AccountClosed && !child
	var keep, del, change bool
	var keepReasons []string
	for _, fm := range cm.Fields {
		v, ok := d[fm.Field]
		if !ok || v == nil {
			continue
		}
		pf := PlanField{Field: fm.Field, Category: fm.Category, Kind: fm.Kind, Current: MaskStored(fm.Kind, v)}
		rule, hasRule := pb.in.Tenant.RetentionFor(cm.Collection, fm.Category)
		switch hold, held := pb.hold(fm.Category); {
		case held:
			pf.Op, pf.Reason = FieldKeep, holdReason(hold)
		case erased(fm, v):
			pf.Op = FieldAlready
		case !child && fm.Erasure == EraseKeep && hasRule:
			pf.Op, pf.Reason = FieldKeep, retentionReason(rule)
		case child:
			pf.Op = FieldDelete
		default:
			pf.Op = erasureOp(fm.Erasure)
			if fm.Erasure == EraseKeep {
				pf.Reason = fmt.Sprintf("the data map keeps %s data, but the Customer has no retention rule for it", fm.Category)
			}
			if pf.Op == FieldFixed {
				pf.New = fm.Fixed
			}
		}
		switch pf.Op {
		case FieldKeep:
			keep = true
			keepReasons = appendUnique(keepReasons, pf.Reason)
		case FieldDelete:
			del = true
		case FieldNull, FieldFixed, FieldHash:
			change = true
		}
		pd.Fields = append(pd.Fields, pf)
	}
	switch {
	case keep:
		// The document stays for what must be kept: what would have gone
		// with it is nulled field by field instead.
		for i := range pd.Fields {
			if pd.Fields[i].Op == FieldDelete {
				pd.Fields[i].Op, pd.Fields[i].Reason = FieldNull, "the document stays for the fields kept"
				change = true
			}
		}
		pd.Op, pd.Reason = DocKeep, strings.Join(keepReasons, "; ")
		if change {
			pd.Op = DocMask
		}
	case del && closed:
		// A closed account is de-identified, never dropped.
		for i := range pd.Fields {
			if pd.Fields[i].Op == FieldDelete {
				pd.Fields[i].Op, pd.Fields[i].Reason = FieldHash, "account closed: de-identified rather than deleted"
			}
		}
		pd.Op, pd.Reason = DocMask, "account closed: the record is de-identified and retained"
	case del:
		for i := range pd.Fields {
			if pd.Fields[i].Op != FieldAlready {
				pd.Fields[i].Op = FieldDelete
			}
		}
		pd.Op = DocDelete
		if child {
			pd.Reason = "submitted by a child under 14: deleted"
		}
	case change:
		pd.Op = DocMask
	default:
		pd.Op = DocUnchanged
		pd.Reason = "no personal data left to erase"
	}
	return pd
}

func (pb planBuilder) correction(cm CollectionMap, d Doc, pd PlanDoc) (PlanDoc, bool) {
	return setFields(cm, d, pd, DocCorrect, func(fm FieldMap, v any) (string, string, bool, bool) {
		nv, ok := pb.in.Request.Corrections[string(fm.SubjectPoint)]
		if fm.SubjectPoint == "" || !ok {
			return "", "", false, false
		}
		s, isText := v.(string)
		return MaskStored(fm.Kind, v), Mask(fm.Kind, nv), isText && s == nv, true
	})
}

func (pb planBuilder) optOut(cm CollectionMap, d Doc, pd PlanDoc) (PlanDoc, bool) {
	pd, ok := setFields(cm, d, pd, DocOptOut, func(fm FieldMap, v any) (string, string, bool, bool) {
		on, _ := v.(bool)
		return StoredText(v), "no", !on, fm.OptOut
	})
	if pd.Op == DocOptOut {
		pd.Reason = "marketing email switched off"
	}
	return pd, ok
}

// setFields plans a correction or an opt-out of one document: target says,
// per mapped field present in it, whether the request sets it (ok), how its
// current and new values read (masked) and whether it already holds the new
// one. ok is false when the document has no such field.
func setFields(cm CollectionMap, d Doc, pd PlanDoc, op DocOp, target func(fm FieldMap, v any) (current, next string, already, ok bool)) (PlanDoc, bool) {
	var change bool
	for _, fm := range cm.Fields {
		v, present := d[fm.Field]
		if !present {
			continue
		}
		cur, next, already, ok := target(fm, v)
		if !ok {
			continue
		}
		pf := PlanField{Field: fm.Field, Category: fm.Category, Kind: fm.Kind, Op: FieldSet, Current: cur, New: next}
		if already {
			pf.Op = FieldAlready
		} else {
			change = true
		}
		pd.Fields = append(pd.Fields, pf)
	}
	if len(pd.Fields) == 0 {
		return pd, false
	}
	pd.Op = DocUnchanged
	if change {
		pd.Op = op
	}
	return pd, true
}

// subject plans the change to the subject's own record, or nil.
func (pb planBuilder) subject() *PlanDoc {
	s := pb.in.Subject
	pd := &PlanDoc{Collection: SubjectsCollection, Product: "Subject record", RecordID: s.ID, CollectedAt: s.CreatedAt.UTC()}
	cur := SubjectDoc(s)
	switch pb.in.Request.Type {
	case TypeAccess:
		pd.Op = DocExport
		for _, fm := range IdentityFields() {
			if v := cur[fm.Field]; !emptyValue(v) {
				pd.Fields = append(pd.Fields, PlanField{Field: fm.Field, Category: fm.Category, Kind: fm.Kind, Op: FieldExport, Current: MaskStored(fm.Kind, v)})
			}
		}
		return pd
	case TypeDeletion, TypeChildDeletion:
		var change, keep bool
		var keepReasons []string
		for _, fm := range IdentityFields() {
			v := cur[fm.Field]
			if emptyValue(v) {
				continue
			}
			pf := PlanField{Field: fm.Field, Category: fm.Category, Kind: fm.Kind, Current: MaskStored(fm.Kind, v)}
			hold, held := pb.hold(fm.Category)
			switch {
			case held:
				pf.Op, pf.Reason = FieldKeep, holdReason(hold)
				keep = true
				keepReasons = appendUnique(keepReasons, pf.Reason)
			case subjectFieldErased(fm.Field, v):
				pf.Op = FieldAlready
			default:
				pf.Op = subjectErasure(fm.Field)
				if pf.Op == FieldFixed {
					pf.New = DeletedName
				}
				change = true
			}
			pd.Fields = append(pd.Fields, pf)
		}
		switch {
		case change || s.Status != AccountMasked && !keep:
			pd.Op, pd.Reason = DocMask, "the subject record stays, de-identified, so its requests keep their 24-month record"
		case keep:
			pd.Op, pd.Reason = DocKeep, strings.Join(keepReasons, "; ")
		default:
			pd.Op = DocUnchanged
		}
		return pd
	case TypeRectification:
		change := false
		for _, fm := range IdentityFields() {
			nv, ok := pb.in.Request.Corrections[correctionKey(fm.Field)]
			if !ok {
				continue
			}
			pf := PlanField{Field: fm.Field, Category: fm.Category, Kind: fm.Kind, Op: FieldSet, Current: MaskStored(fm.Kind, cur[fm.Field]), New: Mask(fm.Kind, nv)}
			if subjectHas(s, fm.Field, nv) {
				pf.Op = FieldAlready
			} else {
				change = true
			}
			pd.Fields = append(pd.Fields, pf)
		}
		pd.Op = DocUnchanged
		if change {
			pd.Op = DocCorrect
		}
		return pd
	}
	return nil
}

// correctionKey is the data point a subject identity field holds.
func correctionKey(field string) string {
	switch field {
	case "emails":
		return string(PointEmail)
	case "phones":
		return string(PointPhone)
	}
	return field
}

func subjectHas(s Subject, field, v string) bool {
	switch field {
	case "name":
		return s.Name == v
	case "emails":
		return len(s.Emails) == 1 && s.Emails[0] == v
	case "phones":
		return len(s.Phones) == 1 && s.Phones[0] == v
	case "address":
		return s.Address == v
	case "birth_date":
		return s.BirthDate == v
	}
	return false
}

// subjectErasure is how a deletion de-identifies each identity field:
// emails and phones are hashed so a returning resident can still be
// recognised by the Customer's key, the rest goes.
func subjectErasure(field string) FieldOp {
	switch field {
	case "name":
		return FieldFixed
	case "emails", "phones":
		return FieldHash
	}
	return FieldNull
}

func subjectFieldErased(field string, v any) bool {
	if field == "name" {
		return v == DeletedName
	}
	return erased(FieldMap{}, v)
}

func (pb planBuilder) hold(c Category) (LegalHold, bool) {
	for _, h := range pb.holds {
		if len(h.Categories) == 0 || slices.Contains(h.Categories, c) {
			return h, true
		}
	}
	return LegalHold{}, false
}

func holdReason(h LegalHold) string {
	return fmt.Sprintf("legal hold %s: %s", CleanLine(h.Reference), CleanLine(h.Reason))
}

func retentionReason(r RetentionRule) string {
	return fmt.Sprintf("retained %s under %s", CleanLine(r.Period), CleanLine(r.LegalBasis))
}

func erasureOp(e Erasure) FieldOp {
	switch e {
	case EraseDeleteDoc:
		return FieldDelete
	case EraseFixed:
		return FieldFixed
	case EraseHash:
		return FieldHash
	}
	return FieldNull
}

// erased reports whether v holds no personal data any more: empty, the
// field's fixed replacement, or hashed.
func erased(fm FieldMap, v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == "" || (fm.Fixed != "" && x == fm.Fixed) || strings.HasPrefix(x, HashPrefix)
	case []any:
		for _, e := range x {
			if !erased(fm, e) {
				return false
			}
		}
		return true
	}
	return false
}

func emptyValue(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	}
	return false
}

func planSteps(p Plan) []PlanStep {
	var steps []PlanStep
	if p.Type == TypeAccess {
		n := 0
		for _, d := range p.Docs {
			if d.Op == DocExport {
				n++
			}
		}
		return []PlanStep{{Kind: StepExport, Label: "write the access package (" + Count(n, "record") + ")"}}
	}
	var group []int
	flush := func() {
		if len(group) > 0 {
			steps = append(steps, PlanStep{Kind: StepDocument, Docs: group, Label: stepLabel(p, group)})
			group = nil
		}
	}
	for i, d := range p.Docs {
		if !d.Op.Changes() {
			continue
		}
		if len(group) > 0 && (p.Docs[group[0]].Collection != d.Collection || len(group) == StepDocsMax) {
			flush()
		}
		group = append(group, i)
	}
	flush()
	if p.Subject != nil && p.Subject.Op.Changes() {
		verb := "de-identify"
		if p.Subject.Op == DocCorrect {
			verb = "correct"
		}
		steps = append(steps, PlanStep{Kind: StepSubject, Label: SubjectsCollection + "/" + p.Subject.RecordID + ": " + verb})
	}
	return steps
}

// stepLabel names a document step: the record for one, else the
// collection with what happens to how many ("payments: delete 3, mask 1").
func stepLabel(p Plan, docs []int) string {
	first := p.Docs[docs[0]]
	if len(docs) == 1 {
		return first.Collection + "/" + first.RecordID + ": " + string(first.Op)
	}
	counts := map[DocOp]int{}
	var order []DocOp
	for _, i := range docs {
		op := p.Docs[i].Op
		if counts[op] == 0 {
			order = append(order, op)
		}
		counts[op]++
	}
	parts := make([]string, len(order))
	for k, op := range order {
		parts[k] = fmt.Sprintf("%s %d", op, counts[op])
	}
	return first.Collection + ": " + strings.Join(parts, ", ")
}

// withheld gathers what the response keeps back, per category and reason.
func withheld(p Plan) []Withheld {
	var out []Withheld
	add := func(c Category, where, reason string) {
		for i := range out {
			if out[i].Category == c && out[i].Reason == reason {
				out[i].Where = appendUnique(out[i].Where, where)
				return
			}
		}
		out = append(out, Withheld{Category: c, Where: []string{where}, Reason: reason})
	}
	docs := p.Docs
	if p.Subject != nil {
		docs = append(slices.Clone(docs), *p.Subject)
	}
	for _, d := range docs {
		for _, f := range d.Fields {
			switch {
			case d.Op == DocOutOfScope:
				add(f.Category, d.Collection+"."+f.Field, fmt.Sprintf("collected before %s: outside the look-back of a request to know", p.Since.Format(time.DateOnly)))
			case f.Op == FieldKeep, f.Op == FieldWithhold:
				add(f.Category, d.Collection+"."+f.Field, f.Reason)
			}
		}
	}
	return out
}

func appendUnique(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

func docID(d Doc) string {
	if s, ok := d["_id"].(string); ok {
		return s
	}
	return fmt.Sprint(d["_id"])
}

// ApplyDoc returns the document as pd's step leaves it; deleted is true
// when the step removes it. corrections are the request's; hash erases.
func ApplyDoc(cm CollectionMap, pd PlanDoc, d Doc, corrections map[string]string, hash func(string) string) (out Doc, deleted bool) {
	if pd.Op == DocDelete {
		return nil, true
	}
	out = make(Doc, len(d))
	for k, v := range d {
		out[k] = v
	}
	for _, pf := range pd.Fields {
		i := slices.IndexFunc(cm.Fields, func(f FieldMap) bool { return f.Field == pf.Field })
		if i < 0 {
			continue
		}
		fm := cm.Fields[i]
		switch pf.Op {
		case FieldNull:
			out[pf.Field] = nil
		case FieldFixed:
			out[pf.Field] = fm.Fixed
		case FieldHash:
			out[pf.Field] = hashValue(d[pf.Field], hash)
		case FieldSet:
			if pd.Op == DocOptOut {
				out[pf.Field] = false
			} else if nv, ok := corrections[string(fm.SubjectPoint)]; ok {
				out[pf.Field] = nv
			}
		}
	}
	return out, false
}

// hashValue erases a value with hash, element by element for a list so it
// stays a list; what is already hashed is left as it is.
func hashValue(v any, hash func(string) string) any {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		if x == "" || strings.HasPrefix(x, HashPrefix) {
			return x
		}
		return hash(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = hashValue(e, hash)
		}
		return out
	}
	return hash(StoredText(v))
}

// SubjectDoc is the part of a subject a plan reads and changes (identity
// fields and account status), as a Doc for fingerprints.
func SubjectDoc(s Subject) Doc {
	list := func(xs []string) []any {
		out := make([]any, len(xs))
		for i, x := range xs {
			out[i] = x
		}
		return out
	}
	return Doc{
		"_id": s.ID, "tenant_id": s.TenantID, "name": s.Name, "emails": list(s.Emails), "phones": list(s.Phones),
		"address": s.Address, "birth_date": s.BirthDate, "status": string(s.Status),
	}
}

// ApplySubject returns the subject as the plan's subject step leaves it
// (identity fields and status; version and timestamps are the caller's).
// A deletion (DocMask) also marks the account masked.
func ApplySubject(s Subject, pd PlanDoc, corrections map[string]string, hash func(string) string) Subject {
	s.Emails, s.Phones = slices.Clone(s.Emails), slices.Clone(s.Phones)
	hashList := func(xs []string) []string {
		for i, x := range xs {
			if !strings.HasPrefix(x, HashPrefix) {
				xs[i] = hash(x)
			}
		}
		return xs
	}
	for _, pf := range pd.Fields {
		switch pf.Op {
		case FieldFixed:
			if pf.Field == "name" {
				s.Name = DeletedName
			}
		case FieldNull:
			switch pf.Field {
			case "address":
				s.Address = ""
			case "birth_date":
				s.BirthDate = ""
			case "name":
				s.Name = DeletedName
			case "emails":
				s.Emails = nil
			case "phones":
				s.Phones = nil
			}
		case FieldHash:
			switch pf.Field {
			case "emails":
				s.Emails = hashList(s.Emails)
			case "phones":
				s.Phones = hashList(s.Phones)
			}
		case FieldSet:
			nv, ok := corrections[correctionKey(pf.Field)]
			if !ok {
				continue
			}
			switch pf.Field {
			case "name":
				s.Name = nv
			case "emails":
				s.Emails = []string{nv}
			case "phones":
				s.Phones = []string{nv}
			case "address":
				s.Address = nv
			case "birth_date":
				s.BirthDate = nv
			}
		}
	}
	if pd.Op == DocMask {
		s.Status = AccountMasked
		// The other people's contacts are a copy of record fields the
		// deletion erases; the masked subject must not keep them findable.
		s.OtherContacts = nil
	}
	return s
}

// Fingerprint is the SHA-256 (hex) of a document's canonical JSON: keys
// sorted, times in UTC RFC 3339 with nanoseconds.
func Fingerprint(d Doc) string {
	b, err := json.Marshal(canonical(map[string]any(d)))
	if err != nil {
		// canonical leaves only JSON-safe values; this cannot happen, but a
		// fingerprint must never collide with a real one.
		return "unencodable:" + err.Error()
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// canonical turns a value into one encoding/json writes the same way every
// time, whichever driver type it came from.
func canonical(v any) any {
	switch x := v.(type) {
	case time.Time:
		return "t:" + x.UTC().Format(time.RFC3339Nano)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = canonical(e)
		}
		return out
	case Doc:
		return canonical(map[string]any(x))
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = canonical(e)
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case float32:
		return canonical(float64(x))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Sprintf("f:%v", x)
		}
		return x
	}
	return v
}

// ComputeDigest is the plan's digest: SHA-256 over the plan without step
// progress, signature or digest.
func (p Plan) ComputeDigest() string {
	c := p
	c.Digest, c.SignedBy, c.SignedAt = "", "", time.Time{}
	c.Steps = make([]PlanStep, len(p.Steps))
	for i, s := range p.Steps {
		c.Steps[i] = PlanStep{Kind: s.Kind, Docs: s.Docs, Label: s.Label, Processor: s.Processor}
	}
	c.BuiltAt = c.BuiltAt.UTC()
	if c.Since != nil {
		t := c.Since.UTC()
		c.Since = &t
	}
	c.Docs = slices.Clone(p.Docs)
	for i := range c.Docs {
		c.Docs[i].CollectedAt = c.Docs[i].CollectedAt.UTC()
	}
	if p.Subject != nil {
		s := *p.Subject
		s.CollectedAt = s.CollectedAt.UTC()
		c.Subject = &s
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "unencodable:" + err.Error()
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Signed reports whether the plan carries a sign-off of its current content.
func (p Plan) Signed() bool { return p.SignedBy != "" && p.Digest == p.ComputeDigest() }

// StoredText renders a stored value as text: lists joined with "; ", dates
// as YYYY-MM-DD, booleans as yes/no.
func StoredText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case time.Time:
		return x.UTC().Format(time.DateOnly)
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, StoredText(e))
		}
		return strings.Join(parts, "; ")
	}
	return fmt.Sprint(v)
}

// MaskStored masks a stored value of any shape for display: each element of
// a list on its own; a hashed value shows only that it is hashed.
func MaskStored(kind FieldKind, v any) string {
	switch x := v.(type) {
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, MaskStored(kind, e))
		}
		return strings.Join(parts, "; ")
	case string:
		if strings.HasPrefix(x, HashPrefix) {
			return HashPrefix + "…"
		}
	case bool:
		return StoredText(x)
	}
	return Mask(kind, StoredText(v))
}
