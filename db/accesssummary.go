package db

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// summary.html is the package a resident reads: plain words, the tenant's
// time zone, money and phone numbers as people write them, no internal
// record ids or tokens, per product where the data comes from, why it is
// held and who receives it, what was held back and why, and whom to write
// to with a question or an appeal. html/template escapes every value, and
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
.about { color: #333; }
.held { background: #fff8e1; padding: .5rem 1rem; border-left: 4px solid #f0b400; }
</style>
</head>
<body>
<h1>Your personal information</h1>
<p>This is a copy of the personal information {{.Tenant}} holds about you in the products its vendor runs for it,
prepared for your request {{.RequestID}} on {{.Generated}}.
The file access.json beside this page holds the same records in a machine-readable form.
Times are shown in {{.Zone}}.</p>
<p>{{.LookBack}}</p>

<h2>About you</h2>
<table>
{{range .Identity}}<tr><th>{{.Label}}</th><td>{{.Value}}</td></tr>
{{end}}</table>
{{range .Products}}
<h2>{{.Product}}</h2>
<div class="about">
{{if .Sources}}<p><strong>Where it comes from:</strong> {{.Sources}}</p>{{end}}
{{if .Purposes}}<p><strong>Why it is held:</strong> {{.Purposes}}</p>{{end}}
{{if .Recipients}}<p><strong>Who receives it:</strong> {{.Recipients}}</p>{{end}}
</div>
{{range .Categories}}<h3>{{.Label}}</h3>
<table>
<tr><th>Record</th><th>Collected</th><th>Detail</th><th>Value</th></tr>
{{range .Rows}}<tr><td>{{.Record}}</td><td>{{.Collected}}</td><td>{{.Field}}</td><td>{{.Value}}</td></tr>
{{end}}</table>
{{end}}{{if .Held}}<div class="held">
<h3>Held but not included</h3>
<ul>
{{range .Held}}<li>{{.}}</li>
{{end}}</ul>
</div>
{{end}}{{else}}
<p>No records were collected about you in the period covered.</p>
{{end}}
<h2>Older records</h2>
{{if .OutOfScope}}<ul>
{{range .OutOfScope}}<li>{{.Product}}: {{.Records}} record(s) collected before {{$.Since}} are not included.</li>
{{end}}</ul>{{else}}<p>There are no older records.</p>{{end}}

<h2>Questions, or if you disagree</h2>
<p>{{.Contact}}</p>
<p>{{.Appeal}}</p>
</body>
</html>
`))

type summaryRow struct{ Record, Collected, Field, Value string }

type summaryCategory struct {
	Label string
	Rows  []summaryRow
}

type summaryProduct struct {
	Product                       string
	Sources, Purposes, Recipients string
	Categories                    []summaryCategory
	Held                          []string
}

type summaryLabel struct{ Label, Value string }

// otherDetails groups the fields that describe a record rather than the
// person (a program, an amount): still the resident's data, shown last.
const otherDetails = "Other details of the record"

func renderSummary(pkg accessPackage, env runEnv) ([]byte, error) {
	loc := env.tenant.Location()
	since := "—"
	look := "It covers every record we hold about you."
	if pkg.Since != nil {
		since = pkg.Since.UTC().Format(time.DateOnly)
		look = "It covers records collected on or after " + since + " (the 12 months before your request, extended back to 1 January 2022 as the law allows)."
	}
	s := pkg.Subject
	phones := make([]string, len(s.Phones))
	for i, p := range s.Phones {
		phones[i] = model.FormatPhone(p)
	}
	identity := []summaryLabel{
		{"Name", s.Name}, {"Email addresses", strings.Join(s.Emails, ", ")}, {"Phone numbers", strings.Join(phones, ", ")},
		{"Address", s.Address}, {"Date of birth", s.BirthDate}, {"Account", s.AccountID}, {"Account status", s.AccountStatus},
	}
	for i := range identity {
		identity[i].Value = orDash(model.CleanLine(identity[i].Value))
	}
	var products []summaryProduct
	pIdx := map[string]int{}
	product := func(coll, name string) *summaryProduct {
		pi, ok := pIdx[name]
		if !ok {
			pi = len(products)
			pIdx[name] = pi
			cm := env.maps[coll]
			products = append(products, summaryProduct{Product: model.CleanLine(name),
				Sources: cleanList(cm.Sources), Purposes: cleanList(cm.Purposes), Recipients: cleanList(cm.Recipients)})
		}
		return &products[pi]
	}
	seen := map[string]int{} // records per product, numbered for the reader instead of their ids
	for _, rec := range pkg.Records {
		p := product(rec.Collection, rec.Product)
		seen[rec.Product]++
		n := seen[rec.Product]
		cm := env.maps[rec.Collection]
		for _, f := range rec.Fields {
			label := otherDetails
			if info, ok := f.Category.Info(); ok {
				label = info.Label
			}
			ci := -1
			for k, c := range p.Categories {
				if c.Label == label {
					ci = k
				}
			}
			if ci < 0 {
				ci = len(p.Categories)
				p.Categories = append(p.Categories, summaryCategory{Label: label})
			}
			fm, _ := cm.Field(f.Field)
			p.Categories[ci].Rows = append(p.Categories[ci].Rows, summaryRow{
				Record: fmt.Sprintf("#%d", n), Collected: model.LocalStamp(rec.CollectedAt, loc),
				Field: fieldLabel(f.Field), Value: orDash(model.CleanLine(summaryValue(f.Field, fm.Kind, f.Value, loc))),
			})
		}
	}
	for _, w := range pkg.Withheld {
		p := product(w.Collection, w.Product)
		p.Held = appendOnce(p.Held, heldLine(w))
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
	tenant := model.CleanLine(env.tenant.Name)
	var buf bytes.Buffer
	err := summaryTemplate.Execute(&buf, map[string]any{
		"Tenant": tenant, "RequestID": pkg.RequestID, "Generated": model.LocalStamp(pkg.GeneratedAt, loc),
		"Zone": loc.String(), "LookBack": look, "Since": since, "Identity": identity, "Products": products,
		"OutOfScope": pkg.OutOfScope, "Contact": contactLine(env.tenant), "Appeal": appealLine(env.tenant),
	})
	return buf.Bytes(), err
}

// heldLine says what is held back without its value: a never-disclose
// class as "Your Social Security number is on file", another person's
// data as such, anything else with the plan's reason.
func heldLine(w accessWithheld) string {
	field := fieldLabel(w.Field)
	switch {
	case w.Class.NeverDisclose():
		return fmt.Sprintf("%s is on file (%s); the law does not allow us to send it (11 CCR §7024(d)).", w.Class.Held(), field)
	case w.ThirdParty != "":
		return fmt.Sprintf("Information about another person (%s) is on file (%s); it is not included to protect their privacy.", model.CleanLine(w.ThirdParty), field)
	}
	return fmt.Sprintf("%s is on file; it is not included: %s.", field, model.CleanLine(w.Reason))
}

func contactLine(t model.Tenant) string {
	c := t.PrivacyContact
	if c == nil {
		return "If you have a question about this response, contact " + model.CleanLine(t.Name) + " and quote the request number above."
	}
	var how []string
	for _, v := range []string{c.Email, model.FormatPhone(c.Phone), c.Address} {
		if v = model.CleanLine(v); v != "" {
			how = append(how, v)
		}
	}
	who := model.CleanLine(c.Name)
	if who == "" {
		who = model.CleanLine(t.Name)
	}
	return "If you have a question about this response, contact " + who + ": " + strings.Join(how, "; ") + ". Quote the request number above."
}

func appealLine(t model.Tenant) string {
	line := "If you disagree with this response, including anything held back, write to " + model.CleanLine(t.Name) +
		" at the contact above and ask for it to be reviewed, saying what you believe is missing or wrong."
	if t.State == "CA" {
		line += " You may also file a complaint with the California Privacy Protection Agency (cppa.ca.gov) or the California Attorney General (oag.ca.gov)."
	}
	return line
}

func cleanList(xs []string) string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if x = model.CleanLine(x); x != "" {
			out = append(out, x)
		}
	}
	return strings.Join(out, "; ")
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// moneySuffix marks a stored amount in cents ("fee_cents"): the products
// name them so, and a resident reads them as dollars.
const moneySuffix = "_cents"

func fieldLabel(field string) string {
	return strings.ReplaceAll(strings.TrimSuffix(field, moneySuffix), "_", " ")
}

// summaryValue renders a value as a resident reads it: an instant in the
// tenant's zone as the console shows it (a bare date stays a date), an
// amount in cents as dollars, a phone number formatted, a token only as
// being on file (its value is in access.json).
func summaryValue(field string, kind model.FieldKind, v any, loc *time.Location) string {
	switch x := v.(type) {
	case nil:
		return ""
	case time.Time:
		if u := x.UTC(); u.Hour() == 0 && u.Minute() == 0 && u.Second() == 0 {
			return u.Format(time.DateOnly)
		}
		return model.LocalStamp(x, loc)
	case int64, int32, int, float64:
		if strings.HasSuffix(field, moneySuffix) {
			return model.FormatCents(toInt64(x))
		}
	case string:
		switch {
		case strings.HasPrefix(x, model.HashPrefix):
			return "erased"
		case kind == model.KindToken:
			return "on file (a technical identifier; see access.json)"
		case kind == model.KindPhone:
			return model.FormatPhone(x)
		}
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, summaryValue(field, kind, e, loc))
		}
		return strings.Join(parts, "; ")
	case map[string]any:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return model.StoredText(v)
}

func toInt64(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case int:
		return int64(x)
	case float64:
		return int64(x)
	}
	return 0
}
