package db

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
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
		pkg.Records = append(pkg.Records, exportRecord(cm, pd, d))
	}
	for _, c := range outOrder {
		pkg.OutOfScope = append(pkg.OutOfScope, outOfScopeRow{Collection: c, Product: env.maps[c].Product, Records: out[c]})
	}
	files, err := s.writeAccessPackage(r.ID, pkg, env)
	if err != nil {
		return "", nil, err
	}
	exp := &model.AccessExport{Dir: r.ID, Files: files, Records: len(pkg.Records), At: pkg.GeneratedAt}
	parts := make([]string, len(files))
	for i, f := range files {
		parts[i] = f.Name + " sha256:" + f.SHA256
	}
	return fmt.Sprintf("%d files, %d records: %s", len(files), len(pkg.Records), strings.Join(parts, ", ")), exp, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// exportRecord is one document for the package: every field but the
// structural ones (_id, tenant, subject link), in stored order.
func exportRecord(cm model.CollectionMap, pd model.PlanDoc, d storedDoc) accessRecord {
	cat := map[string]model.Category{}
	for _, f := range cm.Fields {
		cat[f.Field] = f.Category
	}
	rec := accessRecord{Collection: pd.Collection, Product: cm.Product, RecordID: pd.RecordID, CollectedAt: pd.CollectedAt.UTC(), Fields: []accessField{}}
	for _, e := range d.raw {
		switch e.Key {
		case "_id", "tenant_id", cm.SubjectField:
			continue
		}
		rec.Fields = append(rec.Fields, accessField{Field: e.Key, Value: d.doc[e.Key], Category: cat[e.Key]})
	}
	return rec
}

// writeAccessPackage writes both files under <exports>/<request id>/, each
// through a temporary file and a rename so a reader never sees half a file.
func (s *Store) writeAccessPackage(requestID string, pkg accessPackage, env runEnv) ([]model.ExportFile, error) {
	if !filepath.IsLocal(requestID) || filepath.Base(requestID) != requestID {
		return nil, fmt.Errorf("request id %q cannot name a directory", requestID)
	}
	dir := filepath.Join(s.exportDir, requestID)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create the access package directory: %w", err)
	}
	js, err := json.MarshalIndent(pkg, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", accessJSONName, err)
	}
	js = append(js, '\n')
	html, err := renderSummary(pkg, env)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", accessSummaryName, err)
	}
	var files []model.ExportFile
	for _, f := range []struct {
		name string
		data []byte
	}{{accessJSONName, js}, {accessSummaryName, html}} {
		if err := writePackageFile(dir, f.name, f.data); err != nil {
			return nil, err
		}
		sum := sha256.Sum256(f.data)
		files = append(files, model.ExportFile{Name: f.name, SHA256: hex.EncodeToString(sum[:]), Bytes: int64(len(f.data))})
	}
	return files, nil
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

