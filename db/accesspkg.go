package db

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/custodian-dev/custodian/model"
)

// Access package files, in the order they are recorded.
const (
	accessJSONName    = "access.json"
	accessSummaryName = "summary.html"
)

// accessPackage is access.json: the machine-readable copy of everything in
// scope. Its bytes depend only on the data and the plan (generated_at is the
// sign-off time), so a re-run after a crash writes the same file.
type accessPackage struct {
	RequestID   string          `json:"request_id"`
	Tenant      accessTenant    `json:"tenant"`
	GeneratedAt time.Time       `json:"generated_at"`
	Since       *time.Time      `json:"look_back_since,omitempty"`
	Subject     accessSubject   `json:"subject"`
	Records     []accessRecord  `json:"records"`
	OutOfScope  []outOfScopeRow `json:"out_of_scope"`
	// Withheld names, without their values, the fields of the records
	// above the response holds back, and why.
	Withheld []accessWithheld `json:"withheld"`
}

// accessWithheld is one field held back from the package's records.
type accessWithheld struct {
	Collection string           `json:"collection"`
	Product    string           `json:"product"`
	Field      string           `json:"field"`
	Category   model.Category   `json:"category"`
	Class      model.FieldClass `json:"class,omitempty"`
	ThirdParty string           `json:"third_party,omitempty"`
	Records    int              `json:"records"`
	Reason     string           `json:"reason"`
}

type accessTenant struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type accessSubject struct {
	ID             string   `json:"id"`
	AccountID      string   `json:"account_id,omitempty"`
	Name           string   `json:"name"`
	Emails         []string `json:"emails"`
	Phones         []string `json:"phones"`
	Address        string   `json:"address,omitempty"`
	BirthDate      string   `json:"birth_date,omitempty"`
	ResidencyState string   `json:"residency_state,omitempty"`
	AccountStatus  string   `json:"account_status"`
}

type accessRecord struct {
	Collection  string        `json:"collection"`
	Product     string        `json:"product"`
	RecordID    string        `json:"record_id"`
	CollectedAt time.Time     `json:"collected_at"`
	Fields      []accessField `json:"fields"`
}

// accessField is one stored field; Category is set for personal data the
// data map describes.
type accessField struct {
	Field    string         `json:"field"`
	Value    any            `json:"value"`
	Category model.Category `json:"category,omitempty"`
}

type outOfScopeRow struct {
	Collection string `json:"collection"`
	Product    string `json:"product"`
	Records    int    `json:"records"`
}

