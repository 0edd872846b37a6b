package console

// The body of the plan view: steps, counts, documents and what is withheld.

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// planContent is the whole preview at width w. Every string from the
// database goes through CleanLine here, the one place it enters the view.
func planContent(th Theme, r model.Request, loc *time.Location, w int) string {
	content, _ := planContentMarked(th, r, loc, w)
	return content
}

// planContentMarked is planContent with the lines of the fields withheld
// as another person's data: line index → collection.field.
func planContentMarked(th Theme, r model.Request, loc *time.Location, w int) (string, map[int]string) {
	pl := r.Plan
	clean := model.CleanLine
	d := &doc{th: th, width: w, labelW: 12}
	marks := map[int]string{}

	d.section("Plan " + clean(pl.ID))
	subj := clean(r.SubjectLabel)
	if subj == "" {
		subj = "-"
	}
	d.kv("request", clean(r.ID)+" · "+clean(r.Type.Label())+" · "+clean(r.TenantID))
	d.kv("subject", subj+"  ("+clean(pl.SubjectID)+")")
	d.kv("built", "by "+clean(pl.BuiltBy)+" at "+stamp(pl.BuiltAt, loc))
	sig := planSignature(pl, loc)
	if pl.SignedBy == "" {
		sig = th.Soon.Render(sig)
	}
	d.kv("sign-off", sig)
	d.kv("digest", shortDigest(pl.Digest))
	if pl.Since != nil {
		d.kv("look-back", "records collected since "+day(*pl.Since, loc)+"; earlier ones are out of scope")
	}
	d.kv("steps", fmt.Sprintf("%d of %d done", doneSteps(pl), len(pl.Steps)))

	d.section("Documents per collection")
	planCounts(d, pl)

	d.section(fmt.Sprintf("Documents (%d)", len(pl.Docs)))
	for _, pd := range pl.Docs {
		planDocLines(d, pd, loc, marks)
	}
	if len(pl.Docs) == 0 {
		d.line("   " + th.Dim.Render("the subject has no documents in any mapped collection"))
	}
	if pl.Subject != nil {
		d.section("Subject record")
		planDocLines(d, *pl.Subject, loc, marks)
	}

	disclosedLines(d, pl.Disclosures, r.Disclosures, loc)

	d.section(fmt.Sprintf("Withheld (%d)", len(pl.Withheld)))
	for _, wh := range pl.Withheld {
		withheldLines(d, wh)
	}
	if len(pl.Withheld) == 0 {
		d.line("   " + th.Dim.Render("nothing: the response withholds no data"))
	}

	d.section(fmt.Sprintf("Steps (%d of %d done)", doneSteps(pl), len(pl.Steps)))
	for i, s := range pl.Steps {
		mark := "·"
		if s.Done {
			mark = "✓"
		}
		line := fmt.Sprintf("%s %d. %s", mark, i+1, clean(s.Label))
		if s.Done {
			line += "  — " + orDash(clean(s.Result)) + " (" + clean(s.DoneBy) + " " + stamp(s.DoneAt, loc) + ")"
		}
		d.para(3, line)
	}
	if len(pl.Steps) == 0 {
		d.line("   " + th.Dim.Render("no steps: nothing to change"))
	}
	return strings.Join(d.lines, "\n"), marks
}

// planCounts is the preview's table: one row per collection, a column per
// operation. Columns no document uses are left out when all do not fit.
func planCounts(d *doc, pl *model.Plan) {
	counts := pl.Counts()
	if pl.Subject != nil {
		counts = append(counts, model.PlanCount{Collection: model.CleanLine(model.SubjectsCollection) + " (record)", Ops: map[model.DocOp]int{pl.Subject.Op: 1}})
	}
	if len(counts) == 0 {
		d.line("   " + d.th.Dim.Render("none"))
		return
	}
	cols := model.DocOps()
	nameW := len("collection")
	for _, c := range counts {
		nameW = max(nameW, textWidth(model.CleanLine(c.Collection)))
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
			if slices.ContainsFunc(counts, func(c model.PlanCount) bool { return c.Ops[o] > 0 }) {
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
		row := "   " + padRight(model.CleanLine(c.Collection), nameW)
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

// planDocLines is one document: where it is, when it was collected, what
// happens to it and why, then each field.
// marks, when not nil, gets the lines of each field withheld as another
// person's data, so D on such a line knows which field it is.
func planDocLines(d *doc, pd model.PlanDoc, loc *time.Location, marks map[int]string) {
	clean := model.CleanLine
	head := fmt.Sprintf("%s/%s  collected %s  %s", clean(pd.Collection), clean(pd.RecordID), day(pd.CollectedAt, loc), strings.ToUpper(pd.Op.Label()))
	if pd.Reason != "" {
		head += " — " + clean(pd.Reason)
	}
	d.para(3, head)
	for _, f := range pd.Fields {
		line := fmt.Sprintf("%s (%s) %s", clean(f.Field), clean(string(f.Category)), clean(f.Label()))
		if f.Current != "" || f.New != "" {
			line += "  " + orDash(clean(f.Current))
			if f.New != "" {
				line += " → " + clean(f.New)
			}
		}
		if f.Reason != "" {
			line += " — " + clean(f.Reason)
		}
		start := len(d.lines)
		d.para(7, line)
		if marks != nil && f.ThirdParty != "" && f.Op == model.FieldWithhold {
			for i := start; i < len(d.lines); i++ {
				marks[i] = pd.Collection + "." + f.Field
			}
		}
	}
}

func withheldLines(d *doc, wh model.Withheld) {
	where := make([]string, len(wh.Where))
	for i, x := range wh.Where {
		where[i] = model.CleanLine(x)
	}
	d.para(3, model.CleanLine(string(wh.Category))+": "+orDash(model.CleanLine(wh.Reason)))
	if len(where) > 0 {
		d.para(7, d.th.Dim.Render(strings.Join(where, ", ")))
	}
}
