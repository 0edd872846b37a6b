package console

// The body of the plan view: steps, counts, documents and what is withheld,
// rendered from present.Plan as the CLI's `requests plan` is.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/present"
)

// planContent is the whole preview at width w. The view has cleaned every
// string from the database (present.PlanOf).
func planContent(th Theme, v present.Plan, w int) string {
	content, _ := planContentMarked(th, v, w)
	return content
}

// planView is r's plan as the console shows it, in its tenant's zone.
func planView(c *Context, r model.Request) present.Plan {
	t, _ := c.Tenant(r.TenantID)
	v, _ := present.PlanOf(r, t)
	return v
}

// planContentMarked is planContent with the lines of the fields withheld
// as another person's data: line index → collection.field.
func planContentMarked(th Theme, v present.Plan, w int) (string, map[int]string) {
	d := &doc{th: th, width: w, labelW: 12}
	marks := map[int]string{}

	d.section("Plan " + v.ID)
	subj := v.SubjectLabel
	if subj == "" {
		subj = "-"
	}
	d.kv("request", v.RequestID+" · "+v.Type+" · "+v.TenantID)
	d.kv("subject", subj+"  ("+v.SubjectID+")")
	d.kv("built", "by "+v.BuiltBy+" at "+v.Time(v.BuiltAt))
	sig := planSigned(v)
	if !v.Signed() {
		sig = th.Soon.Render(sig)
	}
	d.kv("sign-off", sig)
	d.kv("digest", shortDigest(v.Digest))
	if !v.Since.IsZero() {
		d.kv("look-back", "records collected since "+v.Date(v.Since)+"; earlier ones are out of scope")
	}
	d.kv("steps", fmt.Sprintf("%d of %d done", v.StepsDone(), len(v.Steps)))

	d.section("Documents per collection")
	planCounts(d, v.Counts)

	docs := fmt.Sprintf("Documents (%d)", len(v.Docs))
	if v.Record != nil {
		// The subject record is listed apart, below; the count says so
		// rather than seeming to leave it out.
		docs = fmt.Sprintf("Documents (%d, and the subject record below)", len(v.Docs))
	}
	d.section(docs)
	for _, pd := range v.Docs {
		planDocLines(d, v, pd, marks)
	}
	if len(v.Docs) == 0 {
		d.line("   " + th.Dim.Render("the subject has no documents in any mapped collection"))
	}
	if v.Record != nil {
		d.section("Subject record")
		planDocLines(d, v, *v.Record, marks)
	}

	disclosedLines(d, v)

	d.section(fmt.Sprintf("Withheld (%d)", len(v.Withheld)))
	for _, wh := range v.Withheld {
		withheldLines(d, wh)
	}
	if len(v.Withheld) == 0 {
		d.line("   " + th.Dim.Render("nothing: the response withholds no data"))
	}

	d.section(fmt.Sprintf("Steps (%d of %d done)", v.StepsDone(), len(v.Steps)))
	for i, s := range v.Steps {
		mark := "·"
		if s.Done {
			mark = "✓"
		}
		line := fmt.Sprintf("%s %d. %s", mark, i+1, s.Label)
		if s.Done {
			line += "  — " + orDash(s.Result) + " (" + s.DoneBy + " " + v.Time(s.DoneAt) + ")"
		}
		d.para(3, line)
	}
	if len(v.Steps) == 0 {
		d.line("   " + th.Dim.Render("no steps: nothing to change"))
	}
	return strings.Join(d.lines, "\n"), marks
}

// planCounts is the preview's table: one row per collection, a column per
// operation. Columns no document uses are left out when all do not fit.
func planCounts(d *doc, counts []present.PlanCount) {
	name := func(c present.PlanCount) string {
		if c.Record {
			return c.Collection + " (record)"
		}
		return c.Collection
	}
	if len(counts) == 0 {
		d.line("   " + d.th.Dim.Render("none"))
		return
	}
	cols := model.DocOps()
	nameW := len("collection")
	for _, c := range counts {
		nameW = max(nameW, textWidth(name(c)))
	}
	nameW = min(nameW, 24)
	width := func(cols []model.DocOp) int {
		n := 3 + nameW
		for _, o := range cols {
			n += 1 + max(5, len(o.Label()))
		}
		return n
	}
	if width(cols) > d.width {
		var used []model.DocOp
		for _, o := range cols {
			if slices.ContainsFunc(counts, func(c present.PlanCount) bool { return c.Ops[o] > 0 }) {
				used = append(used, o)
			}
		}
		cols = used
	}
	head := "   " + padRight("collection", nameW)
	for _, o := range cols {
		head += " " + padLeft(o.Label(), max(5, len(o.Label())))
	}
	d.line(d.th.Label.Render(truncate(head, d.width)))
	total := map[model.DocOp]int{}
	for _, c := range counts {
		row := "   " + padRight(name(c), nameW)
		for _, o := range cols {
			n := c.Ops[o]
			total[o] += n
			cell := "·"
			if n > 0 {
				cell = fmt.Sprint(n)
			}
			row += " " + padLeft(cell, max(5, len(o.Label())))
		}
		d.line(row)
	}
	row := "   " + padRight("total", nameW)
	for _, o := range cols {
		row += " " + padLeft(fmt.Sprint(total[o]), max(5, len(o.Label())))
	}
	d.line(d.th.Label.Render(truncate(row, d.width)))
}

// planDocLines is one document: where it is, when it was collected (the
// tenant's day), what happens to it and why, then each field.
// marks, when not nil, gets the lines of each field withheld as another
// person's data, so D on such a line knows which field it is.
func planDocLines(d *doc, v present.Plan, pd present.PlanDoc, marks map[int]string) {
	head := fmt.Sprintf("%s/%s  collected %s  %s", pd.Collection, pd.RecordID, v.Date(pd.CollectedAt), strings.ToUpper(pd.Op.Label()))
	if pd.Reason != "" {
		head += " — " + pd.Reason
	}
	d.para(3, head)
	for _, f := range pd.Fields {
		line := fmt.Sprintf("%s (%s) %s", f.Field, f.Category, f.Label)
		if res := f.Result(); f.Current != "" || res != "" {
			line += "  " + orDash(f.Current)
			if res != "" {
				line += " → " + res
			}
		}
		if f.Reason != "" {
			line += " — " + f.Reason
		}
		start := len(d.lines)
		d.para(7, line)
		if marks != nil && f.Disclose != "" {
			for i := start; i < len(d.lines); i++ {
				marks[i] = f.Disclose
			}
		}
	}
}

func withheldLines(d *doc, wh present.Withheld) {
	d.para(3, wh.Category+": "+orDash(wh.Reason))
	if len(wh.Where) > 0 {
		d.para(7, d.th.Dim.Render(strings.Join(wh.Where, ", ")))
	}
}