// runExportStep re-reads every planned document (each must be as planned:
// the package shows what was approved, or nothing) and writes the package.
func (s *Store) runExportStep(ctx context.Context, env runEnv, r model.Request) (string, *model.AccessExport, error) {
	p := *r.Plan
	if s.exportDir == "" {
		return "", nil, errors.New("this console has no exports directory for the access package")
	}
	pkg := accessPackage{
		RequestID: r.ID, Tenant: accessTenant{ID: env.tenant.ID, Name: env.tenant.Name},
		GeneratedAt: p.SignedAt.UTC(), Since: p.Since, Records: []accessRecord{}, OutOfScope: []outOfScopeRow{},
		Withheld: []accessWithheld{},
	}
	var sub model.Subject
	err := s.subjects.FindOne(ctx, bson.D{{Key: "_id", Value: r.SubjectID}}).Decode(&sub)
	if errors.Is(err, mongo.ErrNoDocuments) || (err == nil && sub.TenantID != r.TenantID) {
		return "", nil, stale(p, model.SubjectsCollection+"/"+r.SubjectID)
	}
	if err != nil {
		return "", nil, fmt.Errorf("read subject %s: %w", r.SubjectID, err)
	}
	if p.Subject != nil && model.Fingerprint(model.SubjectDoc(sub)) != p.Subject.Before {
		return "", nil, stale(p, model.SubjectsCollection+"/"+r.SubjectID)
	}
	pkg.Subject = accessSubject{ID: sub.ID, AccountID: sub.AccountID, Name: sub.Name, Emails: nonNil(sub.Emails), Phones: nonNil(sub.Phones),
		Address: sub.Address, BirthDate: sub.BirthDate, ResidencyState: sub.ResidencyState, AccountStatus: string(sub.Status)}

	// One query per collection for the exported records, not one per record.
	want := map[string][]model.PlanDoc{}
	for _, pd := range p.Docs {
		if pd.Op == model.DocExport {
			want[pd.Collection] = append(want[pd.Collection], pd)
		}
	}
	stored := map[string]map[string]storedDoc{}
	for coll, pds := range want {
		cm, ok := env.maps[coll]
		if !ok {
			return "", nil, stale(p, "the data map entry of "+coll)
		}
		got, err := s.readRecords(ctx, cm, r.TenantID, r.SubjectID, pds)
		if err != nil {
			return "", nil, err
		}
		stored[coll] = got
	}
	out := map[string]int{}
	var outOrder []string
	for _, pd := range p.Docs {
		switch pd.Op {
		case model.DocOutOfScope:
			if _, ok := out[pd.Collection]; !ok {
				outOrder = append(outOrder, pd.Collection)
			}
			out[pd.Collection]++
			continue
		case model.DocExport:
		default:
			continue
		}
		where := pd.Collection + "/" + pd.RecordID
		cm, ok := env.maps[pd.Collection]
		if !ok {
			return "", nil, stale(p, "the data map entry of "+pd.Collection)
		}
		d, found := stored[pd.Collection][recordKey(pd)]
		// Checked again here, not only by the plan's query: a package must
		// never carry another person's record.
		if !found || !d.linked(cm, r.TenantID, r.SubjectID) || model.Fingerprint(d.doc) != pd.Before {
			return "", nil, stale(p, where)
		}
		rec, held := exportRecord(cm, pd, d, p.Disclosures)
		pkg.Records = append(pkg.Records, rec)
		pkg.Withheld = addWithheld(pkg.Withheld, held)
	}
	for _, c := range outOrder {
		pkg.OutOfScope = append(pkg.OutOfScope, outOfScopeRow{Collection: c, Product: env.maps[c].Product, Records: out[c]})
	}
	files, sealed, err := s.writeAccessPackage(r.ID, pkg, env, r.Delivery)
	if err != nil {
		return "", nil, err
	}
	exp := &model.AccessExport{Dir: r.ID, Files: files, Records: len(pkg.Records), At: pkg.GeneratedAt, Sealed: sealed}
	parts := make([]string, len(files))
	for i, f := range files {
		parts[i] = f.Name + " sha256:" + f.SHA256
	}
	res := fmt.Sprintf("%s, %s: %s", model.Count(len(files), "file"), model.Count(len(pkg.Records), "record"), strings.Join(parts, ", "))
	if sealed != nil {
		res = fmt.Sprintf("sealed %s sha256:%s for %s, holding %s", sealed.Name, sealed.SHA256, r.Delivery.KeyID(), res)
	}
	return res, exp, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// exportRecord is one document for the package: every field but the
// structural ones (_id, tenant, subject link), in stored order, except the
// fields it must hold back, which it returns instead (without values).
func exportRecord(cm model.CollectionMap, pd model.PlanDoc, d storedDoc, disclosed []model.Disclosure) (accessRecord, []accessWithheld) {
	rec := accessRecord{Collection: pd.Collection, Product: cm.Product, RecordID: pd.RecordID, CollectedAt: pd.CollectedAt.UTC(), Fields: []accessField{}}
	var held []accessWithheld
	for _, e := range d.raw {
		switch e.Key {
		case "_id", "tenant_id", cm.SubjectField:
			continue
		}
		fm, _ := cm.Field(e.Key)
		if reason, ok := withholdReason(fm, pd, disclosed); ok {
			held = append(held, accessWithheld{Collection: pd.Collection, Product: cm.Product, Field: e.Key, Category: fm.Category,
				Class: fm.Class, ThirdParty: fm.ThirdParty, Records: 1, Reason: reason})
			continue
		}
		rec.Fields = append(rec.Fields, accessField{Field: e.Key, Value: d.doc[e.Key], Category: fm.Category})
	}
	return rec, held
}

// withholdReason decides, again at the moment of writing, whether a field
// stays out of the package: the signed plan's decision, and the data map's
// marks besides, so a plan signed before a field was marked (or a
// hand-edited one) still cannot hand out an SSN or another person's data.
func withholdReason(fm model.FieldMap, pd model.PlanDoc, disclosed []model.Disclosure) (string, bool) {
	for _, pf := range pd.Fields {
		if pf.Field == fm.Field && pf.Op == model.FieldWithhold {
			return pf.Reason, true
		}
	}
	switch {
	case fm.Field == "":
		return "", false
	case fm.Class.NeverDisclose():
		return fm.Class.WithholdReason(), true
	case fm.ThirdParty != "" && !slices.ContainsFunc(disclosed, func(d model.Disclosure) bool {
		return d.Collection == pd.Collection && d.Field == fm.Field
	}):
		return model.ThirdPartyReason(fm.ThirdParty), true
	}
	return "", false
}

// addWithheld merges held into list, one row per collection and field.
func addWithheld(list, held []accessWithheld) []accessWithheld {
	for _, h := range held {
		i := slices.IndexFunc(list, func(w accessWithheld) bool { return w.Collection == h.Collection && w.Field == h.Field })
		if i < 0 {
			list = append(list, h)
			continue
		}
		list[i].Records++
	}
	return list
}

// writeAccessPackage writes the package under <exports>/<request id>/:
// with a delivery method chosen, one encrypted file (sealPackage) and no
// plain copy; without one, both files as they are. Each file goes through
// a temporary file and a rename so a reader never sees half a file. files
// are the package's files with the hashes of their plain bytes either way.
func (s *Store) writeAccessPackage(requestID string, pkg accessPackage, env runEnv, d *model.AccessDelivery) (files []model.ExportFile, sealed *model.ExportFile, _ error) {
	if !filepath.IsLocal(requestID) || filepath.Base(requestID) != requestID {
		return nil, nil, fmt.Errorf("request id %q cannot name a directory", requestID)
	}
	dir := filepath.Join(s.exportDir, requestID)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("create the access package directory: %w", err)
	}
	js, err := json.MarshalIndent(pkg, "", "  ")
	if err != nil {
		return nil, nil, fmt.Errorf("encode %s: %w", accessJSONName, err)
	}
	js = append(js, '\n')
	html, err := renderSummary(pkg, env)
	if err != nil {
		return nil, nil, fmt.Errorf("render %s: %w", accessSummaryName, err)
	}
	contents := []packageFile{{accessJSONName, js}, {accessSummaryName, html}}
	for _, f := range contents {
		sum := sha256.Sum256(f.data)
		files = append(files, model.ExportFile{Name: f.name, SHA256: hex.EncodeToString(sum[:]), Bytes: int64(len(f.data))})
	}
	if d != nil {
		sealed, err := sealPackage(dir, requestID, pkg.GeneratedAt, contents, *d, env.issued)
		if err != nil {
			return nil, nil, err
		}
		return files, sealed, nil
	}
	for _, f := range contents {
		if err := writePackageFile(dir, f.name, f.data); err != nil {
			return nil, nil, err
		}
	}
	return files, nil, nil
}

// packageFile is one file of the package, in memory.
type packageFile struct {
	name string
	data []byte
}

// writePackageFile is writeFileAtomic with a sync before the rename: the
// package's hash is recorded as soon as it is written.
func writePackageFile(dir, name string, data []byte) error {
	tmp, err := os.CreateTemp(dir, "."+name+".*.tmp") // created 0600
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}