// The summary a resident reads: html/template escapes every value, and
// values also go through model.CleanLine so control and bidi characters a
// form let through cannot disguise what is shown (access.json keeps them).
var summaryTemplate = template.Must(template.New("summary").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Your personal information held by {{.Tenant}}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.4; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1rem; }
th, td { border: 1px solid #ccc; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
</style>
</head>
<body>
<h1>Your personal information</h1>
<p>This is a copy of the personal information {{.Tenant}} holds about you in the products its vendor runs for it,
prepared for your request {{.RequestID}} on {{.Generated}}.
The file access.json beside this page holds the same records in a machine-readable form.</p>
<p>{{.LookBack}}</p>

<h2>About you</h2>
<table>
{{range .Identity}}<tr><th>{{.Label}}</th><td>{{.Value}}</td></tr>
{{end}}</table>
{{range .Products}}
<h2>{{.Product}}</h2>
{{range .Categories}}<h3>{{.Label}}</h3>
<table>
<tr><th>Record</th><th>Collected</th><th>Detail</th><th>Value</th></tr>
{{range .Rows}}<tr><td>{{.RecordID}}</td><td>{{.Collected}}</td><td>{{.Field}}</td><td>{{.Value}}</td></tr>
{{end}}</table>
{{end}}{{else}}
<p>No records were collected about you in the period covered.</p>
{{end}}
<h2>Older records</h2>
{{if .OutOfScope}}<ul>
{{range .OutOfScope}}<li>{{.Product}}: {{.Records}} record(s) collected before {{$.Since}} are not included.</li>
{{end}}</ul>{{else}}<p>There are no older records.</p>{{end}}
</body>
</html>
`))

type summaryRow struct{ RecordID, Collected, Field, Value string }

type summaryCategory struct {
	Label string
	Rows  []summaryRow
}

type summaryProduct struct {
	Product    string
	Categories []summaryCategory
}

type summaryLabel struct{ Label, Value string }

// otherDetails groups the fields that describe a record rather than the
// person (a program, an amount): still the resident's data, shown last.
const otherDetails = "Other details of the record"

func renderSummary(pkg accessPackage, env runEnv) ([]byte, error) {
	since := "—"
	look := "It covers every record we hold about you."
	if pkg.Since != nil {
		since = pkg.Since.UTC().Format(time.DateOnly)
		look = "It covers records collected on or after " + since + " (the 12 months before your request, extended back to 1 January 2022 as the law allows)."
	}
	s := pkg.Subject
	identity := []summaryLabel{
		{"Name", s.Name}, {"Email addresses", strings.Join(s.Emails, ", ")}, {"Phone numbers", strings.Join(s.Phones, ", ")},
		{"Address", s.Address}, {"Date of birth", s.BirthDate}, {"Account", s.AccountID}, {"Account status", s.AccountStatus},
	}
	for i := range identity {
		identity[i].Value = orDash(model.CleanLine(identity[i].Value))
	}
	var products []summaryProduct
	pIdx := map[string]int{}
	for _, rec := range pkg.Records {
		pi, ok := pIdx[rec.Product]
		if !ok {
			pi = len(products)
			pIdx[rec.Product] = pi
			products = append(products, summaryProduct{Product: model.CleanLine(rec.Product)})
		}
		for _, f := range rec.Fields {
			label := otherDetails
			if info, ok := f.Category.Info(); ok {
				label = info.Label
			}
			cats := &products[pi].Categories
			ci := -1
			for k, c := range *cats {
				if c.Label == label {
					ci = k
				}
			}
			if ci < 0 {
				ci = len(*cats)
				*cats = append(*cats, summaryCategory{Label: label})
			}
			(*cats)[ci].Rows = append((*cats)[ci].Rows, summaryRow{
				RecordID: model.CleanLine(rec.RecordID), Collected: rec.CollectedAt.Format(time.DateOnly),
				Field: strings.ReplaceAll(f.Field, "_", " "), Value: orDash(model.CleanLine(summaryValue(f.Value))),
			})
		}
	}
	// Categories in the policy's order, "other details" last.
	order := map[string]int{otherDetails: len(model.Categories())}
	for i, c := range model.Categories() {
		order[c.Label] = i
	}
	for _, p := range products {
		cs := p.Categories
		for i := 1; i < len(cs); i++ {
			for j := i; j > 0 && order[cs[j].Label] < order[cs[j-1].Label]; j-- {
				cs[j], cs[j-1] = cs[j-1], cs[j]
			}
		}
	}
	var buf bytes.Buffer
	err := summaryTemplate.Execute(&buf, map[string]any{
		"Tenant": model.CleanLine(env.tenant.Name), "RequestID": pkg.RequestID, "Generated": pkg.GeneratedAt.Format(time.DateOnly),
		"LookBack": look, "Since": since, "Identity": identity, "Products": products, "OutOfScope": pkg.OutOfScope,
	})
	return buf.Bytes(), err
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// summaryValue renders a plain value as a resident reads it: as operators
// see stored values, but with the time of day when a record has one.
func summaryValue(v any) string {
	switch x := v.(type) {
	case time.Time:
		if x := x.UTC(); x.Hour() != 0 || x.Minute() != 0 || x.Second() != 0 {
			return x.Format("2006-01-02 15:04 UTC")
		}
	case map[string]any:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return model.StoredText(v)
}
